//! Similarity and distance of profiles: rows are entities (regions, types,
//! respondents, …), columns are competences.
//!
//! Metrics: cosine, Pearson, Spearman, Euclidean, Manhattan and Jaccard on
//! profiles binarised at a threshold. Missing values (NaN) are handled
//! pairwise: each pair of rows uses only the columns both rows have, and a
//! pair sharing fewer than `min_overlap` columns gets NaN. Complete data take
//! a dense path: row blocks multiplied with a blocked SIMD matrix product,
//! upper triangle only, mirrored. [`top_k`] streams row blocks so that memory
//! stays O(N·k).
//!
//! Distances are turned into similarities by `1 − d` for cosine, Pearson,
//! Spearman and Jaccard, and by `1 / (1 + d)` for Euclidean and Manhattan.
//! Every result depends only on the data, never on the thread count.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

mod simd;
// the one module with `unsafe` code: SIMD intrinsics and disjoint writes
#[allow(unsafe_code)]
mod tiles;
pub use crate::scoring::Control;
pub use simd::{simd_path, with_simd_path, SimdPath, SIMD_ENV};
pub use tiles::MatrixElement;
pub(crate) use tiles::{multiversion, Kernel};

/// Errors of the similarity functions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimilarityError {
    /// Unknown metric name.
    #[error(
        "unknown metric {name:?}; use cosine, pearson, spearman, euclidean, manhattan or jaccard"
    )]
    UnknownMetric {
        /// The name given.
        name: String,
    },
    /// A parameter out of range.
    #[error(transparent)]
    InvalidOption(crate::error::InvalidOption),
    /// `SKILLSMAP_SIMD` (or [`with_simd_path`]) asks for a kernel path that
    /// is unknown or that this CPU cannot run.
    #[error("SKILLSMAP_SIMD={requested:?}: {reason}")]
    Simd {
        /// The path asked for.
        requested: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The computation was cancelled through its [`Control`].
    #[error("cancelled")]
    Cancelled,
    /// Infinite values in the input.
    #[error("row {row}, column {column}: value {value} is not finite")]
    NotFinite {
        /// Row of the value.
        row: usize,
        /// Column of the value.
        column: usize,
        /// The value.
        value: f64,
    },
}

fn opt(option: &'static str, reason: impl Into<String>) -> crate::Error {
    SimilarityError::InvalidOption(crate::error::InvalidOption::new(option, reason)).into()
}

/// A similarity or distance metric.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Metric {
    /// Cosine similarity; distance 1 − s.
    Cosine,
    /// Pearson correlation; distance 1 − r.
    Pearson,
    /// Spearman rank correlation (average ranks for ties); distance 1 − ρ.
    Spearman,
    /// Euclidean distance; similarity 1 / (1 + d).
    Euclidean,
    /// Manhattan (city-block) distance; similarity 1 / (1 + d).
    Manhattan,
    /// Jaccard index of the columns at or above `threshold`; distance 1 − J.
    Jaccard {
        /// Values ≥ threshold count as present.
        threshold: f64,
    },
}

impl Metric {
    /// Parses a metric name; Jaccard takes its threshold separately.
    ///
    /// # Errors
    /// [`SimilarityError::UnknownMetric`], or
    /// [`SimilarityError::InvalidOption`] for Jaccard without a finite
    /// threshold.
    ///
    /// # Example
    /// ```
    /// use skillsmap::similarity::Metric;
    ///
    /// assert_eq!(Metric::parse("cosine", None)?, Metric::Cosine);
    /// assert_eq!(Metric::parse("jaccard", Some(3.0))?, Metric::Jaccard { threshold: 3.0 });
    /// assert!(Metric::parse("jaccard", None).is_err());
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn parse(name: &str, threshold: Option<f64>) -> crate::Result<Metric> {
        Ok(match name {
            "cosine" => Metric::Cosine,
            "pearson" | "correlation" => Metric::Pearson,
            "spearman" => Metric::Spearman,
            "euclidean" => Metric::Euclidean,
            "manhattan" | "cityblock" => Metric::Manhattan,
            "jaccard" => match threshold {
                Some(threshold) if threshold.is_finite() => Metric::Jaccard { threshold },
                Some(t) => {
                    return Err(opt(
                        "threshold",
                        format!("the jaccard threshold must be finite, got {t}"),
                    ))
                }
                None => return Err(opt("threshold", "jaccard needs an explicit threshold")),
            },
            other => {
                return Err(SimilarityError::UnknownMetric {
                    name: other.to_owned(),
                }
                .into())
            }
        })
    }

    /// Whether the metric's natural value is a distance.
    pub fn is_distance(self) -> bool {
        matches!(self, Metric::Euclidean | Metric::Manhattan)
    }
}

/// The precision the dense products are computed in.
///
/// [`Precision::Single`] converts the prepared rows (unit rows for cosine,
/// centred unit rows for Pearson and Spearman, centred columns for
/// Euclidean: O(N·K) work, done in `f64`) once to `f32`, and runs the
/// O(N²·K) products, the clamp and the metric's finish in `f32`, with
/// kernels twice as wide (16 values per zmm register with AVX-512, 8 per ymm
/// with AVX2). Data with missing values (the pairwise-complete path),
/// Manhattan and Jaccard are computed in `f64` whatever is asked (and then
/// rounded when stored in `f32`).
///
/// The error of a single-precision cosine or Pearson value against the
/// `f64` one, for K columns (K ≤ 2²⁰), is at most `4·K·2⁻²⁴`: rounding
/// each unit row to `f32` moves the product by at most `(2u + u²)` (with
/// `u = 2⁻²⁴`, by Cauchy–Schwarz, the rows having norm 1); the K fused
/// multiply-adds of one sequential chain (the kernels block by columns but
/// continue each entry's chain where the last block left it; the portable
/// path's separate multiply and add obey the same bound) add at most
/// `γ_K·(1 + u)² ≤ 1.07·K·u`; `1 − s` for a distance rounds once more
/// (`≤ u`), and clamping to [−1, 1] never increases the error. Together
/// `≤ (1.07·K + 3.01)·u ≤ 4·K·u`. Typical errors are far smaller (about
/// `√K·u`). Euclidean distances are `√(|x|² + |y|² − 2x·y)` of centred
/// columns: the bound holds for `d²` relative to `|x|² + |y|²`, so a
/// distance much smaller than the rows' norms has fewer correct digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Precision {
    /// `f64` products (the default).
    #[default]
    Double,
    /// `f32` products of the dense paths (see the type's documentation).
    Single,
}

/// Options of [`similarity_matrix`] and [`top_k`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarityOptions {
    /// The metric.
    pub metric: Metric,
    /// Return distances instead of similarities.
    pub distance: bool,
    /// Use, for each pair, the columns both rows have (else any NaN in a
    /// row makes its results NaN).
    pub pairwise_complete: bool,
    /// Pairs sharing fewer columns get NaN.
    pub min_overlap: usize,
    /// The precision of the dense products ([`Precision::Double`] unless
    /// asked).
    pub precision: Precision,
}

impl SimilarityOptions {
    /// Similarities of a metric, pairwise-complete, `min_overlap = 1`.
    pub fn new(metric: Metric) -> Self {
        SimilarityOptions {
            metric,
            distance: false,
            pairwise_complete: true,
            min_overlap: 1,
            precision: Precision::Double,
        }
    }

    /// Options a computation can use: `min_overlap` of at least 1.
    fn check(&self) -> crate::Result<()> {
        if self.min_overlap == 0 {
            return Err(opt("min_overlap", "min_overlap must be at least 1, got 0"));
        }
        Ok(())
    }

    fn finish(&self, raw: f64) -> f64 {
        // raw is the metric's natural value: a similarity for cosine,
        // correlations and Jaccard, a distance for Euclidean and Manhattan.
        match (self.metric.is_distance(), self.distance) {
            (false, false) | (true, true) => raw,
            (false, true) => 1.0 - raw,
            (true, false) => 1.0 / (1.0 + raw),
        }
    }
}

/// Rows whose largest magnitude is beyond these are rescaled for the
/// scale-invariant metrics, so that sums of squares neither overflow nor
/// underflow.
const HUGE: f64 = 1e150;
const TINY: f64 = 1e-150;

/// For Euclidean and Manhattan on data beyond [`HUGE`] (or all below
/// [`TINY`]): the power of two to divide the data by so that squares and
/// sums neither overflow nor underflow. Distances scale with the data, so
/// the distance of the scaled rows times this factor is the distance asked
/// for, exactly (a power of two changes no mantissa).
fn distance_scale(data: &Array2<f64>, metric: Metric) -> Option<f64> {
    if !metric.is_distance() {
        return None;
    }
    let max = data
        .iter()
        .fold(0.0f64, |m, &v| if v.is_nan() { m } else { m.max(v.abs()) });
    (max > HUGE || (max > 0.0 && max < TINY)).then(|| 2f64.powi(max.log2().ceil() as i32))
}

/// Rows prepared for a metric: ranked (Spearman) or binarised (Jaccard).
fn prepare(x: ArrayView2<'_, f64>, metric: Metric) -> Result<Array2<f64>, SimilarityError> {
    // a plain scan first (the indexed one is several times slower)
    if x.iter().any(|v| v.is_infinite()) {
        for ((row, column), &value) in x.indexed_iter() {
            if value.is_infinite() {
                return Err(SimilarityError::NotFinite { row, column, value });
            }
        }
    }
    let prepared = match metric {
        Metric::Jaccard { threshold } => x.mapv(|v| {
            if v.is_nan() {
                f64::NAN
            } else if v >= threshold {
                1.0
            } else {
                0.0
            }
        }),
        // Cosine, Pearson and Spearman do not change when a row is scaled,
        // but squares of values near 1e200 overflow: such rows are scaled
        // by a power of two (exact; ordinary rows are left bit for bit).
        Metric::Cosine | Metric::Pearson | Metric::Spearman => {
            let mut y = x.to_owned();
            for mut row in y.rows_mut() {
                let max = row
                    .iter()
                    .fold(0.0f64, |m, &v| if v.is_nan() { m } else { m.max(v.abs()) });
                if max > HUGE || (max > 0.0 && max < TINY) {
                    let factor = 2f64.powi(-(max.log2().ceil() as i32));
                    row.mapv_inplace(|v| v * factor);
                }
            }
            y
        }
        _ => x.to_owned(),
    };
    // row slices below need C order, whatever order the input had
    if prepared.is_standard_layout() {
        return Ok(prepared);
    }
    Ok(prepared.as_standard_layout().into_owned())
}

/// Average ranks (1-based) of the values of `v`, ties sharing their mean
/// rank; only positions where `keep` is true are ranked (others NaN).
fn rank_into(v: &[f64], keep: impl Fn(usize) -> bool, out: &mut Vec<f64>, order: &mut Vec<usize>) {
    out.clear();
    out.resize(v.len(), f64::NAN);
    order.clear();
    order.extend((0..v.len()).filter(|&i| keep(i)));
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j]] == v[order[i]] {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            out[k] = avg;
        }
        i = j;
    }
}

/// The metric's natural value for one pair over the columns both have.
fn pair_value(a: &[f64], b: &[f64], metric: Metric, min_overlap: usize) -> f64 {
    let both = |i: usize| !a[i].is_nan() && !b[i].is_nan();
    let n = (0..a.len()).filter(|&i| both(i)).count();
    if n < min_overlap.max(1) {
        return f64::NAN;
    }
    match metric {
        Metric::Cosine => {
            let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
            for i in (0..a.len()).filter(|&i| both(i)) {
                ab += a[i] * b[i];
                aa += a[i] * a[i];
                bb += b[i] * b[i];
            }
            ab / (aa.sqrt() * bb.sqrt())
        }
        Metric::Pearson => pearson_over(a, b, both),
        Metric::Spearman => {
            let (mut ra, mut rb, mut order) = (Vec::new(), Vec::new(), Vec::new());
            rank_into(a, both, &mut ra, &mut order);
            rank_into(b, both, &mut rb, &mut order);
            pearson_over(&ra, &rb, both)
        }
        Metric::Euclidean => (0..a.len())
            .filter(|&i| both(i))
            .map(|i| (a[i] - b[i]) * (a[i] - b[i]))
            .sum::<f64>()
            .sqrt(),
        Metric::Manhattan => (0..a.len())
            .filter(|&i| both(i))
            .map(|i| (a[i] - b[i]).abs())
            .sum(),
        Metric::Jaccard { .. } => {
            let (mut inter, mut union) = (0.0, 0.0);
            for i in (0..a.len()).filter(|&i| both(i)) {
                let (p, q) = (a[i] > 0.5, b[i] > 0.5);
                inter += f64::from(u8::from(p && q));
                union += f64::from(u8::from(p || q));
            }
            if union == 0.0 {
                f64::NAN
            } else {
                inter / union
            }
        }
    }
}

fn pearson_over(a: &[f64], b: &[f64], both: impl Fn(usize) -> bool) -> f64 {
    let idx: Vec<usize> = (0..a.len()).filter(|&i| both(i)).collect();
    let n = idx.len() as f64;
    let ma = idx.iter().map(|&i| a[i]).sum::<f64>() / n;
    let mb = idx.iter().map(|&i| b[i]).sum::<f64>() / n;
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    let (mut sa, mut sb) = (0.0, 0.0);
    for &i in &idx {
        let (da, db) = (a[i] - ma, b[i] - mb);
        ab += da * db;
        aa += da * da;
        bb += db * db;
        sa += a[i] * a[i];
        sb += b[i] * b[i];
    }
    // a row constant over the shared columns has no correlation (its
    // deviations are rounding noise)
    if aa <= CONSTANT_TOL * sa || bb <= CONSTANT_TOL * sb {
        return f64::NAN;
    }
    ab / (aa * bb).sqrt()
}

/// Relative size below which a row's spread counts as zero: deviations from
/// the mean that small are rounding noise of a constant row.
const CONSTANT_TOL: f64 = 1e-20;

/// Rows transformed so that one matrix product gives the metric: unit rows
/// (cosine), centred unit rows (Pearson; Spearman on ranks).
fn normalised_rows(x: &Array2<f64>, metric: Metric) -> Array2<f64> {
    let mut z = x.clone();
    let (mut ranks, mut order) = (Vec::new(), Vec::new());
    for mut row in z.rows_mut() {
        if metric == Metric::Spearman {
            let v = row.to_vec();
            rank_into(&v, |_| true, &mut ranks, &mut order);
            row.assign(&ndarray::ArrayView1::from(&ranks[..]));
        }
        let raw_sq = row.dot(&row);
        if matches!(metric, Metric::Pearson | Metric::Spearman) {
            let m = row.mean().unwrap_or(0.0);
            row.mapv_inplace(|v| v - m);
        }
        let sq = row.dot(&row);
        // a constant row has no correlation: NaN, not rounding noise
        let norm = if sq <= CONSTANT_TOL * raw_sq {
            f64::NAN
        } else {
            sq.sqrt()
        };
        row.mapv_inplace(|v| v / norm);
    }
    z
}

/// Columns shifted to mean zero (complete data): Euclidean distances are
/// unchanged, and `|x|² + |y|² − 2x·y` no longer cancels large offsets.
fn centred_columns(data: &Array2<f64>) -> Array2<f64> {
    let mut c = data.clone();
    for mut col in c.columns_mut() {
        let m = col.mean().unwrap_or(0.0);
        col.mapv_inplace(|v| v - m);
    }
    c
}

const BLOCK: usize = 256;

/// Tile side of the pairwise-complete products: up to eight tile buffers
/// (8 · 96² · 8 B = 576 KiB) stay in L2 with the operands' panels. A
/// multiple of the kernels' blocks and of the restricted sums' 16 and 32
/// rows (checked below), so that every block is whole.
const MASKED_TILE: usize = 96;
const _: () = assert!(MASKED_TILE.is_multiple_of(96));
/// Tile side of the dense products (192² · 8 B = 288 KiB of buffer).
const DENSE_TILE: usize = 192;

/// The full N × N matrix of similarities (or distances) between rows.
///
/// # Errors
/// [`SimilarityError::NotFinite`] for infinite values (NaN is missing).
///
/// # Complexity
/// O(N²·K) time, parallel over tiles; O(N²) memory for the result.
/// Complete data use blocked matrix products over the upper triangle.
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::similarity::{similarity_matrix, Metric, SimilarityOptions};
///
/// // three regions' mean gaps over four competences; NaN = not asked
/// let profiles = array![
///     [1.0, 0.5, 2.0, 0.0],
///     [1.2, 0.4, 1.8, f64::NAN],
///     [0.0, 2.0, 0.1, 1.5],
/// ];
/// let opts = SimilarityOptions::new(Metric::Pearson); // pairwise-complete
/// let s = similarity_matrix(profiles.view(), &opts)?;
/// assert_eq!(s.dim(), (3, 3));
/// assert!(s[[0, 1]] > 0.9 && s[[0, 2]] < 0.0);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn similarity_matrix(
    x: ArrayView2<'_, f64>,
    opts: &SimilarityOptions,
) -> crate::Result<Array2<f64>> {
    let n = x.nrows();
    let len = crate::error::checked_len::<f64>("the similarity matrix", n, n)?;
    let mut buf = crate::error::try_vec::<f64>("the similarity matrix", len)?;
    buf.resize(len, 0.0);
    let mut out = Array2::from_shape_vec((n, n), buf).map_err(|e| opt("x", e.to_string()))?;
    similarity_matrix_into(x, opts, out.view_mut())?;
    Ok(out)
}

/// [`similarity_matrix`] written into a caller's N × N array (for example
/// one a Python caller allocated), in `f64` or rounded once to `f32`.
///
/// The values are those of [`similarity_matrix`] (rounded to `T`). A
/// contiguous row-major `out` is written in place with no other N × N
/// buffer; any other layout goes through a temporary `f64` matrix.
///
/// # Errors
/// As [`similarity_matrix`]; [`SimilarityError::InvalidOption`] if `out`
/// is not N × N.
///
/// # Example
/// ```
/// use ndarray::{array, Array2};
/// use skillsmap::similarity::{similarity_matrix_into, Metric, SimilarityOptions};
///
/// let x = array![[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]];
/// let mut out = Array2::<f32>::zeros((3, 3));
/// similarity_matrix_into(x.view(), &SimilarityOptions::new(Metric::Cosine), out.view_mut())?;
/// assert_eq!(out[[0, 0]], 1.0);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn similarity_matrix_into<T: MatrixElement>(
    x: ArrayView2<'_, f64>,
    opts: &SimilarityOptions,
    out: ArrayViewMut2<'_, T>,
) -> crate::Result<()> {
    similarity_matrix_into_with(x, opts, out, &Control::default())
}

/// [`similarity_matrix_into`] that reports progress and can be stopped:
/// `control.done` counts finished tiles (or row bands) out of
/// `control.total`, and setting `control.cancel` from another thread stops
/// the work within one tile.
///
/// # Errors
/// As [`similarity_matrix_into`]; [`SimilarityError::Cancelled`] when
/// `control.cancel` was set (`out` is then partly written).
pub fn similarity_matrix_into_with<T: MatrixElement>(
    x: ArrayView2<'_, f64>,
    opts: &SimilarityOptions,
    mut out: ArrayViewMut2<'_, T>,
    control: &Control,
) -> crate::Result<()> {
    opts.check()?;
    let n = x.nrows();
    if out.dim() != (n, n) {
        return Err(opt(
            "out",
            format!(
                "the output must be {n} × {n}, got {} × {}",
                out.nrows(),
                out.ncols()
            ),
        ));
    }
    if let Some(buf) = out.as_slice_mut() {
        return Ok(fill_matrix(x, opts, buf, control)?);
    }
    let mut full = Array2::<f64>::zeros((0, 0));
    if n > 0 {
        let len = crate::error::checked_len::<f64>("the similarity matrix", n, n)?;
        let mut buf = crate::error::try_vec::<f64>("the similarity matrix", len)?;
        buf.resize(len, 0.0);
        full = Array2::from_shape_vec((n, n), buf).map_err(|e| opt("x", e.to_string()))?;
        if let Some(slice) = full.as_slice_mut() {
            fill_matrix(x, opts, slice, control)?;
        }
    }
    out.zip_mut_with(&full, |o, &v| *o = T::from_f64(v));
    Ok(())
}

/// The full matrix into a row-major n × n buffer.
fn fill_matrix<T: MatrixElement>(
    x: ArrayView2<'_, f64>,
    opts: &SimilarityOptions,
    out: &mut [T],
    control: &Control,
) -> Result<(), SimilarityError> {
    let path = current_path()?;
    let data = prepare(x, opts.metric)?;
    if let Some(factor) = distance_scale(&data, opts.metric) {
        // distances of the scaled rows, then scaled back and finished
        let scaled = data.mapv(|v| v / factor);
        let raw = SimilarityOptions {
            distance: true,
            ..*opts
        };
        fill_prepared(&scaled, &raw, path, out, control);
        if control.cancelled() {
            return Err(SimilarityError::Cancelled);
        }
        for slot in out.iter_mut() {
            *slot = T::from_f64(opts.finish(slot.to_f64() * factor));
        }
        return Ok(());
    }
    fill_prepared(&data, opts, path, out, control);
    if control.cancelled() {
        return Err(SimilarityError::Cancelled);
    }
    Ok(())
}

/// The kernel path of this call (see [`simd`]).
fn current_path() -> Result<SimdPath, SimilarityError> {
    match simd::simd_path() {
        Ok(p) => Ok(p),
        Err(crate::Error::Similarity(e)) => Err(e),
        Err(other) => Err(SimilarityError::Simd {
            requested: String::new(),
            reason: other.to_string(),
        }),
    }
}

/// [`fill_matrix`] of rows already prepared for the metric.
fn fill_prepared<T: MatrixElement>(
    data: &Array2<f64>,
    opts: &SimilarityOptions,
    path: SimdPath,
    out: &mut [T],
    control: &Control,
) {
    let n = data.nrows();
    let k = data.ncols();
    let has_nan = data.iter().any(|v| v.is_nan());
    if n == 0 {
        return;
    }
    let dense_ok = !has_nan
        && k >= opts.min_overlap.max(1)
        && !matches!(opts.metric, Metric::Manhattan | Metric::Jaccard { .. });
    if dense_ok {
        dense_matrix(data, opts, path, out, control);
        return;
    }
    if opts.pairwise_complete
        && matches!(
            opts.metric,
            Metric::Cosine | Metric::Pearson | Metric::Euclidean
        )
    {
        masked_matrix(data, opts, path, out, control);
        return;
    }
    // Per pair over the shared columns (Spearman, Manhattan, Jaccard, and
    // any metric without pairwise-complete mode): upper triangle by bands of
    // rows, then mirrored.
    let nan = T::from_f64(f64::NAN);
    control.start(n.div_ceil(BLOCK));
    out.par_chunks_mut(BLOCK * n)
        .enumerate()
        .for_each(|(bi, band)| {
            if control.cancelled() {
                return;
            }
            control.advance(1);
            let i0 = bi * BLOCK;
            for (a, row) in band.chunks_mut(n).enumerate() {
                let ri = data.row(i0 + a);
                for (j, slot) in row.iter_mut().enumerate().skip(i0 + a) {
                    let raw = pair_value(
                        ri.as_slice().unwrap_or(&[]),
                        data.row(j).as_slice().unwrap_or(&[]),
                        opts.metric,
                        opts.min_overlap,
                    );
                    *slot = T::from_f64(opts.finish(raw));
                }
            }
        });
    mirror_lower(out, n);
    if !opts.pairwise_complete {
        // any NaN in a row makes its results NaN
        for (i, row) in data.rows().into_iter().enumerate() {
            if row.iter().any(|v| v.is_nan()) {
                out[i * n..(i + 1) * n].fill(nan);
                for j in 0..n {
                    out[j * n + i] = nan;
                }
            }
        }
    }
}

/// The full matrix of complete data, written in place tile by tile (see
/// [`tiles`]): one product of the normalised (or centred) rows per tile of
/// the upper triangle, turned into the metric and written with its
/// transpose; then the exact self-similarity on the diagonal.
fn dense_matrix<T: MatrixElement>(
    data: &Array2<f64>,
    opts: &SimilarityOptions,
    path: SimdPath,
    out: &mut [T],
    control: &Control,
) {
    let n = data.nrows();
    let z = dense_rows(data, opts.metric);
    let sq = tiles::padded_norms::<f64>(&z);
    match opts.precision {
        Precision::Single => {
            let sq32 = tiles::padded_norms::<f32>(&z);
            let z32 = z.mapv(|v| v as f32);
            drop(z);
            let epilogue = dense_epilogue(opts, &sq32);
            tiles::dense_symmetric(&z32, path, DENSE_TILE, epilogue, out, control);
        }
        Precision::Double => {
            let epilogue = dense_epilogue(opts, &sq);
            tiles::dense_symmetric(&z, path, DENSE_TILE, epilogue, out, control);
        }
    }
    for (i, &s) in sq.iter().take(n).enumerate() {
        let self_raw = if opts.metric.is_distance() {
            0.0
        } else if s > 0.0 {
            1.0
        } else {
            f64::NAN
        };
        out[i * n + i] = T::from_f64(opts.finish(self_raw));
    }
}

/// The rows of complete data prepared so that one product gives the
/// metric: centred columns for Euclidean (`|x|² + |y|² − 2x·y` then no
/// longer cancels large offsets; distances are unchanged by a shift), unit
/// or centred unit rows otherwise.
fn dense_rows(data: &Array2<f64>, metric: Metric) -> Array2<f64> {
    match metric {
        Metric::Euclidean => centred_columns(data),
        m => normalised_rows(data, m),
    }
}

/// The epilogue of the dense products of a metric, with the padded squared
/// norms of the rows (used by Euclidean).
fn dense_epilogue<'a, S>(opts: &SimilarityOptions, sq: &'a [S]) -> tiles::Epilogue<'a, S> {
    if opts.metric == Metric::Euclidean {
        tiles::Epilogue::Euclidean {
            sq,
            similarity: !opts.distance,
        }
    } else {
        tiles::Epilogue::Correlation {
            distance: opts.distance,
        }
    }
}

/// Pairwise-complete cosine, Pearson and Euclidean from, for every pair,
/// the sums over the columns both rows observe: Σx_i·x_j is an entry of
/// `X·Xᵀ` (NaN as 0), tiled through the kernels; the count is a popcount of
/// the rows' observation bits; Σx², and for Pearson Σx, of one row over the
/// columns the other observes are [`RestrictedSums`] (sums over a short
/// list of columns, not products with the mask). For Pearson, rows are
/// first shifted by their own mean and for Euclidean columns by theirs
/// (neither changes that metric) to keep the one-pass formulas accurate.
/// The tiles cover the upper triangle (see [`tiles`]), each written with
/// its transpose, so the result is exactly symmetric and no N × N
/// temporary is needed.
fn masked_matrix<T: MatrixElement>(
    data: &Array2<f64>,
    opts: &SimilarityOptions,
    path: SimdPath,
    out: &mut [T],
    control: &Control,
) {
    let n = data.nrows();
    let mut x0 = data.clone();
    match opts.metric {
        Metric::Pearson => {
            for mut row in x0.rows_mut() {
                let (sum, cnt) = row
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold((0.0, 0.0), |(s, c), v| (s + v, c + 1.0));
                if cnt > 0.0 {
                    let m = sum / cnt;
                    row.mapv_inplace(|v| v - m);
                }
            }
        }
        Metric::Euclidean => {
            for mut col in x0.columns_mut() {
                let (sum, cnt) = col
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold((0.0, 0.0), |(s, c), v| (s + v, c + 1.0));
                if cnt > 0.0 {
                    let m = sum / cnt;
                    col.mapv_inplace(|v| v - m);
                }
            }
        }
        _ => {}
    }
    if matches!(opts.metric, Metric::Pearson | Metric::Cosine) {
        // neither changes when a row is scaled: each row by the power of
        // two that brings its largest value into [0.5, 1), which changes
        // no digit, so that Σx², the variances and their product stay in
        // range (the product could still underflow for a row whose values
        // on the shared columns are 1e-75 of its largest, a range no
        // survey or skills matrix has)
        for mut row in x0.rows_mut() {
            let largest = row
                .iter()
                .filter(|v| v.is_finite())
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            if largest.is_normal() {
                // 2^-(e + 1) for largest in [2^e, 2^(e+1)), built from its
                // bits (a normal power of two for every normal largest)
                let exponent = ((largest.to_bits() >> 52) & 0x7ff) as i64 - 1023;
                let shift = (exponent + 1).clamp(-1021, 1022);
                let factor = f64::from_bits(((1023 - shift) as u64) << 52);
                row.mapv_inplace(|v| v * factor);
            }
        }
    }
    let bits = ObservedBits::new(data);
    let pearson = opts.metric == Metric::Pearson;
    let side = tiles::tile_side::<f64>(MASKED_TILE);
    let restricted = RestrictedSums::new(data, &x0, pearson, side);
    x0.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
    let op = tiles::Operand::new(x0.view(), path);
    // buffers: Σxy (the product), then the count, Σx_i², Σx_j², for Pearson
    // Σx_i and Σx_j, and one per kind to transpose through
    let sums = if pearson { 6 } else { 3 };
    let min_overlap = opts.min_overlap.max(1) as f64;
    tiles::tiled_symmetric(
        n,
        MASKED_TILE,
        &[(&op, &op)],
        1 + sums,
        tiles::Epilogue::Raw,
        out,
        control,
        |rows, cols, bufs, ld| {
            let len = rows.1 * ld;
            let [sxy, cnt, rest @ ..] = bufs else {
                return;
            };
            let (bits, out) = (&bits, &mut cnt[..len]);
            tiles::multiversion(
                path,
                SharedCounts {
                    bits,
                    rows,
                    cols,
                    out,
                    ld,
                },
            );
            let (sums, bufs) = (&restricted, &mut *rest);
            tiles::multiversion(
                path,
                FillRestricted {
                    sums,
                    rows,
                    cols,
                    bufs,
                    ld,
                },
            );
            if let (Metric::Euclidean, [qi, qj, ..]) = (opts.metric, &mut *rest) {
                let sums = (&mut sxy[..len], &mut qi[..len], &mut qj[..len]);
                exact_close_pairs(bits, &x0, rows, cols, sums, ld);
            }
            let part = |r: usize| rest.get(r).and_then(|v| v.get(..len));
            let (Some(qi), Some(qj)) = (part(0), part(1)) else {
                sxy.fill(f64::NAN);
                return;
            };
            let pq = if pearson { part(2).zip(part(3)) } else { None };
            tiles::multiversion(
                path,
                MaskedValues {
                    opts,
                    min_overlap,
                    sxy: &mut sxy[..len],
                    cnt: &cnt[..len],
                    qi,
                    qj,
                    pq,
                },
            );
        },
    );
    // exact self-similarity where the row has one
    let self_value = T::from_f64(opts.finish(if opts.metric.is_distance() { 0.0 } else { 1.0 }));
    for i in 0..n {
        if !out[i * n + i].to_f64().is_nan() {
            out[i * n + i] = self_value;
        }
    }
}

/// Pairs whose pairwise-complete Euclidean distance is small against
/// their norms, summed again exactly. The one-pass `d² = Σx_i² + Σx_j² −
/// 2Σx_i·x_j` has an absolute error of about K·ε·(Σx_i² + Σx_j²), which is
/// all of d² for rows that agree on their shared columns (d ≈ 1e-8, not 0;
/// common in Likert answers). Where d² is below `K · 2.5e-6` of the norms
/// (so that the one-pass d keeps ten digits elsewhere), `Σ(x_i − x_j)²`
/// over the shared columns replaces the sums: Σx_i² ← it, Σx_j² ← 0,
/// Σx_i·x_j ← 0, and the finishing loop takes its root. `x` holds the
/// (centred) rows with NaN as 0.
fn exact_close_pairs(
    bits: &ObservedBits,
    x: &Array2<f64>,
    (i0, rows): (usize, usize),
    (j0, cols): (usize, usize),
    (sxy, qi, qj): (&mut [f64], &mut [f64], &mut [f64]),
    ld: usize,
) {
    let close = (x.ncols() as f64 * 2.5e-6).min(0.5);
    let near = |s: f64, p: f64, q: f64| p + q - 2.0 * s <= close * (p + q);
    // a branch-free scan first: most tiles have no such pair
    let any = sxy
        .iter()
        .zip(qi.iter())
        .zip(qj.iter())
        .fold(false, |any, ((&s, &p), &q)| any | near(s, p, q));
    if !any {
        return;
    }
    for a in 0..rows {
        let (Some(ri), Some(bi)) = (x.row(i0 + a).to_slice(), bits.row(i0 + a)) else {
            continue;
        };
        for b in 0..cols {
            let e = a * ld + b;
            let (Some(s), Some(p), Some(q)) = (sxy.get_mut(e), qi.get_mut(e), qj.get_mut(e)) else {
                continue;
            };
            if !near(*s, *p, *q) {
                continue;
            }
            let (Some(rj), Some(bj)) = (x.row(j0 + b).to_slice(), bits.row(j0 + b)) else {
                continue;
            };
            let mut d2 = 0.0;
            for (w, (&p_bits, &q_bits)) in bi.iter().zip(bj).enumerate() {
                let mut shared = p_bits & q_bits;
                while shared != 0 {
                    let c = w * 64 + shared.trailing_zeros() as usize;
                    shared &= shared - 1;
                    if let (Some(&u), Some(&v)) = (ri.get(c), rj.get(c)) {
                        d2 += (u - v) * (u - v);
                    }
                }
            }
            (*s, *p, *q) = (0.0, d2, 0.0);
        }
    }
}

/// The sums of one row's values (`x²`, and for Pearson `x`) over the
/// columns another row observes, for every pair of a tile.
///
/// Row `i` keeps the shorter of two lists: the columns it observes (the
/// sum is then over them) or those it lacks (the sum is then the other
/// row's total less those columns). Either way a pair costs at most K/2
/// additions, each over 16 or 32 neighbouring rows at once, where a
/// product with the 0/1 mask costs K multiply-adds. The values are laid
/// out by tile and chunk: for each block of `side` rows and each chunk of
/// `W = 32 / kinds` rows in it, column by column, the chunk's values of
/// each kind side by side (32 values, four cache lines), so that the
/// lines of a tile, taken chunk by chunk, read one slab of 10 KiB (K = 40)
/// that stays in L1. The sums run in a fixed order, so the results do not
/// depend on the tiling or the thread count.
struct RestrictedSums {
    /// Rows per block: the tile side, a multiple of [`CHUNK`].
    side: usize,
    k: usize,
    /// `(chunk · k + column) · 32 + kind · W + row in chunk`, chunks
    /// numbered across blocks; NaN and rows past the last as 0.
    slab: Vec<f64>,
    /// Each row's total of each kind, padded like the slab.
    totals: Vec<Vec<f64>>,
    /// Row `i`'s list is `cols[start[i]..start[i + 1]]`.
    cols: Vec<u32>,
    start: Vec<usize>,
    /// Row `i`'s list holds the columns it lacks.
    complement: Vec<bool>,
}

impl RestrictedSums {
    /// From the data (NaN for missing) and the shifted rows `x`, in blocks
    /// of `side` rows.
    fn new(data: &Array2<f64>, x: &Array2<f64>, pearson: bool, side: usize) -> Self {
        let (n, k) = data.dim();
        let kinds = if pearson { 2 } else { 1 };
        let w = CHUNK / kinds;
        let padded = n.div_ceil(side.max(1)) * side;
        let value = |v: f64, kind: usize| {
            let v = if v.is_nan() { 0.0 } else { v };
            if kind == 0 {
                v * v
            } else {
                v
            }
        };
        let mut slab = vec![0.0; padded * k * kinds];
        slab.par_chunks_exact_mut((k * CHUNK).max(1))
            .enumerate()
            .for_each(|(chunk, out)| {
                for (r, i) in (chunk * w..((chunk + 1) * w).min(n)).enumerate() {
                    for (c, &v) in x.row(i).iter().enumerate() {
                        for kind in 0..kinds {
                            if let Some(slot) = out.get_mut(c * CHUNK + kind * w + r) {
                                *slot = value(v, kind);
                            }
                        }
                    }
                }
            });
        // in column order, as the sums over a list run
        let totals = (0..kinds)
            .map(|kind| {
                (0..padded)
                    .into_par_iter()
                    .map(|i| {
                        if i < n {
                            x.row(i).iter().fold(0.0, |t, &v| t + value(v, kind))
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let (mut cols, mut start, mut complement) = (Vec::new(), vec![0], Vec::with_capacity(n));
        for row in data.rows() {
            let observed = row.iter().filter(|v| !v.is_nan()).count();
            let lacks = observed * 2 > k;
            complement.push(lacks);
            cols.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_nan() == lacks)
                    .map(|(c, _)| c as u32),
            );
            start.push(cols.len());
        }
        RestrictedSums {
            side,
            k,
            slab,
            totals,
            cols,
            start,
            complement,
        }
    }

    fn list(&self, i: usize) -> (&[u32], bool) {
        let range =
            self.start.get(i).copied().unwrap_or(0)..self.start.get(i + 1).copied().unwrap_or(0);
        (
            self.cols.get(range).unwrap_or(&[]),
            self.complement.get(i).copied().unwrap_or(false),
        )
    }
}

/// The restricted sums of one tile, a [`Kernel`] (run through
/// `multiversion` for the path): for tile rows `i0..i0+rows`, columns
/// `j0..j0+cols` (both starting a block), into `bufs` (row-major, stride
/// `ld` = the side): Σx_i² over j's columns, Σx_j² over i's, and for
/// Pearson Σx_i, Σx_j likewise; then one scratch buffer per kind. Entries
/// past `cols` hold values no one reads.
struct FillRestricted<'a> {
    sums: &'a RestrictedSums,
    rows: (usize, usize),
    cols: (usize, usize),
    bufs: &'a mut [tiles::Aligned<f64>],
    ld: usize,
}

impl Kernel for FillRestricted<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let FillRestricted {
            sums,
            rows,
            cols,
            bufs,
            ld,
        } = self;
        // each kind's "own" sums (row i's values over j's columns) are the
        // "other" sums of the transposed tile: made in a scratch buffer
        // and transposed; on the diagonal the transposed tile is the tile
        let diagonal = rows.0 == cols.0;
        let shape = (rows.1, cols.1);
        match bufs {
            [qi, qj, p, q, s0, s1] => {
                restricted_tile::<2, { CHUNK / 2 }>(sums, rows, cols, [qj, q], [s0, s1], ld);
                let (s0, s1) = if diagonal { (qj, q) } else { (s0, s1) };
                transpose_blocks(s0, qi, shape, ld);
                transpose_blocks(s1, p, shape, ld);
            }
            [qi, qj, s0] => {
                restricted_tile::<1, CHUNK>(sums, rows, cols, [qj], [s0], ld);
                transpose_blocks(if diagonal { qj } else { s0 }, qi, shape, ld);
            }
            _ => {}
        }
    }
}

/// `other[v]` row `a` = row i0+a's list summed over the block of `j0`;
/// `scratch[v]` row `b` = row j0+b's list summed over the block of `i0`
/// (not made on the diagonal, where it is `other`).
#[inline(always)]
fn restricted_tile<const V: usize, const W: usize>(
    sums: &RestrictedSums,
    (i0, rows): (usize, usize),
    (j0, cols): (usize, usize),
    other: [&mut tiles::Aligned<f64>; V],
    scratch: [&mut tiles::Aligned<f64>; V],
    ld: usize,
) {
    // (a buffer too short for a line, which the tiling rules out, would
    // give an empty line and its sums would not be written)
    // chunk by chunk, every line: the chunk's slab stays in L1 while the
    // lines' lists walk it
    let (mut other, mut scratch) = (other, scratch);
    for o in (0..sums.side).step_by(W) {
        for a in 0..rows {
            let at = a * ld + o;
            let out = other
                .each_mut()
                .map(|buf| buf.get_mut(at..at + W).unwrap_or_default());
            restricted_chunk::<V, W>(sums, i0 + a, j0 + o, out);
        }
        for b in (0..cols).filter(|_| i0 != j0) {
            let at = b * ld + o;
            let out = scratch
                .each_mut()
                .map(|buf| buf.get_mut(at..at + W).unwrap_or_default());
            restricted_chunk::<V, W>(sums, j0 + b, i0 + o, out);
        }
    }
}

/// `dst[a·ld + b] = src[b·ld + a]` for `a < rows`, `b < cols`, by 4 × 4
/// blocks (the compiler keeps a block in registers and shuffles it; value
/// by value, the transposes took a quarter of a Pearson tile's time).
/// Blocks may run past `rows` and `cols` up to the stride, where the
/// buffers hold values no one reads.
#[inline(always)]
fn transpose_blocks(src: &[f64], dst: &mut [f64], (rows, cols): (usize, usize), ld: usize) {
    const B: usize = 4;
    let (rows, cols) = (rows.div_ceil(B) * B, cols.div_ceil(B) * B);
    for b0 in (0..cols).step_by(B) {
        for a0 in (0..rows).step_by(B) {
            let mut block = [[0.0; B]; B];
            for (t, line) in block.iter_mut().enumerate() {
                let at = (b0 + t) * ld + a0;
                if let Some(s) = src.get(at..at + B) {
                    line.copy_from_slice(s);
                }
            }
            for (u, at) in (0..B).map(|u| (u, (a0 + u) * ld + b0)) {
                if let Some(d) = dst.get_mut(at..at + B) {
                    for (slot, line) in d.iter_mut().zip(&block) {
                        *slot = line[u];
                    }
                }
            }
        }
    }
}

/// Rows per chunk of the restricted sums, times the kinds of values.
const CHUNK: usize = 32;

/// `out[v][b]` = the sum of kind `v` of row `c0 + b` over row `i`'s list,
/// for the `W` rows of the chunk starting at row `c0`: over the columns `i`
/// observes, or the total less those it lacks. `V · W = 32` sums are held
/// in registers while the list is walked: eight independent chains of
/// vector additions, enough to hide their latency.
#[inline(always)]
fn restricted_chunk<const V: usize, const W: usize>(
    sums: &RestrictedSums,
    i: usize,
    c0: usize,
    out: [&mut [f64]; V],
) {
    const { assert!(V * W == CHUNK) };
    let (list, lacks) = sums.list(i);
    let k = sums.k;
    let chunk = c0 / W;
    let Some(slab) = sums.slab.get(chunk * k * CHUNK..(chunk + 1) * k * CHUNK) else {
        return;
    };
    // one column's 32 values as an array: one bounds check per column of
    // the list, none per value
    let (slab, _) = slab.as_chunks::<CHUNK>();
    let mut acc = [[0.0; W]; V];
    if lacks {
        for (v, a) in acc.iter_mut().enumerate() {
            if let Some(base) = sums.totals.get(v).and_then(|t| t.get(c0..c0 + W)) {
                a.copy_from_slice(base);
            }
        }
        for &c in list {
            if let Some(values) = slab.get(c as usize) {
                for (v, a) in acc.iter_mut().enumerate() {
                    for l in 0..W {
                        a[l] -= values[v * W + l];
                    }
                }
            }
        }
    } else {
        for &c in list {
            if let Some(values) = slab.get(c as usize) {
                for (v, a) in acc.iter_mut().enumerate() {
                    for l in 0..W {
                        a[l] += values[v * W + l];
                    }
                }
            }
        }
    }
    for (dst, a) in out.into_iter().zip(&acc) {
        if let Some(dst) = dst.get_mut(..W) {
            dst.copy_from_slice(a);
        }
    }
}

/// The metric from the pairwise-complete sums of a tile, entry by entry, in
/// place of Σxy: the count of shared columns, Σx_i² and Σx_j² over them,
/// and for Pearson Σx_i and Σx_j. A [`Kernel`]: compiled inside the kernel
/// path's function, so that its branch-free loops run on that path's whole
/// vectors (square root and division are exact either way, so the bits do
/// not depend on the path; a closure handed to `vectorised` was not inlined
/// and ran scalar, with branches, at a quarter of the tile's time).
struct MaskedValues<'a> {
    opts: &'a SimilarityOptions,
    min_overlap: f64,
    sxy: &'a mut [f64],
    cnt: &'a [f64],
    qi: &'a [f64],
    qj: &'a [f64],
    pq: Option<(&'a [f64], &'a [f64])>,
}

impl Kernel for MaskedValues<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let MaskedValues {
            opts,
            min_overlap,
            sxy,
            cnt,
            qi,
            qj,
            pq,
        } = self;
        // one sign and one offset turn a similarity into its distance
        // without a branch in the loops: 1 − v for Pearson and cosine
        let (scale, shift) = if opts.distance {
            (-1.0, 1.0)
        } else {
            (1.0, 0.0)
        };
        match (opts.metric, pq) {
            (Metric::Pearson, Some((p, q))) => {
                let tol = CONSTANT_TOL.sqrt();
                for (((((s, &c), &si), &sj), &pe), &qe) in
                    sxy.iter_mut().zip(cnt).zip(qi).zip(qj).zip(p).zip(q)
                {
                    let cov = c * *s - pe * qe;
                    let va = c * si - pe * pe;
                    let vb = c * sj - qe * qe;
                    // one root of the product (the rows were scaled so that
                    // it stays in range): two cost a third of the loop
                    let r = (cov / (va * vb).sqrt()).clamp(-1.0, 1.0);
                    // fewer shared columns than asked, or a row constant
                    // over them (its spread is rounding noise): no
                    // correlation. `&`, not `&&`: no branch in the loop
                    let ok = (c >= min_overlap) & (va > tol * c * si) & (vb > tol * c * sj);
                    let v = if ok { r } else { f64::NAN };
                    *s = shift + scale * v;
                }
            }
            (Metric::Cosine, _) => {
                for (((s, &c), &si), &sj) in sxy.iter_mut().zip(cnt).zip(qi).zip(qj) {
                    let v = *s / (si * sj).sqrt();
                    let v = if c >= min_overlap { v } else { f64::NAN };
                    *s = shift + scale * v;
                }
            }
            (Metric::Euclidean, _) => {
                for (((s, &c), &si), &sj) in sxy.iter_mut().zip(cnt).zip(qi).zip(qj) {
                    let d = (si + sj - 2.0 * *s).max(0.0).sqrt();
                    let d = if c >= min_overlap { d } else { f64::NAN };
                    *s = if opts.distance { d } else { 1.0 / (1.0 + d) };
                }
            }
            _ => sxy.fill(f64::NAN),
        }
    }
}

/// Which columns each row observes, one bit per column in 64-bit words:
/// the number of columns two rows share is a popcount of their `and`.
struct ObservedBits {
    words: usize,
    bits: Vec<u64>,
}

impl ObservedBits {
    fn new(data: &Array2<f64>) -> Self {
        let words = data.ncols().div_ceil(64).max(1);
        let mut bits = vec![0u64; data.nrows() * words];
        for (row, out) in data.rows().into_iter().zip(bits.chunks_mut(words)) {
            for (c, v) in row.iter().enumerate() {
                if !v.is_nan() {
                    out[c / 64] |= 1 << (c % 64);
                }
            }
        }
        ObservedBits { words, bits }
    }

    /// Row `i`'s words, if it is a row.
    fn row(&self, i: usize) -> Option<&[u64]> {
        self.bits.get(i * self.words..(i + 1) * self.words)
    }
}

/// The shared counts of rows `i0..i0+rows` and `j0..j0+cols` into a
/// row-major tile of stride `ld` (entries past `cols`: 0), a [`Kernel`]
/// (run through `multiversion`, which compiles it with `popcnt`).
struct SharedCounts<'a> {
    bits: &'a ObservedBits,
    rows: (usize, usize),
    cols: (usize, usize),
    out: &'a mut [f64],
    ld: usize,
}

impl Kernel for SharedCounts<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let SharedCounts {
            bits,
            rows: (i0, rows),
            cols: (j0, cols),
            out,
            ld,
        } = self;
        let w = bits.words;
        let right = bits.bits.get(j0 * w..(j0 + cols) * w).unwrap_or(&[]);
        for (a, line) in out.chunks_mut(ld).take(rows).enumerate() {
            let ri = bits.row(i0 + a).unwrap_or_default();
            let (head, tail) = line.split_at_mut(cols.min(line.len()));
            match ri {
                // up to 64 columns: one `and` and one popcount per pair
                &[r] => {
                    for (slot, &q) in head.iter_mut().zip(right) {
                        *slot = f64::from((r & q).count_ones());
                    }
                }
                _ => {
                    for (slot, rj) in head.iter_mut().zip(right.chunks_exact(w)) {
                        let shared: u32 =
                            ri.iter().zip(rj).map(|(p, q)| (p & q).count_ones()).sum();
                        *slot = f64::from(shared);
                    }
                }
            }
            tail.fill(0.0);
        }
    }
}

/// Copies the upper triangle of a square row-major buffer into its lower
/// triangle: bands of rows in turn, each band's rows in parallel (the rows
/// above a band are read-only while it is written).
fn mirror_lower<T: Copy + Send + Sync>(buf: &mut [T], n: usize) {
    let n_bands = n.div_ceil(BLOCK);
    for bi in 0..n_bands {
        let i0 = bi * BLOCK;
        let (before, rest) = buf.split_at_mut(i0 * n);
        let band_len = (BLOCK * n).min(rest.len());
        let before: &[T] = before;
        // chunks of 32 rows: each earlier row's 32 values are read at once
        rest[..band_len]
            .par_chunks_mut(32 * n.max(1))
            .enumerate()
            .for_each(|(c, chunk)| {
                let r0 = i0 + c * 32;
                let rows = chunk.len() / n;
                for j in 0..i0 {
                    let src = &before[j * n + r0..j * n + r0 + rows];
                    for (a, &v) in src.iter().enumerate() {
                        chunk[a * n + j] = v;
                    }
                }
            });
        // within the band: rows below read the band's own upper part
        for a in 1..band_len / n {
            for b in 0..a {
                rest[a * n + i0 + b] = rest[b * n + i0 + a];
            }
        }
    }
}

/// One neighbour of a row, ordered so that a max-heap pops the weakest.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Neighbour {
    score: f64,
    target: u32,
}

impl Eq for Neighbour {}

impl PartialOrd for Neighbour {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Neighbour {
    /// Greater = weaker: lower score, then higher target index.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.target.cmp(&other.target))
    }
}

/// The k most similar other rows of every row.
#[derive(Debug, Clone, PartialEq)]
pub struct TopK {
    /// Row index of the source, ascending.
    pub source: Vec<u32>,
    /// Row index of the neighbour.
    pub target: Vec<u32>,
    /// Similarity (or distance, ascending) of the pair.
    pub score: Vec<f64>,
}

/// For every row, its `k` most similar other rows (or nearest, with
/// distances), sorted by source then by similarity descending (distance
/// ascending), ties by target index. NaN scores are never neighbours.
///
/// Rows are processed in blocks against all rows, keeping a bounded heap per
/// row, so memory is O(N·k + block·N) whatever N.
///
/// # Errors
/// As [`similarity_matrix`]; [`SimilarityError::InvalidOption`] for
/// `k == 0`; [`crate::AllocationError`] when the N·k neighbours do not fit in
/// memory (checked before any work). A `k` above N − 1 means every other
/// row.
///
/// # Complexity
/// O(N²·K) time, parallel over row blocks; O(N·k) memory besides the input.
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::similarity::{top_k, Metric, SimilarityOptions};
///
/// let x = array![[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]];
/// let nn = top_k(x.view(), 1, &SimilarityOptions::new(Metric::Cosine))?;
/// // each row's nearest other row: 0↔1 and 2↔3
/// assert_eq!(nn.target, [1, 0, 3, 2]);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn top_k(x: ArrayView2<'_, f64>, k: usize, opts: &SimilarityOptions) -> crate::Result<TopK> {
    top_k_with(x, k, opts, &Control::default())
}

/// [`top_k`] that reports progress and can be stopped: `control.done`
/// counts finished tiles (or row blocks) out of `control.total`, and
/// setting `control.cancel` from another thread stops the work within one
/// tile.
///
/// # Errors
/// As [`top_k`]; [`SimilarityError::Cancelled`] when `control.cancel` was
/// set.
pub fn top_k_with(
    x: ArrayView2<'_, f64>,
    k: usize,
    opts: &SimilarityOptions,
    control: &Control,
) -> crate::Result<TopK> {
    if k == 0 {
        return Err(opt("k", "k must be positive"));
    }
    opts.check()?;
    // a row has at most n − 1 neighbours: a larger k asks for no more
    let k = k.min(x.nrows().saturating_sub(1));
    let total = crate::error::checked_len::<Neighbour>("the top-k neighbours", x.nrows(), k)?;
    // the result first, so that a request beyond memory fails before work
    let mut out = TopK {
        source: crate::error::try_vec("the top-k neighbours", total)?,
        target: crate::error::try_vec("the top-k neighbours", total)?,
        score: crate::error::try_vec("the top-k neighbours", total)?,
    };
    let path = current_path()?;
    let data = prepare(x, opts.metric)?;
    // Euclidean and Manhattan of data near overflow: distances of the scaled
    // rows (as in `fill_matrix`), scaled back when the result is written
    let scale = distance_scale(&data, opts.metric);
    let (data, asked, opts) = match scale {
        Some(factor) => (
            data.mapv(|v| v / factor),
            opts,
            &SimilarityOptions {
                distance: true,
                ..*opts
            },
        ),
        None => (data, opts, opts),
    };
    let has_nan = data.iter().any(|v| v.is_nan());
    let dense = !has_nan
        && data.ncols() >= opts.min_overlap.max(1)
        && !matches!(opts.metric, Metric::Manhattan | Metric::Jaccard { .. });
    // Higher is better: similarities as is, distances negated.
    let better_is_higher = !opts.distance;
    let key = |v: f64| if better_is_higher { v } else { -v };
    let per_row = if dense {
        let z = dense_rows(&data, opts.metric);
        drop(data);
        match opts.precision {
            Precision::Single => {
                let sq = tiles::padded_norms::<f32>(&z);
                let z32 = z.mapv(|v| v as f32);
                drop(z);
                dense_top_k(&z32, &sq, k, opts, path, better_is_higher, control)?
            }
            Precision::Double => {
                let sq = tiles::padded_norms::<f64>(&z);
                dense_top_k(&z, &sq, k, opts, path, better_is_higher, control)?
            }
        }
    } else {
        sparse_top_k(&data, k, opts, key, control)?
    };
    if control.cancelled() {
        return Err(SimilarityError::Cancelled.into());
    }
    // row indices are u32, as the targets are
    for (i, list) in (0u32..).zip(per_row) {
        for nb in list {
            out.source.push(i);
            out.target.push(nb.target);
            out.score.push(match scale {
                Some(factor) => asked.finish(key(nb.score) * factor),
                None => key(nb.score),
            });
        }
    }
    Ok(out)
}

/// The k best of every row of data with missing values (or metrics with no
/// product form), pair by pair over row blocks against all rows.
fn sparse_top_k(
    data: &Array2<f64>,
    k: usize,
    opts: &SimilarityOptions,
    key: impl Fn(f64) -> f64 + Sync,
    control: &Control,
) -> crate::Result<Vec<Vec<Neighbour>>> {
    let n = data.nrows();
    let row_ok: Vec<bool> = if opts.pairwise_complete {
        vec![true; n]
    } else {
        data.rows()
            .into_iter()
            .map(|r| r.iter().all(|v| !v.is_nan()))
            .collect()
    };
    const COLS: usize = 4096;
    let n_blocks = n.div_ceil(BLOCK);
    control.start(n_blocks);
    let per_block: Vec<Vec<Vec<Neighbour>>> = (0..n_blocks)
        .into_par_iter()
        .map(|bi| {
            if control.cancelled() {
                return Ok(Vec::new());
            }
            control.advance(1);
            let (i0, i1) = (bi * BLOCK, ((bi + 1) * BLOCK).min(n));
            let mut heaps: Vec<BinaryHeap<Neighbour>> = Vec::new();
            for _ in i0..i1 {
                let mut heap = BinaryHeap::new();
                heap.try_reserve(k + 1).map_err(|_| {
                    crate::error::AllocationError::of::<Neighbour>(
                        "the top-k candidates",
                        (k as u128 + 1) * (i1 - i0) as u128,
                    )
                })?;
                heaps.push(heap);
            }
            let push = |heap: &mut BinaryHeap<Neighbour>, score: f64, target: usize| {
                if score.is_nan() {
                    return;
                }
                let candidate = Neighbour {
                    score: key(score),
                    target: target as u32,
                };
                // a full heap only takes candidates better than its weakest:
                // most pairs end at this comparison
                if heap.len() >= k && heap.peek().is_some_and(|weakest| candidate >= *weakest) {
                    return;
                }
                heap.push(candidate);
                if heap.len() > k {
                    heap.pop();
                }
            };
            let mut j0 = 0;
            while j0 < n {
                let j1 = (j0 + COLS).min(n);
                {
                    for (a, heap) in heaps.iter_mut().enumerate() {
                        let i = i0 + a;
                        if !row_ok[i] {
                            continue;
                        }
                        let ri = data.row(i);
                        for (j, &ok) in row_ok.iter().enumerate().take(j1).skip(j0) {
                            if j == i || !ok {
                                continue;
                            }
                            let raw = pair_value(
                                ri.as_slice().unwrap_or(&[]),
                                data.row(j).as_slice().unwrap_or(&[]),
                                opts.metric,
                                opts.min_overlap,
                            );
                            push(heap, opts.finish(raw), j);
                        }
                    }
                }
                j0 = j1;
            }
            Ok(heaps.into_iter().map(|h| h.into_sorted_vec()).collect())
        })
        .collect::<Result<_, crate::error::AllocationError>>()?;
    Ok(per_block.into_iter().flatten().collect())
}

/// The best value (highest, or lowest for distances) of each of the `rows`
/// rows and `cols` columns of a tile (row stride `ld`) into `row_top` and
/// `col_top`; NaN never counts. Written as element-wise selects over
/// fixed-width lanes so that the compiler vectorises both loops.
#[inline(always)]
fn tile_tops<S: tiles::Real>(
    buf: &[S],
    (rows, cols, ld): (usize, usize, usize),
    higher: bool,
    worst: S,
    row_top: &mut [S],
    col_top: &mut [S],
) {
    const LANES: usize = 16;
    // `v > m` (or `v < m`) is false for a NaN v: it never replaces m
    let pick = |v: S, m: S| {
        if higher {
            if v > m {
                v
            } else {
                m
            }
        } else if v < m {
            v
        } else {
            m
        }
    };
    let col_top = &mut col_top[..cols];
    col_top.fill(worst);
    for (a, top) in row_top.iter_mut().enumerate().take(rows) {
        let row = &buf[a * ld..a * ld + cols];
        let mut lanes = [worst; LANES];
        let mut chunks = row.chunks_exact(LANES);
        for chunk in &mut chunks {
            for (m, &v) in lanes.iter_mut().zip(chunk) {
                *m = pick(v, *m);
            }
        }
        let mut best = chunks.remainder().iter().fold(worst, |m, &v| pick(v, m));
        for &m in &lanes {
            best = pick(m, best);
        }
        *top = best;
        for (c, &v) in col_top.iter_mut().zip(row) {
            *c = pick(v, *c);
        }
    }
}

/// Tile side of the top-k products (multiple of every kernel block).
const TOPK_TILE: usize = 192;

/// One row's best neighbours so far, with the score a candidate must reach
/// (the weakest kept, once `k` are kept) to be looked at more closely.
struct RowBest {
    heap: BinaryHeap<Neighbour>,
    floor: f64,
}

impl RowBest {
    /// Offers a candidate (`score` already the key: higher is better).
    #[inline(always)]
    fn offer(&mut self, k: usize, score: f64, target: usize) {
        // NaN, and most candidates of a full heap, stop here
        if score.partial_cmp(&self.floor).is_none_or(Ordering::is_lt) {
            return;
        }
        let candidate = Neighbour {
            score,
            target: target as u32,
        };
        if self.heap.len() >= k
            && self
                .heap
                .peek()
                .is_some_and(|weakest| candidate >= *weakest)
        {
            return;
        }
        self.heap.push(candidate);
        if self.heap.len() > k {
            self.heap.pop();
        }
        if self.heap.len() >= k {
            self.floor = self.heap.peek().map_or(f64::NEG_INFINITY, |w| w.score);
        }
    }
}

/// The k best of every row of complete data from one product of the
/// prepared rows `z` (unit, centred unit or centred columns), tile by tile
/// over the upper triangle: each tile (rows of block bi, columns of block
/// bj ≥ bi) is multiplied into a buffer that stays in cache, finished in
/// the kernel's registers, and scanned at once by rows (candidates for the
/// rows of bi) and, off the diagonal, by columns (for the rows of bj), so
/// each pair is computed once and no row of the N × N matrix exists.
///
/// Tiles run in parallel in any order; each block's rows are updated under
/// that block's lock. The result does not depend on the order: a pair's
/// score is the same bits whichever way round it is computed (one
/// multiply-add chain over the columns; multiplication commutes), and the k
/// best under a total order (score, then target index) are one set.
#[allow(clippy::too_many_arguments)]
fn dense_top_k<S: tiles::Real>(
    z: &Array2<S>,
    sq: &[S],
    k: usize,
    opts: &SimilarityOptions,
    path: SimdPath,
    better_is_higher: bool,
    control: &Control,
) -> crate::Result<Vec<Vec<Neighbour>>> {
    let n = z.nrows();
    if n == 0 || k == 0 {
        return Ok(vec![Vec::new(); n]);
    }
    let epilogue = dense_epilogue(opts, sq);
    let op = tiles::Operand::new(z.view(), path);
    let tile = TOPK_TILE;
    let blocks = n.div_ceil(tile);
    let mut best: Vec<std::sync::Mutex<Vec<RowBest>>> = Vec::new();
    for b in 0..blocks {
        let rows = tile.min(n - b * tile);
        let mut group = Vec::new();
        for _ in 0..rows {
            let mut heap = BinaryHeap::new();
            heap.try_reserve(k + 1).map_err(|_| {
                crate::error::AllocationError::of::<Neighbour>(
                    "the top-k candidates",
                    (k as u128 + 1) * n as u128,
                )
            })?;
            group.push(RowBest {
                heap,
                floor: f64::NEG_INFINITY,
            });
        }
        best.push(std::sync::Mutex::new(group));
    }
    let tiles_list: Vec<(usize, usize)> = (0..blocks)
        .flat_map(|bi| (bi..blocks).map(move |bj| (bi, bj)))
        .collect();
    let sign = if better_is_higher { 1.0 } else { -1.0 };
    let lock = |b: usize| {
        best[b]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    control.start(tiles_list.len());
    let worst = S::from_f64(if better_is_higher {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    });
    tiles_list.par_iter().for_each_init(
        || {
            (
                tiles::Aligned::zeroed(tile * tile),
                vec![worst; tile],
                vec![worst; tile],
            )
        },
        |(buf, row_top, col_top), &(bi, bj)| {
            if control.cancelled() {
                return;
            }
            let (i0, j0) = (bi * tile, bj * tile);
            let rows = tile.min(n - i0);
            let cols = tile.min(n - j0);
            tiles::product(&op, &op, (i0, rows), (j0, cols), buf, tile, epilogue);
            // the best value of each row and column of the tile, in vector
            // loops: a row (or column) whose best is below the weakest
            // neighbour it keeps has no candidate, and once the heaps are
            // full almost none has
            tiles::vectorised(path, || {
                tile_tops(
                    buf,
                    (rows, cols, tile),
                    better_is_higher,
                    worst,
                    row_top,
                    col_top,
                )
            });
            {
                let mut group = lock(bi);
                for (a, row_best) in group.iter_mut().enumerate().take(rows) {
                    if sign * row_top[a].to_f64() < row_best.floor {
                        continue;
                    }
                    let i = i0 + a;
                    let row = &buf[a * tile..a * tile + cols];
                    for (b, &v) in row.iter().enumerate() {
                        if j0 + b != i {
                            row_best.offer(k, sign * v.to_f64(), j0 + b);
                        }
                    }
                }
            }
            if bi != bj {
                let mut group = lock(bj);
                for (b, row_best) in group.iter_mut().enumerate().take(cols) {
                    if sign * col_top[b].to_f64() < row_best.floor {
                        continue;
                    }
                    for a in 0..rows {
                        row_best.offer(k, sign * buf[a * tile + b].to_f64(), i0 + a);
                    }
                }
            }
            control.advance(1);
        },
    );
    Ok(best
        .into_iter()
        .flat_map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .map(|r| r.heap.into_sorted_vec())
        .collect())
}
