//! Bindings of `skillsmap::relatedness` (GIL released).

use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use skillsmap::relatedness;

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

/// Item × item proximity with presence at RCA ≥ threshold.
#[pyfunction]
#[pyo3(signature = (x, *, threshold))]
pub fn proximity<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    threshold: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = x.as_array();
    Ok(py
        .detach(|| relatedness::proximity(v, threshold))
        .py_err(py)?
        .into_pyarray(py))
}

/// Entity × item density with presence at RCA ≥ threshold.
#[pyfunction]
#[pyo3(signature = (x, *, threshold))]
pub fn density<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    threshold: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let v = x.as_array();
    Ok(py
        .detach(|| relatedness::density(v, threshold))
        .py_err(py)?
        .into_pyarray(py))
}
