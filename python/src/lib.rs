//! pyo3 bindings of the skillsmap core: the private module `skillsmap._core`.
//!
//! Bindings are thin: convert the inputs, make one core call with the GIL
//! released where the work scales with the data, map the error, return.
//! The Python package `skillsmap` wraps these classes in its public API.

use pyo3::prelude::*;

mod control;
mod convert;
mod errors;
mod graph;
mod model;
mod network;
mod relatedness;
mod scoring;
mod similarity;
mod survey;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // the code of a missing respondent attribute, as the core stores it
    m.add("MISSING_CODE", skillsmap::model::MISSING_CODE)?;
    m.add_class::<model::PyScale>()?;
    m.add_class::<model::PyFramework>()?;
    m.add_class::<model::PyTypology>()?;
    m.add_class::<model::PyRegionSet>()?;
    m.add_class::<survey::PySurvey>()?;
    m.add_class::<graph::PySkillsMap>()?;
    m.add_class::<scoring::PyGapPartial>()?;
    m.add_function(wrap_pyfunction!(convert::factorize_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(convert::first_appearance, m)?)?;
    m.add_function(wrap_pyfunction!(convert::factorize_i64, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::gap_table, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::quadrants, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::learning_matches, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::paired_tests, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::rating_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::reliability, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::rank_sums, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::rating_rank_sums, m)?)?;
    m.add_function(wrap_pyfunction!(similarity::similarity_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(similarity::top_k, m)?)?;
    m.add_function(wrap_pyfunction!(similarity::simd_path, m)?)?;
    m.add_function(wrap_pyfunction!(similarity::simd_paths_available, m)?)?;
    m.add_function(wrap_pyfunction!(relatedness::rca, m)?)?;
    m.add_function(wrap_pyfunction!(network::cogap_network, m)?)?;
    m.add_function(wrap_pyfunction!(network::louvain, m)?)?;
    m.add_function(wrap_pyfunction!(network::centrality, m)?)?;
    m.add_function(wrap_pyfunction!(relatedness::proximity, m)?)?;
    m.add_function(wrap_pyfunction!(relatedness::density, m)?)?;
    Ok(())
}
