//! [`SurveyBuilder`]: a survey from string keys and optional levels, row by
//! row or from column slices, for Rust callers that hold their data as text
//! (a CSV reader, a database cursor, a form export).
//!
//! The builder only collects: it interns every key once — trimmed and in
//! Unicode NFC, so that ids and names typed with composed or decomposed
//! accents are one key; blank keys are missing — and keeps levels as `f64`
//! with NaN for a missing answer. All checks happen in
//! [`SurveyBuilder::build`], which runs the same validation as every other
//! front end ([`super::build_survey`]) and reports every problem with its
//! row and column, and a key holding a control character.

use std::collections::HashMap;

use super::{build_survey, Categorical, ColumnNames, IngestOptions, Issue, IssueCode, LongTable};
use crate::model::{nfc, Survey};

/// Distinct texts of one key column in order of first appearance, and one
/// code per row (−1 for a missing value).
#[derive(Debug, Clone, Default)]
struct KeyColumn {
    codes: Vec<i64>,
    labels: Vec<String>,
    index: HashMap<String, i64>,
    /// Rows whose key holds a control character, with the key as given;
    /// their code is −1 and [`SurveyBuilder::build`] reports them.
    control: Vec<(usize, String)>,
}

impl KeyColumn {
    fn push(&mut self, value: Option<&str>) {
        let row = self.codes.len();
        let code = match value.map(str::trim) {
            Some(v) if v.chars().any(char::is_control) => {
                self.control.push((row, v.to_owned()));
                -1
            }
            Some(v) if !v.is_empty() => {
                let v = nfc(v);
                match self.index.get(v.as_ref()) {
                    Some(&c) => c,
                    None => {
                        let c = self.labels.len() as i64;
                        self.labels.push(v.clone().into_owned());
                        self.index.insert(v.into_owned(), c);
                        c
                    }
                }
            }
            _ => -1,
        };
        self.codes.push(code);
    }

    /// The issues of the keys of this column holding a control character.
    fn control_issues(&self, column: &str) -> impl Iterator<Item = Issue> + '_ {
        let column = column.to_owned();
        self.control.iter().map(move |(row, value)| {
            let mut chars: Vec<char> = value.chars().filter(|c| c.is_control()).collect();
            chars.sort_unstable();
            chars.dedup();
            let names: Vec<String> = chars
                .iter()
                .map(|&c| format!("U+{:04X}", u32::from(c)))
                .collect();
            Issue::at(
                *row,
                &column,
                escape_controls(value),
                IssueCode::ControlCharacter,
                format!(
                    "control character {} in a key (a damaged or binary cell?)",
                    names.join(", ")
                ),
            )
        })
    }

    fn categorical(&self) -> Categorical<'_> {
        Categorical {
            codes: (&self.codes).into(),
            labels: &self.labels,
        }
    }
}

/// One answer: a respondent's levels for one competence. Keys are matched
/// against the framework, region set and typology by id, label or alias,
/// ignoring case and spacing; a level left `None` is a missing answer.
///
/// ```
/// use skillsmap::ingest::Answer;
///
/// let a = Answer::new("r1", "ES22", "cooperative", "se.impact.measurement")
///     .current(2.0)
///     .required(4.0)
///     .attribute("size", "small");
/// assert_eq!(a.required, Some(4.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Answer<'a> {
    /// Respondent id.
    pub respondent: &'a str,
    /// Region of the respondent (id, name or alias).
    pub region: &'a str,
    /// Stakeholder type of the respondent (id, label or alias).
    pub stakeholder_type: &'a str,
    /// Competence answered (id or label).
    pub competence: &'a str,
    /// Current level.
    pub current: Option<f64>,
    /// Required level.
    pub required: Option<f64>,
    /// Importance.
    pub importance: Option<f64>,
    /// Respondent weight (the same on all of a respondent's answers).
    pub weight: Option<f64>,
    /// Further respondent attributes, by name.
    pub attributes: Vec<(&'a str, &'a str)>,
}

impl<'a> Answer<'a> {
    /// An answer with no levels yet.
    pub fn new(
        respondent: &'a str,
        region: &'a str,
        stakeholder_type: &'a str,
        competence: &'a str,
    ) -> Self {
        Answer {
            respondent,
            region,
            stakeholder_type,
            competence,
            current: None,
            required: None,
            importance: None,
            weight: None,
            attributes: Vec::new(),
        }
    }

    /// Sets the current level.
    pub fn current(mut self, level: f64) -> Self {
        self.current = Some(level);
        self
    }

    /// Sets the required level.
    pub fn required(mut self, level: f64) -> Self {
        self.required = Some(level);
        self
    }

    /// Sets the importance.
    pub fn importance(mut self, level: f64) -> Self {
        self.importance = Some(level);
        self
    }

    /// Sets the respondent weight.
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Adds a respondent attribute (e.g. organisation size).
    pub fn attribute(mut self, name: &'a str, value: &'a str) -> Self {
        self.attributes.push((name, value));
        self
    }
}

/// Long-format columns of text keys and levels (NaN = missing), borrowed.
/// All columns have one entry per answer; blank keys are missing.
#[derive(Debug, Clone, Copy)]
pub struct LongColumns<'a, S> {
    /// Respondent ids.
    pub respondent: &'a [S],
    /// Regions.
    pub region: &'a [S],
    /// Stakeholder types.
    pub stakeholder_type: &'a [S],
    /// Competences.
    pub competence: &'a [S],
    /// Current levels.
    pub current: &'a [f64],
    /// Required levels, if asked.
    pub required: Option<&'a [f64]>,
    /// Importance, if asked.
    pub importance: Option<&'a [f64]>,
    /// Respondent weights, if any.
    pub weight: Option<&'a [f64]>,
}

/// Builds a validated [`Survey`] from text keys, row by row or from columns.
///
/// A rating column (required, importance, weight) or an attribute exists as
/// soon as one answer has it; the answers without it are missing there.
/// [`SurveyBuilder::build`] validates everything at once and reports every
/// problem, with its row (the 0-based order of the answers) and column.
///
/// # Example
/// ```
/// use skillsmap::ingest::{Answer, IngestOptions, SurveyBuilder};
/// use skillsmap::scoring::{gap_table, GapOptions, Grouping};
///
/// let mut b = SurveyBuilder::new(IngestOptions::defaults()?);
/// for (who, region, cur, req) in [("r1", "Navarra", 2.0, 4.0), ("r2", "ES62", 3.0, 5.0)] {
///     b.push(Answer::new(who, region, "cooperative", "se.impact.measurement")
///         .current(cur)
///         .required(req));
/// }
/// let survey = b.build()?;
/// assert_eq!(survey.n_respondents(), 2);
///
/// let mut opts = GapOptions::default();
/// opts.min_n = 1;
/// let pooled = gap_table(&survey, &Grouping::pooled(2), &opts)?;
/// let j = survey.framework().resolve("se.impact.measurement").unwrap_or(0);
/// assert_eq!(pooled.mean_gap[j], 2.0);
/// # Ok::<(), skillsmap::Error>(())
/// ```
///
/// Problems are all reported, located:
/// ```
/// use skillsmap::ingest::{Answer, IngestOptions, IssueCode, SurveyBuilder};
/// use skillsmap::Error;
///
/// let mut b = SurveyBuilder::new(IngestOptions::defaults()?);
/// b.push(Answer::new("r1", "Atlantis", "cooperative", "se.impact.measurement")
///     .current(2.0)
///     .required(9.0));
/// match b.build() {
///     Err(Error::Validation(v)) => {
///         let codes: Vec<IssueCode> = v.issues.iter().map(|i| i.code).collect();
///         assert_eq!(codes, [IssueCode::UnknownRegion, IssueCode::OutOfScale]);
///     }
///     other => panic!("expected a validation error, got {other:?}"),
/// }
/// # Ok::<(), skillsmap::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SurveyBuilder {
    opts: IngestOptions,
    names: ColumnNames,
    n: usize,
    respondent: KeyColumn,
    region: KeyColumn,
    stakeholder_type: KeyColumn,
    competence: KeyColumn,
    current: Vec<f64>,
    required: Option<Vec<f64>>,
    importance: Option<Vec<f64>>,
    weight: Option<Vec<f64>>,
    attributes: Vec<(String, KeyColumn)>,
}

/// Appends `value` (NaN when absent) to an optional column, creating it —
/// filled with NaN for the earlier rows — the first time a value comes.
fn push_level(column: &mut Option<Vec<f64>>, value: Option<f64>, n_before: usize) {
    match (column.as_mut(), value) {
        (Some(c), v) => c.push(v.unwrap_or(f64::NAN)),
        (None, Some(v)) => {
            let mut c = vec![f64::NAN; n_before];
            c.push(v);
            *column = Some(c);
        }
        (None, None) => {}
    }
}

impl SurveyBuilder {
    /// An empty builder validating against `opts` (see
    /// [`IngestOptions::defaults`] for `se-core`, Likert 1–5, the RESEES
    /// regions and the default typology).
    pub fn new(opts: IngestOptions) -> Self {
        SurveyBuilder {
            opts,
            names: ColumnNames::default(),
            n: 0,
            respondent: KeyColumn::default(),
            region: KeyColumn::default(),
            stakeholder_type: KeyColumn::default(),
            competence: KeyColumn::default(),
            current: Vec::new(),
            required: None,
            importance: None,
            weight: None,
            attributes: Vec::new(),
        }
    }

    /// The column names used to locate problems (default: `respondent`,
    /// `region`, …), e.g. the headers of the file the data came from.
    pub fn column_names(mut self, names: ColumnNames) -> Self {
        self.names = names;
        self
    }

    /// Declares that the survey asked for required levels, so that the
    /// column exists even if every answer leaves it missing.
    pub fn with_required(mut self) -> Self {
        self.required.get_or_insert_with(|| vec![f64::NAN; self.n]);
        self
    }

    /// Declares that the survey asked for importance (see
    /// [`SurveyBuilder::with_required`]).
    pub fn with_importance(mut self) -> Self {
        self.importance
            .get_or_insert_with(|| vec![f64::NAN; self.n]);
        self
    }

    /// Number of answers pushed so far.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no answer was pushed.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds one answer.
    ///
    /// # Complexity
    /// Amortised O(length of the keys).
    pub fn push(&mut self, answer: Answer<'_>) -> &mut Self {
        let n = self.n;
        self.respondent.push(Some(answer.respondent));
        self.region.push(Some(answer.region));
        self.stakeholder_type.push(Some(answer.stakeholder_type));
        self.competence.push(Some(answer.competence));
        self.current.push(answer.current.unwrap_or(f64::NAN));
        push_level(&mut self.required, answer.required, n);
        push_level(&mut self.importance, answer.importance, n);
        push_level(&mut self.weight, answer.weight, n);
        for (name, _) in &answer.attributes {
            if !self.attributes.iter().any(|(a, _)| a == name) {
                let col = KeyColumn {
                    codes: vec![-1; n],
                    ..KeyColumn::default()
                };
                self.attributes.push(((*name).to_owned(), col));
            }
        }
        for (name, col) in &mut self.attributes {
            let value = answer
                .attributes
                .iter()
                .rev()
                .find(|(a, _)| a == name)
                .map(|&(_, v)| v);
            col.push(value);
        }
        self.n = self.n.saturating_add(1);
        self
    }

    /// Adds every answer of long-format columns.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] with an issue per column whose length
    /// differs from the respondent column's; nothing is added then.
    pub fn push_columns<S: AsRef<str>>(
        &mut self,
        cols: &LongColumns<'_, S>,
    ) -> crate::Result<&mut Self> {
        let n = cols.respondent.len();
        let names = &self.names;
        let mut lens = vec![
            (&names.region, cols.region.len()),
            (&names.stakeholder_type, cols.stakeholder_type.len()),
            (&names.competence, cols.competence.len()),
            (&names.current, cols.current.len()),
        ];
        for (name, c) in [
            (&names.required, cols.required),
            (&names.importance, cols.importance),
            (&names.weight, cols.weight),
        ] {
            if let Some(c) = c {
                lens.push((name, c.len()));
            }
        }
        let bad: Vec<super::Issue> = lens
            .into_iter()
            .filter(|&(_, l)| l != n)
            .map(|(name, l)| {
                super::Issue::table(
                    name,
                    l.to_string(),
                    super::IssueCode::ColumnLength,
                    format!("column has {l} rows, expected {n}"),
                )
            })
            .collect();
        if !bad.is_empty() {
            return Err(super::ValidationError { issues: bad }.into());
        }
        let level = |c: Option<&[f64]>, i: usize| c.map(|c| c[i]).filter(|v| !v.is_nan());
        for i in 0..n {
            let mut a = Answer::new(
                cols.respondent[i].as_ref(),
                cols.region[i].as_ref(),
                cols.stakeholder_type[i].as_ref(),
                cols.competence[i].as_ref(),
            );
            a.current = level(Some(cols.current), i);
            a.required = level(cols.required, i);
            a.importance = level(cols.importance, i);
            a.weight = level(cols.weight, i);
            // an explicitly given column exists even when all of it is NaN
            if cols.required.is_some() && self.required.is_none() {
                self.required = Some(vec![f64::NAN; self.n]);
            }
            if cols.importance.is_some() && self.importance.is_none() {
                self.importance = Some(vec![f64::NAN; self.n]);
            }
            if cols.weight.is_some() && self.weight.is_none() {
                self.weight = Some(vec![f64::NAN; self.n]);
            }
            self.push(a);
        }
        Ok(self)
    }

    /// Validates every answer and builds the survey.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] listing every problem, located by the
    /// answer's 0-based position and the column name (see
    /// [`super::build_survey`] for the checks).
    ///
    /// # Complexity
    /// O(answers); see [`super::build_survey`].
    pub fn build(&self) -> crate::Result<Survey> {
        let table = LongTable {
            respondent: self.respondent.categorical(),
            region: self.region.categorical(),
            stakeholder_type: self.stakeholder_type.categorical(),
            competence: self.competence.categorical(),
            current: &self.current,
            required: self.required.as_deref(),
            importance: self.importance.as_deref(),
            weight: self.weight.as_deref(),
            attributes: self
                .attributes
                .iter()
                .map(|(name, col)| (name.clone(), col.categorical()))
                .collect(),
            names: self.names.clone(),
        };
        let control: Vec<Issue> = [
            (&self.names.respondent, &self.respondent),
            (&self.names.region, &self.region),
            (&self.names.stakeholder_type, &self.stakeholder_type),
            (&self.names.competence, &self.competence),
        ]
        .into_iter()
        .chain(self.attributes.iter().map(|(name, col)| (name, col)))
        .flat_map(|(name, col)| col.control_issues(name))
        .collect();
        let built = build_survey(&table, &self.opts);
        if control.is_empty() {
            return built;
        }
        // a key with a control character reached validation as missing:
        // report it once, as what it is
        let mut issues = match built {
            Ok(_) => Vec::new(),
            Err(crate::Error::Validation(v)) => v
                .issues
                .into_iter()
                .filter(|i| {
                    !control
                        .iter()
                        .any(|c| c.row == i.row && c.column == i.column)
                })
                .collect(),
            Err(e) => return Err(e),
        };
        issues.extend(control);
        issues.sort_by_key(|i| i.row.map_or(0, |r| r.saturating_add(1)));
        Err(super::ValidationError { issues }.into())
    }
}

/// A value with its control characters shown as `\xNN` (every Cc
/// character is below U+00A0), so that an issue table prints on one line.
fn escape_controls(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds a survey from long-format columns of text keys in one call
/// (a [`SurveyBuilder`] under the hood).
///
/// # Errors
/// As [`SurveyBuilder::push_columns`] and [`SurveyBuilder::build`].
///
/// # Example
/// ```
/// use skillsmap::ingest::{survey_from_columns, IngestOptions, LongColumns};
///
/// let survey = survey_from_columns(
///     &LongColumns {
///         respondent: &["r1", "r1", "r2"],
///         region: &["FI1D7", "FI1D7", "ITH5"],
///         stakeholder_type: &["association"; 3],
///         competence: &["se.impact.measurement", "se.network.partnership", "se.impact.measurement"],
///         current: &[2.0, 3.0, f64::NAN],
///         required: Some(&[4.0, 4.0, 5.0]),
///         importance: None,
///         weight: None,
///     },
///     &IngestOptions::defaults()?,
/// )?;
/// assert_eq!((survey.n_respondents(), survey.n_answers()), (2, 3));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn survey_from_columns<S: AsRef<str>>(
    cols: &LongColumns<'_, S>,
    opts: &IngestOptions,
) -> crate::Result<Survey> {
    let mut b = SurveyBuilder::new(opts.clone());
    b.push_columns(cols)?;
    b.build()
}
