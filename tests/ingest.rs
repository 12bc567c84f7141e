//! Integration tests of validated ingestion: every kind of bad input is
//! located, and generated surveys survive a trip through a long table.

use std::sync::Arc;

use proptest::prelude::*;
use skillsmap::ingest::{build_survey, Categorical, ColumnNames, IngestOptions};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::{Error, Issue, LongTable, Scale, Survey};

/// Owned long-table columns, borrowed by `LongTable`.
struct Owned {
    resp: (Vec<i64>, Vec<String>),
    region: (Vec<i64>, Vec<String>),
    ty: (Vec<i64>, Vec<String>),
    comp: (Vec<i64>, Vec<String>),
    current: Vec<f64>,
    required: Vec<f64>,
    importance: Option<Vec<f64>>,
    weight: Option<Vec<f64>>,
    size: Option<(Vec<i64>, Vec<String>)>,
}

fn cat(c: &(Vec<i64>, Vec<String>)) -> Categorical<'_> {
    Categorical {
        codes: (&c.0).into(),
        labels: &c.1,
    }
}

impl Owned {
    fn table(&self) -> LongTable<'_> {
        LongTable {
            respondent: cat(&self.resp),
            region: cat(&self.region),
            stakeholder_type: cat(&self.ty),
            competence: cat(&self.comp),
            current: &self.current,
            required: Some(&self.required),
            importance: self.importance.as_deref(),
            weight: self.weight.as_deref(),
            attributes: self
                .size
                .iter()
                .map(|s| ("organisation_size".to_owned(), cat(s)))
                .collect(),
            names: ColumnNames::default(),
        }
    }
}

/// The long table of a survey, with labels as text (what a CSV export holds).
fn long_of(s: &Survey) -> Owned {
    let a = s.answers();
    let r = s.respondents();
    let per_row = |f: &dyn Fn(usize) -> String| -> (Vec<i64>, Vec<String>) {
        // factorise in order of first appearance, as pandas does
        let mut labels: Vec<String> = Vec::new();
        let mut codes = Vec::with_capacity(a.len());
        let mut index = std::collections::HashMap::new();
        for i in 0..a.len() {
            let l = f(i);
            let c = *index.entry(l.clone()).or_insert_with(|| {
                labels.push(l);
                labels.len() - 1
            });
            codes.push(c as i64);
        }
        (codes, labels)
    };
    let resp_of = |i: usize| a.respondent[i] as usize;
    Owned {
        resp: per_row(&|i| r.ids[resp_of(i)].clone()),
        region: per_row(&|i| {
            s.regions().regions[r.region[resp_of(i)] as usize]
                .name
                .clone()
        }),
        ty: per_row(&|i| {
            s.typology().types[r.stakeholder_type[resp_of(i)] as usize]
                .label
                .clone()
        }),
        comp: per_row(&|i| {
            s.framework().competences[a.competence[i] as usize]
                .id
                .clone()
        }),
        current: a.current.clone(),
        required: a.required.clone().unwrap_or_default(),
        importance: a.importance.clone(),
        weight: r
            .weight
            .as_ref()
            .map(|w| (0..a.len()).map(|i| w[resp_of(i)]).collect()),
        size: r
            .attributes
            .first()
            .map(|at| per_row(&|i| at.levels[at.codes[resp_of(i)] as usize].clone())),
    }
}

fn options_for(s: &Survey) -> IngestOptions {
    IngestOptions {
        framework: s.framework().clone(),
        scale: s.scale().clone(),
        importance_scale: Some(s.importance_scale().clone()),
        regions: Some(s.regions().clone()),
        typology: Some(s.typology().clone()),
        meta: s.meta().clone(),
    }
}

fn issues(res: Result<Survey, Error>) -> Vec<Issue> {
    match res {
        Err(Error::Validation(v)) => v.issues,
        Err(e) => panic!("expected a validation error, got {e}"),
        Ok(_) => panic!("expected a validation error, got a survey"),
    }
}

fn small() -> (Survey, Owned) {
    let s = generate(&SynthConfig::new(6, 11)).unwrap_or_else(|e| panic!("{e}"));
    let o = long_of(&s);
    (s, o)
}

#[test]
fn valid_long_table_round_trips() {
    let (s, o) = small();
    let back = build_survey(&o.table(), &options_for(&s)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        back == s,
        "the survey changed on its way through a long table"
    );
}

#[test]
fn every_problem_is_located() {
    let (s, mut o) = small();
    let n_comp = s.framework().len();
    o.current[0] = 9.0; // outside 1–5
    o.required[1] = f64::INFINITY; // not finite
    o.comp.1.push("no such competence".into());
    o.comp.0[2] = (o.comp.1.len() - 1) as i64; // unknown competence
    o.comp.0[3] = o.comp.0[4]; // duplicate (respondent 0, competence 4); row 4 repeats it
    o.region.1.push("Atlantis".into());
    o.region.0[5] = (o.region.1.len() - 1) as i64; // unknown region
    let other_region = (o.region.0[0] + 1) % 6;
    o.region.1.extend(
        [
            "Lapland",
            "Navarra",
            "Podravje",
            "Emilia-Romagna",
            "Región de Murcia",
            "Nouvelle-Aquitaine",
        ]
        .map(String::from),
    );
    let lapland = o.region.1.iter().position(|l| l == "Lapland").unwrap_or(0) as i64;
    let navarra = o.region.1.iter().position(|l| l == "Navarra").unwrap_or(0) as i64;
    // respondent 0 answers in Lapland on row 6 unless already there: pick the other
    let first = s.regions().regions[s.respondents().region[0] as usize]
        .name
        .clone();
    o.region.0[6] = if first == "Lapland" { navarra } else { lapland };
    let _ = other_region;
    o.ty.0[7] = -1; // missing stakeholder type
    o.resp.0[8] = -1; // missing respondent
    if let Some(w) = o.weight.as_mut() {
        w[9] = -1.0; // negative weight
        w[n_comp] = f64::NAN; // missing weight, respondent 1
        w[n_comp + 2] = 7.5; // differs from respondent 1's weight
    }
    let found = issues(build_survey(&o.table(), &options_for(&s)));
    let has = |row: usize, col: &str, why: &str| {
        found
            .iter()
            .any(|i| i.row == Some(row) && i.column == col && i.reason.contains(why))
    };
    let expect = [
        (0, "current", "outside the scale"),
        (1, "required", "not finite"),
        (2, "competence", "unknown competence"),
        (4, "competence", "duplicate answer"),
        (5, "region", "unknown region"),
        (6, "region", "different region"),
        (7, "stakeholder_type", "missing stakeholder type"),
        (8, "respondent", "missing respondent id"),
        (9, "weight", "negative"),
        (n_comp, "weight", "missing weight"),
        (n_comp + 2, "weight", "different weight"),
    ];
    for (row, col, why) in expect {
        assert!(
            has(row, col, why),
            "no issue ({row}, {col}, {why}) in {found:?}"
        );
    }
    // ordered by row
    let rows: Vec<Option<usize>> = found.iter().map(|i| i.row).collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(rows, sorted);
    assert_eq!(found.len(), expect.len(), "{found:?}");
}

/// Problems that only the respondent pass sees (every row is valid on its
/// own), one at a time, on a row next to another of the same respondent:
/// each is found at its row. And a second spelling of a respondent's region
/// on its next row is the same region.
#[test]
fn a_respondent_that_changes_between_consecutive_rows_is_located() {
    let (s, o) = small();
    assert!(o.size.is_some(), "the generator gives an attribute");
    let opts = options_for(&s);
    let row = 3; // respondent 0's rows are 0..n_comp
    type Edit = fn(&mut Owned, usize);
    let cases: [(&str, &str, Edit); 5] = [
        ("region", "different region", |o, row| {
            let other = (0..o.region.1.len() as i64)
                .find(|&c| o.region.1[c as usize] != o.region.1[o.region.0[row] as usize])
                .unwrap_or(0);
            o.region.0[row] = other;
        }),
        (
            "stakeholder_type",
            "different stakeholder type",
            |o, row| {
                let other = (0..o.ty.1.len() as i64)
                    .find(|&c| o.ty.1[c as usize] != o.ty.1[o.ty.0[row] as usize])
                    .unwrap_or(0);
                o.ty.0[row] = other;
            },
        ),
        ("weight", "different weight", |o, row| {
            if let Some(w) = o.weight.as_mut() {
                w[row] += 0.25;
            }
        }),
        ("organisation_size", "different", |o, row| {
            if let Some(sz) = o.size.as_mut() {
                sz.1.push("a size nobody else has".into());
                sz.0[row] = (sz.1.len() - 1) as i64;
            }
        }),
        ("competence", "duplicate answer", |o, row| {
            o.comp.0[row] = o.comp.0[row - 1];
        }),
    ];
    for (col, why, edit) in cases {
        let mut bad = long_of(&s);
        edit(&mut bad, row);
        let found = issues(build_survey(&bad.table(), &opts));
        assert!(
            found
                .iter()
                .any(|i| i.row == Some(row) && i.column == col && i.reason.contains(why)),
            "{col}: {found:?}"
        );
    }
    // the region's id on one row, its name on the others: one region
    let mut two = o;
    let region = &s.regions().regions[s.respondents().region[0] as usize];
    two.region.1.push(region.id.clone());
    two.region.0[row] = (two.region.1.len() - 1) as i64;
    let back = build_survey(&two.table(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(back == s, "a second spelling changed the survey");
}

#[test]
fn empty_input_and_unequal_columns_are_errors_not_panics() {
    let (s, mut o) = small();
    let empty = Owned {
        resp: (vec![], vec![]),
        region: (vec![], vec![]),
        ty: (vec![], vec![]),
        comp: (vec![], vec![]),
        current: vec![],
        required: vec![],
        importance: None,
        weight: None,
        size: None,
    };
    let found = issues(build_survey(&empty.table(), &options_for(&s)));
    assert!(found[0].reason.contains("empty input"));
    o.current.pop();
    let found = issues(build_survey(&o.table(), &options_for(&s)));
    assert_eq!(found[0].column, "current");
    // codes pointing past the labels are missing values, not a panic
    o.current.push(1.0);
    o.comp.0[0] = 10_000;
    let found = issues(build_survey(&o.table(), &options_for(&s)));
    assert!(found
        .iter()
        .any(|i| i.row == Some(0) && i.reason.contains("missing competence")));
}

#[test]
fn open_registries_accept_new_regions_and_types() {
    let (s, mut o) = small();
    o.region.1.push("Catalonia".into());
    for c in o.region.0.iter_mut() {
        *c = (o.region.1.len() - 1) as i64;
    }
    let mut opts = options_for(&s);
    assert!(build_survey(&o.table(), &opts).is_err());
    opts.regions = None;
    opts.typology = None;
    let back = build_survey(&o.table(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.regions().regions.len(), 1);
    assert_eq!(back.regions().regions[0].id, "Catalonia");
}

/// The same column with its labels numbered the other way round, as codes
/// of the given width (a pandas categorical keeps its categories in sorted
/// order and its codes in int8).
fn renumbered<C: TryFrom<i64>>(c: &(Vec<i64>, Vec<String>)) -> (Vec<C>, Vec<String>) {
    let n = c.1.len() as i64;
    let codes =
        c.0.iter()
            .map(|&k| {
                let k = if k < 0 { -1 } else { n - 1 - k };
                C::try_from(k).unwrap_or_else(|_| panic!("code {k} does not fit"))
            })
            .collect();
    (codes, c.1.iter().rev().cloned().collect())
}

/// Key columns of other widths and label orders.
struct Narrow {
    resp: (Vec<i32>, Vec<String>),
    region: (Vec<i8>, Vec<String>),
    ty: (Vec<i16>, Vec<String>),
    comp: (Vec<i8>, Vec<String>),
}

impl Narrow {
    fn of(o: &Owned) -> Narrow {
        Narrow {
            resp: renumbered(&o.resp),
            region: renumbered(&o.region),
            ty: renumbered(&o.ty),
            comp: renumbered(&o.comp),
        }
    }

    /// `o`'s table with these keys and the given current levels.
    fn table<'a>(&'a self, o: &'a Owned, current: &'a [f64]) -> LongTable<'a> {
        let mut t = o.table();
        t.current = current;
        t.respondent = Categorical {
            codes: (&self.resp.0).into(),
            labels: &self.resp.1,
        };
        t.region = Categorical {
            codes: (&self.region.0).into(),
            labels: &self.region.1,
        };
        t.stakeholder_type = Categorical {
            codes: (&self.ty.0).into(),
            labels: &self.ty.1,
        };
        t.competence = Categorical {
            codes: (&self.comp.0).into(),
            labels: &self.comp.1,
        };
        t
    }
}

#[test]
fn narrow_codes_and_any_label_order_give_the_same_survey() {
    let s = generate(&SynthConfig::new(40, 5)).unwrap_or_else(|e| panic!("{e}"));
    let o = long_of(&s);
    let n = Narrow::of(&o);
    // closed and open registries: open ones list regions and types in
    // order of first appearance, whichever numbering the labels have
    for open in [false, true] {
        let mut opts = options_for(&s);
        if open {
            opts.regions = None;
            opts.typology = None;
        }
        let want = build_survey(&o.table(), &opts).unwrap_or_else(|e| panic!("{e}"));
        let got = build_survey(&n.table(&o, &o.current), &opts).unwrap_or_else(|e| panic!("{e}"));
        assert!(got == want, "open={open}: another survey from narrow codes");
        assert_eq!(got.regions().regions, want.regions().regions);
        assert_eq!(got.typology().types, want.typology().types);
    }
    // the same issues, at the same rows, through the slow path
    let mut bad = o.current.clone();
    bad[7] = 9.0;
    bad[31] = 0.0;
    let mut wide = o.table();
    wide.current = &bad;
    let want = issues(build_survey(&wide, &options_for(&s)));
    assert_eq!(
        issues(build_survey(&n.table(&o, &bad), &options_for(&s))),
        want
    );
    assert_eq!(
        want.iter().map(|i| i.row).collect::<Vec<_>>(),
        vec![Some(7), Some(31)]
    );
}

#[test]
fn a_wider_scale_accepts_what_likert_rejects() {
    let (s, mut o) = small();
    o.current[0] = 7.0;
    assert!(build_survey(&o.table(), &options_for(&s)).is_err());
    let mut opts = options_for(&s);
    opts.scale = Scale::new(1.0, 8.0).unwrap_or_else(|e| panic!("{e}"));
    opts.importance_scale = None;
    assert!(build_survey(&o.table(), &opts).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// generator → long table with text labels → ingestion → the same survey
    #[test]
    fn generated_surveys_survive_ingestion(
        n in 1usize..60,
        seed in any::<u64>(),
        missing in 0.0f64..0.4,
        importance in any::<bool>(),
        weights in any::<bool>(),
    ) {
        let mut cfg = SynthConfig::new(n, seed);
        cfg.missing_rate = missing;
        cfg.importance = importance;
        cfg.weights = weights;
        let s = generate(&cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let o = long_of(&s);
        let back = build_survey(&o.table(), &options_for(&s))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(back == s, "the survey changed on its way through a long table");
    }

    /// shuffling rows keeps every answer (order follows the input)
    #[test]
    fn row_order_is_kept(seed in any::<u64>()) {
        let s = generate(&SynthConfig::new(5, seed)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut o = long_of(&s);
        o.resp.0.reverse(); o.region.0.reverse(); o.ty.0.reverse(); o.comp.0.reverse();
        o.current.reverse(); o.required.reverse();
        if let Some(i) = o.importance.as_mut() { i.reverse(); }
        if let Some(w) = o.weight.as_mut() { w.reverse(); }
        if let Some(sz) = o.size.as_mut() { sz.0.reverse(); }
        let back = build_survey(&o.table(), &options_for(&s))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.n_answers(), s.n_answers());
        prop_assert_eq!(back.n_respondents(), s.n_respondents());
        // first row of the reversed table is the last answer of the last respondent
        let last = s.n_answers() - 1;
        prop_assert_eq!(back.answers().competence[0], s.answers().competence[last]);
        prop_assert_eq!(&back.respondents().ids[0], &s.respondents().ids[s.n_respondents() - 1]);
    }
}

#[test]
fn arc_shared_defaults_are_cheap_to_reuse() {
    let a = IngestOptions::defaults().unwrap_or_else(|e| panic!("{e}"));
    let b = IngestOptions::defaults().unwrap_or_else(|e| panic!("{e}"));
    assert!(Arc::ptr_eq(&a.framework, &b.framework));
}
