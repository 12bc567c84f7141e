//! Relatedness in the economic-complexity style, for any entity × item
//! matrix (regions × competences, types × competences, countries ×
//! products): Balassa's revealed comparative advantage, binary presence,
//! proximity between items and density around each entity's items.
//!
//! - `RCA_cp = (x_cp / Σ_p x_cp) / (Σ_c x_cp / Σ_cp x_cp)`
//! - `M_cp = [RCA_cp ≥ threshold]`
//! - `φ_pq = Σ_c M_cp M_cq / max(k_p, k_q)`, with ubiquity `k_p = Σ_c M_cp`
//! - `ω_cp = Σ_q M_cq φ_pq / Σ_q φ_pq`
//!
//! These are the definitions of Hidalgo et al. (2007) and of the
//! `ecomplexity` package (discrete, symmetric proximity). Presence is binary,
//! so co-occurrence counts are popcounts of column bitsets: no floating
//! point until the final division.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::scoring::Control;

/// Errors of the relatedness functions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RelatednessError {
    /// A value that is negative, infinite or NaN.
    #[error("row {row}, column {column}: value {value} must be finite and non-negative")]
    BadValue {
        /// Row of the value.
        row: usize,
        /// Column of the value.
        column: usize,
        /// The value.
        value: f64,
    },
    /// Matrices whose shapes do not fit together.
    #[error("shape mismatch: {what} is {found:?}, expected {expected:?}")]
    Shape {
        /// The matrix whose shape is wrong.
        what: &'static str,
        /// Its shape.
        found: (usize, usize),
        /// The shape it must have.
        expected: (usize, usize),
    },
    /// The computation was cancelled through its [`Control`].
    #[error("cancelled")]
    Cancelled,
}

/// Values above this are scaled down before sums that could overflow.
const HUGE: f64 = 1e250;

fn check(x: ArrayView2<'_, f64>) -> Result<(), RelatednessError> {
    for ((row, column), &value) in x.indexed_iter() {
        if !(value.is_finite() && value >= 0.0) {
            return Err(RelatednessError::BadValue { row, column, value });
        }
    }
    Ok(())
}

/// Balassa's revealed comparative advantage of every entity in every item.
///
/// Entities (rows) or items (columns) with a zero total get NaN.
///
/// # Errors
/// [`RelatednessError::BadValue`] for a negative or non-finite value, with
/// its location.
///
/// # Complexity
/// O(C·P).
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::relatedness::rca;
///
/// // regions × competences: respondents with a gap, say
/// let x = array![[10.0, 0.0, 5.0], [2.0, 8.0, 5.0]];
/// let r = rca(x.view())?;
/// // region 0 holds 10 of the 12 answers of competence 0 and 15 of 30 overall
/// assert!((r[[0, 0]] - (10.0 / 15.0) / (12.0 / 30.0)).abs() < 1e-12);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn rca(x: ArrayView2<'_, f64>) -> crate::Result<Array2<f64>> {
    check(x)?;
    // RCA does not change when every count is scaled, but the totals of
    // counts near f64::MAX overflow: scale such a matrix down by a power of
    // two first (exact, and skipped for ordinary counts).
    let max = x.iter().fold(0.0f64, |m, &v| m.max(v));
    let scaled;
    let x = if max > HUGE {
        let factor = 2f64.powi(-max.log2().ceil() as i32 + 64);
        scaled = x.mapv(|v| v * factor);
        scaled.view()
    } else {
        x
    };
    let row_tot: Vec<f64> = x.rows().into_iter().map(|r| r.sum()).collect();
    let col_tot: Vec<f64> = x.columns().into_iter().map(|c| c.sum()).collect();
    let total: f64 = row_tot.iter().sum();
    Ok(Array2::from_shape_fn(x.dim(), |(c, p)| {
        let share = x[[c, p]] / row_tot[c];
        let world = col_tot[p] / total;
        let v = share / world;
        if row_tot[c] > 0.0 && col_tot[p] > 0.0 {
            v
        } else {
            f64::NAN
        }
    }))
}

/// Binary presence `M = [RCA ≥ threshold]` (NaN RCA is absent).
///
/// # Errors
/// As [`rca`].
pub fn presence(x: ArrayView2<'_, f64>, threshold: f64) -> crate::Result<Array2<bool>> {
    Ok(rca(x)?.mapv(|v| v >= threshold))
}

/// Column bitsets of a presence matrix: item p's entities as u64 words.
struct Bitsets {
    words: usize,
    bits: Vec<u64>,
    ubiquity: Vec<u32>,
}

fn bitsets(m: &Array2<bool>) -> Bitsets {
    let (n_c, n_p) = m.dim();
    let words = n_c.div_ceil(64).max(1);
    let mut bits = vec![0u64; n_p * words];
    for ((c, p), &v) in m.indexed_iter() {
        if v {
            bits[p * words + c / 64] |= 1u64 << (c % 64);
        }
    }
    let ubiquity = (0..n_p)
        .map(|p| {
            bits[p * words..(p + 1) * words]
                .iter()
                .map(|w| w.count_ones())
                .sum()
        })
        .collect();
    Bitsets {
        words,
        bits,
        ubiquity,
    }
}

/// Proximity `φ_pq = Σ_c M_cp M_cq / max(k_p, k_q)` between every pair of
/// items of a presence matrix. Items present nowhere get NaN with every
/// item; the diagonal is 1 for the others.
///
/// # Complexity
/// O(P²·C/64) popcounts, parallel over rows of the result.
pub fn proximity_from_presence(m: &Array2<bool>) -> Array2<f64> {
    let n_p = m.ncols();
    let mut out = vec![0.0f64; n_p * n_p];
    fill_proximity(m, &mut out, &Control::default());
    Array2::from_shape_vec((n_p, n_p), out).unwrap_or_else(|_| Array2::zeros((n_p, n_p)))
}

/// The P × P proximity of a presence matrix into `out` (row-major, P²
/// values): the upper triangle by rows in parallel, one unit of `control`
/// per row (stopping at the next row once cancelled), then mirrored.
fn fill_proximity(m: &Array2<bool>, out: &mut [f64], control: &Control) {
    let n_p = m.ncols();
    let b = bitsets(m);
    let words = b.words;
    let value = |p: usize, q: usize| -> f64 {
        let bp = &b.bits[p * words..(p + 1) * words];
        let bq = &b.bits[q * words..(q + 1) * words];
        let co: u32 = bp.iter().zip(bq).map(|(x, y)| (x & y).count_ones()).sum();
        if b.ubiquity[p] == 0 || b.ubiquity[q] == 0 {
            f64::NAN
        } else {
            f64::from(co) / f64::from(b.ubiquity[p].max(b.ubiquity[q]))
        }
    };
    // 1. upper triangle, rows in parallel (φ is symmetric)
    out.par_chunks_mut(n_p.max(1))
        .enumerate()
        .for_each(|(p, row)| {
            if control.cancelled() {
                return;
            }
            for (q, slot) in row.iter_mut().enumerate().skip(p) {
                *slot = value(p, q);
            }
            control.advance(1);
        });
    if control.cancelled() {
        return;
    }
    // 2. lower triangle copied from the upper one, band by band: the rows
    //    above a band are read-only while the band's rows are written
    const BAND: usize = 256;
    let mut p0 = BAND;
    while p0 < n_p {
        let (before, rest) = out.split_at_mut(p0 * n_p);
        let band_len = (BAND * n_p).min(rest.len());
        let before: &[f64] = before;
        rest[..band_len]
            .par_chunks_mut(32 * n_p)
            .enumerate()
            .for_each(|(c, chunk)| {
                let r0 = p0 + c * 32;
                let rows = chunk.len() / n_p;
                for q in 0..p0 {
                    let src = &before[q * n_p + r0..q * n_p + r0 + rows];
                    for (a, &v) in src.iter().enumerate() {
                        chunk[a * n_p + q] = v;
                    }
                }
            });
        p0 += BAND;
    }
    // within each band, the part below the diagonal comes from the band itself
    for p in 0..n_p {
        let band_start = (p / BAND) * BAND;
        for q in band_start..p {
            out[p * n_p + q] = out[q * n_p + p];
        }
    }
}

/// A zeroed `rows × cols` buffer, or an [`crate::AllocationError`] naming
/// its size before any work is done.
fn zeroed(what: &'static str, rows: usize, cols: usize) -> crate::Result<Vec<f64>> {
    let len = crate::error::checked_len::<f64>(what, rows, cols)?;
    let mut v = crate::error::try_vec::<f64>(what, len)?;
    v.resize(len, 0.0);
    Ok(v)
}

/// [`proximity`] that reports progress and can be stopped: `control.done`
/// counts finished rows of φ out of `control.total`, and setting
/// `control.cancel` from another thread stops the work within one row.
///
/// # Errors
/// As [`rca`]; [`crate::AllocationError`] when the P × P result does not
/// fit in memory (checked before any work); [`RelatednessError::Cancelled`]
/// when `control.cancel` was set (no partial result is returned).
pub fn proximity_with(
    x: ArrayView2<'_, f64>,
    threshold: f64,
    control: &Control,
) -> crate::Result<Array2<f64>> {
    let n_p = x.ncols();
    let mut out = zeroed("the proximity matrix", n_p, n_p)?;
    let m = presence(x, threshold)?;
    control.start(n_p);
    fill_proximity(&m, &mut out, control);
    if control.cancelled() {
        return Err(RelatednessError::Cancelled.into());
    }
    Array2::from_shape_vec((n_p, n_p), out).map_err(|_| {
        RelatednessError::Shape {
            what: "proximity",
            found: (n_p, n_p),
            expected: (n_p, n_p),
        }
        .into()
    })
}

/// [`density`] that reports progress and can be stopped: `control.done`
/// counts rows of φ and entities out of `control.total`; setting
/// `control.cancel` stops the work within one row of φ or one entity.
///
/// # Errors
/// As [`proximity_with`], for the P × P proximity and the C × P result.
pub fn density_with(
    x: ArrayView2<'_, f64>,
    threshold: f64,
    control: &Control,
) -> crate::Result<Array2<f64>> {
    let (n_c, n_p) = x.dim();
    let mut phi = zeroed("the proximity matrix", n_p, n_p)?;
    let mut out = zeroed("the density matrix", n_c, n_p)?;
    let m = presence(x, threshold)?;
    control.start(n_p + n_c);
    fill_proximity(&m, &mut phi, control);
    if control.cancelled() {
        return Err(RelatednessError::Cancelled.into());
    }
    for v in phi.iter_mut() {
        if v.is_nan() {
            *v = 0.0;
        }
    }
    let den: Vec<f64> = phi.chunks(n_p.max(1)).map(|r| r.iter().sum()).collect();
    let phi =
        ArrayView2::from_shape((n_p, n_p), &phi[..]).map_err(|_| RelatednessError::Shape {
            what: "proximity",
            found: (n_p, n_p),
            expected: (n_p, n_p),
        })?;
    // ω_c = Σ_{q ∈ items of c} φ_q (φ is symmetric), divided by φ's row
    // sums: presence is sparse (2 % at ESCO scale), so the rows of the
    // entity's items are summed (in increasing q, whatever the thread
    // count) instead of a dense product; one entity per unit of work
    out.par_chunks_mut(n_p.max(1))
        .enumerate()
        .for_each(|(c, row)| {
            if control.cancelled() {
                return;
            }
            for (q, &present) in m.row(c).iter().enumerate() {
                if present {
                    for (v, &f) in row.iter_mut().zip(phi.row(q)) {
                        *v += f;
                    }
                }
            }
            for (v, &d) in row.iter_mut().zip(&den) {
                *v /= d;
            }
            control.advance(1);
        });
    if control.cancelled() {
        return Err(RelatednessError::Cancelled.into());
    }
    Array2::from_shape_vec((n_c, n_p), out).map_err(|_| {
        RelatednessError::Shape {
            what: "density",
            found: (n_c, n_p),
            expected: (n_c, n_p),
        }
        .into()
    })
}

/// Proximity of the items of an entity × item matrix, with presence at
/// `RCA ≥ threshold`.
///
/// # Errors
/// As [`rca`]; [`crate::AllocationError`] when the P × P result does not
/// fit in memory (checked before any work).
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::relatedness::proximity;
///
/// let x = array![[5.0, 5.0, 0.0], [5.0, 5.0, 0.0], [0.0, 1.0, 9.0]];
/// let phi = proximity(x.view(), 1.0)?;
/// // competences 0 and 1 are revealed together wherever one of them is
/// assert_eq!(phi[[0, 1]], 1.0);
/// assert_eq!(phi[[0, 2]], 0.0);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn proximity(x: ArrayView2<'_, f64>, threshold: f64) -> crate::Result<Array2<f64>> {
    proximity_with(x, threshold, &Control::default())
}

/// Density `ω_cp = Σ_q M_cq φ_pq / Σ_q φ_pq` of every entity around every
/// item: how much of the item's neighbourhood the entity already has.
/// NaN proximities (items present nowhere) count as 0.
///
/// # Errors
/// [`RelatednessError::Shape`] if `phi` is not items × items.
///
/// # Complexity
/// O(C·P²), parallel over entities.
pub fn density_from(m: &Array2<bool>, phi: &Array2<f64>) -> crate::Result<Array2<f64>> {
    let (n_c, n_p) = m.dim();
    if phi.dim() != (n_p, n_p) {
        return Err(RelatednessError::Shape {
            what: "proximity",
            found: phi.dim(),
            expected: (n_p, n_p),
        }
        .into());
    }
    let clean = phi.mapv(|v| if v.is_nan() { 0.0 } else { v });
    let den: Vec<f64> = clean.rows().into_iter().map(|r| r.sum()).collect();
    let mf = m.mapv(|v| if v { 1.0 } else { 0.0 });
    // ω = M · φᵀ, row-normalised by φ's row sums
    let num = mf.dot(&clean.t());
    Ok(Array2::from_shape_fn((n_c, n_p), |(c, p)| {
        num[[c, p]] / den[p]
    }))
}

/// Density of an entity × item matrix with presence at `RCA ≥ threshold`.
///
/// # Errors
/// As [`rca`]; [`crate::AllocationError`] when the P × P proximity or the
/// C × P result does not fit in memory (checked before any work).
///
/// # Complexity
/// O(P²·C/64) popcounts for the proximity, then O(nnz(M)·P) additions
/// (the rows of φ of each entity's items), parallel over entities.
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::relatedness::density;
///
/// let x = array![[5.0, 5.0, 0.0], [5.0, 0.0, 0.0], [0.0, 1.0, 9.0]];
/// let w = density(x.view(), 1.0)?;
/// assert_eq!(w.dim(), (3, 3));
/// assert!(w.iter().all(|v| (0.0..=1.0).contains(v)));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn density(x: ArrayView2<'_, f64>, threshold: f64) -> crate::Result<Array2<f64>> {
    density_with(x, threshold, &Control::default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_near_the_largest_float_do_not_overflow() {
        // every value finite, but a row total already beyond f64::MAX
        let x = ndarray::array![[1.0, 1.5], [1.25, 1.0]];
        let big = x.mapv(|v| v * 1e308);
        assert!(big.iter().all(|v: &f64| v.is_finite()));
        let (a, b) = (
            super::rca(x.view()).unwrap_or_else(|e| panic!("{e}")),
            super::rca(big.view()).unwrap_or_else(|e| panic!("{e}")),
        );
        for (u, v) in a.iter().zip(b.iter()) {
            assert!((u - v).abs() < 1e-12, "{u} vs {v}");
        }
    }

    use super::*;
    use ndarray::array;

    #[test]
    fn worked_example() {
        // two regions, three competences
        let x = array![[10.0, 0.0, 10.0], [0.0, 10.0, 10.0]];
        let r = rca(x.view()).unwrap();
        // region 0: shares 0.5, 0, 0.5; world shares 0.25, 0.25, 0.5
        assert_eq!(r[[0, 0]], 2.0);
        assert_eq!(r[[0, 1]], 0.0);
        assert_eq!(r[[0, 2]], 1.0);
        let phi = proximity(x.view(), 1.0).unwrap();
        // presence: r0 {0, 2}, r1 {1, 2}; ubiquity 1, 1, 2
        assert_eq!(phi[[0, 2]], 0.5);
        assert_eq!(phi[[0, 1]], 0.0);
        assert_eq!(phi[[2, 2]], 1.0);
        let d = density(x.view(), 1.0).unwrap();
        // ω_{0,1} = (M00 φ10 + M01 φ11 + M02 φ12) / (φ10 + φ11 + φ12) = 0.5 / 1.5
        assert!((d[[0, 1]] - 0.5 / 1.5).abs() < 1e-15);
    }

    #[test]
    fn proximity_over_several_bands_matches_the_definition() {
        let mut rng = crate::rng::Rng::new(3, 0);
        let (n_c, n_p) = (90, 600);
        let m = Array2::from_shape_fn((n_c, n_p), |_| rng.uniform() < 0.1);
        let phi = proximity_from_presence(&m);
        let k: Vec<u32> = (0..n_p)
            .map(|p| (0..n_c).filter(|&c| m[[c, p]]).count() as u32)
            .collect();
        for p in (0..n_p).step_by(7) {
            for q in (0..n_p).step_by(5) {
                let co = (0..n_c).filter(|&c| m[[c, p]] && m[[c, q]]).count() as f64;
                let want = if k[p] == 0 || k[q] == 0 {
                    f64::NAN
                } else {
                    co / f64::from(k[p].max(k[q]))
                };
                let got = phi[[p, q]];
                assert!(got == want || (got.is_nan() && want.is_nan()), "{p} {q}");
            }
        }
    }

    #[test]
    fn zero_totals_and_bad_values() {
        let x = array![[0.0, 0.0], [1.0, 0.0]];
        let r = rca(x.view()).unwrap();
        assert!(r[[0, 0]].is_nan() && r[[1, 1]].is_nan());
        assert!(rca(array![[1.0, -1.0]].view()).is_err());
        assert!(rca(array![[1.0, f64::NAN]].view()).is_err());
    }
}
