//! The domain model: ordinal [`Scale`]s, competence [`Framework`]s, the
//! stakeholder [`Typology`], [`RegionSet`]s and the columnar [`Survey`].
//!
//! Frameworks, typologies and region sets are data: the embedded defaults are
//! JSON files compiled into the crate, and users supply their own in the same
//! format or build them from tables.

mod framework;
mod lookup;
mod region;
mod scale;
mod survey;
mod typology;

pub use framework::{
    Area, Competence, CompetenceRow, Framework, FrameworkInfo, SourceRef, MAX_SUB_COMPETENCE_DEPTH,
};
pub use lookup::{nfc, normalise_key};
pub use region::{Region, RegionSet};
pub use scale::Scale;
pub use survey::{Answers, Attribute, Respondents, Survey, SurveyMeta, MISSING_CODE};
pub use typology::{Sector, StakeholderType, Typology};

/// Errors in the definition of a scale, framework, typology or region set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A scale whose bounds are not finite or not increasing, or whose level
    /// labels do not match its levels.
    #[error("invalid scale: {reason}")]
    InvalidScale {
        /// What is wrong with it.
        reason: String,
    },
    /// A definition file or table could not be parsed.
    #[error("cannot read {what}: {reason}")]
    Parse {
        /// What was being read, e.g. `framework "my-set"`.
        what: String,
        /// The parser's explanation, with line and column where known.
        reason: String,
    },
    /// A definition is structurally wrong (duplicate ids, empty parts, …).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being built.
        what: String,
        /// Why it was rejected.
        reason: String,
    },
    /// No embedded framework, typology or region set has this id.
    #[error("unknown {what} {id:?}; available: {available}")]
    Unknown {
        /// `framework`, `typology` or `region set`.
        what: &'static str,
        /// The id asked for.
        id: String,
        /// The ids that exist, comma-separated.
        available: String,
    },
}
