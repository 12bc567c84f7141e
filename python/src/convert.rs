//! Conversions between numpy arrays and the core's slices.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A contiguous view of a 1-D array (the Python wrapper makes arrays
/// contiguous; anything else is a caller bug reported as ValueError).
pub fn slice<'a, T: numpy::Element>(
    a: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be a contiguous 1-D array")))
}

/// Copies a slice into a new numpy array.
pub fn to_numpy<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    v: &[T],
) -> Bound<'py, PyArray1<T>> {
    PyArray1::from_slice(py, v)
}
