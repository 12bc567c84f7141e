//! The string-keyed front doors of the crate: `SurveyBuilder`,
//! `survey_from_columns` and (with the `csv` feature) `io::read_csv`, against
//! the generator's surveys and against files written as Excel writes them.

use skillsmap::ingest::{survey_from_columns, Answer, IngestOptions, LongColumns, SurveyBuilder};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::{Error, ErrorKind, IssueCode, Survey};

/// The survey's long table as text keys (region names, type ids,
/// competence ids) and levels, what an export holds.
struct Text {
    respondent: Vec<String>,
    region: Vec<String>,
    stakeholder_type: Vec<String>,
    competence: Vec<String>,
    current: Vec<f64>,
    required: Vec<f64>,
    importance: Vec<f64>,
    weight: Vec<f64>,
    size: Vec<String>,
}

fn text_of(s: &Survey) -> Text {
    let (a, r) = (s.answers(), s.respondents());
    let who = |i: usize| a.respondent[i] as usize;
    let n = a.len();
    Text {
        respondent: (0..n).map(|i| r.ids[who(i)].clone()).collect(),
        region: (0..n)
            .map(|i| s.regions().regions[r.region[who(i)] as usize].name.clone())
            .collect(),
        stakeholder_type: (0..n)
            .map(|i| {
                s.typology().types[r.stakeholder_type[who(i)] as usize]
                    .id
                    .clone()
            })
            .collect(),
        competence: (0..n)
            .map(|i| {
                s.framework().competences[a.competence[i] as usize]
                    .id
                    .clone()
            })
            .collect(),
        current: a.current.clone(),
        required: a.required.clone().unwrap_or_default(),
        importance: a.importance.clone().unwrap_or_default(),
        weight: (0..n)
            .map(|i| r.weight.as_ref().map_or(1.0, |w| w[who(i)]))
            .collect(),
        size: (0..n)
            .map(|i| {
                r.attributes
                    .iter()
                    .find(|a| a.name == "organisation_size")
                    .and_then(|a| a.levels.get(a.codes[who(i)] as usize))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// The same respondents and answers, bit for bit; attributes too unless
/// `attributes` is false (a CSV read here names none).
fn same(a: &Survey, b: &Survey, attributes: bool) {
    let (ra, rb) = (a.respondents(), b.respondents());
    assert!(
        ra.ids == rb.ids && ra.region == rb.region,
        "respondents differ"
    );
    assert!(ra.stakeholder_type == rb.stakeholder_type && ra.weight == rb.weight);
    if attributes {
        assert!(ra.attributes == rb.attributes, "attributes differ");
    }
    let (x, y) = (a.answers(), b.answers());
    assert!(x.respondent == y.respondent && x.competence == y.competence);
    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert!(
        bits(&x.current) == bits(&y.current),
        "current levels differ"
    );
    assert!(x.required.as_deref().map(bits) == y.required.as_deref().map(bits));
    assert!(x.importance.as_deref().map(bits) == y.importance.as_deref().map(bits));
}

fn same_data(a: &Survey, b: &Survey) {
    same(a, b, true)
}

#[test]
fn a_generated_survey_survives_the_builder_row_by_row_and_by_columns() {
    let s = generate(&SynthConfig::new(150, 3)).unwrap();
    let t = text_of(&s);
    let opts = IngestOptions::defaults().unwrap();

    let mut b = SurveyBuilder::new(opts.clone());
    let some = |v: f64| (!v.is_nan()).then_some(v);
    for i in 0..t.respondent.len() {
        let mut a = Answer::new(
            &t.respondent[i],
            &t.region[i],
            &t.stakeholder_type[i],
            &t.competence[i],
        );
        a.current = some(t.current[i]);
        a.required = some(t.required[i]);
        a.importance = some(t.importance[i]);
        a.weight = Some(t.weight[i]);
        b.push(a.attribute("organisation_size", &t.size[i]));
    }
    assert_eq!(b.len(), s.n_answers());
    same_data(&b.build().unwrap(), &s);

    // the column form has no attributes: compare with the survey without
    let columns = LongColumns {
        respondent: &t.respondent,
        region: &t.region,
        stakeholder_type: &t.stakeholder_type,
        competence: &t.competence,
        current: &t.current,
        required: Some(&t.required),
        importance: Some(&t.importance),
        weight: Some(&t.weight),
    };
    let mut b = SurveyBuilder::new(opts.clone());
    b.push_columns(&columns).unwrap();
    assert_eq!(b.len(), s.n_answers());
    let cols = survey_from_columns(&columns, &opts).unwrap();
    same(&cols, &s, false);
    assert!(cols.respondents().attributes.is_empty());
}

#[test]
fn every_problem_is_reported_with_its_row_and_code() {
    let mut b = SurveyBuilder::new(IngestOptions::defaults().unwrap());
    let c = "se.impact.measurement";
    b.push(
        Answer::new("r1", "Atlantis", "cooperative", c)
            .current(2.0)
            .required(4.0),
    );
    b.push(
        Answer::new("r2", "ES22", "cooperative", "knitting")
            .current(2.0)
            .required(4.0),
    );
    b.push(Answer::new("r2", "ES22", "cooperative", c).current(f64::INFINITY));
    b.push(
        Answer::new("r2", "ES22", "cooperative", c)
            .current(3.0)
            .required(4.0),
    );
    b.push(
        Answer::new(" ", "ES22", "mutual", c)
            .current(3.0)
            .required(9.0),
    );
    let err = b.build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    let Error::Validation(v) = err else {
        panic!("not a validation error")
    };
    let found: Vec<(Option<usize>, &str, IssueCode)> = v
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.code))
        .collect();
    assert_eq!(
        found,
        [
            (Some(0), "region", IssueCode::UnknownRegion),
            (Some(1), "competence", IssueCode::UnknownCompetence),
            (Some(2), "current", IssueCode::NotFinite),
            (Some(3), "competence", IssueCode::DuplicateAnswer),
            (Some(4), "respondent", IssueCode::MissingValue),
            (Some(4), "required", IssueCode::OutOfScale),
        ]
    );

    // once one answer has a weight, the others miss theirs
    let mut b = SurveyBuilder::new(IngestOptions::defaults().unwrap());
    b.push(
        Answer::new("r1", "ES22", "mutual", c)
            .current(1.0)
            .required(2.0),
    );
    b.push(
        Answer::new("r2", "ES22", "mutual", c)
            .current(1.0)
            .required(2.0)
            .weight(-1.0),
    );
    let Err(Error::Validation(v)) = b.build() else {
        panic!("built")
    };
    let found: Vec<_> = v.issues.iter().map(|i| (i.row, i.code)).collect();
    assert_eq!(
        found,
        [
            (Some(0), IssueCode::MissingValue),
            (Some(1), IssueCode::NegativeWeight)
        ]
    );
}

#[test]
fn columns_of_unequal_length_are_reported_not_panicked_on() {
    let err = survey_from_columns(
        &LongColumns {
            respondent: &["a", "b"],
            region: &["ES22"],
            stakeholder_type: &["cooperative", "cooperative"],
            competence: &["se.impact.measurement"; 2],
            current: &[1.0, 2.0, 3.0],
            required: None,
            importance: Some(&[4.0, 4.0]),
            weight: None,
        },
        &IngestOptions::defaults().unwrap(),
    )
    .unwrap_err();
    let Error::Validation(v) = err else {
        panic!("{err}")
    };
    let cols: Vec<&str> = v.issues.iter().map(|i| i.column.as_str()).collect();
    assert_eq!(cols, ["region", "current"]);
    assert!(v.issues.iter().all(|i| i.code == IssueCode::ColumnLength));
}

#[test]
fn an_empty_builder_is_empty_input() {
    let b = SurveyBuilder::new(IngestOptions::defaults().unwrap()).with_required();
    assert!(b.is_empty());
    let Err(Error::Validation(v)) = b.build() else {
        panic!("built an empty survey")
    };
    assert_eq!(v.issues[0].code, IssueCode::EmptyInput);
}

/// `s` with its accents decomposed (NFD), as macOS writes names.
fn nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

#[test]
fn decomposed_and_padded_keys_are_the_composed_ones() {
    let s = generate(&SynthConfig::new(80, 5)).unwrap();
    let t = text_of(&s);
    let opts = IngestOptions::defaults().unwrap();
    let build = |odd: &dyn Fn(&str) -> String| {
        let mut b = SurveyBuilder::new(opts.clone());
        let some = |v: f64| (!v.is_nan()).then_some(v);
        let ids: Vec<String> = t.respondent.iter().map(|r| format!("José-{r}")).collect();
        let sizes: Vec<String> = t.size.iter().map(|z| format!("{z} ñ")).collect();
        let keys: Vec<[String; 4]> = (0..t.respondent.len())
            .map(|i| {
                let k = [&ids[i], &t.region[i], &t.competence[i], &sizes[i]];
                if i % 2 == 1 {
                    k.map(|x| odd(x))
                } else {
                    k.map(String::clone)
                }
            })
            .collect();
        for (i, [id, region, comp, size]) in keys.iter().enumerate() {
            let mut a = Answer::new(id, region, &t.stakeholder_type[i], comp);
            a.current = some(t.current[i]);
            a.required = some(t.required[i]);
            a.importance = some(t.importance[i]);
            a.weight = Some(t.weight[i]);
            b.push(a.attribute("organisation_size", size));
        }
        b.build().unwrap()
    };
    let composed = build(&|x: &str| x.to_owned());
    let decomposed = build(&|x: &str| format!(" {}\u{a0}", nfd(x)));
    assert!(t.region.iter().any(|r| nfd(r) != *r), "an accented region");
    assert_eq!(composed.n_respondents(), s.n_respondents());
    same_data(&decomposed, &composed);
    assert!(decomposed
        .respondents()
        .ids
        .iter()
        .all(|id| id.starts_with("José-")));
}

#[test]
fn control_characters_in_keys_are_located_once() {
    let mut b = SurveyBuilder::new(IngestOptions::defaults().unwrap());
    let c = "se.impact.measurement";
    b.push(
        Answer::new("r\u{0}1", "ES22", "cooperative", c)
            .current(2.0)
            .required(3.0),
    );
    b.push(
        Answer::new("r2", "ES\t22", "cooperative", c)
            .current(2.0)
            .required(3.0),
    );
    b.push(
        Answer::new("r3", "ES22", "cooperative", c)
            .current(2.0)
            .required(3.0)
            .attribute("size", "small\u{1b}"),
    );
    b.push(
        Answer::new("r4", "ES22", "cooperative", c)
            .current(2.0)
            .required(3.0),
    );
    let err = b.build().unwrap_err();
    let Error::Validation(v) = err else {
        panic!("{err}")
    };
    let found: Vec<_> = v
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.value.as_str(), i.code))
        .collect();
    assert_eq!(
        found,
        [
            (
                Some(0),
                "respondent",
                "r\\x001",
                IssueCode::ControlCharacter
            ),
            (Some(1), "region", "ES\\x0922", IssueCode::ControlCharacter),
            (Some(2), "size", "small\\x1b", IssueCode::ControlCharacter),
        ]
    );
    assert!(v.issues[0].reason.contains("U+0000"));
    assert_eq!(IssueCode::ControlCharacter.as_str(), "control_character");
}

#[cfg(feature = "csv")]
mod csv {
    use std::path::Path;

    use skillsmap::io::{read_csv, read_csv_bytes, CsvOptions, IoError, WidePatterns};

    use super::*;

    fn cp1252(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| match c {
                'ó' => 0xF3,
                'é' => 0xE9,
                '€' => 0x80,
                c if c.is_ascii() => c as u8,
                c => panic!("no cp1252 byte for {c}"),
            })
            .collect()
    }

    fn long_text(s: &Survey, sep: char, decimal_comma: bool) -> String {
        let t = text_of(s);
        let num = |v: f64| {
            if v.is_nan() {
                String::new()
            } else if decimal_comma {
                v.to_string().replace('.', ",")
            } else {
                v.to_string()
            }
        };
        let mut out = [
            "respondent",
            "region",
            "stakeholder_type",
            "competence",
            "current",
            "required",
            "importance",
        ]
        .join(&sep.to_string());
        out.push_str("\r\n");
        for i in 0..t.respondent.len() {
            let row = [
                t.respondent[i].clone(),
                t.region[i].clone(),
                t.stakeholder_type[i].clone(),
                t.competence[i].clone(),
                num(t.current[i]),
                num(t.required[i]),
                num(t.importance[i]),
            ];
            out.push_str(&row.join(&sep.to_string()));
            out.push_str("\r\n");
        }
        out
    }

    fn opts() -> CsvOptions {
        CsvOptions::long(IngestOptions::defaults().unwrap())
    }

    #[test]
    fn excel_csv_reads_as_the_utf8_comma_file() {
        let s = generate(&SynthConfig {
            weights: false,
            ..SynthConfig::new(60, 8)
        })
        .unwrap();
        let plain = long_text(&s, ',', false);
        let excel = cp1252(&long_text(&s, ';', true));
        assert!(
            std::str::from_utf8(&excel).is_err(),
            "Región must make it cp1252"
        );
        let a = read_csv_bytes(plain.as_bytes(), Path::new("a.csv"), &opts()).unwrap();
        let b = read_csv_bytes(&excel, Path::new("b.csv"), &opts()).unwrap();
        same(&a, &b, true);
        same(&a, &s, false);
        // with a BOM and tabs too
        let tabbed = format!("\u{FEFF}{}", long_text(&s, '\t', false));
        same(
            &read_csv_bytes(tabbed.as_bytes(), Path::new("c.tsv"), &opts()).unwrap(),
            &s,
            false,
        );
        assert_eq!(b.meta().source, "b.csv");
    }

    #[test]
    fn text_in_a_level_column_is_located_with_the_other_problems() {
        let text = "respondent;region;stakeholder_type;competence;current;required\n\
                    r1;ES22;cooperative;se.impact.measurement;two;4\n\
                    r2;Atlantis;cooperative;se.impact.measurement;2,5;4\n";
        let err = read_csv_bytes(text.as_bytes(), Path::new("x.csv"), &opts()).unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err}")
        };
        let found: Vec<_> = v
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_str(), i.value.as_str(), i.code))
            .collect();
        assert_eq!(
            found,
            [
                (Some(0), "current", "two", IssueCode::InvalidType),
                (Some(1), "region", "Atlantis", IssueCode::UnknownRegion),
            ]
        );
    }

    #[test]
    fn missing_columns_ragged_rows_and_absent_files() {
        let err = read_csv_bytes(b"respondent,region\nr1,ES22\n", Path::new("x.csv"), &opts())
            .unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err}")
        };
        let cols: Vec<&str> = v.issues.iter().map(|i| i.column.as_str()).collect();
        assert_eq!(cols, ["stakeholder_type", "competence", "current"]);

        let twice = "respondent,region,stakeholder_type,competence,current,current\nr1,ES22,mutual,se.impact.measurement,1,2\n";
        let err = read_csv_bytes(twice.as_bytes(), Path::new("t.csv"), &opts()).unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err}")
        };
        assert_eq!(v.issues[0].code, IssueCode::DuplicateColumn);

        let ragged = "respondent,region,stakeholder_type,competence,current,required\nr1,ES22\n";
        let err = read_csv_bytes(ragged.as_bytes(), Path::new("r.csv"), &opts()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format);
        assert!(
            matches!(err, Error::Io(IoError::Parse { line: Some(2), .. })),
            "{err}"
        );

        let err = read_csv("/nonexistent/survey.csv", &opts()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.to_string().contains("/nonexistent/survey.csv"));
    }

    #[test]
    fn a_wide_file_locates_problems_in_its_own_rows_and_columns() {
        let o = CsvOptions::wide(IngestOptions::defaults().unwrap(), WidePatterns::default());
        let text = "respondent;region;stakeholder_type;se.impact.measurement_current;se.impact.measurement_required;knitting_current;se.impact.policy_current;se.impact.policy_required\n\
                    a;Región de Murcia;cooperative;2;4;1;3;5\n\
                    b;Atlantis;cooperative;2,5;9;1;3;5\n";
        let err = read_csv_bytes(&cp1252(text), Path::new("w.csv"), &o).unwrap_err();
        let Error::Validation(v) = err else {
            panic!("{err}")
        };
        let found: Vec<_> = v
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_str(), i.code))
            .collect();
        assert_eq!(
            found,
            [
                (None, "knitting_current", IssueCode::UnknownCompetence),
                (Some(1), "region", IssueCode::UnknownRegion),
                (
                    Some(1),
                    "se.impact.measurement_required",
                    IssueCode::OutOfScale
                ),
            ]
        );
        let ok = text
            .replace("Atlantis", "Lapland")
            .replace(";9;", ";4,5;")
            .replace("knitting_current", "note");
        let s = read_csv_bytes(&cp1252(&ok), Path::new("w.csv"), &o).unwrap();
        assert_eq!((s.n_respondents(), s.n_answers()), (2, 4));
        assert_eq!(s.answers().current[2], 2.5);
        assert_eq!(s.answers().required.as_ref().unwrap()[2], 4.5);
    }

    #[test]
    fn a_file_saved_on_a_mac_reads_as_the_composed_one() {
        let s = generate(&SynthConfig {
            weights: false,
            ..SynthConfig::new(40, 9)
        })
        .unwrap();
        let plain = long_text(&s, ';', true);
        // decomposed accents everywhere, the header included
        let mac = nfd(&plain.replacen("region", "région", 1));
        assert_ne!(mac, plain.replacen("region", "région", 1));
        let mut o = opts();
        o.columns.region = "région".into();
        let a = read_csv_bytes(plain.as_bytes(), Path::new("a.csv"), &opts()).unwrap();
        let b = read_csv_bytes(mac.as_bytes(), Path::new("mac.csv"), &o).unwrap();
        same(&a, &b, true);
    }
}
