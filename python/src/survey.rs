//! Bindings of the survey: validated construction from columns, the
//! synthetic generator, and the columns back out.

use std::collections::HashMap;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use skillsmap::ingest::{build_survey, Categorical, Codes, ColumnNames, IngestOptions};
use skillsmap::model::SurveyMeta;
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::{LongTable, Survey};

use crate::convert::{slice, to_numpy};
use crate::errors::IntoPyResult;
use crate::model::{PyFramework, PyRegionSet, PyScale, PyTypology};

/// A validated, immutable skills survey.
#[pyclass(name = "Survey", module = "skillsmap._core", frozen)]
pub struct PySurvey {
    pub inner: Arc<Survey>,
}

/// Codes of a factorised column, as int8, int16, int32 or int64 (pandas
/// keeps a categorical's codes in the narrowest): read in place.
#[derive(FromPyObject)]
pub(crate) enum CodesArg<'py> {
    I8(PyReadonlyArray1<'py, i8>),
    I16(PyReadonlyArray1<'py, i16>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl CodesArg<'_> {
    /// The codes as the core's borrowed column.
    ///
    /// # Errors
    /// A ValueError for an array that is not contiguous.
    fn codes(&self, name: &str) -> PyResult<Codes<'_>> {
        Ok(match self {
            CodesArg::I8(a) => Codes::I8(slice(a, name)?),
            CodesArg::I16(a) => Codes::I16(slice(a, name)?),
            CodesArg::I32(a) => Codes::I32(slice(a, name)?),
            CodesArg::I64(a) => Codes::I64(slice(a, name)?),
        })
    }
}

/// A factorised column: codes (−1 = missing) and the labels they index.
pub(crate) type CatArg<'py> = (CodesArg<'py>, Vec<String>);
/// A respondent attribute: its name, codes and labels.
pub(crate) type AttrArg<'py> = (String, CodesArg<'py>, Vec<String>);

/// The columns of a long table as Python hands them to the core
/// (`Survey.from_columns`, `GapPartial.from_columns`).
pub(crate) struct Columns<'py> {
    pub respondent: CatArg<'py>,
    pub region: CatArg<'py>,
    pub stakeholder_type: CatArg<'py>,
    pub competence: CatArg<'py>,
    pub current: PyReadonlyArray1<'py, f64>,
    pub required: Option<PyReadonlyArray1<'py, f64>>,
    pub importance: Option<PyReadonlyArray1<'py, f64>>,
    pub weight: Option<PyReadonlyArray1<'py, f64>>,
    pub attributes: Vec<AttrArg<'py>>,
    /// Column name of each role, for the issues.
    pub names: HashMap<String, String>,
}

impl Columns<'_> {
    /// The columns as the core's borrowed table (no copy).
    ///
    /// # Errors
    /// A ValueError for an array that is not contiguous.
    pub fn table(&self) -> PyResult<LongTable<'_>> {
        let mut col_names = ColumnNames::default();
        for (role, name) in &self.names {
            let slot = match role.as_str() {
                "respondent" => &mut col_names.respondent,
                "region" => &mut col_names.region,
                "stakeholder_type" => &mut col_names.stakeholder_type,
                "competence" => &mut col_names.competence,
                "current" => &mut col_names.current,
                "required" => &mut col_names.required,
                "importance" => &mut col_names.importance,
                "weight" => &mut col_names.weight,
                _ => continue,
            };
            slot.clone_from(name);
        }
        fn cat<'a>(arg: &'a CatArg<'_>, role: &str) -> PyResult<Categorical<'a>> {
            Ok(Categorical {
                codes: arg.0.codes(role)?,
                labels: &arg.1,
            })
        }
        fn level<'a>(
            arg: &'a Option<PyReadonlyArray1<'_, f64>>,
            role: &str,
        ) -> PyResult<Option<&'a [f64]>> {
            arg.as_ref().map(|a| slice(a, role)).transpose()
        }
        Ok(LongTable {
            respondent: cat(&self.respondent, "respondent")?,
            region: cat(&self.region, "region")?,
            stakeholder_type: cat(&self.stakeholder_type, "stakeholder_type")?,
            competence: cat(&self.competence, "competence")?,
            current: slice(&self.current, "current")?,
            required: level(&self.required, "required")?,
            importance: level(&self.importance, "importance")?,
            weight: level(&self.weight, "weight")?,
            attributes: self
                .attributes
                .iter()
                .map(|(n, codes, labels)| {
                    Ok((
                        n.clone(),
                        Categorical {
                            codes: codes.codes(n)?,
                            labels,
                        },
                    ))
                })
                .collect::<PyResult<_>>()?,
            names: col_names,
        })
    }
}

/// What a table is validated against, from the Python arguments.
pub(crate) fn ingest_options(
    framework: PyFramework,
    scale: PyScale,
    importance_scale: Option<PyScale>,
    regions: Option<PyRegionSet>,
    typology: Option<PyTypology>,
    meta: SurveyMeta,
) -> IngestOptions {
    IngestOptions {
        framework: framework.inner,
        scale: scale.inner,
        importance_scale: importance_scale.map(|s| s.inner),
        regions: regions.map(|r| r.inner),
        typology: typology.map(|t| t.inner),
        meta,
    }
}

#[pymethods]
impl PySurvey {
    /// Validates long-format columns and builds a survey (GIL released).
    #[staticmethod]
    #[pyo3(signature = (
        respondent, region, stakeholder_type, competence, current, *,
        required=None, importance=None, weight=None, attributes=Vec::new(),
        names=HashMap::new(), framework, scale, importance_scale=None,
        regions=None, typology=None, source=String::new(), synthetic=false, seed=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        py: Python<'_>,
        respondent: CatArg<'_>,
        region: CatArg<'_>,
        stakeholder_type: CatArg<'_>,
        competence: CatArg<'_>,
        current: PyReadonlyArray1<'_, f64>,
        required: Option<PyReadonlyArray1<'_, f64>>,
        importance: Option<PyReadonlyArray1<'_, f64>>,
        weight: Option<PyReadonlyArray1<'_, f64>>,
        attributes: Vec<AttrArg<'_>>,
        names: HashMap<String, String>,
        framework: PyFramework,
        scale: PyScale,
        importance_scale: Option<PyScale>,
        regions: Option<PyRegionSet>,
        typology: Option<PyTypology>,
        source: String,
        synthetic: bool,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let columns = Columns {
            respondent,
            region,
            stakeholder_type,
            competence,
            current,
            required,
            importance,
            weight,
            attributes,
            names,
        };
        let table = columns.table()?;
        let opts = ingest_options(
            framework,
            scale,
            importance_scale,
            regions,
            typology,
            SurveyMeta {
                synthetic,
                source,
                seed,
            },
        );
        let survey = py.detach(|| build_survey(&table, &opts)).py_err(py)?;
        Ok(PySurvey {
            inner: Arc::new(survey),
        })
    }

    /// The seeded synthetic generator (GIL released).
    #[staticmethod]
    #[pyo3(signature = (n_respondents, seed, *, missing_rate=0.07, importance=true, weights=true, framework=None, scale=None, regions=None, typology=None))]
    #[allow(clippy::too_many_arguments)]
    fn generate(
        py: Python<'_>,
        n_respondents: usize,
        seed: u64,
        missing_rate: f64,
        importance: bool,
        weights: bool,
        framework: Option<PyFramework>,
        scale: Option<PyScale>,
        regions: Option<PyRegionSet>,
        typology: Option<PyTypology>,
    ) -> PyResult<Self> {
        let mut cfg = SynthConfig::new(n_respondents, seed);
        cfg.missing_rate = missing_rate;
        cfg.importance = importance;
        cfg.weights = weights;
        cfg.framework = framework.map(|f| f.inner);
        cfg.scale = scale.map(|s| s.inner);
        cfg.regions = regions.map(|r| r.inner);
        cfg.typology = typology.map(|t| t.inner);
        let survey = py.detach(|| generate(&cfg)).py_err(py)?;
        Ok(PySurvey {
            inner: Arc::new(survey),
        })
    }

    #[getter]
    fn n_respondents(&self) -> usize {
        self.inner.n_respondents()
    }
    #[getter]
    fn n_answers(&self) -> usize {
        self.inner.n_answers()
    }
    #[getter]
    fn has_weights(&self) -> bool {
        self.inner.has_weights()
    }
    #[getter]
    fn has_required(&self) -> bool {
        self.inner.answers().required.is_some()
    }
    #[getter]
    fn has_importance(&self) -> bool {
        self.inner.answers().importance.is_some()
    }
    #[getter]
    fn synthetic(&self) -> bool {
        self.inner.meta().synthetic
    }
    #[getter]
    fn source(&self) -> String {
        self.inner.meta().source.clone()
    }
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.inner.meta().seed
    }
    #[getter]
    fn framework(&self) -> PyFramework {
        PyFramework {
            inner: self.inner.framework().clone(),
        }
    }
    #[getter]
    fn scale(&self) -> PyScale {
        PyScale {
            inner: self.inner.scale().clone(),
        }
    }
    #[getter]
    fn importance_scale(&self) -> PyScale {
        PyScale {
            inner: self.inner.importance_scale().clone(),
        }
    }
    #[getter]
    fn regions(&self) -> PyRegionSet {
        PyRegionSet {
            inner: self.inner.regions().clone(),
        }
    }
    #[getter]
    fn typology(&self) -> PyTypology {
        PyTypology {
            inner: self.inner.typology().clone(),
        }
    }

    /// Answer columns: `respondent` and `competence` (uint32 positions),
    /// `current`, and `required` / `importance` when present (float64).
    fn answer_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let a = self.inner.answers();
        let d = PyDict::new(py);
        d.set_item("respondent", to_numpy(py, &a.respondent))?;
        d.set_item("competence", to_numpy(py, &a.competence))?;
        d.set_item("current", to_numpy(py, &a.current))?;
        if let Some(r) = &a.required {
            d.set_item("required", to_numpy(py, r))?;
        }
        if let Some(i) = &a.importance {
            d.set_item("importance", to_numpy(py, i))?;
        }
        Ok(d)
    }

    /// The same survey with new respondent weights (GIL released).
    fn with_weights(&self, py: Python<'_>, weights: PyReadonlyArray1<'_, f64>) -> PyResult<Self> {
        let w = slice(&weights, "weights")?.to_vec();
        let inner = self.inner.clone();
        let out = py.detach(|| inner.with_weights(w)).py_err(py)?;
        Ok(PySurvey {
            inner: Arc::new(out),
        })
    }

    /// Respondent columns: `id` (list of str), `region` and
    /// `stakeholder_type` (uint32 positions), `weight` when present, and
    /// `attributes`: a list of `(name, codes, levels)` with code 2**32-1 for
    /// missing.
    fn respondent_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.inner.respondents();
        let d = PyDict::new(py);
        d.set_item("id", r.ids.clone())?;
        d.set_item("region", to_numpy(py, &r.region))?;
        d.set_item("stakeholder_type", to_numpy(py, &r.stakeholder_type))?;
        if let Some(w) = &r.weight {
            d.set_item("weight", to_numpy(py, w))?;
        }
        let attrs: Vec<(String, Bound<'py, PyArray1<u32>>, Vec<String>)> = r
            .attributes
            .iter()
            .map(|a| (a.name.clone(), to_numpy(py, &a.codes), a.levels.clone()))
            .collect();
        d.set_item("attributes", attrs)?;
        Ok(d)
    }

    /// The text summary printed by `skillsmap summary`.
    fn summary(&self, py: Python<'_>) -> String {
        let s = self.inner.clone();
        py.detach(move || s.summary().to_string())
    }

    fn __repr__(&self) -> String {
        format!(
            "Survey({} respondents, {} answers, framework='{}'{})",
            self.inner.n_respondents(),
            self.inner.n_answers(),
            self.inner.framework().id,
            if self.inner.meta().synthetic {
                ", synthetic"
            } else {
                ""
            }
        )
    }
}
