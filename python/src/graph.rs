//! Bindings of `skillsmap::graph`: the SkillsMap (GIL released around
//! building, exporting and parsing).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use skillsmap::graph::{EdgeKind, GapStats, SkillsMap};
use skillsmap::scoring::{GapOptions, ImportanceMean, Level};

use crate::errors::{configuration_error, IntoPyResult};
use crate::survey::PySurvey;

/// The interregional skills map: regions, stakeholder types, areas and
/// competences with gap statistics on their edges.
#[pyclass(name = "SkillsMap", module = "skillsmap._core")]
pub struct PySkillsMap {
    pub inner: SkillsMap,
}

fn stats_dict<'py>(py: Python<'py>, s: &GapStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n", s.n)?;
    d.set_item("n_missing", s.n_missing)?;
    d.set_item("mean_current", s.mean_current)?;
    d.set_item("mean_gap", s.mean_gap)?;
    d.set_item("mean_positive_gap", s.mean_positive_gap)?;
    d.set_item("mwds", s.mwds)?;
    d.set_item("rank", s.rank)?;
    d.set_item("suppressed", s.suppressed)?;
    Ok(d)
}

#[pymethods]
impl PySkillsMap {
    /// Builds the map of a survey.
    #[staticmethod]
    #[pyo3(signature = (survey, *, min_n, weights, importance_mean))]
    fn from_survey(
        py: Python<'_>,
        survey: &PySurvey,
        min_n: usize,
        weights: bool,
        importance_mean: &str,
    ) -> PyResult<Self> {
        let im: ImportanceMean = importance_mean.parse().py_err(py)?;
        let opts = GapOptions {
            level: Level::Competence,
            weights,
            min_n,
            importance_mean: im,
            ..GapOptions::default()
        };
        let inner = survey.inner.clone();
        let map = py
            .detach(|| SkillsMap::from_survey(&inner, &opts))
            .py_err(py)?;
        Ok(PySkillsMap { inner: map })
    }

    /// Parses the versioned JSON format, refusing input over `max_bytes`.
    #[staticmethod]
    #[pyo3(signature = (text, *, max_bytes))]
    fn from_json(py: Python<'_>, text: &str, max_bytes: usize) -> PyResult<Self> {
        let map = py
            .detach(|| SkillsMap::from_json_with_limit(text, max_bytes))
            .py_err(py)?;
        Ok(PySkillsMap { inner: map })
    }

    fn to_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_json())
    }
    fn to_graphml(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_graphml())
    }
    fn to_gexf(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_gexf())
    }
    /// networkx node-link JSON (with an explicit "edges" key), as text.
    fn node_link_json(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.to_node_link().to_string())
    }

    #[getter]
    fn node_count(&self) -> usize {
        self.inner.node_count()
    }
    #[getter]
    fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    /// `(neighbour id, statistics)` of a region, type or competence node.
    fn gap_stats<'py>(
        &self,
        py: Python<'py>,
        node_id: &str,
    ) -> PyResult<Vec<(String, Bound<'py, PyDict>)>> {
        self.inner
            .gap_stats(node_id)
            .py_err(py)?
            .into_iter()
            .map(|(id, s)| Ok((id.to_owned(), stats_dict(py, s)?)))
            .collect()
    }

    /// Neighbour ids of a node through edges of one kind.
    fn neighbours(&self, py: Python<'_>, node_id: &str, kind: &str) -> PyResult<Vec<String>> {
        let kind: EdgeKind = kind.parse().py_err(py)?;
        Ok(self
            .inner
            .neighbours(node_id, kind)
            .py_err(py)?
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// The submap around some regions, stakeholder types or areas.
    #[pyo3(signature = (*, regions=None, types=None, areas=None))]
    fn subgraph(
        &self,
        py: Python<'_>,
        regions: Option<Vec<String>>,
        types: Option<Vec<String>>,
        areas: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let map = match (regions, types, areas) {
            (Some(r), None, None) => self.inner.subgraph_regions(&r),
            (None, Some(t), None) => self.inner.subgraph_types(&t),
            (None, None, Some(a)) => self.inner.subgraph_areas(&a),
            _ => {
                return Err(configuration_error(
                    py,
                    "give exactly one of regions=, types= or areas=".into(),
                ))
            }
        }
        .py_err(py)?;
        Ok(PySkillsMap { inner: map })
    }

    /// Adds (or updates) a relatedness edge between two competences.
    fn add_relatedness(
        &mut self,
        py: Python<'_>,
        a: &str,
        b: &str,
        kind: &str,
        weight: f64,
    ) -> PyResult<()> {
        self.inner.add_relatedness(a, b, kind, weight).py_err(py)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PySkillsMap>()
            .ok()
            .and_then(|o| o.try_borrow().ok().map(|b| b.inner == self.inner))
            .unwrap_or(false)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.meta();
        format!(
            "SkillsMap({} nodes, {} edges, framework='{}'{})",
            self.inner.node_count(),
            self.inner.edge_count(),
            m.framework,
            if m.synthetic { ", synthetic" } else { "" }
        )
    }
}
