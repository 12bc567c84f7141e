//! Maps core errors onto the Python exception tree defined in
//! `skillsmap/errors.py`, so that Python and Rust raise the same classes.

use pyo3::prelude::*;
use skillsmap::model::ModelError;
use skillsmap::Error;

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

/// The Python exception for a core error.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    match err {
        Error::Validation(v) => {
            let issues: Vec<(Option<usize>, String, String, String)> = v
                .issues
                .into_iter()
                .map(|i| (i.row, i.column, i.value, i.reason))
                .collect();
            match class(py, "ValidationError").and_then(|cls| cls.call1((issues,))) {
                Ok(obj) => PyErr::from_value(obj),
                Err(e) => e,
            }
        }
        Error::Model(m @ ModelError::Unknown { .. }) => {
            raise(py, "UnknownNameError", m.to_string())
        }
        Error::Model(m) => raise(py, "DefinitionError", m.to_string()),
        Error::Synth(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Similarity(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Scoring(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Relatedness(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Factorize(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Network(s) => raise(py, "ConfigurationError", s.to_string()),
        Error::Graph(g) => raise(py, "ConfigurationError", g.to_string()),
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

/// A `skillsmap.errors.ConfigurationError` (a ValueError) with a message.
pub fn configuration_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, "ConfigurationError", message)
}
