//! The crate-level error.
//!
//! Every fallible public function of the crate returns [`crate::Result`],
//! whose error is [`Error`]: one variant per module, each wrapping that
//! module's typed error, so that a caller can match on the module and the
//! precise cause, or simply propagate with `?`. [`Error::kind`] sorts every
//! error into a small, stable set of [`ErrorKind`]s for callers that only
//! need to know what went wrong in general (the Python bindings map kinds to
//! exception classes).
//!
//! ```
//! use skillsmap::{scoring::Level, ErrorKind};
//!
//! let err = "areas".parse::<Level>().unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidOption);
//! assert_eq!(err.to_string(), "invalid option: level must be 'competence' or 'area', got \"areas\"");
//! ```

use crate::ingest::ValidationError;
use crate::model::ModelError;
use crate::synth::SynthError;

/// Any error raised by skillsmap.
///
/// New variants may be added in minor releases; match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scale, framework, typology, region set or survey definition is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Survey data failed validation; every problem is listed with its location.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A similarity computation was given bad input or options.
    #[error(transparent)]
    Similarity(#[from] crate::similarity::SimilarityError),
    /// A text column could not be factorised (malformed Arrow buffers).
    #[error(transparent)]
    Factorize(#[from] crate::ingest::FactorizeError),
    /// A relatedness computation was given bad input.
    #[error(transparent)]
    Relatedness(#[from] crate::relatedness::RelatednessError),
    /// A scoring function was given bad options.
    #[error(transparent)]
    Scoring(#[from] crate::scoring::ScoringError),
    /// A network function was given a bad graph or options, or did not converge.
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
    /// The synthetic generator was given an impossible configuration.
    #[error(transparent)]
    Synth(#[from] SynthError),
    /// A skills map could not be built, queried or read.
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    /// A file could not be read or parsed.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    /// An allocation sized by the input cannot be made.
    #[error(transparent)]
    Allocation(#[from] AllocationError),
}

/// What kind of problem an [`Error`] is, whatever module raised it.
///
/// New kinds may be added in minor releases; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Survey data failed validation ([`ValidationError`], every problem located).
    Validation,
    /// A value in an input array is not allowed (not finite, negative); the
    /// error names its row and column.
    InvalidValue,
    /// A parameter is out of range or does not fit the data (an unknown
    /// metric name, a grouping key the survey does not have, a bad edge).
    InvalidOption,
    /// No embedded framework, typology or region set, or no node of a skills
    /// map, has this id.
    UnknownName,
    /// A scale, framework, typology or region set definition is malformed.
    Definition,
    /// A file or text is not in the expected format (a corrupt skills map,
    /// a malformed framework file, a CSV file that cannot be parsed).
    Format,
    /// The operating system could not read or write a file.
    Io,
    /// The computation was cancelled through its control.
    Cancelled,
    /// An iterative method did not converge.
    NotConverged,
    /// The input asks for more memory than can be allocated.
    OutOfMemory,
}

impl Error {
    /// The kind of problem, for callers that do not need the module detail.
    pub fn kind(&self) -> ErrorKind {
        use crate::graph::GraphError as G;
        use crate::network::NetworkError as N;
        use crate::relatedness::RelatednessError as R;
        use crate::scoring::ScoringError as S;
        use crate::similarity::SimilarityError as Sim;
        match self {
            Error::Validation(_) => ErrorKind::Validation,
            Error::Model(ModelError::Unknown { .. }) => ErrorKind::UnknownName,
            Error::Model(ModelError::Parse { .. }) => ErrorKind::Format,
            Error::Model(_) => ErrorKind::Definition,
            Error::Factorize(_) => ErrorKind::Format,
            Error::Similarity(Sim::NotFinite { .. }) => ErrorKind::InvalidValue,
            Error::Similarity(Sim::Cancelled) => ErrorKind::Cancelled,
            Error::Similarity(_) => ErrorKind::InvalidOption,
            Error::Relatedness(R::BadValue { .. }) => ErrorKind::InvalidValue,
            Error::Relatedness(R::Cancelled) => ErrorKind::Cancelled,
            Error::Relatedness(_) => ErrorKind::InvalidOption,
            Error::Scoring(S::Cancelled) => ErrorKind::Cancelled,
            Error::Scoring(_) => ErrorKind::InvalidOption,
            Error::Network(N::NotConverged { .. }) => ErrorKind::NotConverged,
            Error::Network(N::Cancelled) => ErrorKind::Cancelled,
            Error::Network(_) => ErrorKind::InvalidOption,
            Error::Synth(_) => ErrorKind::InvalidOption,
            Error::Graph(G::UnknownNode { .. }) => ErrorKind::UnknownName,
            Error::Graph(
                G::TooLarge { .. }
                | G::Format { .. }
                | G::Version { .. }
                | G::Parse { .. }
                | G::Invalid { .. },
            ) => ErrorKind::Format,
            Error::Graph(_) => ErrorKind::InvalidOption,
            Error::Io(e) => e.kind(),
            Error::Allocation(_) => ErrorKind::OutOfMemory,
        }
    }

    /// The located problems of a [`ErrorKind::Validation`] or
    /// [`ErrorKind::InvalidValue`] error (rows and columns of the input), or
    /// an empty list for other errors.
    ///
    /// ```
    /// use skillsmap::ndarray::array;
    /// use skillsmap::{relatedness::rca, IssueCode};
    ///
    /// let err = rca(array![[1.0, -2.0]].view()).unwrap_err();
    /// let issues = err.issues();
    /// assert_eq!((issues[0].row, issues[0].code), (Some(0), IssueCode::NegativeValue));
    /// assert_eq!(issues[0].column, "1");
    /// ```
    pub fn issues(&self) -> Vec<crate::ingest::Issue> {
        use crate::ingest::{Issue, IssueCode};
        let located = |row: usize, column: usize, value: f64, reason: String| {
            let code = if value.is_finite() {
                IssueCode::NegativeValue
            } else {
                IssueCode::NotFinite
            };
            vec![Issue::at(
                row,
                &column.to_string(),
                value.to_string(),
                code,
                reason,
            )]
        };
        match self {
            Error::Validation(v) => v.issues.clone(),
            Error::Similarity(crate::similarity::SimilarityError::NotFinite {
                row,
                column,
                value,
            }) => located(*row, *column, *value, "value is not finite".into()),
            Error::Relatedness(crate::relatedness::RelatednessError::BadValue {
                row,
                column,
                value,
            }) => located(
                *row,
                *column,
                *value,
                "value must be finite and non-negative".into(),
            ),
            _ => Vec::new(),
        }
    }
}

/// An allocation whose size the input decides, refused before the process
/// could be aborted: the caller asked for more than the machine has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} needs {} bytes ({:.1} GiB), which cannot be allocated", .bytes, *.bytes as f64 / (1u64 << 30) as f64)]
#[non_exhaustive]
pub struct AllocationError {
    /// What the memory was for.
    pub what: &'static str,
    /// The size asked for, in bytes (beyond `usize` when it overflowed).
    pub bytes: u128,
}

impl AllocationError {
    /// A refused allocation of `count` values of `T`.
    pub fn of<T>(what: &'static str, count: u128) -> Self {
        AllocationError {
            what,
            bytes: count.saturating_mul(std::mem::size_of::<T>() as u128),
        }
    }
}

/// An empty vector with room for `len` values, or an [`AllocationError`]
/// instead of an abort when the room cannot be had.
pub(crate) fn try_vec<T>(what: &'static str, len: usize) -> Result<Vec<T>, AllocationError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| AllocationError::of::<T>(what, len as u128))?;
    Ok(v)
}

/// `a × b` elements, or an [`AllocationError`] for a product beyond `usize`.
pub(crate) fn checked_len<T>(
    what: &'static str,
    a: usize,
    b: usize,
) -> Result<usize, AllocationError> {
    a.checked_mul(b)
        .filter(|&n| {
            n.checked_mul(std::mem::size_of::<T>())
                .is_some_and(|b| b <= isize::MAX as usize)
        })
        .ok_or_else(|| AllocationError::of::<T>(what, (a as u128).saturating_mul(b as u128)))
}

/// A parameter that is out of range or not one of its allowed values.
///
/// `option` names the parameter (as the Rust field or the Python keyword
/// calls it), so that a caller can tell which one without parsing the
/// message; `reason` says what was wrong, in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid option: {reason}")]
#[non_exhaustive]
pub struct InvalidOption {
    /// The parameter, e.g. `"ci"`, `"level"`, `"min_overlap"`.
    pub option: &'static str,
    /// What is wrong with its value, naming the value.
    pub reason: String,
}

impl InvalidOption {
    /// An invalid value of `option`, with the reason.
    pub fn new(option: &'static str, reason: impl Into<String>) -> Self {
        InvalidOption {
            option,
            reason: reason.into(),
        }
    }
}
