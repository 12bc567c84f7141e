//! Reading survey files: [`IoError`] always, and with the `csv` feature
//! [`read_csv`] for long and wide CSV exports as they come from Excel and
//! survey tools (UTF-8 with or without BOM, or Windows-1252; `,` `;` or tab;
//! decimal point or comma).

use std::path::{Path, PathBuf};

#[cfg(feature = "csv")]
mod csv_file;
#[cfg(feature = "csv")]
pub use csv_file::{read_csv, read_csv_bytes, CsvOptions, Layout, WidePatterns};

/// Errors of reading a file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The operating system could not read the file.
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's kind of error (not found, permission, …).
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// The file is not a table this reader understands.
    #[error("cannot parse {}: {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<u64>,
        /// What is wrong, with the line where known.
        reason: String,
    },
}

impl IoError {
    /// A failed read of `path`.
    pub fn read(path: &Path, e: &std::io::Error) -> Self {
        IoError::Read {
            path: path.to_owned(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// The [`crate::ErrorKind`] of the error.
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            IoError::Read { .. } => crate::ErrorKind::Io,
            IoError::Parse { .. } => crate::ErrorKind::Format,
        }
    }
}
