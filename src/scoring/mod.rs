//! Gap scoring. This module currently holds the survey summary used by the
//! CLI and the quickstart example; the full gap engine builds on it.

mod summary;

pub use summary::{AreaGap, SurveySummary};
