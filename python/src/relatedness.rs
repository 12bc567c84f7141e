//! Bindings of `skillsmap::relatedness` (GIL released; proximity and
//! density stop on Ctrl-C and report progress, see `control`).

use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use skillsmap::relatedness;

use crate::control::run_controlled;
use crate::errors::IntoPyResult;

/// Balassa RCA of an entity × item matrix.
#[pyfunction]
pub fn rca<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = x.as_array();
    Ok(py
        .detach(|| relatedness::rca(v))
        .py_err(py)?
        .into_pyarray(py))
}

/// Item × item proximity with presence at RCA ≥ threshold. MemoryError
/// (naming the size) before any work when the result cannot be allocated.
#[pyfunction]
#[pyo3(signature = (x, *, threshold, progress=None))]
pub fn proximity<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    threshold: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = x.as_array();
    Ok(run_controlled(py, progress.as_ref(), |control| {
        relatedness::proximity_with(v, threshold, control)
    })?
    .py_err(py)?
    .into_pyarray(py))
}

/// Entity × item density with presence at RCA ≥ threshold.
#[pyfunction]
#[pyo3(signature = (x, *, threshold, progress=None))]
pub fn density<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    threshold: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = x.as_array();
    Ok(run_controlled(py, progress.as_ref(), |control| {
        relatedness::density_with(v, threshold, control)
    })?
    .py_err(py)?
    .into_pyarray(py))
}
