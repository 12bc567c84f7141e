//! The crate-level error: one variant per module error, so that callers can
//! match on the module that failed or simply propagate with `?`.

use crate::ingest::ValidationError;
use crate::model::ModelError;
use crate::synth::SynthError;

/// Any error raised by skillsmap.
#[derive(Debug, thiserror::Error)]
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
}
