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

/// Factorises an Arrow string column given as its offsets (int32 or int64),
/// data buffer and optional validity mask; the GIL is released.
#[pyfunction]
#[pyo3(signature = (offsets, data, valid=None))]
pub fn factorize_utf8<'py>(
    py: Python<'py>,
    offsets: &Bound<'py, PyAny>,
    data: numpy::PyReadonlyArray1<'py, u8>,
    valid: Option<numpy::PyReadonlyArray1<'py, bool>>,
) -> PyResult<(Bound<'py, numpy::PyArray1<i64>>, Vec<String>)> {
    use numpy::PyArrayMethods;
    let data_s = slice(&data, "data")?;
    let valid_s = valid.as_ref().map(|v| slice(v, "valid")).transpose()?;
    let result = if let Ok(o) = offsets.cast::<numpy::PyArray1<i64>>() {
        let o = o.readonly();
        let o_s = slice(&o, "offsets")?;
        py.detach(|| skillsmap::ingest::factorize_utf8(o_s, data_s, valid_s))
    } else if let Ok(o) = offsets.cast::<numpy::PyArray1<i32>>() {
        let o = o.readonly();
        let o_s = slice(&o, "offsets")?;
        py.detach(|| skillsmap::ingest::factorize_utf8(o_s, data_s, valid_s))
    } else {
        return Err(PyValueError::new_err(
            "offsets must be an int32 or int64 array",
        ));
    };
    let (codes, labels) = result.map_err(|e| crate::errors::to_py(py, e))?;
    Ok((PyArray1::from_vec(py, codes), labels))
}

/// Renumbers dictionary codes (int8, int16, int32 or int64 as pandas keeps
/// them; negative = missing) in order of first appearance: the new codes
/// and, per new code, its dictionary position. The GIL is released.
#[pyfunction]
pub fn first_appearance<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    n_labels: usize,
) -> PyResult<(Bound<'py, numpy::PyArray1<i64>>, Vec<usize>)> {
    fn run<'py, C>(
        py: Python<'py>,
        codes: &Bound<'py, numpy::PyArray1<C>>,
        n_labels: usize,
    ) -> PyResult<(Vec<i64>, Vec<usize>)>
    where
        C: numpy::Element + Copy + Into<i64> + Sync,
    {
        use numpy::PyArrayMethods;
        let codes = codes.readonly();
        let c = slice(&codes, "codes")?;
        py.detach(|| skillsmap::ingest::first_appearance(c, n_labels))
            .map_err(|e| crate::errors::to_py(py, e))
    }
    let (out, order) = if let Ok(c) = codes.cast::<numpy::PyArray1<i8>>() {
        run(py, c, n_labels)?
    } else if let Ok(c) = codes.cast::<numpy::PyArray1<i16>>() {
        run(py, c, n_labels)?
    } else if let Ok(c) = codes.cast::<numpy::PyArray1<i32>>() {
        run(py, c, n_labels)?
    } else if let Ok(c) = codes.cast::<numpy::PyArray1<i64>>() {
        run(py, c, n_labels)?
    } else {
        return Err(PyValueError::new_err(
            "codes must be a 1-D int8, int16, int32 or int64 array",
        ));
    };
    Ok((PyArray1::from_vec(py, out), order))
}

/// Factorises integer ids (int64, optional validity mask) in order of first
/// appearance: the codes (−1 where invalid; int32 unless the rows are more
/// than int32 holds), the distinct values and their decimal texts. The GIL
/// is released.
#[pyfunction]
#[pyo3(signature = (values, valid=None))]
#[allow(clippy::type_complexity)]
pub fn factorize_i64<'py>(
    py: Python<'py>,
    values: numpy::PyReadonlyArray1<'py, i64>,
    valid: Option<numpy::PyReadonlyArray1<'py, bool>>,
) -> PyResult<(
    Bound<'py, PyAny>,
    Bound<'py, numpy::PyArray1<i64>>,
    Vec<String>,
)> {
    let v = slice(&values, "values")?;
    let m = valid.as_ref().map(|m| slice(m, "valid")).transpose()?;
    if m.is_some_and(|m| m.len() != v.len()) {
        return Err(PyValueError::new_err("valid must have one entry per value"));
    }
    enum Out {
        I32(Vec<i32>),
        I64(Vec<i64>),
    }
    let (codes, uniques, labels) = py.detach(|| {
        let (codes, uniques) = match skillsmap::ingest::factorize_i64_i32(v, m) {
            Some((c, u)) => (Out::I32(c), u),
            None => {
                let (c, u) = skillsmap::ingest::factorize_i64(v, m);
                (Out::I64(c), u)
            }
        };
        let labels = uniques.iter().map(i64::to_string).collect::<Vec<_>>();
        (codes, uniques, labels)
    });
    let codes = match codes {
        Out::I32(c) => PyArray1::from_vec(py, c).into_any(),
        Out::I64(c) => PyArray1::from_vec(py, c).into_any(),
    };
    Ok((codes, PyArray1::from_vec(py, uniques), labels))
}
