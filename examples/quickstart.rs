//! Generate the synthetic demonstration survey and print its summary, with
//! no Python involved: `cargo run --example quickstart`.

use skillsmap::synth::{generate, SynthConfig};

fn main() -> Result<(), skillsmap::Error> {
    let survey = generate(&SynthConfig::new(1200, 0))?;
    println!("{}", survey.summary());
    Ok(())
}
