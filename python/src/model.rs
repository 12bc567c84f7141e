//! Bindings of `skillsmap::model`: scales, frameworks, typologies, regions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pyo3::prelude::*;
use skillsmap::model::{CompetenceRow, FrameworkInfo, Region};
use skillsmap::{Framework, RegionSet, Scale, Typology};

use crate::errors::IntoPyResult;

/// An ordinal answer scale: ``Scale(min, max, *, labels=None, id="", name="")``.
///
/// Values outside [min, max] are validation errors, never clipped.
///
/// Parameters
/// ----------
/// min, max : float
///     Lowest and highest level, inclusive (``min < max``).
/// labels : list of str, optional
///     One label per integer level from ``min`` to ``max``.
/// id, name : str
///     Stable id and human-readable name.
///
/// Raises
/// ------
/// DefinitionError
///     For ``min >= max``, a non-finite bound, or labels that do not match
///     the integer levels.
///
/// See Also
/// --------
/// Framework.scale : The proficiency scale of a framework.
/// Survey.scale : The scale of a survey's current and required levels.
///
/// Examples
/// --------
/// >>> import skillsmap as sm
/// >>> s = sm.Scale(1, 8, id="entrecomp-8", name="EntreComp proficiency")
/// >>> s.contains(8), s.contains(9)
/// (True, False)
/// >>> sm.Scale(1, 3, labels=["low", "mid", "high"]).labels
/// ['low', 'mid', 'high']
#[pyclass(name = "Scale", module = "skillsmap._core", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct PyScale {
    pub inner: Scale,
}

#[pymethods]
impl PyScale {
    #[new]
    #[pyo3(signature = (min, max, *, labels=None, id=String::new(), name=String::new()))]
    fn new(
        py: Python<'_>,
        min: f64,
        max: f64,
        labels: Option<Vec<String>>,
        id: String,
        name: String,
    ) -> PyResult<Self> {
        let mut s = Scale::new(min, max).py_err(py)?.named(id, name);
        if let Some(l) = labels {
            s = s.with_labels(l).py_err(py)?;
        }
        Ok(PyScale { inner: s })
    }

    /// The five-point Likert scale (1–5, labelled Very low … Very high).
    ///
    /// Returns
    /// -------
    /// Scale
    ///
    /// See Also
    /// --------
    /// Scale : A scale of your own.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> sm.Scale.likert5().labels[0]
    /// 'Very low'
    #[staticmethod]
    fn likert5() -> Self {
        PyScale {
            inner: Scale::likert5(),
        }
    }

    /// Lowest level (inclusive).
    #[getter]
    fn min(&self) -> f64 {
        self.inner.min
    }
    /// Highest level (inclusive).
    #[getter]
    fn max(&self) -> f64 {
        self.inner.max
    }
    /// Labels of the integer levels min..max, in order (empty if unlabelled).
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels.clone()
    }
    /// Stable id, e.g. 'likert-5'.
    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    /// Human-readable name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    /// Whether a value lies on the scale (NaN does not).
    ///
    /// Parameters
    /// ----------
    /// value : float
    ///     A level.
    ///
    /// Returns
    /// -------
    /// bool
    ///     ``min <= value <= max``.
    ///
    /// See Also
    /// --------
    /// Scale : Its bounds.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> sm.Scale.likert5().contains(4.5), sm.Scale.likert5().contains(float("nan"))
    /// (True, False)
    fn contains(&self, value: f64) -> bool {
        self.inner.contains(value)
    }
    fn _repr_html_(&self) -> String {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let s = &self.inner;
        let mut out = format!(
            "<p>Scale <b>{}</b> {}–{}</p>",
            esc(if s.name.is_empty() {
                "unnamed"
            } else {
                &s.name
            }),
            s.min,
            s.max
        );
        if !s.labels.is_empty() {
            out.push_str("<table><tr><th>level</th><th>label</th></tr>");
            for (i, l) in s.labels.iter().enumerate() {
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    s.min + i as f64,
                    esc(l)
                ));
            }
            out.push_str("</table>");
        }
        out
    }
    fn __repr__(&self) -> String {
        let s = &self.inner;
        let fmt = |v: f64| {
            if v.fract() == 0.0 {
                format!("{}", v as i64)
            } else {
                v.to_string()
            }
        };
        let mut out = format!("Scale({}, {}", fmt(s.min), fmt(s.max));
        if !s.labels.is_empty() {
            out.push_str(&format!(
                ", labels=[{}]",
                s.labels
                    .iter()
                    .map(|l| format!("'{l}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !s.id.is_empty() {
            out.push_str(&format!(", id='{}'", s.id));
        }
        out.push(')');
        out
    }
}

/// A competence framework (areas → competences).
#[pyclass(name = "Framework", module = "skillsmap._core", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyFramework {
    pub inner: Arc<Framework>,
}

fn opt(s: &Option<String>) -> Option<String> {
    s.clone()
}

#[pymethods]
impl PyFramework {
    #[staticmethod]
    fn available() -> Vec<&'static str> {
        Framework::available()
    }

    #[staticmethod]
    fn embedded(py: Python<'_>, id: &str) -> PyResult<Self> {
        Ok(PyFramework {
            inner: Framework::embedded(id).py_err(py)?,
        })
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyFramework {
            inner: Arc::new(Framework::from_json(text).py_err(py)?),
        })
    }

    /// Build from flat columns: `id`, `label`, `area` required; optional
    /// `area_label`, `description`, `code`, `parent`, `esco_uri` and
    /// `label_<lang>` columns.
    #[staticmethod]
    #[pyo3(signature = (columns, *, id, name=String::new(), version=String::new(), citation=String::new(), licence=String::new(), url=None, scale=None))]
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        py: Python<'_>,
        columns: HashMap<String, Vec<Option<String>>>,
        id: String,
        name: String,
        version: String,
        citation: String,
        licence: String,
        url: Option<String>,
        scale: Option<PyScale>,
    ) -> PyResult<Self> {
        let n = columns.values().map(Vec::len).max().unwrap_or(0);
        let get = |c: &str, i: usize| -> Option<String> {
            columns.get(c).and_then(|v| v.get(i)).cloned().flatten()
        };
        let langs: Vec<(String, String)> = columns
            .keys()
            .filter_map(|k| k.strip_prefix("label_").map(|l| (k.clone(), l.to_owned())))
            .collect();
        let rows: Vec<CompetenceRow> = (0..n)
            .map(|i| CompetenceRow {
                id: get("id", i).unwrap_or_default(),
                label: get("label", i).unwrap_or_default(),
                area: get("area", i).unwrap_or_default(),
                area_label: get("area_label", i),
                description: get("description", i),
                code: get("code", i),
                parent: get("parent", i),
                esco_uri: get("esco_uri", i),
                labels: langs
                    .iter()
                    .filter_map(|(col, lang)| get(col, i).map(|v| (lang.clone(), v)))
                    .collect::<BTreeMap<_, _>>(),
            })
            .collect();
        let info = FrameworkInfo {
            id,
            name,
            version,
            citation,
            licence,
            url,
            scale: scale.map(|s| s.inner),
            illustrative: false,
        };
        Ok(PyFramework {
            inner: Arc::new(Framework::from_rows(info, &rows).py_err(py)?),
        })
    }

    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    #[getter]
    fn version(&self) -> String {
        self.inner.version.clone()
    }
    #[getter]
    fn illustrative(&self) -> bool {
        self.inner.illustrative
    }
    #[getter]
    fn citation(&self) -> String {
        self.inner.citation.clone()
    }
    #[getter]
    fn licence(&self) -> String {
        self.inner.licence.clone()
    }
    #[getter]
    fn url(&self) -> Option<String> {
        self.inner.url.clone()
    }
    #[getter]
    fn scale(&self) -> Option<PyScale> {
        self.inner.scale.clone().map(|inner| PyScale { inner })
    }
    #[getter]
    fn languages(&self) -> Vec<String> {
        self.inner.languages()
    }
    #[getter]
    fn translations(&self) -> BTreeMap<String, String> {
        self.inner.translations.clone()
    }

    /// Competences as columns (lists of equal length).
    fn competence_columns(&self) -> BTreeMap<String, Vec<Option<String>>> {
        let fw = &self.inner;
        let mut cols: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        let mut push = |k: &str, v: Option<String>| cols.entry(k.to_owned()).or_default().push(v);
        for c in &fw.competences {
            let a = &fw.areas[c.area];
            push("id", Some(c.id.clone()));
            push("label", Some(c.label.clone()));
            push("area", Some(a.id.clone()));
            push("area_label", Some(a.label.clone()));
            push("code", opt(&c.code));
            push("description", opt(&c.description));
            push("parent", c.parent.map(|p| fw.competences[p].id.clone()));
            push(
                "source_framework",
                c.source.as_ref().map(|s| s.framework.clone()),
            );
            push(
                "source_code",
                c.source.as_ref().and_then(|s| s.code.clone()),
            );
            push("esco_uri", opt(&c.esco_uri));
            for lang in fw.languages() {
                push(&format!("label_{lang}"), c.labels.get(&lang).cloned());
            }
        }
        cols
    }

    /// Areas as columns.
    fn area_columns(&self) -> BTreeMap<String, Vec<Option<String>>> {
        let mut cols: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        for a in &self.inner.areas {
            cols.entry("id".into())
                .or_default()
                .push(Some(a.id.clone()));
            cols.entry("label".into())
                .or_default()
                .push(Some(a.label.clone()));
            cols.entry("code".into()).or_default().push(a.code.clone());
            // the languages every competence has a label in; an area without
            // its own label in one of them falls back to English
            for lang in self.inner.languages() {
                cols.entry(format!("label_{lang}"))
                    .or_default()
                    .push(Some(a.labels.get(&lang).unwrap_or(&a.label).clone()));
            }
        }
        cols
    }

    fn resolve(&self, name: &str) -> Option<usize> {
        self.inner.resolve(name)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyFramework>()
            .map(|o| *o.get().inner == *self.inner)
            .unwrap_or(false)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.id.hash(&mut h);
        self.inner.version.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        format!(
            "Framework(id='{}', version='{}', {} areas, {} competences{})",
            self.inner.id,
            self.inner.version,
            self.inner.areas.len(),
            self.inner.len(),
            if self.inner.illustrative {
                ", illustrative"
            } else {
                ""
            }
        )
    }
}

/// A stakeholder typology (sector → type).
#[pyclass(name = "Typology", module = "skillsmap._core", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyTypology {
    pub inner: Arc<Typology>,
}

#[pymethods]
impl PyTypology {
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Self> {
        Ok(PyTypology {
            inner: Typology::default_se().py_err(py)?,
        })
    }
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyTypology {
            inner: Arc::new(Typology::from_json(text).py_err(py)?),
        })
    }
    #[staticmethod]
    fn from_pairs(py: Python<'_>, id: &str, pairs: Vec<(String, String)>) -> PyResult<Self> {
        Ok(PyTypology {
            inner: Arc::new(Typology::from_pairs(id, &pairs).py_err(py)?),
        })
    }
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    /// Types as columns: id, label, sector, sector_label.
    fn type_columns(&self) -> BTreeMap<String, Vec<String>> {
        let t = &self.inner;
        let mut cols: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ty in &t.types {
            cols.entry("id".into()).or_default().push(ty.id.clone());
            cols.entry("label".into())
                .or_default()
                .push(ty.label.clone());
            cols.entry("sector".into())
                .or_default()
                .push(t.sectors[ty.sector].id.clone());
            cols.entry("sector_label".into())
                .or_default()
                .push(t.sectors[ty.sector].label.clone());
        }
        cols
    }
    fn resolve(&self, name: &str) -> Option<usize> {
        self.inner.resolve(name)
    }
    fn __len__(&self) -> usize {
        self.inner.types.len()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyTypology>()
            .map(|o| *o.get().inner == *self.inner)
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        self.inner.types.len() as u64
    }
    fn __repr__(&self) -> String {
        format!(
            "Typology(id='{}', {} sectors, {} stakeholder types)",
            self.inner.id,
            self.inner.sectors.len(),
            self.inner.types.len()
        )
    }
}

/// `(id, name, country, nuts_level, aliases)` as passed from Python.
type RegionRow = (String, String, String, Option<u8>, Vec<String>);

/// An ordered set of regions.
#[pyclass(name = "RegionSet", module = "skillsmap._core", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyRegionSet {
    pub inner: Arc<RegionSet>,
}

#[pymethods]
impl PyRegionSet {
    #[staticmethod]
    fn resees(py: Python<'_>) -> PyResult<Self> {
        Ok(PyRegionSet {
            inner: RegionSet::resees().py_err(py)?,
        })
    }
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyRegionSet {
            inner: Arc::new(RegionSet::from_json(text).py_err(py)?),
        })
    }
    /// Regions from rows `(id, name, country, nuts_level, aliases)`.
    #[staticmethod]
    #[pyo3(signature = (rows, *, id="custom".to_owned(), name=String::new()))]
    fn from_rows(py: Python<'_>, rows: Vec<RegionRow>, id: String, name: String) -> PyResult<Self> {
        let regions = rows
            .into_iter()
            .map(|(id, name, country, nuts_level, aliases)| Region {
                name: if name.is_empty() { id.clone() } else { name },
                id,
                country,
                nuts_level,
                aliases,
            })
            .collect();
        Ok(PyRegionSet {
            inner: Arc::new(RegionSet::new(id, name, regions).py_err(py)?),
        })
    }
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    /// Regions as rows `(id, name, country, nuts_level)`.
    fn rows(&self) -> Vec<(String, String, String, Option<u8>)> {
        self.inner
            .regions
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.name.clone(),
                    r.country.clone(),
                    r.nuts_level,
                )
            })
            .collect()
    }
    fn resolve(&self, name: &str) -> Option<usize> {
        self.inner.resolve(name)
    }
    fn __len__(&self) -> usize {
        self.inner.regions.len()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyRegionSet>()
            .map(|o| *o.get().inner == *self.inner)
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        self.inner.regions.len() as u64
    }
    fn __repr__(&self) -> String {
        format!(
            "RegionSet(id='{}', {} regions: {})",
            self.inner.id,
            self.inner.regions.len(),
            self.inner
                .regions
                .iter()
                .take(8)
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
