//! Bindings of `skillsmap::similarity`: the kernels run with the GIL
//! released, stop on Ctrl-C and report progress (see `control`).

use ndarray::ArrayView2;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySlice};
use skillsmap::similarity::{self, MatrixElement, Metric, Precision, SimilarityOptions};

use crate::control::run_controlled;
use crate::convert::to_numpy;
use crate::errors::{configuration_error, IntoPyResult};

fn options(
    metric: &str,
    threshold: Option<f64>,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: usize,
    precision: Precision,
) -> Result<SimilarityOptions, skillsmap::Error> {
    Ok(SimilarityOptions {
        metric: Metric::parse(metric, threshold)?,
        distance,
        pairwise_complete,
        min_overlap,
        precision,
    })
}

/// The precision a `dtype` asks for: float32 computes in `f32` (the dense
/// paths; see `Precision`), float64 in `f64`.
fn precision(py: Python<'_>, dtype: &str) -> PyResult<Precision> {
    match dtype {
        "float64" => Ok(Precision::Double),
        "float32" => Ok(Precision::Single),
        other => Err(configuration_error(
            py,
            format!("dtype must be 'float64' or 'float32', got {other:?}"),
        )),
    }
}

/// Full similarity (or distance) matrix of the rows of `x`, as float64 or
/// float32.
///
/// The result is allocated by numpy (zeroed lazily by the kernel, with
/// numpy's huge-page advice) and the core writes straight into it with the
/// GIL released: no second N × N buffer, no copy. float32 computes the
/// dense products in single precision (data with missing values in double,
/// rounded as they are stored, never via a float64 matrix).
#[pyfunction]
#[pyo3(signature = (x, *, metric, threshold=None, distance=false, pairwise_complete=true, min_overlap=1, dtype="float64", progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn similarity_matrix<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    metric: &str,
    threshold: Option<f64>,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: usize,
    dtype: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let precision = precision(py, dtype)?;
    let opts = options(
        metric,
        threshold,
        distance,
        pairwise_complete,
        min_overlap,
        precision,
    )
    .py_err(py)?;
    let view = x.as_array();
    let progress = progress.as_ref();
    match precision {
        Precision::Single => Ok(matrix_into::<f32>(py, view, &opts, progress)?.into_any()),
        _ => Ok(matrix_into::<f64>(py, view, &opts, progress)?.into_any()),
    }
}

fn matrix_into<'py, T: MatrixElement + numpy::Element>(
    py: Python<'py>,
    view: ArrayView2<'_, f64>,
    opts: &SimilarityOptions,
    progress: Option<&Py<PyAny>>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    // the path is checked first: a bad SKILLSMAP_SIMD fails before the
    // N × N allocation
    similarity::simd_path().py_err(py)?;
    let out = aligned_empty::<T>(py, view.nrows())?;
    {
        let mut guard = out
            .try_readwrite()
            .map_err(|e| configuration_error(py, e.to_string()))?;
        let target = guard.as_array_mut();
        run_controlled(py, progress, |control| {
            similarity::similarity_matrix_into_with(view, opts, target, control)
        })?
        .py_err(py)?;
    }
    Ok(out)
}

/// An uninitialised n × n numpy array whose data start on a 64-byte
/// boundary (a view into a slightly longer allocation): with rows of whole
/// cache lines the core's streaming stores cover every line of the output.
/// numpy alone gives 16-byte alignment for arrays this large. Not zeroed:
/// the core writes every entry (a Rust test holds it to that), and a
/// zeroed array costs a pass over the whole output when the allocator
/// reuses memory (calloc then clears it; 6 % of a 2,000-row Pearson call).
fn aligned_empty<T: numpy::Element>(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyArray2<T>>> {
    let pad = 64 / std::mem::size_of::<T>();
    let len = n
        .checked_mul(n)
        .filter(|len| len.checked_add(pad).is_some())
        .ok_or_else(|| {
            pyo3::exceptions::PyMemoryError::new_err(format!(
                "a {n} × {n} similarity matrix does not fit in memory; use top_k"
            ))
        })?;
    // numpy.empty raises MemoryError for a size the machine cannot give
    // (rust-numpy's constructor would panic on the null pointer instead)
    let dtype = numpy::dtype::<T>(py);
    let flat = py
        .import("numpy")?
        .call_method1("empty", (len + pad, dtype))?
        .cast_into::<PyArray1<T>>()?;
    let offset = flat.data().align_offset(64).min(pad);
    let slice = PySlice::new(py, offset as isize, (offset + len) as isize, 1);
    let square = flat.get_item(slice)?.call_method1("reshape", ((n, n),))?;
    Ok(square.cast_into::<PyArray2<T>>()?)
}

/// The kernel path the similarity functions use (`avx512`, `avx2` or
/// `portable`): the best this CPU has, or the one `SKILLSMAP_SIMD` forces.
#[pyfunction]
pub fn simd_path(py: Python<'_>) -> PyResult<&'static str> {
    Ok(similarity::simd_path().py_err(py)?.name())
}

/// Every kernel path this CPU can run, fastest first.
#[pyfunction]
pub fn simd_paths_available() -> Vec<&'static str> {
    similarity::SimdPath::available()
        .into_iter()
        .map(|p| p.name())
        .collect()
}

/// The k nearest rows of every row: `source`, `target`, `score` arrays
/// (`score` as float32 when computed in float32).
#[pyfunction]
#[pyo3(signature = (x, k, *, metric, threshold=None, distance=false, pairwise_complete=true, min_overlap=1, dtype="float64", progress=None))]
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
    dtype: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let precision = precision(py, dtype)?;
    let opts = options(
        metric,
        threshold,
        distance,
        pairwise_complete,
        min_overlap,
        precision,
    )
    .py_err(py)?;
    let view = x.as_array();
    let t = run_controlled(py, progress.as_ref(), |control| {
        similarity::top_k_with(view, k, &opts, control)
    })?
    .py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("source", to_numpy(py, &t.source))?;
    d.set_item("target", to_numpy(py, &t.target))?;
    match precision {
        Precision::Single => {
            let narrow: Vec<f32> = t.score.iter().map(|&v| v as f32).collect();
            d.set_item("score", to_numpy(py, &narrow))?;
        }
        _ => d.set_item("score", to_numpy(py, &t.score))?,
    }
    Ok(d)
}
