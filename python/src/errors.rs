//! The one place where core errors become Python exceptions: each
//! [`ErrorKind`] has its class in `skillsmap/errors.py`, and validation
//! issues keep their row, column, value, reason and machine-readable code.

use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyOSError};
use pyo3::prelude::*;
use skillsmap::{Error, ErrorKind};

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("skillsmap.errors")?.getattr(name)
}

fn raise(py: Python<'_>, name: &str, message: String) -> PyErr {
    let made = class(py, name).and_then(|cls| cls.call1((message,)));
    match made {
        Ok(obj) => PyErr::from_value(obj),
        Err(e) => e,
    }
}

/// A `skillsmap.errors.ValidationError` listing `err`'s located issues;
/// `what` names the input in the message ("survey data", "input matrix").
fn validation(py: Python<'_>, err: &Error, what: &str) -> PyErr {
    let issues: Vec<(Option<usize>, String, String, String, &'static str)> = err
        .issues()
        .into_iter()
        .map(|i| (i.row, i.column, i.value, i.reason, i.code.as_str()))
        .collect();
    let kwargs = pyo3::types::PyDict::new(py);
    let made = kwargs
        .set_item("what", what)
        .and_then(|()| class(py, "ValidationError"))
        .and_then(|cls| cls.call((issues,), Some(&kwargs)));
    match made {
        Ok(obj) => PyErr::from_value(obj),
        Err(e) => e,
    }
}

/// The Python exception for a core error.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    match err.kind() {
        ErrorKind::Validation => validation(py, &err, "survey data"),
        ErrorKind::InvalidValue => validation(py, &err, "input matrix"),
        ErrorKind::UnknownName => raise(py, "UnknownNameError", err.to_string()),
        ErrorKind::Definition => raise(py, "DefinitionError", err.to_string()),
        ErrorKind::Format => raise(py, "FormatError", err.to_string()),
        ErrorKind::NotConverged => raise(py, "ConvergenceError", err.to_string()),
        ErrorKind::Io => PyOSError::new_err(err.to_string()),
        ErrorKind::Cancelled => PyKeyboardInterrupt::new_err(err.to_string()),
        ErrorKind::OutOfMemory => PyMemoryError::new_err(err.to_string()),
        // InvalidOption, and any kind a newer core adds
        _ => raise(py, "ConfigurationError", err.to_string()),
    }
}

/// Extension for results of core calls.
pub trait IntoPyResult<T> {
    /// Maps the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Into<Error>> IntoPyResult<T> for Result<T, E> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e.into()))
    }
}

/// Maps a core error to its Python exception where no `Python` token is at
/// hand (inside `map_err` of a detached call).
pub fn core_err(e: impl Into<Error>) -> PyErr {
    Python::attach(|py| to_py(py, e.into()))
}

/// A `skillsmap.errors.ConfigurationError` (a ValueError) with a message,
/// for checks of Python-only concerns (an array's layout).
pub fn configuration_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, "ConfigurationError", message)
}
