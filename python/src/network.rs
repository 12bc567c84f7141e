//! Bindings of `skillsmap::network`: the co-gap network of a survey and
//! graph algorithms on edge lists (GIL released; Louvain and centrality
//! stop on Ctrl-C and report progress, see `control`).

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use skillsmap::network::{self, WeightedGraph};

use crate::control::run_controlled;
use crate::convert::{slice, to_numpy};
use crate::errors::IntoPyResult;
use crate::survey::PySurvey;

fn graph(
    py: Python<'_>,
    n_nodes: usize,
    i: &PyReadonlyArray1<'_, u32>,
    j: &PyReadonlyArray1<'_, u32>,
    w: &PyReadonlyArray1<'_, f64>,
) -> PyResult<WeightedGraph> {
    let (i, j, w) = (slice(i, "i")?, slice(j, "j")?, slice(w, "w")?);
    if i.len() != j.len() || i.len() != w.len() {
        return Err(crate::errors::configuration_error(
            py,
            format!(
                "edge arrays differ in length: {}, {}, {}",
                i.len(),
                j.len(),
                w.len()
            ),
        ));
    }
    let edges = i
        .iter()
        .zip(j)
        .zip(w)
        .map(|((&a, &b), &c)| (a, b, c))
        .collect();
    WeightedGraph::new(n_nodes, edges).py_err(py)
}

fn edge_columns<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    g: &WeightedGraph,
    prefix: &str,
) -> PyResult<()> {
    let e = g.edges();
    d.set_item(
        format!("{prefix}i"),
        to_numpy(py, &e.iter().map(|x| x.0).collect::<Vec<_>>()),
    )?;
    d.set_item(
        format!("{prefix}j"),
        to_numpy(py, &e.iter().map(|x| x.1).collect::<Vec<_>>()),
    )?;
    d.set_item(
        format!("{prefix}w"),
        to_numpy(py, &e.iter().map(|x| x.2).collect::<Vec<_>>()),
    )?;
    Ok(())
}

/// Co-gap network: nodes, ubiquity, and count and proximity edges;
/// with `backbone` (`noise_corrected`, `hypergeometric` or `disparity`)
/// also that backbone of the count graph, with a score and p-value per
/// kept edge (NaN for the disparity filter).
#[pyfunction]
#[pyo3(signature = (survey, *, threshold, backbone=None, alpha=0.05, p_adjust="holm"))]
pub fn cogap_network<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    threshold: f64,
    backbone: Option<&str>,
    alpha: f64,
    p_adjust: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let inner = survey.inner.clone();
    let method = backbone.map(str::to_owned);
    let p_adjust = p_adjust.to_owned();
    let (cg, backbone) = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let adjust: network::PAdjust = p_adjust.parse()?;
            let cg = network::cogap_network(&inner, threshold)?;
            let backbone = match method.as_deref() {
                None => None,
                Some("noise_corrected") => {
                    Some(network::noise_corrected_backbone(&cg.graph, alpha)?)
                }
                Some("hypergeometric") => {
                    Some(network::hypergeometric_backbone(&cg, alpha, adjust)?)
                }
                Some("disparity") => {
                    let g = network::disparity_backbone(&cg.graph, alpha)?;
                    let m = g.n_edges();
                    Some(network::Backbone {
                        graph: g,
                        score: vec![f64::NAN; m],
                        p_value: vec![f64::NAN; m],
                    })
                }
                Some(other) => {
                    return Err(network::NetworkError::InvalidOption(
                        skillsmap::InvalidOption::new(
                            "backbone",
                            format!(
                                "backbone must be 'noise_corrected', 'hypergeometric' or \
                                 'disparity', got {other:?}"
                            ),
                        ),
                    )
                    .into())
                }
            };
            Ok((cg, backbone))
        })
        .py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("competences", cg.competences.clone())?;
    d.set_item("ubiquity", to_numpy(py, &cg.ubiquity))?;
    d.set_item("n_respondents", cg.n_respondents)?;
    edge_columns(py, &d, &cg.graph, "count_")?;
    edge_columns(py, &d, &cg.proximity, "phi_")?;
    if let Some(b) = &backbone {
        edge_columns(py, &d, &b.graph, "backbone_")?;
        d.set_item("backbone_score", to_numpy(py, &b.score))?;
        d.set_item("backbone_p", to_numpy(py, &b.p_value))?;
    }
    Ok(d)
}

/// Louvain communities of an edge list, and their modularity.
#[pyfunction]
#[pyo3(signature = (n_nodes, i, j, w, *, seed, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn louvain<'py>(
    py: Python<'py>,
    n_nodes: usize,
    i: PyReadonlyArray1<'py, u32>,
    j: PyReadonlyArray1<'py, u32>,
    w: PyReadonlyArray1<'py, f64>,
    seed: u64,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Bound<'py, numpy::PyArray1<u32>>, f64)> {
    let g = graph(py, n_nodes, &i, &j, &w)?;
    let (labels, q) = run_controlled(py, progress.as_ref(), |control| {
        (|| -> Result<_, skillsmap::Error> {
            let labels = network::louvain_with(&g, seed, control)?;
            let q = if g.n_edges() > 0 {
                network::modularity(&g, &labels)?
            } else {
                f64::NAN
            };
            Ok((labels, q))
        })()
    })?
    .py_err(py)?;
    Ok((to_numpy(py, &labels), q))
}

/// Degree, strength, betweenness (distance 1/weight) and eigenvector
/// centrality of an edge list.
#[pyfunction]
#[pyo3(signature = (n_nodes, i, j, w, *, progress=None))]
pub fn centrality<'py>(
    py: Python<'py>,
    n_nodes: usize,
    i: PyReadonlyArray1<'py, u32>,
    j: PyReadonlyArray1<'py, u32>,
    w: PyReadonlyArray1<'py, f64>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let g = graph(py, n_nodes, &i, &j, &w)?;
    let c = run_controlled(py, progress.as_ref(), |control| {
        network::centrality_with(&g, control)
    })?
    .py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("degree", to_numpy(py, &c.degree))?;
    d.set_item("strength", to_numpy(py, &c.strength))?;
    d.set_item("betweenness", to_numpy(py, &c.betweenness))?;
    d.set_item("eigenvector", to_numpy(py, &c.eigenvector))?;
    Ok(d)
}
