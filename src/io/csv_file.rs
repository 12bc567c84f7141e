//! Long and wide survey CSV files, read as partners' tools write them.
//!
//! - **Encoding**: UTF-8 (a byte-order mark is dropped); text that is not
//!   valid UTF-8 is read as Windows-1252, what Excel writes on Windows in
//!   Western Europe.
//! - **Separator**: `,`, `;` or tab, detected from the header line unless
//!   given.
//! - **Numbers**: a decimal point, or a decimal comma (`3,5`) when the
//!   separator is not a comma or when asked for; blank cells are missing.
//!
//! Problems are reported like every other front end: all of them, each with
//! its 0-based data row, the column's header, the value and the reason.

use std::path::Path;

use crate::ingest::{
    Answer, ColumnNames, IngestOptions, Issue, IssueCode, SurveyBuilder, ValidationError,
};
use crate::io::IoError;
use crate::model::Survey;

/// Column-name patterns of a wide file, each containing `{competence}` once:
/// the part it matches is looked up in the framework by id or label.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WidePatterns {
    /// Current levels (default `{competence}_current`).
    pub current: String,
    /// Required levels (default `{competence}_required`), if asked.
    pub required: Option<String>,
    /// Importance (default none), if asked.
    pub importance: Option<String>,
}

impl Default for WidePatterns {
    fn default() -> Self {
        WidePatterns {
            current: "{competence}_current".into(),
            required: Some("{competence}_required".into()),
            importance: None,
        }
    }
}

impl WidePatterns {
    /// Patterns for the three ratings (`None` where a rating was not asked).
    pub fn new(current: &str, required: Option<&str>, importance: Option<&str>) -> Self {
        WidePatterns {
            current: current.to_owned(),
            required: required.map(str::to_owned),
            importance: importance.map(str::to_owned),
        }
    }
}

/// The shape of a survey file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// One row per respondent × competence.
    Long,
    /// One row per respondent, one column per competence and rating.
    Wide(WidePatterns),
}

/// How to read a survey CSV file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CsvOptions {
    /// Long or wide.
    pub layout: Layout,
    /// The separator; `None` detects `,`, `;` or tab from the header line.
    pub delimiter: Option<u8>,
    /// Whether `3,5` means 3.5; `None` accepts a decimal comma unless the
    /// separator is a comma.
    pub decimal_comma: Option<bool>,
    /// Headers of the columns (respondent, region, stakeholder type,
    /// competence, current, required, importance, weight; a wide file uses
    /// the first three and the weight). Required, importance and weight are
    /// read when the file has them.
    pub columns: ColumnNames,
    /// Further respondent attributes, by header.
    pub attributes: Vec<String>,
    /// What the data are validated against.
    pub ingest: IngestOptions,
}

impl CsvOptions {
    /// A long file with the default headers, validated against `ingest`.
    pub fn long(ingest: IngestOptions) -> Self {
        CsvOptions {
            layout: Layout::Long,
            delimiter: None,
            decimal_comma: None,
            columns: ColumnNames::default(),
            attributes: Vec::new(),
            ingest,
        }
    }

    /// A wide file with the given column patterns.
    pub fn wide(ingest: IngestOptions, patterns: WidePatterns) -> Self {
        CsvOptions {
            layout: Layout::Wide(patterns),
            ..CsvOptions::long(ingest)
        }
    }
}

/// Reads and validates a survey CSV file.
///
/// # Errors
/// - [`IoError::Read`] when the file cannot be read;
/// - [`IoError::Parse`] when it is not a CSV table (rows of unequal length,
///   an unterminated quote), with the line;
/// - [`crate::Error::Validation`] listing every problem of the data: missing
///   columns, values that are not numbers, and every check of
///   [`crate::ingest::build_survey`].
///
/// # Complexity
/// O(size of the file).
///
/// # Example
/// ```
/// use skillsmap::io::{read_csv, CsvOptions};
/// use skillsmap::IngestOptions;
///
/// // an Excel export: `;`-separated with decimal commas
/// let dir = std::env::temp_dir().join(format!("skillsmap-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).map_err(|e| skillsmap::io::IoError::read(&dir, &e))?;
/// let path = dir.join("survey.csv");
/// std::fs::write(
///     &path,
///     "respondent;region;stakeholder_type;competence;current;required\n\
///      r1;Navarra;cooperative;se.impact.measurement;2,5;4\n\
///      r2;Lapland;association;se.impact.measurement;3;4,5\n",
/// )
/// .map_err(|e| skillsmap::io::IoError::read(&path, &e))?;
/// let survey = read_csv(&path, &CsvOptions::long(IngestOptions::defaults()?))?;
/// assert_eq!(survey.n_respondents(), 2);
/// assert_eq!(survey.answers().current[0], 2.5);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> crate::Result<Survey> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| IoError::read(path, &e))?;
    read_csv_bytes(&bytes, path, opts)
}

/// [`read_csv`] of bytes already in memory; `path` names them in messages
/// and, unless the options give one, as the survey's source.
///
/// # Errors
/// As [`read_csv`], without the read error.
pub fn read_csv_bytes(bytes: &[u8], path: &Path, opts: &CsvOptions) -> crate::Result<Survey> {
    let text = decode(bytes);
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(&text));
    let decimal_comma = opts.decimal_comma.unwrap_or(delimiter != b',');
    let parse_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        IoError::Parse {
            path: path.to_owned(),
            line,
            reason: e.to_string(),
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(parse_err)?
        .iter()
        // as keys are: trimmed and NFC, so that a header typed with
        // decomposed accents names the column its composed form does
        .map(|h| crate::model::nfc(h.trim()).into_owned())
        .collect();
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    for record in reader.records() {
        rows.push(record.map_err(parse_err)?);
    }
    let table = Table {
        headers,
        rows,
        decimal_comma,
    };
    let mut opts = opts.clone();
    if opts.ingest.meta.source.is_empty() {
        opts.ingest.meta.source = path.display().to_string();
    }
    match &opts.layout {
        Layout::Long => read_long(&table, &opts),
        Layout::Wide(p) => read_wide(&table, p, &opts),
    }
}

/// UTF-8 (without its BOM) when valid, else Windows-1252.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
    }
}

/// One Windows-1252 byte as a character. The five bytes the code page
/// leaves undefined map to the C1 controls of the same value, as the WHATWG
/// encoding standard does.
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b & 0x1F)],
        _ => char::from(b),
    }
}

/// The separator among `,` `;` and tab that the header line uses most
/// (outside quotes); `,` when it has none.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if c == *d {
                    *n = n.saturating_add(1);
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|&&(d, n)| (n, d == b','))
        .filter(|&&(_, n)| n > 0)
        .map_or(b',', |&(d, _)| d)
}

/// A parsed CSV table.
struct Table {
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
    decimal_comma: bool,
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        let name = crate::model::nfc(name.trim());
        self.headers.iter().position(|h| **h == name)
    }

    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("").trim()
    }

    /// The number in a cell (NaN when blank), or an issue.
    fn level(&self, row: usize, col: usize, issues: &mut Vec<Issue>) -> Option<f64> {
        let text = self.cell(row, col);
        if text.is_empty() {
            return None;
        }
        let parsed = text.parse::<f64>().ok().or_else(|| {
            (self.decimal_comma && text.matches(',').count() == 1 && !text.contains('.'))
                .then(|| text.replace(',', "."))
                .and_then(|t| t.parse::<f64>().ok())
        });
        match parsed {
            Some(v) if !v.is_nan() => Some(v),
            _ => {
                issues.push(Issue::at(
                    row,
                    &self.headers[col],
                    text,
                    IssueCode::InvalidType,
                    "not a number",
                ));
                None
            }
        }
    }
}

/// Columns a file must have, as table-level issues where absent.
fn require(table: &Table, names: &[&str], issues: &mut Vec<Issue>) -> Vec<Option<usize>> {
    names
        .iter()
        .map(|&name| {
            let c = table.column(name);
            let key = crate::model::nfc(name.trim());
            if table.headers.iter().filter(|h| **h == key).count() > 1 {
                issues.push(Issue::table(
                    name,
                    "",
                    IssueCode::DuplicateColumn,
                    "the file has more than one column of this name",
                ));
            }
            if c.is_none() {
                issues.push(Issue::table(
                    name,
                    "",
                    IssueCode::MissingColumn,
                    "missing column",
                ));
            }
            c
        })
        .collect()
}

/// Combines the issues found while reading with those of validation.
fn finish(
    built: crate::Result<Survey>,
    mut issues: Vec<Issue>,
    relocate: impl Fn(Issue) -> Issue,
) -> crate::Result<Survey> {
    match built {
        Ok(s) if issues.is_empty() => Ok(s),
        Ok(_) => Err(sorted(issues).into()),
        Err(crate::Error::Validation(v)) => {
            issues.extend(v.issues.into_iter().map(relocate));
            Err(sorted(issues).into())
        }
        Err(e) => Err(e),
    }
}

/// Issues by row (table-level first), each once: a respondent-level cell of
/// a wide file is checked once per competence.
fn sorted(mut issues: Vec<Issue>) -> ValidationError {
    issues.sort_by_key(|i| i.row.map_or(0, |r| r.saturating_add(1)));
    let mut seen = std::collections::HashSet::new();
    issues.retain(|i| seen.insert(i.clone()));
    ValidationError { issues }
}

fn read_long(table: &Table, opts: &CsvOptions) -> crate::Result<Survey> {
    let n = &opts.columns;
    let mut issues = Vec::new();
    let keys = require(
        table,
        &[
            &n.respondent,
            &n.region,
            &n.stakeholder_type,
            &n.competence,
            &n.current,
        ],
        &mut issues,
    );
    let attrs: Vec<&str> = opts.attributes.iter().map(String::as_str).collect();
    let attr_cols = require(table, &attrs, &mut issues);
    if !issues.is_empty() {
        return Err(sorted(issues).into());
    }
    let [resp, region, ty, comp, cur] =
        [keys[0], keys[1], keys[2], keys[3], keys[4]].map(|c| c.unwrap_or(usize::MAX));
    let req = table.column(&n.required);
    let imp = table.column(&n.importance);
    let weight = table.column(&n.weight);
    let mut b = SurveyBuilder::new(opts.ingest.clone()).column_names(n.clone());
    if req.is_some() {
        b = b.with_required();
    }
    if imp.is_some() {
        b = b.with_importance();
    }
    for row in 0..table.rows.len() {
        let mut a = Answer::new(
            table.cell(row, resp),
            table.cell(row, region),
            table.cell(row, ty),
            table.cell(row, comp),
        );
        a.current = table.level(row, cur, &mut issues);
        a.required = req.and_then(|c| table.level(row, c, &mut issues));
        a.importance = imp.and_then(|c| table.level(row, c, &mut issues));
        a.weight = weight.and_then(|c| table.level(row, c, &mut issues));
        for (name, col) in attrs.iter().zip(&attr_cols) {
            if let Some(c) = col {
                a = a.attribute(name, table.cell(row, *c));
            }
        }
        b.push(a);
    }
    finish(b.build(), issues, |i| i)
}

fn read_wide(table: &Table, p: &WidePatterns, opts: &CsvOptions) -> crate::Result<Survey> {
    let n = &opts.columns;
    let mut issues = Vec::new();
    let patterns: Vec<(&str, &str)> = [
        ("current", Some(p.current.as_str())),
        ("required", p.required.as_deref()),
        ("importance", p.importance.as_deref()),
    ]
    .into_iter()
    .filter_map(|(role, pat)| pat.map(|pat| (role, pat)))
    .collect();
    for (role, pat) in &patterns {
        if pat.matches("{competence}").count() != 1 {
            issues.push(Issue::table(
                pat,
                "",
                IssueCode::MissingColumn,
                format!("{role} pattern must contain {{competence}} once"),
            ));
        }
    }
    let keys = require(
        table,
        &[&n.respondent, &n.region, &n.stakeholder_type],
        &mut issues,
    );
    let attrs: Vec<&str> = opts.attributes.iter().map(String::as_str).collect();
    let attr_cols = require(table, &attrs, &mut issues);
    if !issues.is_empty() {
        return Err(sorted(issues).into());
    }
    let [resp, region, ty] = [keys[0], keys[1], keys[2]].map(|c| c.unwrap_or(usize::MAX));
    let weight = table.column(&n.weight);

    // competence → (role → column), competences in order of first column
    let fw = &opts.ingest.framework;
    let mut comps: Vec<String> = Vec::new();
    let mut cols: Vec<[Option<usize>; 3]> = Vec::new();
    for (c, header) in table.headers.iter().enumerate() {
        for (k, (_, pat)) in patterns.iter().enumerate() {
            let Some((head, tail)) = pat.split_once("{competence}") else {
                continue;
            };
            let Some(name) = header
                .strip_prefix(head)
                .and_then(|rest| rest.strip_suffix(tail))
                .filter(|name| !name.is_empty())
            else {
                continue;
            };
            if fw.resolve(name).is_none() {
                issues.push(Issue::table(
                    header,
                    name,
                    IssueCode::UnknownCompetence,
                    format!("unknown competence for framework {:?}", fw.id),
                ));
                continue;
            }
            let j = match comps.iter().position(|x| x == name) {
                Some(j) => j,
                None => {
                    comps.push(name.to_owned());
                    cols.push([None; 3]);
                    comps.len().saturating_sub(1)
                }
            };
            let role = match patterns[k].0 {
                "current" => 0,
                "required" => 1,
                _ => 2,
            };
            cols[j][role] = Some(c);
        }
    }
    if comps.is_empty() {
        issues.push(Issue::table(
            &p.current,
            "",
            IssueCode::MissingColumn,
            "no column matches the current-level pattern",
        ));
        return Err(sorted(issues).into());
    }
    let mut b = SurveyBuilder::new(opts.ingest.clone());
    if p.required.is_some() {
        b = b.with_required();
    }
    if p.importance.is_some() {
        b = b.with_importance();
    }
    let k = comps.len();
    for row in 0..table.rows.len() {
        let w = weight.and_then(|c| table.level(row, c, &mut issues));
        for (j, comp) in comps.iter().enumerate() {
            let mut a = Answer::new(
                table.cell(row, resp),
                table.cell(row, region),
                table.cell(row, ty),
                comp,
            );
            let level = |role: usize, issues: &mut Vec<Issue>| {
                cols[j][role].and_then(|c| table.level(row, c, issues))
            };
            a.current = level(0, &mut issues);
            a.required = level(1, &mut issues);
            a.importance = level(2, &mut issues);
            a.weight = w;
            for (name, col) in attrs.iter().zip(&attr_cols) {
                if let Some(c) = col {
                    a = a.attribute(name, table.cell(row, *c));
                }
            }
            b.push(a);
        }
    }
    // An answer's issue is located in the wide table: the respondent's row,
    // and the rating's column (respondent-level columns keep their header).
    let header = |c: Option<usize>, fallback: &str| {
        c.map_or_else(|| fallback.to_owned(), |c| table.headers[c].clone())
    };
    let defaults = ColumnNames::default();
    let relocate = |mut i: Issue| {
        if let Some(r) = i.row {
            // k > 0: a wide file without competence columns stopped earlier
            let j = r.checked_rem(k).unwrap_or(0);
            i.row = Some(r.checked_div(k).unwrap_or(r));
            let role = |name: &str| match name {
                x if x == defaults.current => Some(0),
                x if x == defaults.required => Some(1),
                x if x == defaults.importance => Some(2),
                _ => None,
            };
            i.column = match (role(&i.column), i.column.as_str()) {
                (Some(role), _) => header(cols[j][role], &i.column),
                (None, c) if c == defaults.competence => {
                    let shown: Vec<String> = cols[j]
                        .iter()
                        .flatten()
                        .map(|&c| header(Some(c), ""))
                        .collect();
                    shown.join(" / ")
                }
                (None, c) if c == defaults.respondent => n.respondent.clone(),
                (None, c) if c == defaults.region => n.region.clone(),
                (None, c) if c == defaults.stakeholder_type => n.stakeholder_type.clone(),
                (None, c) if c == defaults.weight => n.weight.clone(),
                (None, c) => c.to_owned(),
            };
        }
        i
    };
    finish(b.build(), issues, relocate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_maps_the_euro_and_latin1() {
        assert_eq!(decode(b"caf\xe9 \x80 \x9c"), "café € œ");
        assert_eq!(decode("\u{FEFF}ñ".as_bytes()), "ñ");
    }

    #[test]
    fn the_separator_is_detected_outside_quotes() {
        assert_eq!(detect_delimiter("a;b;\"c,d\"\n1;2;3"), b';');
        assert_eq!(detect_delimiter("a\tb\n"), b'\t');
        assert_eq!(detect_delimiter("a,b\n"), b',');
        assert_eq!(detect_delimiter("single\n"), b',');
    }
}
