//! Read a long survey CSV as Excel writes it (Windows-1252, `;`, decimal
//! commas) and print the Borich training priorities of each region.
//!
//! ```text
//! cargo run --example from_csv --features csv [-- path/to/survey.csv]
//! ```
//!
//! Without a path it reads `examples/data/synthetic_survey_excel.csv`
//! (synthetic demonstration data).

use std::path::PathBuf;

use skillsmap::io::{read_csv, CsvOptions};
use skillsmap::scoring::{gap_table, GapOptions, GroupKey, Grouping};
use skillsmap::{Error, IngestOptions};

fn main() -> Result<(), Error> {
    let path = std::env::args_os().nth(1).map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("examples/data/synthetic_survey_excel.csv")
        },
        PathBuf::from,
    );
    let survey = match read_csv(&path, &CsvOptions::long(IngestOptions::defaults()?)) {
        Ok(s) => s,
        Err(Error::Validation(v)) => {
            // every problem, located: print them all rather than the first
            eprintln!("{v}");
            for issue in v.issues.iter().skip(5) {
                eprintln!("  {issue}");
            }
            std::process::exit(1);
        }
        Err(e) => return Err(e),
    };
    println!(
        "{}: {} respondents, {} answers",
        path.display(),
        survey.n_respondents(),
        survey.n_answers()
    );

    let regions = Grouping::by(&survey, &[GroupKey::Region])?;
    let table = gap_table(&survey, &regions, &GapOptions::default())?;
    let fw = survey.framework();
    let k = table.n_items;
    for (g, labels) in regions.labels.iter().enumerate() {
        let name = survey
            .regions()
            .resolve(&labels[0])
            .map_or(labels[0].as_str(), |r| {
                survey.regions().regions[r].name.as_str()
            });
        println!("\n{name}: top training priorities (Borich MWDS)");
        let cells = &table.rank[g * k..(g + 1) * k];
        let mut ranked: Vec<usize> = (0..k).filter(|&j| cells[j] > 0).collect();
        ranked.sort_by_key(|&j| cells[j]);
        for &j in ranked.iter().take(5) {
            println!(
                "  {:>2}. {:<60} MWDS {:5.2}  (n = {})",
                cells[j],
                fw.competences[j].label,
                table.mwds[g * k + j],
                table.n[g * k + j]
            );
        }
        if ranked.is_empty() {
            println!(
                "  (every cell has fewer than {} respondents)",
                GapOptions::default().min_n
            );
        }
    }
    Ok(())
}
