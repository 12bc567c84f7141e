//! Validated construction of a [`Survey`] from a long table (one row per
//! respondent × competence).
//!
//! Validation never stops at the first problem: every row is checked and
//! every problem is reported with its row, column, value and reason in one
//! [`ValidationError`]. Nothing is built unless the whole table is valid.

use std::collections::HashMap;

use rayon::prelude::*;

mod builder;
mod factorize;
pub use builder::{survey_from_columns, Answer, LongColumns, SurveyBuilder};
pub use factorize::{
    factorize_i64, factorize_i64_i32, factorize_utf8, first_appearance, FactorizeError, Offset,
};
use std::fmt;
use std::sync::Arc;

use crate::model::{
    Answers, Attribute, Framework, RegionSet, Respondents, Scale, Survey, SurveyMeta, Typology,
};
use crate::Error;

/// One located problem in the input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Issue {
    /// 0-based data row, or `None` for problems of the whole table (a
    /// missing column, empty input).
    pub row: Option<usize>,
    /// The column as named in the input.
    pub column: String,
    /// The offending value, rendered as text (empty when there is none).
    pub value: String,
    /// What kind of problem it is, for programs (the reason is for people).
    pub code: IssueCode,
    /// Why it was rejected, in English.
    pub reason: String,
}

/// The machine-readable kind of an [`Issue`], stable across releases (like
/// pydantic's error `type`); [`IssueCode::as_str`] gives its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum IssueCode {
    /// The table has no rows.
    EmptyInput,
    /// A column the survey needs is absent.
    MissingColumn,
    /// A column the survey needs appears more than once.
    DuplicateColumn,
    /// Columns of unequal length (a defect of the caller).
    ColumnLength,
    /// A required value (respondent id, region, type, competence, weight)
    /// is missing.
    MissingValue,
    /// A region that the region set does not know.
    UnknownRegion,
    /// A stakeholder type that the typology does not know.
    UnknownStakeholderType,
    /// A competence that the framework does not know.
    UnknownCompetence,
    /// A level or weight that is infinite.
    NotFinite,
    /// A level outside its scale.
    OutOfScale,
    /// A negative respondent weight.
    NegativeWeight,
    /// Every respondent weight is zero: no statistic could be computed.
    AllWeightsZero,
    /// A negative value where only non-negative ones are allowed (counts).
    NegativeValue,
    /// A respondent whose region, type, weight or attribute differs between
    /// rows.
    InconsistentRespondent,
    /// A second answer of a respondent to the same competence.
    DuplicateAnswer,
    /// A value of the wrong type for its column (text in a level column).
    InvalidType,
    /// A file that cannot be read as a table.
    UnreadableFile,
    /// A key (respondent id, region, type, competence, attribute value)
    /// holding a control character (Unicode category Cc: NUL, tab, line
    /// break, escape, …), the mark of a damaged or binary cell.
    ControlCharacter,
}

impl IssueCode {
    /// The snake_case name, e.g. `unknown_region`.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::EmptyInput => "empty_input",
            IssueCode::MissingColumn => "missing_column",
            IssueCode::DuplicateColumn => "duplicate_column",
            IssueCode::ColumnLength => "column_length",
            IssueCode::MissingValue => "missing_value",
            IssueCode::UnknownRegion => "unknown_region",
            IssueCode::UnknownStakeholderType => "unknown_stakeholder_type",
            IssueCode::UnknownCompetence => "unknown_competence",
            IssueCode::NotFinite => "not_finite",
            IssueCode::OutOfScale => "out_of_scale",
            IssueCode::NegativeWeight => "negative_weight",
            IssueCode::AllWeightsZero => "all_weights_zero",
            IssueCode::NegativeValue => "negative_value",
            IssueCode::InconsistentRespondent => "inconsistent_respondent",
            IssueCode::DuplicateAnswer => "duplicate_answer",
            IssueCode::InvalidType => "invalid_type",
            IssueCode::UnreadableFile => "unreadable_file",
            IssueCode::ControlCharacter => "control_character",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Issue {
    /// A problem located at a row.
    pub fn at(
        row: usize,
        column: &str,
        value: impl Into<String>,
        code: IssueCode,
        reason: impl Into<String>,
    ) -> Self {
        Issue {
            row: Some(row),
            column: column.to_owned(),
            value: value.into(),
            code,
            reason: reason.into(),
        }
    }

    /// A problem of the whole table.
    pub fn table(
        column: &str,
        value: impl Into<String>,
        code: IssueCode,
        reason: impl Into<String>,
    ) -> Self {
        Issue {
            row: None,
            column: column.to_owned(),
            value: value.into(),
            code,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(r) => write!(f, "row {r}, ")?,
            None => write!(f, "table, ")?,
        }
        write!(f, "column {:?}", self.column)?;
        if !self.value.is_empty() {
            write!(f, ", value {:?}", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Survey data failed validation. `issues` lists every problem, ordered by
/// row (table-level problems first).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    /// Every problem found.
    pub issues: Vec<Issue>,
}

/// How many issues the error message shows; all are kept in `issues`.
const SHOWN: usize = 5;

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        write!(
            f,
            "{n} problem{} in the survey data",
            if n == 1 { "" } else { "s" }
        )?;
        for i in self.issues.iter().take(SHOWN) {
            write!(f, "\n  {i}")?;
        }
        if n > SHOWN {
            write!(f, "\n  … and {} more", n.saturating_sub(SHOWN))?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// A categorical column: one code per row into `labels`; a negative code is a
/// missing value (the convention of `pandas.factorize`). The labels may be
/// in any order: nothing the survey holds depends on it (open registries
/// list regions and types in order of first appearance).
///
/// ```
/// use skillsmap::ingest::{Categorical, Codes};
///
/// let labels = ["ES22".to_owned(), "FI1D".to_owned()];
/// // codes as i64 (as pandas.factorize gives them), or narrower, as a
/// // pandas or Arrow dictionary holds them, without a copy
/// let wide = Categorical { codes: (&[1i64, 0, -1]).into(), labels: &labels };
/// let narrow = Categorical { codes: (&[1i8, 0, -1]).into(), labels: &labels };
/// assert_eq!(wide.codes.get(0), narrow.codes.get(0));
/// assert!(matches!(narrow.codes, Codes::I8(_)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Categorical<'a> {
    /// One code per row.
    pub codes: Codes<'a>,
    /// Distinct values.
    pub labels: &'a [String],
}

impl<'a> Categorical<'a> {
    fn get(&self, row: usize) -> Option<(usize, &'a str)> {
        let c = self.codes.get(row)?;
        if c < 0 {
            return None;
        }
        let c = usize::try_from(c).ok()?;
        self.labels.get(c).map(|l| (c, l.as_str()))
    }
}

/// The codes of a [`Categorical`], in the integer width their owner holds
/// them (pandas keeps a dictionary of up to 127 entries as `int8`): the
/// core reads them in place.
#[derive(Debug, Clone, Copy)]
pub enum Codes<'a> {
    /// 8-bit codes.
    I8(&'a [i8]),
    /// 16-bit codes.
    I16(&'a [i16]),
    /// 32-bit codes.
    I32(&'a [i32]),
    /// 64-bit codes.
    I64(&'a [i64]),
}

/// Runs `$body` with `$c` bound to the codes as a slice of their own type
/// (one monomorphised copy per width, so hot loops stay tight).
macro_rules! with_codes {
    ($codes:expr, |$c:ident| $body:expr) => {
        match $codes {
            Codes::I8($c) => $body,
            Codes::I16($c) => $body,
            Codes::I32($c) => $body,
            Codes::I64($c) => $body,
        }
    };
}

impl<'a> Codes<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        with_codes!(self, |c| c.len())
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code of a row, widened; `None` past the end.
    #[inline]
    #[allow(clippy::useless_conversion)] // i64 to i64 in one arm of the macro
    pub fn get(&self, row: usize) -> Option<i64> {
        with_codes!(self, |c| c.get(row).map(|&v| i64::from(v)))
    }

    /// The codes of `rows` (clamped to the column).
    fn range(&self, rows: std::ops::Range<usize>) -> Codes<'a> {
        fn cut<T>(c: &[T], rows: std::ops::Range<usize>) -> &[T] {
            let hi = rows.end.min(c.len());
            c.get(rows.start.min(hi)..hi).unwrap_or_default()
        }
        match *self {
            Codes::I8(c) => Codes::I8(cut(c, rows)),
            Codes::I16(c) => Codes::I16(cut(c, rows)),
            Codes::I32(c) => Codes::I32(cut(c, rows)),
            Codes::I64(c) => Codes::I64(cut(c, rows)),
        }
    }

    /// Whether the row's code equals the previous row's (false for row 0
    /// and past the end).
    #[inline]
    fn same_as_before(&self, row: usize) -> bool {
        with_codes!(self, |c| row
            .checked_sub(1)
            .and_then(|b| Some(c.get(row)? == c.get(b)?))
            .unwrap_or(false))
    }
}

macro_rules! codes_from {
    ($t:ty, $variant:ident) => {
        impl<'a> From<&'a [$t]> for Codes<'a> {
            fn from(c: &'a [$t]) -> Self {
                Codes::$variant(c)
            }
        }
        impl<'a> From<&'a Vec<$t>> for Codes<'a> {
            fn from(c: &'a Vec<$t>) -> Self {
                Codes::$variant(c)
            }
        }
        impl<'a, const N: usize> From<&'a [$t; N]> for Codes<'a> {
            fn from(c: &'a [$t; N]) -> Self {
                Codes::$variant(c)
            }
        }
    };
}
codes_from!(i8, I8);
codes_from!(i16, I16);
codes_from!(i32, I32);
codes_from!(i64, I64);

/// The user's names of the columns, used to locate problems.
#[derive(Debug, Clone)]
pub struct ColumnNames {
    /// Respondent id column.
    pub respondent: String,
    /// Region column.
    pub region: String,
    /// Stakeholder type column.
    pub stakeholder_type: String,
    /// Competence column.
    pub competence: String,
    /// Current level column.
    pub current: String,
    /// Required level column.
    pub required: String,
    /// Importance column.
    pub importance: String,
    /// Weight column.
    pub weight: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            respondent: "respondent".into(),
            region: "region".into(),
            stakeholder_type: "stakeholder_type".into(),
            competence: "competence".into(),
            current: "current".into(),
            required: "required".into(),
            importance: "importance".into(),
            weight: "weight".into(),
        }
    }
}

/// A long survey table as borrowed columns.
#[derive(Debug, Clone)]
pub struct LongTable<'a> {
    /// Respondent ids.
    pub respondent: Categorical<'a>,
    /// Region of each row's respondent.
    pub region: Categorical<'a>,
    /// Stakeholder type of each row's respondent.
    pub stakeholder_type: Categorical<'a>,
    /// Competence answered.
    pub competence: Categorical<'a>,
    /// Current level (NaN = missing).
    pub current: &'a [f64],
    /// Required level, if asked.
    pub required: Option<&'a [f64]>,
    /// Importance, if asked.
    pub importance: Option<&'a [f64]>,
    /// Respondent weight, if given (must be the same on all of a respondent's rows).
    pub weight: Option<&'a [f64]>,
    /// Further respondent attributes by column name.
    pub attributes: Vec<(String, Categorical<'a>)>,
    /// Column names for issue reports.
    pub names: ColumnNames,
}

/// What the table is validated against.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The competence framework.
    pub framework: Arc<Framework>,
    /// Scale of current and required levels.
    pub scale: Scale,
    /// Scale of importance (defaults to `scale`).
    pub importance_scale: Option<Scale>,
    /// Known regions; `None` accepts whatever the table holds.
    pub regions: Option<Arc<RegionSet>>,
    /// Known stakeholder types; `None` accepts whatever the table holds.
    pub typology: Option<Arc<Typology>>,
    /// Provenance recorded in the survey.
    pub meta: SurveyMeta,
}

impl IngestOptions {
    /// Options for the embedded defaults: `se-core`, Likert 1–5, the RESEES
    /// regions and the default typology.
    ///
    /// # Errors
    /// Only if an embedded definition failed to load (a build defect).
    pub fn defaults() -> Result<Self, Error> {
        Ok(IngestOptions {
            framework: Framework::embedded("se-core")?,
            scale: Scale::likert5(),
            importance_scale: None,
            regions: Some(RegionSet::resees()?),
            typology: Some(Typology::default_se()?),
            meta: SurveyMeta::default(),
        })
    }
}

fn fmt_level(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // `as i64` also turns -0.0 into 0, as a reader expects
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Resolves every distinct label of a categorical column once.
fn resolve_labels(labels: &[String], f: impl Fn(&str) -> Option<usize>) -> Vec<Option<u32>> {
    labels
        .iter()
        .map(|l| {
            if l.trim().is_empty() || l == NOTHING {
                None
            } else {
                f(l).map(|i| i as u32)
            }
        })
        .collect()
}

/// Placeholder entry of an open set built from a column with no usable
/// value; no label resolves to it.
const NOTHING: &str = "\u{0}";

/// A respondent-level key column (region or stakeholder type) and how to
/// report it.
struct MetaColumn<'a, 'b> {
    cat: &'b Categorical<'a>,
    resolved: &'b [Option<u32>],
    col: &'b str,
    what: &'static str,
    order: usize,
    /// Why an unknown value is unknown: the known ids and the way out.
    unknown: &'b str,
    unknown_code: IssueCode,
}

/// Collects the issues of one table; sorted and returned at the end.
struct Issues {
    list: Vec<(usize, Issue)>,
}

impl Issues {
    fn push(&mut self, order: usize, issue: Issue) {
        self.list.push((order, issue));
    }
}

/// Validates a long table and builds the survey.
///
/// Distinct labels are resolved once against the framework, region set and
/// typology (by id, label or alias, case-insensitively); then every row is
/// checked. Rows keep their order; respondents are numbered in order of first
/// appearance.
///
/// # Errors
/// [`Error::Validation`] listing every problem: empty input; missing or
/// unknown respondent, region, stakeholder type or competence; a level that
/// is not finite or lies outside its scale; a missing, non-finite or negative
/// weight; a duplicate (respondent, competence); a respondent whose region,
/// type, weight or attribute differs between rows; columns of unequal length.
/// [`Error::Model`] if an open region set or typology cannot be built.
///
/// # Complexity
/// O(rows + distinct labels · lookup); duplicates are found with a bitmap
/// when respondents × competences is small, else with a hash map.
///
/// # Example
/// ```
/// use skillsmap::ingest::{build_survey, Categorical, Codes, ColumnNames, IngestOptions, LongTable};
///
/// // columns already factorised (codes into labels, −1 = missing), as a
/// // dataframe library holds them; see `SurveyBuilder` for plain strings
/// let ids = ["r1".to_owned(), "r2".to_owned()];
/// let regions = ["ES22".to_owned(), "ITH5".to_owned()];
/// let types = ["cooperative".to_owned()];
/// let comps = ["se.impact.measurement".to_owned()];
/// let t = LongTable {
///     respondent: Categorical { codes: Codes::I64(&[0, 1]), labels: &ids },
///     region: Categorical { codes: Codes::I64(&[0, 1]), labels: &regions },
///     stakeholder_type: Categorical { codes: Codes::I64(&[0, 0]), labels: &types },
///     competence: Categorical { codes: Codes::I64(&[0, 0]), labels: &comps },
///     current: &[2.0, 3.0],
///     required: Some(&[4.0, 4.0]),
///     importance: None,
///     weight: None,
///     attributes: Vec::new(),
///     names: ColumnNames::default(),
/// };
/// let survey = build_survey(&t, &IngestOptions::defaults()?)?;
/// assert_eq!(survey.n_respondents(), 2);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn build_survey(t: &LongTable<'_>, opts: &IngestOptions) -> Result<Survey, Error> {
    build(t, opts, Levels::Copied)
}

/// Whether a validated survey owns copies of the table's level columns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Levels {
    /// The survey owns its current, required and importance columns.
    Copied,
    /// The survey's level columns are left empty (`required` and
    /// `importance` stay `Some` where the table has them): its user reads
    /// them from the table instead. Such a survey never leaves the crate.
    Borrowed,
}

/// As [`build_survey`], with the level columns copied or not (see
/// [`Levels`]); the validation, and so every error, is the same.
pub(crate) fn build(
    t: &LongTable<'_>,
    opts: &IngestOptions,
    levels: Levels,
) -> Result<Survey, Error> {
    let n = t.respondent.codes.len();
    let mut issues = Issues { list: Vec::new() };
    let names = &t.names;

    // Column lengths must agree (a defect of the caller rather than the data,
    // but reported the same way rather than panicking).
    let mut lens: Vec<(&str, usize)> = vec![
        (&names.region, t.region.codes.len()),
        (&names.stakeholder_type, t.stakeholder_type.codes.len()),
        (&names.competence, t.competence.codes.len()),
        (&names.current, t.current.len()),
    ];
    if let Some(c) = t.required {
        lens.push((&names.required, c.len()));
    }
    if let Some(c) = t.importance {
        lens.push((&names.importance, c.len()));
    }
    if let Some(c) = t.weight {
        lens.push((&names.weight, c.len()));
    }
    for (name, cat) in &t.attributes {
        lens.push((name, cat.codes.len()));
    }
    let bad_len: Vec<Issue> = lens
        .iter()
        .filter(|(_, l)| *l != n)
        .map(|(c, l)| {
            Issue::table(
                c,
                l.to_string(),
                IssueCode::ColumnLength,
                format!("column has {l} rows, expected {n}"),
            )
        })
        .collect();
    if !bad_len.is_empty() {
        return Err(ValidationError { issues: bad_len }.into());
    }
    if n == 0 {
        return Err(ValidationError {
            issues: vec![Issue::table(
                "",
                "",
                IssueCode::EmptyInput,
                "empty input: the table has no rows",
            )],
        }
        .into());
    }
    if t.required.is_none() && t.importance.is_none() {
        return Err(ValidationError {
            issues: vec![Issue::table(
                &names.required,
                "",
                IssueCode::MissingColumn,
                "missing column: a survey needs required levels or importance",
            )],
        }
        .into());
    }

    // Weights that are all zero leave nothing to estimate; say so once
    // rather than suppressing every cell without a reason.
    if let Some(w) = t.weight {
        let mut given = w.iter().filter(|v| !v.is_nan()).peekable();
        if given.peek().is_some() && given.all(|&v| v == 0.0) {
            return Err(ValidationError {
                issues: vec![Issue::table(
                    &names.weight,
                    "0",
                    IssueCode::AllWeightsZero,
                    "every respondent weight is zero",
                )],
            }
            .into());
        }
    }

    // Resolve the distinct labels once.
    let fw = &opts.framework;
    let comp_of = resolve_labels(t.competence.labels, |l| fw.resolve(l));
    // Open sets hold the non-blank labels the rows use; with none, a set
    // that matches nothing, so that every row is reported where it is.
    let regions = match &opts.regions {
        Some(r) => r.clone(),
        None => Arc::new(match used_labels(&t.region) {
            l if l.is_empty() => RegionSet::open(&[NOTHING.to_owned()])?,
            l => RegionSet::open(&l)?,
        }),
    };
    let typology = match &opts.typology {
        Some(ty) => ty.clone(),
        None => Arc::new(match used_labels(&t.stakeholder_type) {
            l if l.is_empty() => Typology::open(&[NOTHING.to_owned()])?,
            l => Typology::open(&l)?,
        }),
    };
    let region_of = resolve_labels(t.region.labels, |l| regions.resolve(l));
    let type_of = resolve_labels(t.stakeholder_type.labels, |l| typology.resolve(l));
    let imp_scale = opts
        .importance_scale
        .clone()
        .unwrap_or_else(|| opts.scale.clone());

    // Respondents in order of first appearance.
    let mut resp_index: Vec<u32> = vec![u32::MAX; t.respondent.labels.len()];
    let mut first_row: Vec<usize> = Vec::new();
    let mut r_ids: Vec<String> = Vec::new();
    let mut r_region: Vec<u32> = Vec::new();
    let mut r_type: Vec<u32> = Vec::new();
    let mut r_weight: Vec<f64> = Vec::new();
    let n_attr = t.attributes.len();
    let mut r_attr: Vec<Vec<u32>> = vec![Vec::new(); n_attr];

    let mut a_resp: Vec<u32> = Vec::with_capacity(n);
    let mut a_comp: Vec<u32> = Vec::with_capacity(n);

    const UNSET: u32 = u32::MAX - 1;
    let n_comp = fw.len();
    let mut seen = DuplicateTracker::new(t.respondent.labels.len(), n_comp);

    let level_checks: Vec<(&str, &[f64], &Scale)> = [
        Some((names.current.as_str(), t.current, &opts.scale)),
        t.required
            .map(|c| (names.required.as_str(), c, &opts.scale)),
        t.importance
            .map(|c| (names.importance.as_str(), c, &imp_scale)),
    ]
    .into_iter()
    .flatten()
    .collect();

    // Valid data (the common case) takes a tight loop that bails out at the
    // first problem; the loop below then locates every problem.
    if let Some(parts) = fast_path(
        t,
        &comp_of,
        &region_of,
        &type_of,
        &opts.scale,
        &imp_scale,
        n_comp,
    ) {
        return Ok(assemble(
            t, opts, imp_scale, regions, typology, parts, levels,
        ));
    }

    let known = |ids: Vec<&str>, what: &str, option: &str| {
        let shown: Vec<&str> = ids.iter().take(12).copied().collect();
        let more = if ids.len() > 12 { ", …" } else { "" };
        if shown == [NOTHING] {
            // an open set built from a column with no usable value
            return format!("unknown {what}");
        }
        format!(
            "unknown {what} (known: {}{more}; an open {option} set, e.g. {option}=None in \
             Python, accepts any)",
            shown.join(", ")
        )
    };
    let unknown_region = if opts.regions.is_some() {
        known(
            regions.regions.iter().map(|r| r.id.as_str()).collect(),
            "region",
            "regions",
        )
    } else {
        "unknown region".to_owned()
    };
    let unknown_type = if opts.typology.is_some() {
        known(
            typology.types.iter().map(|t| t.id.as_str()).collect(),
            "stakeholder type",
            "typology",
        )
    } else {
        "unknown stakeholder type".to_owned()
    };

    for row in 0..n {
        // respondent
        let resp = match t.respondent.get(row) {
            Some((code, label)) => {
                let slot = &mut resp_index[code];
                if *slot == u32::MAX {
                    *slot = r_ids.len() as u32;
                    r_ids.push(label.to_owned());
                    first_row.push(row);
                    r_region.push(UNSET);
                    r_type.push(UNSET);
                    r_weight.push(f64::NAN);
                    for a in r_attr.iter_mut() {
                        a.push(UNSET);
                    }
                }
                Some((*slot as usize, label))
            }
            None => {
                issues.push(
                    0,
                    Issue::at(
                        row,
                        &names.respondent,
                        "",
                        IssueCode::MissingValue,
                        "missing respondent id",
                    ),
                );
                None
            }
        };

        // region and type, checked for consistency per respondent
        let meta_cols = [
            (
                MetaColumn {
                    cat: &t.region,
                    resolved: &region_of,
                    col: names.region.as_str(),
                    what: "region",
                    order: 1,
                    unknown: &unknown_region,
                    unknown_code: IssueCode::UnknownRegion,
                },
                &mut r_region,
            ),
            (
                MetaColumn {
                    cat: &t.stakeholder_type,
                    resolved: &type_of,
                    col: names.stakeholder_type.as_str(),
                    what: "stakeholder type",
                    order: 2,
                    unknown: &unknown_type,
                    unknown_code: IssueCode::UnknownStakeholderType,
                },
                &mut r_type,
            ),
        ];
        for (m, store) in meta_cols {
            let MetaColumn {
                cat,
                resolved,
                col,
                what,
                order,
                unknown,
                unknown_code,
            } = m;
            match cat.get(row) {
                None => issues.push(
                    order,
                    Issue::at(
                        row,
                        col,
                        "",
                        IssueCode::MissingValue,
                        format!("missing {what}"),
                    ),
                ),
                Some((code, label)) => match resolved[code] {
                    None if label.trim().is_empty() => issues.push(
                        order,
                        Issue::at(
                            row,
                            col,
                            label,
                            IssueCode::MissingValue,
                            format!("missing {what}"),
                        ),
                    ),
                    None => issues.push(
                        order,
                        Issue::at(row, col, label, unknown_code, unknown.to_owned()),
                    ),
                    Some(v) => {
                        if let Some((r, rid)) = resp {
                            let slot = &mut store[r];
                            if *slot == UNSET {
                                *slot = v;
                            } else if *slot != v {
                                issues.push(
                                    order,
                                    Issue::at(
                                        row,
                                        col,
                                        label,
                                        IssueCode::InconsistentRespondent,
                                        format!(
                                            "respondent {rid:?} has a different {what} in row {}",
                                            first_row[r]
                                        ),
                                    ),
                                );
                            }
                        }
                    }
                },
            }
        }

        // competence and duplicates
        let comp = match t.competence.get(row) {
            None => {
                issues.push(
                    3,
                    Issue::at(
                        row,
                        &names.competence,
                        "",
                        IssueCode::MissingValue,
                        "missing competence",
                    ),
                );
                None
            }
            Some((_, label)) if label.trim().is_empty() => {
                issues.push(
                    3,
                    Issue::at(
                        row,
                        &names.competence,
                        label,
                        IssueCode::MissingValue,
                        "missing competence",
                    ),
                );
                None
            }
            Some((code, label)) => match comp_of[code] {
                None => {
                    issues.push(
                        3,
                        Issue::at(
                            row,
                            &names.competence,
                            label,
                            IssueCode::UnknownCompetence,
                            format!("unknown competence for framework {:?}", fw.id),
                        ),
                    );
                    None
                }
                Some(c) => Some((c, label)),
            },
        };
        if let (Some((r, rid)), Some((c, clabel))) = (resp, comp) {
            if let Some(prev) = seen.check(r, c as usize, row) {
                issues.push(
                    3,
                    Issue::at(
                        row,
                        &names.competence,
                        clabel,
                        IssueCode::DuplicateAnswer,
                        format!("duplicate answer of respondent {rid:?} to this competence (first in row {prev})"),
                    ),
                );
            }
        }

        // levels
        for (k, (col, values, scale)) in level_checks.iter().enumerate() {
            let v = values[row];
            if v.is_nan() {
                continue;
            }
            if !v.is_finite() {
                issues.push(
                    k.saturating_add(4),
                    Issue::at(
                        row,
                        col,
                        fmt_level(v),
                        IssueCode::NotFinite,
                        "level is not finite",
                    ),
                );
            } else if !scale.contains(v) {
                issues.push(
                    k.saturating_add(4),
                    Issue::at(
                        row,
                        col,
                        fmt_level(v),
                        IssueCode::OutOfScale,
                        format!(
                            "level outside the scale {}–{}",
                            fmt_level(scale.min),
                            fmt_level(scale.max)
                        ),
                    ),
                );
            }
        }

        // weight
        if let Some(w) = t.weight {
            let v = w[row];
            let problem = if v.is_nan() {
                Some((IssueCode::MissingValue, "missing weight"))
            } else if !v.is_finite() {
                Some((IssueCode::NotFinite, "weight is not finite"))
            } else if v < 0.0 {
                Some((IssueCode::NegativeWeight, "weight is negative"))
            } else {
                None
            };
            match (problem, resp) {
                (Some((code, p)), _) => {
                    issues.push(7, Issue::at(row, &names.weight, fmt_level(v), code, p))
                }
                (None, Some((r, rid))) => {
                    let slot = &mut r_weight[r];
                    if slot.is_nan() {
                        *slot = v;
                    } else if *slot != v {
                        issues.push(
                            7,
                            Issue::at(
                                row,
                                &names.weight,
                                fmt_level(v),
                                IssueCode::InconsistentRespondent,
                                format!(
                                    "respondent {rid:?} has a different weight in row {}",
                                    first_row[r]
                                ),
                            ),
                        );
                    }
                }
                (None, None) => {}
            }
        }

        // attributes: missing values allowed, but one value per respondent
        for (k, (name, cat)) in t.attributes.iter().enumerate() {
            let code = cat
                .get(row)
                .map(|(c, _)| c as u32)
                .unwrap_or(crate::model::MISSING_CODE);
            if let Some((r, rid)) = resp {
                let slot = &mut r_attr[k][r];
                if *slot == UNSET {
                    *slot = code;
                } else if *slot != code {
                    let value = cat.get(row).map(|(_, l)| l.to_owned()).unwrap_or_default();
                    issues.push(
                        k.saturating_add(8),
                        Issue::at(
                            row,
                            name,
                            value,
                            IssueCode::InconsistentRespondent,
                            format!(
                                "respondent {rid:?} has a different {name:?} in row {}",
                                first_row[r]
                            ),
                        ),
                    );
                }
            }
        }

        if let (Some((r, _)), Some((c, _))) = (resp, comp) {
            a_resp.push(r as u32);
            a_comp.push(c);
        }
    }

    if !issues.list.is_empty() {
        let mut list = issues.list;
        list.sort_by_key(|(order, issue)| (issue.row, *order));
        return Err(ValidationError {
            issues: list.into_iter().map(|(_, i)| i).collect(),
        }
        .into());
    }

    let parts = Parts {
        r_ids,
        r_region,
        r_type,
        r_weight,
        r_attr,
        a_resp,
        a_comp,
    };
    Ok(assemble(
        t, opts, imp_scale, regions, typology, parts, levels,
    ))
}

/// What validation produces besides the level columns.
struct Parts {
    r_ids: Vec<String>,
    r_region: Vec<u32>,
    r_type: Vec<u32>,
    r_weight: Vec<f64>,
    r_attr: Vec<Vec<u32>>,
    a_resp: Vec<u32>,
    a_comp: Vec<u32>,
}

fn assemble(
    t: &LongTable<'_>,
    opts: &IngestOptions,
    imp_scale: Scale,
    regions: Arc<RegionSet>,
    typology: Arc<Typology>,
    p: Parts,
    levels: Levels,
) -> Survey {
    let attributes = t
        .attributes
        .iter()
        .zip(p.r_attr)
        .map(|((name, cat), codes)| Attribute {
            name: name.clone(),
            levels: cat.labels.to_vec(),
            codes,
        })
        .collect();
    // The three level columns are copied in parallel (fresh pages are slow
    // to fault in, and the copies are independent).
    let copy = |c: &[f64]| match levels {
        Levels::Copied => c.to_vec(),
        Levels::Borrowed => Vec::new(),
    };
    let ((current, required), importance) = rayon::join(
        || rayon::join(|| copy(t.current), || t.required.map(copy)),
        || t.importance.map(copy),
    );
    Survey {
        framework: opts.framework.clone(),
        scale: opts.scale.clone(),
        importance_scale: imp_scale,
        regions,
        typology,
        respondents: Respondents {
            ids: p.r_ids,
            region: p.r_region,
            stakeholder_type: p.r_type,
            weight: t.weight.map(|_| p.r_weight),
            attributes,
        },
        answers: Arc::new(Answers {
            respondent: p.a_resp,
            competence: p.a_comp,
            current,
            required,
            importance,
        }),
        meta: opts.meta.clone(),
    }
}

/// Builds the parts of a valid table in one tight pass; `None` at the first
/// problem of any kind.
fn fast_path(
    t: &LongTable<'_>,
    comp_of: &[Option<u32>],
    region_of: &[Option<u32>],
    type_of: &[Option<u32>],
    scale: &Scale,
    imp_scale: &Scale,
    n_comp: usize,
) -> Option<Parts> {
    let n = t.respondent.codes.len();
    let n_labels = t.respondent.labels.len();
    // Look-up tables with one more entry, NONE, which every code outside
    // the labels (missing ones included) is clamped to: no branch per row.
    const NONE: u32 = u32::MAX;
    let table = |of: &[Option<u32>]| -> Vec<u32> {
        of.iter()
            .map(|c| c.unwrap_or(NONE))
            .chain(std::iter::once(NONE))
            .collect()
    };
    let (comp_t, region_t, type_t) = (table(comp_of), table(region_of), table(type_of));
    let on = |s: &Scale, v: &[f64]| {
        v.iter().fold(true, |ok, &x| {
            ok & (x.is_nan() | ((x >= s.min) & (x <= s.max)))
        })
    };
    let mut resp_index = vec![u32::MAX; n_labels];
    let mut p = Parts {
        r_ids: Vec::new(),
        r_region: Vec::new(),
        r_type: Vec::new(),
        r_weight: Vec::new(),
        r_attr: vec![Vec::new(); t.attributes.len()],
        a_resp: Vec::with_capacity(n),
        a_comp: Vec::new(),
    };
    // Phase 1, parallel over chunks of rows: everything that needs no
    // respondent state (look-ups, scales, weights); fills the competences.
    // Each check is a pass over the chunk without branches.
    const CHUNK: usize = 1 << 15;
    p.a_comp.resize(n, 0);
    let stateless_ok = p
        .a_comp
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(c, out)| {
            let lo = c.saturating_mul(CHUNK);
            let rows = lo..lo.saturating_add(out.len());
            let mut ok = true;
            ok &= with_codes!(t.competence.codes.range(rows.clone()), |c| {
                map_codes(c, &comp_t, out)
            });
            ok &= with_codes!(t.region.codes.range(rows.clone()), |c| known(c, &region_t));
            ok &= with_codes!(t.stakeholder_type.codes.range(rows.clone()), |c| {
                known(c, &type_t)
            });
            ok &= on(scale, &t.current[rows.clone()]);
            ok &= t.required.is_none_or(|v| on(scale, &v[rows.clone()]));
            ok &= t.importance.is_none_or(|v| on(imp_scale, &v[rows.clone()]));
            ok &= t.weight.is_none_or(|w| {
                w[rows.clone()]
                    .iter()
                    .fold(true, |ok, &x| ok & x.is_finite() & (x >= 0.0))
            });
            ok
        })
        .reduce(|| true, |a, b| a & b);
    if !stateless_ok {
        return None;
    }
    // Phase 2, sequential: respondents in order of first appearance, their
    // consistency across rows, and duplicate answers. A row with the same
    // raw keys and weight as the row before it (a respondent's answers on
    // consecutive rows, the usual layout) is that row's respondent: no
    // look-up to repeat.
    let mut seen = DuplicateTracker::new(n_labels, n_comp);
    let same_as_before = |row: usize| -> bool {
        let before = row.wrapping_sub(1);
        t.respondent.codes.same_as_before(row)
            && t.region.codes.same_as_before(row)
            && t.stakeholder_type.codes.same_as_before(row)
            && t.weight
                .is_none_or(|w| w.get(row).is_some() && w.get(row) == w.get(before))
            && t.attributes
                .iter()
                .all(|(_, cat)| cat.codes.same_as_before(row))
    };
    let mut last = u32::MAX;
    for row in 0..n {
        let comp = p.a_comp[row];
        let r = if row > 0 && same_as_before(row) {
            last
        } else {
            let code = t
                .respondent
                .codes
                .get(row)
                .and_then(|c| usize::try_from(c).ok())
                .filter(|&c| c < n_labels)?;
            let region = look_up(&region_t, t.region.codes.get(row).unwrap_or(-1));
            let ty = look_up(&type_t, t.stakeholder_type.codes.get(row).unwrap_or(-1));
            let w = t.weight.map_or(0.0, |w| w[row]);
            let slot = resp_index[code];
            if slot == u32::MAX {
                let r = p.r_ids.len() as u32;
                resp_index[code] = r;
                p.r_ids.push(t.respondent.labels[code].clone());
                p.r_region.push(region);
                p.r_type.push(ty);
                p.r_weight.push(w);
                for (k, (_, cat)) in t.attributes.iter().enumerate() {
                    p.r_attr[k].push(attr_code(cat, row));
                }
                r
            } else {
                let r = slot as usize;
                if p.r_region[r] != region || p.r_type[r] != ty || p.r_weight[r] != w {
                    return None;
                }
                for (k, (_, cat)) in t.attributes.iter().enumerate() {
                    if p.r_attr[k][r] != attr_code(cat, row) {
                        return None;
                    }
                }
                slot
            }
        };
        last = r;
        if seen.check(r as usize, comp as usize, row).is_some() {
            return None;
        }
        p.a_resp.push(r);
    }
    Some(p)
}

/// The look-up of a code in a table whose last entry is `NONE` (codes
/// outside the table, negative ones included, are clamped to it).
#[inline]
fn look_up<C: Copy + Into<i64>>(tab: &[u32], code: C) -> u32 {
    let last = tab.len().saturating_sub(1) as u64;
    // a negative code, as u64, is beyond every table
    tab.get((code.into() as u64).min(last) as usize)
        .copied()
        .unwrap_or(u32::MAX)
}

/// Maps codes through `tab` into `out`; whether every one was found.
fn map_codes<C: Copy + Into<i64>>(codes: &[C], tab: &[u32], out: &mut [u32]) -> bool {
    let mut ok = true;
    for (slot, &code) in out.iter_mut().zip(codes) {
        *slot = look_up(tab, code);
        ok &= *slot != u32::MAX;
    }
    ok
}

/// Whether every code is found in `tab` (a pass without branches).
fn known<C: Copy + Into<i64>>(codes: &[C], tab: &[u32]) -> bool {
    codes
        .iter()
        .fold(true, |ok, &code| ok & (look_up(tab, code) != u32::MAX))
}

/// An attribute's code at a row; missing values (and codes past the labels)
/// are `MISSING_CODE`.
#[inline]
fn attr_code(cat: &Categorical<'_>, row: usize) -> u32 {
    cat.get(row)
        .map(|(c, _)| c as u32)
        .unwrap_or(crate::model::MISSING_CODE)
}

/// Labels that at least one row uses, in order of first appearance (for
/// open registries: labels nobody uses must not become regions or types,
/// and the order must not depend on how the caller numbered the labels),
/// one per spelling.
fn used_labels(cat: &Categorical<'_>) -> Vec<String> {
    // the scan stops once every label has been seen
    fn order<C: Copy + Into<i64>>(codes: &[C], n_labels: usize) -> Vec<usize> {
        let mut seen = vec![false; n_labels];
        let mut order = Vec::new();
        for &c in codes {
            if order.len() == n_labels {
                break;
            }
            if let Some(s) = usize::try_from(c.into()).ok().and_then(|c| seen.get_mut(c)) {
                if !*s {
                    *s = true;
                    order.push(c.into() as usize);
                }
            }
        }
        order
    }
    let first = with_codes!(cat.codes, |c| order(c, cat.labels.len()));
    // Spellings that differ only in case or spacing are one entity, as
    // lookups treat them; the first spelling to appear names it.
    let mut seen = HashMap::new();
    first
        .into_iter()
        .filter_map(|i| cat.labels.get(i))
        .filter(|l| {
            let key = crate::model::normalise_key(l);
            !key.is_empty() && seen.insert(key, ()).is_none()
        })
        .cloned()
        .collect()
}

/// Finds repeated (respondent, competence) pairs, remembering the first row.
enum DuplicateTracker {
    Dense { n_comp: usize, first: Vec<u32> },
    Sparse(HashMap<(usize, usize), usize>),
}

/// The largest row a dense duplicate tracker records (`u32::MAX` marks a
/// cell not seen yet).
const LAST_ROW: usize = u32::MAX as usize - 1;

impl DuplicateTracker {
    fn new(n_resp: usize, n_comp: usize) -> Self {
        match n_resp.checked_mul(n_comp) {
            Some(cells) if cells <= 1 << 25 => DuplicateTracker::Dense {
                n_comp,
                first: vec![u32::MAX; cells],
            },
            _ => DuplicateTracker::Sparse(HashMap::new()),
        }
    }

    /// Records (r, c) at `row`; returns the earlier row if already seen.
    fn check(&mut self, r: usize, c: usize, row: usize) -> Option<usize> {
        match self {
            DuplicateTracker::Dense { n_comp, first } => {
                // r < n_resp and c < n_comp: the index is below n_resp·n_comp,
                // which `new` checked
                let slot = first.get_mut(r.saturating_mul(*n_comp).saturating_add(c))?;
                if *slot == u32::MAX {
                    *slot = row.min(LAST_ROW) as u32;
                    None
                } else {
                    Some(*slot as usize)
                }
            }
            DuplicateTracker::Sparse(map) => match map.get(&(r, c)) {
                Some(p) => Some(*p),
                None => {
                    map.insert((r, c), row);
                    None
                }
            },
        }
    }
}
