//! Bindings of `skillsmap::scoring`: gap tables, quadrants, the bootstrap
//! (GIL released, progress reported, Ctrl-C honoured) and paired tests.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use skillsmap::model::SurveyMeta;
use skillsmap::scoring::{
    self, BootstrapOptions, BorichVariable, Control, Crosshair, GapOptions, GapPartial, GapTable,
    GroupKey, Grouping, Level, Target,
};

use crate::convert::{slice, to_numpy};
use crate::errors::core_err;
use crate::model::{PyFramework, PyRegionSet, PyScale, PyTypology};
use crate::survey::{ingest_options, AttrArg, CatArg, Columns, PySurvey};

fn grouping(survey: &PySurvey, by: &[String]) -> PyResult<Grouping> {
    let keys: Vec<GroupKey> = by.iter().map(|k| GroupKey::parse(k)).collect();
    Grouping::by(&survey.inner, &keys).map_err(core_err)
}

/// The gap options; every name is parsed (and rejected) by the core.
fn gap_options(
    level: &str,
    weights: bool,
    min_n: usize,
    importance_mean: &str,
    borich: &str,
) -> PyResult<GapOptions> {
    Ok(GapOptions {
        level: level.parse().map_err(core_err)?,
        weights,
        min_n,
        importance_mean: importance_mean.parse().map_err(core_err)?,
        borich: borich.parse().map_err(core_err)?,
    })
}

/// The group labels of a grouping as a list of key columns.
fn group_columns<'py>(py: Python<'py>, g: &Grouping, d: &Bound<'py, PyDict>) -> PyResult<()> {
    let cols: Vec<Vec<String>> = (0..g.keys.len())
        .map(|k| g.labels.iter().map(|l| l[k].clone()).collect())
        .collect();
    d.set_item("keys", g.keys.clone())?;
    d.set_item("group_labels", cols)?;
    d.set_item("group_sizes", to_numpy(py, &g.sizes()))?;
    Ok(())
}

/// Gap statistics per group × item as columns (group-major cells).
#[pyfunction]
#[pyo3(signature = (survey, by, *, level, weights, min_n, importance_mean, borich="importance"))]
#[allow(clippy::too_many_arguments)]
pub fn gap_table<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    by: Vec<String>,
    level: &str,
    weights: bool,
    min_n: usize,
    importance_mean: &str,
    borich: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let g = grouping(survey, &by)?;
    let opts = gap_options(level, weights, min_n, importance_mean, borich)?;
    let inner = survey.inner.clone();
    let t = py
        .detach(|| scoring::gap_table(&inner, &g, &opts))
        .map_err(core_err)?;
    let d = PyDict::new(py);
    group_columns(py, &g, &d)?;
    table_columns(py, &t, &d)?;
    Ok(d)
}

/// The columns of a gap table into `d`.
fn table_columns<'py>(py: Python<'py>, t: &GapTable, d: &Bound<'py, PyDict>) -> PyResult<()> {
    d.set_item("n_items", t.n_items)?;
    d.set_item("n", to_numpy(py, &t.n))?;
    d.set_item("n_eff", to_numpy(py, &t.n_eff))?;
    d.set_item("n_missing", to_numpy(py, &t.n_missing))?;
    d.set_item("n_borich", to_numpy(py, &t.n_borich))?;
    d.set_item("borich_weight", to_numpy(py, &t.borich_weight))?;
    d.set_item("mean_required", to_numpy(py, &t.mean_required))?;
    d.set_item("mean_target", to_numpy(py, &t.mean_target))?;
    d.set_item("mean_current", to_numpy(py, &t.mean_current))?;
    d.set_item("mean_gap", to_numpy(py, &t.mean_gap))?;
    d.set_item("mean_positive_gap", to_numpy(py, &t.mean_positive_gap))?;
    d.set_item("relative_gap", to_numpy(py, &t.relative_gap))?;
    d.set_item("attainment", to_numpy(py, &t.attainment))?;
    d.set_item("normalised_gap", to_numpy(py, &t.normalised_gap))?;
    d.set_item("mwds", to_numpy(py, &t.mwds))?;
    d.set_item("rank", to_numpy(py, &t.rank))?;
    d.set_item("suppressed", t.suppressed.clone())?;
    d.set_item(
        "borich_uses_importance",
        t.borich_variable == BorichVariable::Importance,
    )?;
    d.set_item("target_is_required", t.target == Target::Required)?;
    Ok(())
}

/// The keys, options and replicates of a partial, parsed (and rejected) by
/// the core.
type PartialSpec = (Vec<GroupKey>, GapOptions, Option<(usize, u64)>);

fn partial_spec(
    by: &[String],
    level: &str,
    weights: bool,
    borich: &str,
    n_boot: usize,
    seed: u64,
) -> PyResult<PartialSpec> {
    let keys: Vec<GroupKey> = by.iter().map(|k| GroupKey::parse(k)).collect();
    let opts = gap_options(level, weights, 0, "complete", borich)?;
    Ok((keys, opts, (n_boot > 0).then_some((n_boot, seed))))
}

/// Mergeable partial statistics of a gap table.
///
/// What one partition of a survey contributes to :meth:`Survey.gaps`: per
/// group and item the weighted sums of the gap table, and the set of
/// respondents seen in each group (as 128-bit hashes of their ids, so that a
/// respondent whose answers are split across partitions counts once).
/// Partials are made per partition (:meth:`from_survey`, :meth:`empty`),
/// merged in a fixed order (:meth:`merge`) and finished once
/// (:meth:`finish`, :meth:`finish_bootstrap`). :func:`skillsmap.dask.gaps`
/// does all of this on Dask workers; the class is public for other engines
/// (Ray, Spark, a loop over files).
///
/// Instances pickle through their versioned bytes (:meth:`to_bytes`), so
/// they travel between processes and machines.
///
/// See Also
/// --------
/// skillsmap.dask.gaps : The gap table of a dask DataFrame, built on this.
/// skillsmap.Survey.gaps : The single-process table a finished partial equals.
///
/// Examples
/// --------
/// >>> import skillsmap as sm
/// >>> from skillsmap.dask import GapPartial
/// >>> df = sm.demo_survey(40, seed=3).to_frame()
/// >>> opts = dict(level="competence", weights=False, borich="importance")
/// >>> halves = [df.iloc[:640], df.iloc[640:]]
/// >>> parts = [
/// ...     GapPartial.from_survey(
/// ...         sm.Survey.from_frame(h, importance="importance")._inner, ["region"],
/// ...         partition=i, **opts)
/// ...     for i, h in enumerate(halves)
/// ... ]
/// >>> merged = parts[0].merge(parts[1])
/// >>> merged.n_respondents
/// 40
/// >>> table = merged.finish(min_n=5, importance_mean="complete", **opts)
/// >>> whole = sm.Survey.from_frame(df, importance="importance").gaps(by="region", weights=False)
/// >>> import numpy as np
/// >>> bool(np.allclose(table["mwds"], whole["mwds"], rtol=0, atol=1e-12, equal_nan=True))
/// True
#[pyclass(name = "GapPartial", module = "skillsmap._core", frozen)]
#[derive(Clone)]
pub struct PyGapPartial {
    inner: GapPartial,
}

#[pymethods]
impl PyGapPartial {
    /// The partial statistics of one partition.
    ///
    /// Parameters
    /// ----------
    /// survey : skillsmap._core.Survey
    ///     The partition as a validated survey (``Survey._inner`` of
    ///     :meth:`skillsmap.Survey.from_frame`).
    /// by : list of str
    ///     Grouping keys: ``"region"``, ``"stakeholder_type"``, ``"sector"``
    ///     or an attribute name; ``[]`` for one group.
    /// level : {"competence", "area"}
    ///     Items of the table.
    /// weights : bool
    ///     Use the survey's weights (when it has them).
    /// borich : {"importance", "required"}
    ///     Variable weighting the MWDS, as in :meth:`skillsmap.Survey.gaps`.
    /// partition : int
    ///     Position of the partition in the table; orders attribute levels
    ///     and open region or type sets by first appearance.
    /// n_boot : int, default 0
    ///     Poisson-bootstrap replicates to accumulate (0 for none).
    /// seed : int, default 0
    ///     Seed of the replicate weights, a hash of (seed, respondent,
    ///     replicate): the same in every partitioning.
    ///
    /// Returns
    /// -------
    /// GapPartial
    ///     The partition's sums.
    ///
    /// Raises
    /// ------
    /// skillsmap.ConfigurationError
    ///     For an unknown key or option, ``n_boot`` of 0 with replicates
    ///     asked, or weights beyond 1e±150.
    ///
    /// See Also
    /// --------
    /// empty : The partial of a partition without rows.
    /// merge : Adds another partition.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> from skillsmap.dask import GapPartial
    /// >>> s = sm.demo_survey(30, seed=1)
    /// >>> GapPartial.from_survey(s._inner, ["region"], level="competence",
    /// ...     weights=True, borich="importance", partition=0)  # doctest: +ELLIPSIS
    /// GapPartial(... groups, 30 respondents, by=["region"], n_boot=0)
    #[staticmethod]
    #[pyo3(signature = (survey, by, *, level, weights, borich, partition, n_boot=0, seed=0))]
    #[allow(clippy::too_many_arguments)]
    fn from_survey(
        py: Python<'_>,
        survey: &PySurvey,
        by: Vec<String>,
        level: &str,
        weights: bool,
        borich: &str,
        partition: u64,
        n_boot: usize,
        seed: u64,
    ) -> PyResult<Self> {
        let (keys, opts, replicates) = partial_spec(&by, level, weights, borich, n_boot, seed)?;
        let inner = survey.inner.clone();
        let p = py
            .detach(|| GapPartial::from_survey(&inner, &keys, &opts, partition, replicates))
            .map_err(core_err)?;
        Ok(PyGapPartial { inner: p })
    }

    /// The partial statistics of one partition given as columns: the same
    /// as :meth:`from_survey` of ``Survey.from_columns`` with these columns,
    /// with the same validation and errors, but without the survey's copies
    /// of the level columns (GIL released).
    ///
    /// The columns and table options are those of
    /// ``skillsmap._core.Survey.from_columns`` (factorised keys, float64
    /// levels); :func:`skillsmap.dask.gaps` prepares them from each
    /// partition as :meth:`skillsmap.Survey.from_frame` does.
    ///
    /// Parameters
    /// ----------
    /// respondent, region, stakeholder_type, competence : (ndarray of int64, list of str)
    ///     Codes (−1 = missing) and the labels they index.
    /// current, required, importance, weight : ndarray of float64
    ///     The levels (NaN = missing) and the respondent weights.
    /// attributes, names, framework, scale, importance_scale, regions, typology, source
    ///     As ``Survey.from_columns``.
    /// by, level, weights, borich, partition, n_boot, seed
    ///     As :meth:`from_survey`.
    ///
    /// Returns
    /// -------
    /// GapPartial
    ///     The partition's sums.
    ///
    /// Raises
    /// ------
    /// skillsmap.ValidationError
    ///     Every problem of the table, located, as ``Survey.from_columns``.
    /// skillsmap.ConfigurationError
    ///     As :meth:`from_survey`.
    ///
    /// See Also
    /// --------
    /// from_survey : The partial of an already validated survey.
    /// skillsmap.dask.gaps : Calls this on every partition.
    ///
    /// Examples
    /// --------
    /// The columns prepared as ``Survey.from_frame`` prepares them (which is
    /// what :func:`skillsmap.dask.gaps` does with each partition):
    ///
    /// >>> import functools
    /// >>> import skillsmap as sm
    /// >>> from skillsmap._ingest import validated_columns
    /// >>> from skillsmap.dask import GapPartial
    /// >>> df = sm.demo_survey(30, seed=1).to_frame()
    /// >>> opts = dict(level="competence", weights=True, borich="importance")
    /// >>> make = functools.partial(GapPartial.from_columns, by=["region"], partition=0, **opts)
    /// >>> p = validated_columns(make, df, importance="importance", weight="weight")[0]
    /// >>> s = sm.Survey.from_frame(df, importance="importance", weight="weight")
    /// >>> p.to_bytes() == GapPartial.from_survey(s._inner, ["region"], partition=0, **opts).to_bytes()
    /// True
    #[staticmethod]
    #[pyo3(signature = (
        respondent, region, stakeholder_type, competence, current, *,
        required=None, importance=None, weight=None, attributes=Vec::new(),
        names=HashMap::new(), framework, scale, importance_scale=None,
        regions=None, typology=None, source=String::new(),
        by, level, weights, borich, partition, n_boot=0, seed=0
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
        by: Vec<String>,
        level: &str,
        weights: bool,
        borich: &str,
        partition: u64,
        n_boot: usize,
        seed: u64,
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
        let ingest = ingest_options(
            framework,
            scale,
            importance_scale,
            regions,
            typology,
            SurveyMeta {
                synthetic: false,
                source,
                seed: None,
            },
        );
        let (keys, opts, replicates) = partial_spec(&by, level, weights, borich, n_boot, seed)?;
        let p = py
            .detach(|| GapPartial::from_table(&table, &ingest, &keys, &opts, partition, replicates))
            .map_err(core_err)?;
        Ok(PyGapPartial { inner: p })
    }

    /// A partial without data, for a partition without rows.
    ///
    /// Parameters
    /// ----------
    /// framework : str
    ///     Id of the competence framework (e.g. ``"se-core"``).
    /// n_items : int
    ///     Competences of the framework (areas at ``level="area"``).
    /// by : list of str
    ///     Grouping keys, as in :meth:`from_survey`.
    /// level, weights, borich
    ///     As in :meth:`from_survey`.
    /// n_boot, seed : int, default 0
    ///     Replicates and seed, as in :meth:`from_survey`: partials merge
    ///     only when these agree.
    ///
    /// Returns
    /// -------
    /// GapPartial
    ///     A partial that leaves any other unchanged when merged with it.
    ///
    /// See Also
    /// --------
    /// from_survey : The partial of a partition with rows.
    ///
    /// Examples
    /// --------
    /// >>> from skillsmap.dask import GapPartial
    /// >>> e = GapPartial.empty("se-core", 32, ["region"], level="competence",
    /// ...     weights=True, borich="importance")
    /// >>> e.n_groups, e.n_respondents
    /// (0, 0)
    #[staticmethod]
    #[pyo3(signature = (framework, n_items, by, *, level, weights, borich, n_boot=0, seed=0))]
    #[allow(clippy::too_many_arguments)]
    fn empty(
        framework: &str,
        n_items: usize,
        by: Vec<String>,
        level: &str,
        weights: bool,
        borich: &str,
        n_boot: usize,
        seed: u64,
    ) -> PyResult<Self> {
        let keys: Vec<GroupKey> = by.iter().map(|k| GroupKey::parse(k)).collect();
        let opts = gap_options(level, weights, 0, "complete", borich)?;
        let replicates = (n_boot > 0).then_some((n_boot, seed));
        Ok(PyGapPartial {
            inner: GapPartial::empty(framework, n_items, &keys, &opts, replicates),
        })
    }

    /// A new partial holding the sums of both.
    ///
    /// Sums are added and respondent sets united; neither input changes.
    /// Counts are exact in any order; a fixed merge order gives bitwise
    /// identical sums run after run.
    ///
    /// Parameters
    /// ----------
    /// other : GapPartial
    ///     A partial of the same framework, level, keys, options and
    ///     replicates.
    ///
    /// Returns
    /// -------
    /// GapPartial
    ///     Both partitions' statistics.
    ///
    /// Raises
    /// ------
    /// skillsmap.ConfigurationError
    ///     When the two were made with different frameworks, keys, options
    ///     or replicates, or from surveys of different shape.
    ///
    /// See Also
    /// --------
    /// finish : The gap table of the merged partials.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> from skillsmap.dask import GapPartial
    /// >>> opts = dict(level="competence", weights=True, borich="importance")
    /// >>> a = GapPartial.from_survey(sm.demo_survey(10, seed=1)._inner, ["region"],
    /// ...     partition=0, **opts)
    /// >>> b = GapPartial.empty("se-core", 32, ["region"], **opts)
    /// >>> a.merge(b).n_respondents == a.n_respondents
    /// True
    fn merge(&self, py: Python<'_>, other: &PyGapPartial) -> PyResult<Self> {
        let mut out = self.inner.clone();
        py.detach(|| out.merge(&other.inner)).map_err(core_err)?;
        Ok(PyGapPartial { inner: out })
    }

    /// The gap table of everything merged, as columns.
    ///
    /// Statistics, suppression and ranks are derived once, by the code
    /// that finishes :meth:`skillsmap.Survey.gaps`.
    ///
    /// Parameters
    /// ----------
    /// level, weights, borich
    ///     As given to :meth:`from_survey`.
    /// min_n : int
    ///     Cells with fewer answers are suppressed (statistics NaN, rank 0).
    /// importance_mean : {"complete", "all"}
    ///     Which answers the mean importance Ī of the MWDS averages, as in
    ///     :meth:`skillsmap.Survey.gaps`.
    ///
    /// Returns
    /// -------
    /// dict
    ///     ``keys`` and ``group_labels`` (one list of labels per key, one
    ///     label per group), ``group_sizes``, and one array per column of
    ///     the gap table (group-major, items within each group), as
    ///     :func:`skillsmap.dask.gaps` turns into its DataFrame.
    ///
    /// Raises
    /// ------
    /// skillsmap.ConfigurationError
    ///     For an option that does not match the partial's.
    ///
    /// See Also
    /// --------
    /// finish_bootstrap : Intervals of the same table.
    /// skillsmap.dask.gaps : The labelled DataFrame.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> from skillsmap.dask import GapPartial
    /// >>> opts = dict(level="competence", weights=True, borich="importance")
    /// >>> p = GapPartial.from_survey(sm.demo_survey(50, seed=2)._inner, ["region"],
    /// ...     partition=0, **opts)
    /// >>> t = p.finish(min_n=5, importance_mean="complete", **opts)
    /// >>> len(t["mwds"]) == 32 * len(t["group_sizes"])
    /// True
    #[pyo3(signature = (*, level, weights, min_n, importance_mean, borich))]
    fn finish<'py>(
        &self,
        py: Python<'py>,
        level: &str,
        weights: bool,
        min_n: usize,
        importance_mean: &str,
        borich: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = gap_options(level, weights, min_n, importance_mean, borich)?;
        let (labels, t) = py.detach(|| self.inner.finish(&opts)).map_err(core_err)?;
        let d = PyDict::new(py);
        let cols: Vec<Vec<String>> = (0..self.inner.keys().len())
            .map(|k| labels.iter().map(|l| l[k].clone()).collect())
            .collect();
        d.set_item("keys", self.inner.keys().to_vec())?;
        d.set_item("group_labels", cols)?;
        d.set_item("group_sizes", to_numpy(py, &t.group_sizes))?;
        table_columns(py, &t, &d)?;
        Ok(d)
    }

    /// Poisson-bootstrap intervals of the merged table.
    ///
    /// Parameters
    /// ----------
    /// level, weights, min_n, importance_mean, borich
    ///     As in :meth:`finish`.
    /// ci : float
    ///     Coverage of the percentile intervals (e.g. 0.95).
    /// top_k : int
    ///     k of ``p_top_k``, the share of replicates in which a cell ranks
    ///     among the k largest MWDS of its group.
    ///
    /// Returns
    /// -------
    /// dict
    ///     Arrays ``mean_gap_lo``, ``mean_gap_hi``, ``mwds_lo``,
    ///     ``mwds_hi`` and ``p_top_k``, aligned with :meth:`finish`.
    ///
    /// Raises
    /// ------
    /// skillsmap.ConfigurationError
    ///     When the partial holds no replicates, or for a bad option.
    ///
    /// See Also
    /// --------
    /// finish : The point estimates.
    ///
    /// Examples
    /// --------
    /// >>> import numpy as np
    /// >>> import skillsmap as sm
    /// >>> from skillsmap.dask import GapPartial
    /// >>> opts = dict(level="competence", weights=True, borich="importance")
    /// >>> p = GapPartial.from_survey(sm.demo_survey(60, seed=2)._inner, ["region"],
    /// ...     partition=0, n_boot=200, seed=7, **opts)
    /// >>> b = p.finish_bootstrap(min_n=5, importance_mean="complete", ci=0.95,
    /// ...     top_k=5, **opts)
    /// >>> bool((b["mwds_lo"] <= b["mwds_hi"])[~np.isnan(b["mwds_lo"])].all())
    /// True
    #[pyo3(signature = (*, level, weights, min_n, importance_mean, borich, ci, top_k))]
    #[allow(clippy::too_many_arguments)]
    fn finish_bootstrap<'py>(
        &self,
        py: Python<'py>,
        level: &str,
        weights: bool,
        min_n: usize,
        importance_mean: &str,
        borich: &str,
        ci: f64,
        top_k: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = gap_options(level, weights, min_n, importance_mean, borich)?;
        let r = py
            .detach(|| self.inner.finish_bootstrap(&opts, ci, top_k))
            .map_err(core_err)?;
        let d = PyDict::new(py);
        d.set_item("mean_gap_lo", to_numpy(py, &r.mean_gap_lo))?;
        d.set_item("mean_gap_hi", to_numpy(py, &r.mean_gap_hi))?;
        d.set_item("mwds_lo", to_numpy(py, &r.mwds_lo))?;
        d.set_item("mwds_hi", to_numpy(py, &r.mwds_hi))?;
        d.set_item("p_top_k", to_numpy(py, &r.p_top_k))?;
        Ok(d)
    }

    /// The partial as versioned bytes.
    ///
    /// Little-endian, with a magic number and a format version, read back
    /// by :meth:`from_bytes` on any machine. Pickling uses it.
    ///
    /// Returns
    /// -------
    /// bytes
    ///     The serialised partial.
    ///
    /// See Also
    /// --------
    /// from_bytes : Reads them back.
    ///
    /// Examples
    /// --------
    /// >>> from skillsmap.dask import GapPartial
    /// >>> e = GapPartial.empty("se-core", 32, [], level="competence",
    /// ...     weights=False, borich="importance")
    /// >>> GapPartial.from_bytes(e.to_bytes()).keys
    /// []
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &b)
    }

    /// Reads the bytes of :meth:`to_bytes` back.
    ///
    /// Parameters
    /// ----------
    /// data : bytes
    ///     What :meth:`to_bytes` wrote.
    ///
    /// Returns
    /// -------
    /// GapPartial
    ///     The partial they hold.
    ///
    /// Raises
    /// ------
    /// skillsmap.FormatError
    ///     For bytes that are not a partial of a known version, or are
    ///     truncated or damaged.
    ///
    /// See Also
    /// --------
    /// to_bytes : Writes them.
    ///
    /// Examples
    /// --------
    /// >>> import skillsmap as sm
    /// >>> from skillsmap.dask import GapPartial
    /// >>> try:
    /// ...     GapPartial.from_bytes(b"not a partial")
    /// ... except sm.FormatError:
    /// ...     print("not a partial")
    /// not a partial
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let p = py
            .detach(|| GapPartial::from_bytes(data))
            .map_err(core_err)?;
        Ok(PyGapPartial { inner: p })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    /// Groups seen so far.
    #[getter]
    fn n_groups(&self) -> usize {
        self.inner.n_groups()
    }

    /// Distinct respondents seen so far, over all groups.
    #[getter]
    fn n_respondents(&self) -> usize {
        self.inner.n_respondents()
    }

    /// Poisson-bootstrap replicates accumulated (0 for none).
    #[getter]
    fn n_boot(&self) -> usize {
        self.inner.n_boot()
    }

    /// The grouping keys.
    #[getter]
    fn keys(&self) -> Vec<String> {
        self.inner.keys().to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "GapPartial({} groups, {} respondents, by={:?}, n_boot={})",
            self.inner.n_groups(),
            self.inner.n_respondents(),
            self.inner.keys(),
            self.inner.n_boot()
        )
    }
}

/// Learning matches of a gap table by one grouping: the pairs as indices
/// (item, learner group, mentor group) with their score and rank, in the
/// core's order (item, then score, best first). The groups are those of
/// `gap_table` with the same arguments.
#[pyfunction]
#[pyo3(signature = (survey, by, *, weights, min_n, top))]
pub fn learning_matches<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    by: Vec<String>,
    weights: bool,
    min_n: usize,
    top: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let g = grouping(survey, &by)?;
    let opts = GapOptions {
        weights,
        min_n,
        ..GapOptions::default()
    };
    let inner = survey.inner.clone();
    let pairs = py
        .detach(|| {
            scoring::gap_table(&inner, &g, &opts).and_then(|t| scoring::learning_matches(&t, top))
        })
        .map_err(core_err)?;
    let col = |f: &dyn Fn(&scoring::LearningMatch) -> usize| -> Vec<usize> {
        pairs.iter().map(f).collect()
    };
    let d = PyDict::new(py);
    d.set_item("item", to_numpy(py, &col(&|m| m.item)))?;
    d.set_item("learner", to_numpy(py, &col(&|m| m.learner)))?;
    d.set_item("mentor", to_numpy(py, &col(&|m| m.mentor)))?;
    d.set_item(
        "rank",
        to_numpy(py, &pairs.iter().map(|m| m.rank).collect::<Vec<_>>()),
    )?;
    d.set_item(
        "score",
        to_numpy(py, &pairs.iter().map(|m| m.score).collect::<Vec<_>>()),
    )?;
    Ok(d)
}

/// Quadrants of one group's items.
#[pyfunction]
#[pyo3(signature = (importance, gap, current, rank, *, crosshair, current_scale, importance_scale, top_k=None))]
#[allow(clippy::too_many_arguments)]
pub fn quadrants<'py>(
    py: Python<'py>,
    importance: PyReadonlyArray1<'py, f64>,
    gap: PyReadonlyArray1<'py, f64>,
    current: PyReadonlyArray1<'py, f64>,
    rank: PyReadonlyArray1<'py, u32>,
    crosshair: &str,
    current_scale: (f64, f64),
    importance_scale: (f64, f64),
    top_k: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let how: Crosshair = crosshair.parse().map_err(core_err)?;
    let (imp, g, cur, rk) = (
        slice(&importance, "importance")?,
        slice(&gap, "gap")?,
        slice(&current, "current")?,
        slice(&rank, "rank")?,
    );
    let mk = |(lo, hi): (f64, f64)| skillsmap::Scale::new(lo, hi).map_err(core_err);
    let (cs, is) = (mk(current_scale)?, mk(importance_scale)?);
    let items = scoring::ItemMeans {
        importance: imp,
        gap: g,
        current: cur,
        rank: rk,
    };
    let q = scoring::quadrants(items, how, &cs, &is, top_k).map_err(core_err)?;
    let d = PyDict::new(py);
    d.set_item(
        "lff",
        q.lff
            .iter()
            .map(|x| x.map(|v| v.name()))
            .collect::<Vec<_>>(),
    )?;
    d.set_item(
        "ipa",
        q.ipa
            .iter()
            .map(|x| x.map(|v| v.name()))
            .collect::<Vec<_>>(),
    )?;
    d.set_item("priority", q.priority.clone())?;
    d.set_item("lff_crosshair", q.lff_crosshair)?;
    d.set_item("ipa_crosshair", q.ipa_crosshair)?;
    d.set_item("top_k", q.top_k)?;
    Ok(d)
}

/// Bootstrap intervals and rank stability. The core runs on a worker
/// thread with the GIL released; this thread wakes every 50 ms to report
/// progress and check for Ctrl-C, which cancels the work.
#[pyfunction]
#[pyo3(signature = (survey, by, *, level, weights, min_n, importance_mean, n_boot, seed, ci, top_k, stratify=None, keep_replicates=false, progress=None, borich="importance"))]
#[allow(clippy::too_many_arguments)]
pub fn bootstrap<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    by: Vec<String>,
    level: &str,
    weights: bool,
    min_n: usize,
    importance_mean: &str,
    n_boot: usize,
    seed: u64,
    ci: f64,
    top_k: usize,
    stratify: Option<Vec<String>>,
    keep_replicates: bool,
    progress: Option<Py<PyAny>>,
    borich: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let g = grouping(survey, &by)?;
    let keys: Vec<GroupKey> = stratify
        .unwrap_or_default()
        .iter()
        .map(|k| GroupKey::parse(k))
        .collect();
    let strata = Grouping::strata(&survey.inner, &keys).map_err(core_err)?;
    let opts = BootstrapOptions {
        n_boot,
        seed,
        ci,
        top_k,
        strata,
        gap: gap_options(level, weights, min_n, importance_mean, borich)?,
        keep_replicates,
    };
    let inner = survey.inner.clone();
    let control = Control::default();
    let interrupt: Mutex<Option<PyErr>> = Mutex::new(None);
    let outcome = py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            let (g, opts, control, inner) = (&g, &opts, &control, &inner);
            s.spawn(move || {
                // the receiver outlives the worker; a failed send cannot happen
                let _ = tx.send(scoring::bootstrap(inner, g, opts, control));
            });
            let mut reported = 0usize;
            loop {
                // Wake when the worker is done, or every 50 ms to report
                // progress and look for Ctrl-C.
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(res) => return (Some(res), reported),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        return (None, reported)
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                }
                Python::attach(|py| {
                    if let Err(e) = py.check_signals() {
                        control.cancel.store(true, Ordering::Relaxed);
                        if let Ok(mut slot) = interrupt.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                    if let Some(cb) = &progress {
                        let done = control.done.load(Ordering::Relaxed);
                        if done > reported {
                            if let Err(e) = cb.call1(py, (done - reported,)) {
                                control.cancel.store(true, Ordering::Relaxed);
                                if let Ok(mut slot) = interrupt.lock() {
                                    slot.get_or_insert(e);
                                }
                            }
                            reported = done;
                        }
                    }
                });
            }
        })
    });
    if let Some(e) = interrupt.into_inner().ok().flatten() {
        return Err(e);
    }
    let (res, reported) = outcome;
    let r = match res {
        Some(r) => r.map_err(core_err)?,
        None => return Err(PyRuntimeError::new_err("bootstrap worker failed")),
    };
    if let Some(cb) = &progress {
        if n_boot > reported {
            cb.call1(py, (n_boot - reported,))?;
        }
    }
    let d = PyDict::new(py);
    d.set_item("mean_gap_lo", to_numpy(py, &r.mean_gap_lo))?;
    d.set_item("mean_gap_hi", to_numpy(py, &r.mean_gap_hi))?;
    d.set_item("mwds_lo", to_numpy(py, &r.mwds_lo))?;
    d.set_item("mwds_hi", to_numpy(py, &r.mwds_hi))?;
    d.set_item("p_top_k", to_numpy(py, &r.p_top_k))?;
    if let Some(v) = &r.mean_gap_replicates {
        d.set_item("mean_gap_replicates", to_numpy(py, v))?;
    }
    if let Some(v) = &r.mwds_replicates {
        d.set_item("mwds_replicates", to_numpy(py, v))?;
    }
    Ok(d)
}

/// Paired signed-rank tests per group × item.
#[pyfunction]
#[pyo3(signature = (survey, by, *, level, correction))]
pub fn paired_tests<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    by: Vec<String>,
    level: &str,
    correction: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let g = grouping(survey, &by)?;
    let lvl: Level = level.parse().map_err(core_err)?;
    let inner = survey.inner.clone();
    let tests = py
        .detach(|| scoring::paired_tests(&inner, &g, lvl, correction))
        .map_err(core_err)?;
    let d = PyDict::new(py);
    group_columns(py, &g, &d)?;
    let col =
        |f: &dyn Fn(&scoring::SignedRank) -> f64| -> Vec<f64> { tests.iter().map(f).collect() };
    d.set_item(
        "n",
        to_numpy(py, &tests.iter().map(|t| t.n).collect::<Vec<_>>()),
    )?;
    d.set_item(
        "n_nonzero",
        to_numpy(py, &tests.iter().map(|t| t.n_nonzero).collect::<Vec<_>>()),
    )?;
    d.set_item("r_plus", to_numpy(py, &col(&|t| t.r_plus)))?;
    d.set_item("r_minus", to_numpy(py, &col(&|t| t.r_minus)))?;
    d.set_item("mean_diff", to_numpy(py, &col(&|t| t.mean_diff)))?;
    d.set_item("sd_diff", to_numpy(py, &col(&|t| t.sd_diff)))?;
    d.set_item("statistic", to_numpy(py, &col(&|t| t.statistic)))?;
    d.set_item("z", to_numpy(py, &col(&|t| t.z)))?;
    d.set_item("p_value", to_numpy(py, &col(&|t| t.p_value)))?;
    Ok(d)
}

/// The respondent × competence matrix of a rating (GIL released).
#[pyfunction]
pub fn rating_matrix<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    rating: &str,
) -> PyResult<Bound<'py, numpy::PyArray2<f64>>> {
    use numpy::IntoPyArray;
    let inner = survey.inner.clone();
    let rating = rating.to_owned();
    let m = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let r: scoring::Rating = rating.parse()?;
            scoring::rating_matrix(&inner, r)
        })
        .map_err(core_err)?;
    Ok(m.into_pyarray(py))
}

/// Reliability of each scale (a list of competence indices) of one rating:
/// per scale `n`, `n_items`, `alpha`, `alpha_std`, `omega`,
/// `omega_converged`, and the item statistics concatenated in scale order
/// (GIL released).
#[pyfunction]
pub fn reliability<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    rating: &str,
    scales: Vec<Vec<usize>>,
) -> PyResult<Bound<'py, PyDict>> {
    let inner = survey.inner.clone();
    let rating = rating.to_owned();
    let res = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let r: scoring::Rating = rating.parse()?;
            let x = scoring::rating_matrix(&inner, r)?;
            scoring::scale_reliability(x.view(), &scales)
        })
        .map_err(core_err)?;
    let d = PyDict::new(py);
    let col =
        |f: &dyn Fn(&scoring::ScaleReliability) -> f64| -> Vec<f64> { res.iter().map(f).collect() };
    d.set_item(
        "n",
        to_numpy(py, &res.iter().map(|s| s.n).collect::<Vec<_>>()),
    )?;
    d.set_item(
        "n_items",
        to_numpy(py, &res.iter().map(|s| s.n_items).collect::<Vec<_>>()),
    )?;
    d.set_item("alpha", to_numpy(py, &col(&|s| s.alpha)))?;
    d.set_item("alpha_std", to_numpy(py, &col(&|s| s.alpha_std)))?;
    d.set_item("omega", to_numpy(py, &col(&|s| s.omega)))?;
    d.set_item(
        "omega_converged",
        res.iter().map(|s| s.omega_converged).collect::<Vec<_>>(),
    )?;
    let items = |f: &dyn Fn(&scoring::ScaleReliability) -> &[f64]| -> Vec<f64> {
        res.iter().flat_map(|s| f(s).iter().copied()).collect()
    };
    d.set_item("item_rest_r", to_numpy(py, &items(&|s| &s.item_rest_r)))?;
    d.set_item(
        "alpha_if_deleted",
        to_numpy(py, &items(&|s| &s.alpha_if_deleted)),
    )?;
    Ok(d)
}

/// Kruskal–Wallis / Dunn rank sums of every item (row of `x`) by group
/// (GIL released).
#[pyfunction]
#[pyo3(signature = (x, groups, *, n_groups))]
pub fn rank_sums<'py>(
    py: Python<'py>,
    x: numpy::PyReadonlyArray2<'py, f64>,
    groups: PyReadonlyArray1<'py, i64>,
    n_groups: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let view = x.as_array();
    let g = slice(&groups, "groups")?;
    let r = py
        .detach(|| scoring::rank_sums(view, g, n_groups))
        .map_err(core_err)?;
    let d = PyDict::new(py);
    d.set_item("rank_sum", to_numpy(py, &r.rank_sum))?;
    d.set_item("count", to_numpy(py, &r.count))?;
    d.set_item("ties", to_numpy(py, &r.ties))?;
    Ok(d)
}

/// Rank sums of every competence by group straight from the answers, or
/// None when a value is not a whole number (GIL released).
#[pyfunction]
#[pyo3(signature = (survey, rating, groups, *, n_groups))]
pub fn rating_rank_sums<'py>(
    py: Python<'py>,
    survey: &PySurvey,
    rating: &str,
    groups: PyReadonlyArray1<'py, i64>,
    n_groups: usize,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let inner = survey.inner.clone();
    let rating = rating.to_owned();
    let g = slice(&groups, "groups")?;
    let r = py
        .detach(|| -> Result<_, skillsmap::Error> {
            let r: scoring::Rating = rating.parse()?;
            scoring::rating_rank_sums(&inner, r, g, n_groups)
        })
        .map_err(core_err)?;
    let Some(r) = r else { return Ok(None) };
    let d = PyDict::new(py);
    d.set_item("rank_sum", to_numpy(py, &r.rank_sum))?;
    d.set_item("count", to_numpy(py, &r.count))?;
    d.set_item("ties", to_numpy(py, &r.ties))?;
    Ok(Some(d))
}
