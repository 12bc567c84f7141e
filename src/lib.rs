//! # skillsmap
//!
//! Skills-mapping analytics for the social economy (SE): the core of the
//! skillsmap library, with no Python in it.
//!
//! The crate models an interregional skills survey — who answered (region,
//! stakeholder type), about which competence (from a competence
//! [`Framework`]), and at which current, required and importance levels on an
//! ordinal [`Scale`] — validates survey exports row by row, generates
//! synthetic RESEES-shaped demonstration data, and scores skill gaps.
//!
//! ```
//! use skillsmap::{synth, Survey};
//!
//! // A seeded synthetic survey: the six RESEES regions, the default
//! // stakeholder typology and the illustrative `se-core` framework.
//! let survey: Survey = synth::generate(&synth::SynthConfig::new(200, 7))?;
//! assert_eq!(survey.n_respondents(), 200);
//! assert!(survey.meta().synthetic);
//! println!("{}", survey.summary());
//! # Ok::<(), skillsmap::Error>(())
//! ```
//!
//! Modules:
//! - [`model`]: scales, frameworks, typologies, regions and the columnar [`Survey`];
//! - [`ingest`]: validated construction of a survey from a long table;
//! - [`synth`]: the seeded synthetic survey generator;
//! - [`scoring`]: gap statistics, Borich needs assessment, priorities,
//!   bootstrap and paired tests;
//! - [`similarity`]: similarity and distance of profiles, full or top-k;
//! - [`relatedness`]: revealed comparative advantage, proximity, density;
//! - [`network`]: the co-gap network of competences, its backbone,
//!   communities and centrality;
//! - [`graph`]: the skills map — regions, types, areas and competences as a
//!   graph with gap statistics on its edges; queries, subgraphs, GraphML,
//!   GEXF, node-link and versioned JSON;
//! - [`rng`]: the small deterministic random number generator used for
//!   reproducible parallel work.
#![deny(missing_docs)]
// No panic reachable from input (RELIABILITY.md): `make lint` runs clippy
// with `-D warnings`, so these are errors in CI. Integer arithmetic is checked
// (`arithmetic_side_effects`) in the modules that read and validate input;
// the numerical kernels below opt out, module by module, because their index
// arithmetic is bounded by shapes validated (and allocations checked with
// `error::checked_len`) before any kernel runs.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(clippy::arithmetic_side_effects)]
// `unsafe` lives in one module (similarity's kernels), each block with its
// SAFETY argument.
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod error;
pub mod graph;
pub mod ingest;
pub mod io;
pub mod model;
#[allow(clippy::arithmetic_side_effects)] // kernel: indices within validated shapes
pub mod network;
#[allow(clippy::arithmetic_side_effects)] // kernel: indices within validated shapes
pub mod relatedness;
pub mod rng;
#[allow(clippy::arithmetic_side_effects)] // kernel: indices within validated shapes
pub mod scoring;
#[allow(clippy::arithmetic_side_effects)] // kernel: indices within validated shapes
pub mod similarity;
#[allow(clippy::arithmetic_side_effects)] // generator: sizes checked by SynthOptions
pub mod synth;

// Foreign crates whose types appear in the public API, re-exported so that
// callers use the very versions this crate was built with.
pub use ndarray;
pub use petgraph;

pub use error::{AllocationError, Error, ErrorKind, InvalidOption};
pub use ingest::{
    build_survey, survey_from_columns, Answer, IngestOptions, Issue, IssueCode, LongColumns,
    LongTable, SurveyBuilder, ValidationError,
};
pub use model::{
    Area, Competence, Framework, Region, RegionSet, Scale, Sector, StakeholderType, Survey,
    Typology,
};

/// Convenience alias for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
