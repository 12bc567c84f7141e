//! One long core call with the GIL released, Ctrl-C honoured and progress
//! reported: the pattern of the bootstrap binding, for every kernel that
//! scales.
//!
//! The core runs on a worker thread; the calling thread wakes every 50 ms
//! to look for Ctrl-C (`check_signals`, which only the main thread can
//! answer) and to pass the progress to a Python callback as
//! `callback(increment, total)`. A signal or an exception in the callback
//! sets the control's `cancel`, the core stops within one unit of work, and
//! the Python error is raised; the partial result is dropped.

use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use skillsmap::scoring::Control;

/// Runs `work` on a worker thread with the GIL released, polling for
/// Ctrl-C and reporting progress to `progress` until it returns.
pub fn run_controlled<R: Send>(
    py: Python<'_>,
    progress: Option<&Py<PyAny>>,
    work: impl FnOnce(&Control) -> R + Send,
) -> PyResult<R> {
    let control = Control::default();
    let interrupt: Mutex<Option<PyErr>> = Mutex::new(None);
    let stop = |e: PyErr| {
        control.cancel.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = interrupt.lock() {
            slot.get_or_insert(e);
        }
    };
    let outcome = py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            let control = &control;
            s.spawn(move || {
                // the receiver outlives the worker; a failed send cannot happen
                let _ = tx.send(work(control));
            });
            let mut reported = 0usize;
            loop {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(res) => return (Some(res), reported),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        return (None, reported)
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                }
                Python::attach(|py| {
                    if let Err(e) = py.check_signals() {
                        stop(e);
                        return;
                    }
                    let Some(cb) = progress else { return };
                    let done = control.done.load(Ordering::Relaxed);
                    let total = control.total.load(Ordering::Relaxed);
                    if done > reported {
                        if let Err(e) = cb.call1(py, (done - reported, total)) {
                            stop(e);
                        }
                        reported = done;
                    }
                });
            }
        })
    });
    if let Some(e) = interrupt.into_inner().ok().flatten() {
        return Err(e);
    }
    let (res, reported) = outcome;
    let res = res.ok_or_else(|| PyRuntimeError::new_err("the kernel's worker failed"))?;
    if let Some(cb) = progress {
        let done = control.done.load(Ordering::Relaxed);
        let total = control.total.load(Ordering::Relaxed).max(done);
        if done > reported {
            cb.call1(py, (done - reported, total))?;
        }
    }
    Ok(res)
}
