//! Bindings of `skillsmap::network`: the co-gap network of a survey and
//! graph algorithms on edge lists (GIL released).

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use skillsmap::network::{self, WeightedGraph};

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

/// Co-gap network: nodes, ubiquity, and count and proximity edges
/// (optionally the disparity backbone of the count graph).
#[pyfunction]
#[pyo3(signature = (survey, *, threshold, backbone_alpha=None))]
pub fn cogap_network<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    threshold: f64,
    backbone_alpha: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let inner = survey.inner.clone();
    let (cg, backbone) = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let cg = network::cogap_network(&inner, threshold)?;
            let backbone = match backbone_alpha {
                Some(a) => Some(network::disparity_backbone(&cg.graph, a)?),
                None => None,
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
        edge_columns(py, &d, b, "backbone_")?;
    }
    Ok(d)
}

/// Louvain communities of an edge list, and their modularity.
#[pyfunction]
#[pyo3(signature = (n_nodes, i, j, w, *, seed))]
pub fn louvain<'py>(
    py: Python<'py>,
    n_nodes: usize,
    i: PyReadonlyArray1<'py, u32>,
    j: PyReadonlyArray1<'py, u32>,
    w: PyReadonlyArray1<'py, f64>,
    seed: u64,
) -> PyResult<(Bound<'py, numpy::PyArray1<u32>>, f64)> {
    let g = graph(py, n_nodes, &i, &j, &w)?;
    let (labels, q) = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let labels = network::louvain(&g, seed);
            let q = if g.n_edges() > 0 {
                network::modularity(&g, &labels)?
            } else {
                f64::NAN
            };
            Ok((labels, q))
        })
        .py_err(py)?;
    Ok((to_numpy(py, &labels), q))
}

/// Degree, strength, betweenness (distance 1/weight) and eigenvector
/// centrality of an edge list.
#[pyfunction]
pub fn centrality<'py>(
    py: Python<'py>,
    n_nodes: usize,
    i: PyReadonlyArray1<'py, u32>,
    j: PyReadonlyArray1<'py, u32>,
    w: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let g = graph(py, n_nodes, &i, &j, &w)?;
    let c = py.detach(|| network::centrality(&g)).py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("degree", to_numpy(py, &c.degree))?;
    d.set_item("strength", to_numpy(py, &c.strength))?;
    d.set_item("betweenness", to_numpy(py, &c.betweenness))?;
    d.set_item("eigenvector", to_numpy(py, &c.eigenvector))?;
    Ok(d)
}
