//! Survey ingestion from arbitrary bytes: the CSV reader (encoding,
//! separator and decimal-comma detection) and the whole validation of
//! `build_survey`, long and wide. Any input must give a survey or a typed
//! error; a panic, an abort or a sanitizer report is a bug.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use skillsmap::io::{read_csv_bytes, CsvOptions, WidePatterns};
use skillsmap::scoring::{gap_table, GapOptions, GroupKey, Grouping};
use skillsmap::IngestOptions;

fn options() -> &'static (CsvOptions, CsvOptions) {
    static OPTIONS: OnceLock<(CsvOptions, CsvOptions)> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let ingest = IngestOptions::defaults().expect("embedded defaults load");
        let mut long = CsvOptions::long(ingest.clone());
        long.attributes = vec!["organisation_size".to_owned()];
        let wide = CsvOptions::wide(ingest, WidePatterns::default());
        (long, wide)
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the layout, so both share one corpus.
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (long, wide) = options();
    let opts = if selector & 1 == 0 { long } else { wide };
    if let Ok(survey) = read_csv_bytes(bytes, Path::new("fuzz.csv"), opts) {
        // A survey that validates must also score without error.
        let regions = Grouping::by(&survey, &[GroupKey::Region]).expect("region grouping");
        gap_table(&survey, &regions, &GapOptions::default()).expect("gap table of a valid survey");
    }
});
