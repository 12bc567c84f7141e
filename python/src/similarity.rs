//! Bindings of `skillsmap::similarity` (GIL released around the kernels).

use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use skillsmap::similarity::{self, Metric, SimilarityOptions};

use crate::convert::to_numpy;
use crate::errors::IntoPyResult;

fn options(
    metric: &str,
    threshold: Option<f64>,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: usize,
) -> Result<SimilarityOptions, skillsmap::Error> {
    Ok(SimilarityOptions {
        metric: Metric::parse(metric, threshold)?,
        distance,
        pairwise_complete,
        min_overlap,
    })
}

/// Full similarity (or distance) matrix of the rows of `x`.
#[pyfunction]
#[pyo3(signature = (x, *, metric, threshold=None, distance=false, pairwise_complete=true, min_overlap=1))]
pub fn similarity_matrix<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    metric: &str,
    threshold: Option<f64>,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let opts = options(metric, threshold, distance, pairwise_complete, min_overlap).py_err(py)?;
    let view = x.as_array();
    let out = py
        .detach(|| similarity::similarity_matrix(view, &opts))
        .py_err(py)?;
    Ok(out.into_pyarray(py))
}

/// The k nearest rows of every row: `source`, `target`, `score` arrays.
#[pyfunction]
#[pyo3(signature = (x, k, *, metric, threshold=None, distance=false, pairwise_complete=true, min_overlap=1))]
#[allow(clippy::too_many_arguments)]
pub fn top_k<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    k: usize,
    metric: &str,
    threshold: Option<f64>,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = options(metric, threshold, distance, pairwise_complete, min_overlap).py_err(py)?;
    let view = x.as_array();
    let t = py.detach(|| similarity::top_k(view, k, &opts)).py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("source", to_numpy(py, &t.source))?;
    d.set_item("target", to_numpy(py, &t.target))?;
    d.set_item("score", to_numpy(py, &t.score))?;
    Ok(d)
}
