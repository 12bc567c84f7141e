//! Custom competence frameworks from arbitrary JSON text. A framework that
//! parses must write back to JSON that parses to an equal framework.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillsmap::model::Framework;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fw) = Framework::from_json(text) {
        let back = Framework::from_json(&fw.to_json()).expect("a written framework reads back");
        assert!(back == fw, "framework changed on a JSON round trip");
    }
});
