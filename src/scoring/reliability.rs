//! Scale reliability: Cronbach's α, standardised α, McDonald's ω total and
//! the item statistics of each scale (a set of items, e.g. the competences of
//! an area) of a respondent × item matrix, on the scale's complete cases.
//!
//! For a scale of k items with covariance matrix C (denominator n − 1) of its
//! n complete cases:
//!
//! - α = k/(k − 1) · (1 − tr C / ΣC) (Cronbach, 1951);
//! - standardised α = k·r̄ / (1 + (k − 1)·r̄), r̄ the mean off-diagonal
//!   correlation;
//! - ω total = (Σλ)² / ((Σλ)² + Σψ), λ and ψ = 1 − λ² the loadings and
//!   uniquenesses of the one-factor maximum-likelihood model of the
//!   correlation matrix R (McDonald, 1999);
//! - per item, the item–rest correlation and α of the scale without it.
//!
//! The one-factor fit minimises Jöreskog's (1967) concentrated discrepancy
//! F(ψ) = Σ_{m≥2} (θₘ − ln θₘ − 1) over ψ ∈ [0.005, 1]ᵏ, θ₁ ≥ θ₂ ≥ … the
//! eigenvalues of Ψ^{-1/2} R Ψ^{-1/2}. Its stationarity condition is
//! ψ = 1 − λ(ψ)² with λ(ψ) = Ψ^{1/2} v₁ √(θ₁ − 1); the fit iterates that map
//! (clamped to the bounds, as R's `factanal` bounds ψ below by 0.005),
//! accelerated by SQUAREM (Varadhan & Roland, 2008) with a monotonicity
//! safeguard on F, to a fixed point within 1e-13. Only the top eigenpair is
//! needed: F = tr A − θ₁ − ln det A + ln θ₁ − (k − 1) with
//! ln det A = ln det R − Σ ln ψᵢ, R's determinant from its Cholesky factor,
//! and the eigenpair by power iteration warm-started from the previous step
//! (a cyclic Jacobi decomposition when that stalls).
//! F can have several local minima where the items share little; the fit
//! is restarted on each face ψⱼ = 0 whose closed-form minimum is below the
//! best found, and keeps the lowest (see `one_factor`).
//!
//! The covariance is accumulated over fixed blocks of complete cases in
//! parallel and summed in block order, so the result does not depend on the
//! thread count.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::ScoringError;
use crate::error::InvalidOption;

/// Rows per block of the covariance accumulation (fixed: the sum order, and
/// so the result, does not depend on the thread count).
const BLOCK: usize = 512;
/// Multiply-adds (n·k²) above which the covariance blocks run in parallel.
const PARALLEL_WORK: usize = 1 << 25;
/// Lower bound of the uniquenesses in the one-factor fit.
const PSI_MIN: f64 = 0.005;
/// Convergence of the fixed point, in uniqueness units.
const TOL: f64 = 1e-13;
/// SQUAREM iterations before the fit turns to Newton steps.
const SQUAREM_ITER: usize = 100;
const MAX_NEWTON: usize = 200;

/// The reliability statistics of one scale. Coefficients are NaN where they
/// are undefined: fewer than two complete cases or items (α), a constant
/// item (standardised α, ω, its item–rest correlation), fewer than three
/// items or a singular correlation matrix (ω).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScaleReliability {
    /// Complete cases (rows with every item of the scale answered).
    pub n: usize,
    /// Items of the scale.
    pub n_items: usize,
    /// Cronbach's α.
    pub alpha: f64,
    /// Standardised α.
    pub alpha_std: f64,
    /// McDonald's ω total (one-factor ML).
    pub omega: f64,
    /// False when the one-factor fit did not reach its fixed point (ω is
    /// then NaN); true otherwise, including where ω is undefined.
    pub omega_converged: bool,
    /// Per item (in the scale's order): correlation with the sum of the
    /// scale's other items.
    pub item_rest_r: Vec<f64>,
    /// Per item: α of the scale without the item (NaN below three items).
    pub alpha_if_deleted: Vec<f64>,
}

/// Reliability of each scale of `x` (rows: respondents, columns: items, NaN
/// where missing); a scale is a list of column indices.
///
/// # Errors
/// [`ScoringError::InvalidOption`] for a column index outside `x` or an
/// empty scale; [`crate::Error::Allocation`] when a scale's complete cases
/// do not fit in memory.
///
/// ```
/// use ndarray::array;
/// use skillsmap::scoring::scale_reliability;
///
/// let x = array![[1.0, 2.0, 2.0], [2.0, 3.0, 3.0], [3.0, 3.0, 5.0], [4.0, 5.0, 4.0]];
/// let r = scale_reliability(x.view(), &[vec![0, 1, 2]])?;
/// assert_eq!((r[0].n, r[0].n_items), (4, 3));
/// assert!((r[0].alpha - 0.9).abs() < 0.1);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn scale_reliability(
    x: ArrayView2<f64>,
    scales: &[Vec<usize>],
) -> crate::Result<Vec<ScaleReliability>> {
    let ncol = x.ncols();
    for (s, cols) in scales.iter().enumerate() {
        if cols.is_empty() {
            return Err(invalid(format!("scale {s} has no items")));
        }
        if let Some(&c) = cols.iter().find(|&&c| c >= ncol) {
            return Err(invalid(format!(
                "scale {s} names column {c}, the matrix has {ncol}"
            )));
        }
    }
    scales.iter().map(|cols| one_scale(x, cols)).collect()
}

fn invalid(reason: String) -> crate::Error {
    ScoringError::InvalidOption(InvalidOption::new("scales", reason)).into()
}

fn one_scale(x: ArrayView2<f64>, cols: &[usize]) -> crate::Result<ScaleReliability> {
    let k = cols.len();
    // complete cases of the scale, gathered row-major (n × k)
    let size = crate::error::checked_len::<f64>("the scale's complete cases", x.nrows(), k)?;
    let mut sub = crate::error::try_vec::<f64>("the scale's complete cases", size)?;
    // (columns checked against x's width by the caller)
    let run = cols
        .windows(2)
        .all(|w| w[1] == w[0] + 1)
        .then(|| cols[0]..cols[0] + k);
    match (x.as_slice(), run) {
        // a row-major matrix and a scale of adjacent columns: slices
        (Some(flat), Some(run)) => {
            for row in flat.chunks_exact(x.ncols().max(1)) {
                let items = &row[run.clone()];
                // all items checked, without an early exit: vectorised
                if !items.iter().fold(false, |nan, v| nan | v.is_nan()) {
                    sub.extend_from_slice(items);
                }
            }
        }
        _ => {
            for row in x.rows() {
                if cols.iter().all(|&c| !row[c].is_nan()) {
                    sub.extend(cols.iter().map(|&c| row[c]));
                }
            }
        }
    }
    Ok(from_complete(&sub, k))
}

/// The statistics of a scale from its complete cases (`sub`, row-major,
/// `k` items per row).
fn from_complete(sub: &[f64], k: usize) -> ScaleReliability {
    let n = sub.len() / k;
    let nan = f64::NAN;
    let mut out = ScaleReliability {
        n,
        n_items: k,
        alpha: nan,
        alpha_std: nan,
        omega: nan,
        omega_converged: true,
        item_rest_r: vec![nan; k],
        alpha_if_deleted: vec![nan; k],
    };
    if n < 2 {
        return out;
    }
    let cov = covariance(sub, n, k);
    let total: f64 = cov.iter().sum();
    let trace: f64 = (0..k).map(|i| cov[i * k + i]).sum();
    if k >= 2 && total > 0.0 {
        out.alpha = k as f64 / (k - 1) as f64 * (1.0 - trace / total);
    }
    item_stats(&cov, k, total, trace, &mut out);
    let sd: Vec<f64> = (0..k).map(|i| cov[i * k + i].sqrt()).collect();
    if k < 2 || !sd.iter().all(|&s| s > 0.0) {
        return out;
    }
    let mut r = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            r[i * k + j] = if i == j {
                1.0
            } else {
                cov[i * k + j] / (sd[i] * sd[j])
            };
        }
    }
    let rbar = (r.iter().sum::<f64>() - k as f64) / (k * (k - 1)) as f64;
    out.alpha_std = k as f64 * rbar / (1.0 + (k - 1) as f64 * rbar);
    if k >= 3 {
        // the fit's loops compiled for the CPU's vectors: its dot products
        // sum in four fixed lanes without fused multiply-adds, so the bits
        // are the same on every path
        let path = crate::similarity::simd_path().unwrap_or(crate::similarity::SimdPath::Portable);
        match crate::similarity::multiversion(path, OneFactor { r: &r, k }) {
            Fit::Converged { lambda, .. } => {
                let s = lambda.iter().sum::<f64>().powi(2);
                let psi: f64 = lambda.iter().map(|l| 1.0 - l * l).sum();
                out.omega = s / (s + psi);
            }
            Fit::Singular => {}
            Fit::NotConverged => out.omega_converged = false,
        }
    }
    out
}

/// Covariance (denominator n − 1) of the n × k row-major matrix `sub`, by
/// two passes (means, then centred cross-products), each over fixed blocks of
/// rows summed in block order.
fn covariance(sub: &[f64], n: usize, k: usize) -> Vec<f64> {
    let blocks: Vec<&[f64]> = sub.chunks(BLOCK * k).collect();
    // threads only where the work outweighs waking them (same blocks, same
    // order of sums either way): a 5,000 × 40 scale takes ~0.1 ms on one
    // core, less than a second thread costs to wake on a busy machine
    let parallel = blocks.len() > 4 && n.saturating_mul(k).saturating_mul(k) > PARALLEL_WORK;
    let sums: Vec<Vec<f64>> = maybe_par(&blocks, parallel, |b| {
        let mut s = vec![0.0; k];
        for row in b.chunks_exact(k) {
            for (a, v) in s.iter_mut().zip(row) {
                *a += v;
            }
        }
        s
    });
    let mut mean = vec![0.0; k];
    for s in &sums {
        for (m, v) in mean.iter_mut().zip(s) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    // the kernel's loops vectorised for the CPU's widest vectors; no fused
    // multiply-add, so every path (and thread count) gives the same bits
    let path = crate::similarity::simd_path().unwrap_or(crate::similarity::SimdPath::Portable);
    let parts: Vec<Vec<f64>> = maybe_par(&blocks, parallel, |b| {
        crate::similarity::multiversion(
            path,
            CrossProducts {
                block: b,
                mean: &mean,
                k,
            },
        )
    });
    let mut cov = vec![0.0; k * k];
    for p in &parts {
        for (c, v) in cov.iter_mut().zip(p) {
            *c += v;
        }
    }
    let denom = (n - 1) as f64;
    for a in 0..k {
        for b in a..k {
            let v = cov[a * k + b] / denom;
            cov[a * k + b] = v;
            cov[b * k + a] = v;
        }
    }
    cov
}

/// Width of the register tiles of [`cross_products`]: `TILE_A` rows of the
/// product by `TILE_B` columns (4 × 8 accumulators: 8 ymm or 4 zmm
/// registers, 16 xmm on the SSE2 baseline).
const TILE_A: usize = 4;
const TILE_B: usize = 8;

/// The upper triangle (row a holding columns a..k) of the centred
/// cross-products Σᵣ (xᵣₐ − mₐ)(xᵣ_b − m_b) over the rows of the row-major
/// block `b` of width `k`, in a k × k buffer. Each entry is one chain of
/// multiply-adds over the rows in order, so the result is that of the plain
/// row-by-row loop; the tiles only keep 4 × 8 of those chains in registers
/// while the rows stream by (a rank-1 update per row would load and store
/// the whole triangle for every row).
struct CrossProducts<'a> {
    block: &'a [f64],
    mean: &'a [f64],
    k: usize,
}

impl crate::similarity::Kernel for CrossProducts<'_> {
    type Output = Vec<f64>;
    #[inline(always)]
    fn run(self) -> Vec<f64> {
        cross_products(self.block, self.mean, self.k)
    }
}

#[inline(always)]
fn cross_products(b: &[f64], mean: &[f64], k: usize) -> Vec<f64> {
    // centred block, columns padded with zeros to whole tiles
    let kp = k.div_ceil(TILE_B) * TILE_B;
    let rows = b.len() / k;
    let mut d = vec![0.0; rows * kp];
    for (dst, row) in d.chunks_exact_mut(kp).zip(b.chunks_exact(k)) {
        for ((o, v), m) in dst.iter_mut().zip(row).zip(mean) {
            *o = v - m;
        }
    }
    let mut c = vec![0.0; k * k];
    for a0 in (0..k).step_by(TILE_A) {
        // tiles on and right of the diagonal block; entries left of the
        // diagonal inside them are computed and dropped
        for b0 in ((a0 / TILE_B) * TILE_B..k).step_by(TILE_B) {
            let mut acc = [[0.0f64; TILE_B]; TILE_A];
            for row in d.chunks_exact(kp) {
                // in bounds: a0 + TILE_A and b0 + TILE_B ≤ kp (whole tiles)
                let (Ok(av), Ok(bv)) = (
                    <[f64; TILE_A]>::try_from(&row[a0..a0 + TILE_A]),
                    <[f64; TILE_B]>::try_from(&row[b0..b0 + TILE_B]),
                ) else {
                    continue;
                };
                for i in 0..TILE_A {
                    for j in 0..TILE_B {
                        acc[i][j] += av[i] * bv[j];
                    }
                }
            }
            for (i, acc_i) in acc.iter().enumerate() {
                let a = a0 + i;
                if a >= k {
                    break;
                }
                for (j, &v) in acc_i.iter().enumerate() {
                    let col = b0 + j;
                    if col >= a && col < k {
                        c[a * k + col] = v;
                    }
                }
            }
        }
    }
    c
}

fn maybe_par<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    if parallel {
        items.par_iter().map(f).collect()
    } else {
        items.iter().map(f).collect()
    }
}

/// Item–rest correlations and α-if-deleted from the covariance matrix.
fn item_stats(cov: &[f64], k: usize, total: f64, trace: f64, out: &mut ScaleReliability) {
    for i in 0..k {
        let diag = cov[i * k + i];
        let row_sum: f64 = cov[i * k..(i + 1) * k].iter().sum();
        let rest_var = total - 2.0 * row_sum + diag;
        let cov_rest = row_sum - diag;
        if diag > 0.0 && rest_var > 0.0 {
            out.item_rest_r[i] = cov_rest / (diag * rest_var).sqrt();
        }
        if k >= 3 && rest_var > 0.0 {
            out.alpha_if_deleted[i] =
                (k - 1) as f64 / (k - 2) as f64 * (1.0 - (trace - diag) / rest_var);
        }
    }
}

enum Fit {
    /// The loadings at a minimum of F, and F there.
    Converged {
        lambda: Vec<f64>,
        f: f64,
    },
    Singular,
    NotConverged,
}

impl Fit {
    /// The loadings, sign chosen so that they sum to ≥ 0.
    fn converged(mut lambda: Vec<f64>, f: f64) -> Fit {
        if lambda.iter().sum::<f64>() < 0.0 {
            lambda.iter_mut().for_each(|l| *l = -*l);
        }
        Fit::Converged { lambda, f }
    }
}

/// State of one evaluation of the fixed-point map at ψ.
struct Step {
    /// The discrepancy F(ψ).
    f: f64,
    /// λ(ψ).
    lambda: Vec<f64>,
    /// The map: clamp(1 − λ², PSI_MIN, 1).
    next: Vec<f64>,
}

struct OneFactor<'a> {
    r: &'a [f64],
    k: usize,
}

impl crate::similarity::Kernel for OneFactor<'_> {
    type Output = Fit;
    #[inline(always)]
    fn run(self) -> Fit {
        one_factor(self.r, self.k)
    }
}

/// The one-factor ML loadings of the k × k correlation matrix `r` (module
/// documentation), sign chosen so that they sum to ≥ 0.
///
/// F can have several local minima where the items share little: besides
/// an interior one, one per item j that can carry the factor alone (a
/// Heywood case, ψⱼ on its bound). Which one a descent from R's start
/// reaches depends on the path (L-BFGS-B in R's `factanal` and in
/// factor_analyzer, the fixed point here). On the face ψⱼ = 0 the minimum
/// has a closed form: the factor is item j, λᵢ = rᵢⱼ, ψᵢ = 1 − rᵢⱼ², and
/// F = Σ_{i≠j} ln(1 − rᵢⱼ²) − ln det R. So after the fit from R's start,
/// the fit is restarted from that point (ψⱼ on its bound) for each item
/// whose face value is below the lowest F found so far, in increasing
/// order of it, and the lowest F is kept (the first on ties). On data with
/// a common factor no face comes near and nothing is restarted.
#[inline(always)]
fn one_factor(r: &[f64], k: usize) -> Fit {
    let Some(chol) = cholesky(r, k) else {
        return Fit::Singular;
    };
    let logdet_r: f64 = (0..k).map(|i| 2.0 * chol[i * k + i].ln()).sum();
    // start: ψᵢ = (1 − 1/(2k)) / (R⁻¹)ᵢᵢ, as R's factanal
    let inv_diag = inverse_diagonal(&chol, k);
    let start: Vec<f64> = inv_diag
        .iter()
        .map(|d| clamp((1.0 - 0.5 / k as f64) / d))
        .collect();
    let mut best = fit_from(r, k, logdet_r, start);
    let Fit::Converged { f: mut f_best, .. } = best else {
        return best;
    };
    // the minimum of F on each face ψⱼ = 0 (R is positive definite, so
    // |rᵢⱼ| < 1 off the diagonal)
    let mut faces: Vec<(f64, usize)> = (0..k)
        .map(|j| {
            let s: f64 = (0..k)
                .filter(|&i| i != j)
                .map(|i| (1.0 - r[i * k + j] * r[i * k + j]).ln())
                .sum();
            (s - logdet_r, j)
        })
        .collect();
    faces.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (face, j) in faces {
        if face >= f_best {
            break;
        }
        let from: Vec<f64> = (0..k)
            .map(|i| {
                if i == j {
                    PSI_MIN
                } else {
                    clamp(1.0 - r[i * k + j] * r[i * k + j])
                }
            })
            .collect();
        let fit = fit_from(r, k, logdet_r, from);
        if let Fit::Converged { f, .. } = fit {
            if f < f_best {
                f_best = f;
                best = fit;
            }
        }
    }
    best
}

/// The fit of [`one_factor`] from the uniquenesses `psi`: SQUAREM on the
/// fixed point, then projected Newton steps where it crawls.
#[inline(always)]
fn fit_from(r: &[f64], k: usize, logdet_r: f64, mut psi: Vec<f64>) -> Fit {
    let mut eig = Eigen::new(k);
    // the eigenvector only as precise as the step needs, 1e-15 at the end
    let mut etol = 1e-6;
    let mut cur = evaluate(r, k, &psi, logdet_r, &mut eig, etol);
    let mut iter = 0;
    while iter < SQUAREM_ITER {
        iter += 1;
        let step = max_diff(&cur.next, &psi);
        if step <= TOL {
            if etol > 1e-15 {
                etol = 1e-15;
                cur = evaluate(r, k, &psi, logdet_r, &mut eig, etol);
                continue;
            }
            return Fit::converged(cur.lambda, cur.f);
        }
        etol = (step * 1e-3).clamp(1e-15, etol);
        // SQUAREM: two map steps, then the extrapolation along them
        let p1 = cur.next.clone();
        let s1 = evaluate(r, k, &p1, logdet_r, &mut eig, etol);
        let p2 = s1.next.clone();
        let rr: Vec<f64> = p1.iter().zip(&psi).map(|(a, b)| a - b).collect();
        let vv: Vec<f64> = p2
            .iter()
            .zip(&p1)
            .zip(&rr)
            .map(|((c, b), d)| c - b - d)
            .collect();
        let (nr, nv) = (norm(&rr), norm(&vv));
        let s2 = evaluate(r, k, &p2, logdet_r, &mut eig, etol);
        let mut best = (p2, s2);
        if nv > 0.0 && nr > 0.0 {
            let alpha = (-nr / nv).min(-1.0);
            let cand: Vec<f64> = psi
                .iter()
                .zip(&rr)
                .zip(&vv)
                .map(|((p, a), b)| clamp(p - 2.0 * alpha * a + alpha * alpha * b))
                .collect();
            let sc = evaluate(r, k, &cand, logdet_r, &mut eig, etol);
            if sc.f.is_finite() && sc.f <= best.1.f {
                best = (cand, sc);
            }
        }
        if !best.1.f.is_finite() {
            return Fit::NotConverged;
        }
        psi = best.0;
        cur = best.1;
    }
    newton(r, k, psi, logdet_r, &mut eig)
}

/// Projected Newton iterations (Bertsekas, 1982) from `psi`, for the fits
/// where the fixed point crawls (a flat likelihood: weak loadings, a Heywood
/// case). The Hessian of F over the free uniquenesses is the forward
/// difference of the analytic gradient ∂F/∂ψᵢ = (λᵢ² + ψᵢ − 1)/ψᵢ²; a step
/// that does not lower F is halved, and the fixed-point step taken when
/// halving fails.
#[inline(always)]
fn newton(r: &[f64], k: usize, mut psi: Vec<f64>, logdet_r: f64, eig: &mut Eigen) -> Fit {
    let ev = |p: &[f64], e: &mut Eigen| evaluate(r, k, p, logdet_r, e, 1e-15);
    let grad = |st: &Step, p: &[f64]| -> Vec<f64> {
        st.lambda
            .iter()
            .zip(p)
            .map(|(l, q)| (l * l + q - 1.0) / (q * q))
            .collect()
    };
    for _ in 0..MAX_NEWTON {
        let cur = ev(&psi, eig);
        if !cur.f.is_finite() {
            return Fit::NotConverged;
        }
        if max_diff(&cur.next, &psi) <= TOL {
            return Fit::converged(cur.lambda, cur.f);
        }
        let g = grad(&cur, &psi);
        // variables held at a bound their gradient pushes against
        let free: Vec<usize> = (0..k)
            .filter(|&i| {
                let low = psi[i] <= PSI_MIN * (1.0 + 1e-12) && g[i] > 0.0;
                let high = psi[i] >= 1.0 - 1e-12 && g[i] < 0.0;
                !(low || high)
            })
            .collect();
        let nf = free.len();
        let mut h = vec![0.0; nf * nf];
        for (b, &j) in free.iter().enumerate() {
            let step = 1e-6 * psi[j];
            let mut q = psi.clone();
            q[j] += step;
            let gq = grad(&ev(&q, eig), &q);
            for (a, &i) in free.iter().enumerate() {
                h[a * nf + b] = (gq[i] - g[i]) / step;
            }
        }
        for a in 0..nf {
            for b in a + 1..nf {
                let m = 0.5 * (h[a * nf + b] + h[b * nf + a]);
                h[a * nf + b] = m;
                h[b * nf + a] = m;
            }
        }
        let gf: Vec<f64> = free.iter().map(|&i| g[i]).collect();
        let mut next = None;
        if let Some(d) = solve_spd(&mut h, nf, &gf) {
            let mut t = 1.0;
            for _ in 0..30 {
                let mut q = psi.clone();
                for (a, &i) in free.iter().enumerate() {
                    q[i] = clamp(psi[i] - t * d[a]);
                }
                let f = ev(&q, eig).f;
                if f.is_finite() && f <= cur.f + 1e-13 * cur.f.abs().max(1.0) {
                    next = Some(q);
                    break;
                }
                t *= 0.5;
            }
        }
        psi = next.unwrap_or(cur.next);
    }
    Fit::NotConverged
}

/// The solution of H·x = b for a symmetric `h` (n × n, overwritten), made
/// positive definite by a ridge when it is not (Levenberg); None when no
/// ridge helps.
fn solve_spd(h: &mut [f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let scale = (0..n)
        .map(|i| h[i * n + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut ridge = 0.0;
    for _ in 0..30 {
        let mut m = h.to_vec();
        for i in 0..n {
            m[i * n + i] += ridge;
        }
        if let Some(l) = cholesky(&m, n) {
            // L y = b, Lᵀ x = y
            let mut y = vec![0.0; n];
            for i in 0..n {
                let s: f64 = (0..i).map(|j| l[i * n + j] * y[j]).sum();
                y[i] = (b[i] - s) / l[i * n + i];
            }
            let mut x = vec![0.0; n];
            for i in (0..n).rev() {
                let s: f64 = (i + 1..n).map(|j| l[j * n + i] * x[j]).sum();
                x[i] = (y[i] - s) / l[i * n + i];
            }
            return Some(x);
        }
        ridge = if ridge == 0.0 {
            1e-8 * scale
        } else {
            ridge * 10.0
        };
    }
    None
}

fn clamp(v: f64) -> f64 {
    if v.is_nan() {
        return 1.0;
    }
    v.clamp(PSI_MIN, 1.0)
}

#[inline(always)]
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[inline(always)]
fn evaluate(r: &[f64], k: usize, psi: &[f64], logdet_r: f64, eig: &mut Eigen, tol: f64) -> Step {
    let s: Vec<f64> = psi.iter().map(|p| 1.0 / p.sqrt()).collect();
    let mut a = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            a[i * k + j] = r[i * k + j] * s[i] * s[j];
        }
    }
    let theta = eig.top(&a, k, tol);
    let scale = (theta - 1.0).max(0.0).sqrt();
    let lambda: Vec<f64> = psi
        .iter()
        .zip(&eig.v)
        .map(|(p, v)| p.sqrt() * v * scale)
        .collect();
    let next = lambda.iter().map(|l| clamp(1.0 - l * l)).collect();
    let trace: f64 = s.iter().map(|x| x * x).sum();
    let logdet_a = logdet_r - psi.iter().map(|p| p.ln()).sum::<f64>();
    let f = trace - theta - logdet_a + theta.ln() - (k - 1) as f64;
    Step { f, lambda, next }
}

/// The top eigenpair of a symmetric positive definite matrix, by power
/// iteration warm-started from the previous call's vector; a cyclic Jacobi
/// decomposition when the iteration stalls (close top eigenvalues).
struct Eigen {
    v: Vec<f64>,
    w: Vec<f64>,
}

impl Eigen {
    fn new(k: usize) -> Self {
        let x = 1.0 / (k as f64).sqrt();
        Eigen {
            v: vec![x; k],
            w: vec![0.0; k],
        }
    }

    #[inline(always)]
    fn top(&mut self, a: &[f64], k: usize, tol: f64) -> f64 {
        for _ in 0..500 {
            for i in 0..k {
                self.w[i] = dot(&a[i * k..(i + 1) * k], &self.v);
            }
            let nw = norm(&self.w);
            if !nw.is_finite() || nw <= 0.0 {
                break;
            }
            let mut change: f64 = 0.0;
            for (v, w) in self.v.iter_mut().zip(&self.w) {
                let nv = w / nw;
                change = change.max((nv - *v).abs());
                *v = nv;
            }
            if change <= tol {
                return rayleigh(a, k, &self.v);
            }
        }
        let (theta, v) = jacobi_top(a, k);
        self.v = v;
        theta
    }
}

/// Dot product in four fixed lanes (vectorisable, and the same sum order on
/// every machine and thread count).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0f64; 4];
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[inline(always)]
fn rayleigh(a: &[f64], k: usize, v: &[f64]) -> f64 {
    (0..k).map(|i| v[i] * dot(&a[i * k..(i + 1) * k], v)).sum()
}

/// The largest eigenvalue and its unit eigenvector of a symmetric matrix, by
/// the cyclic Jacobi decomposition the centralities use.
fn jacobi_top(a: &[f64], k: usize) -> (f64, Vec<f64>) {
    let (values, vecs) = crate::network::symmetric_eigen(a.to_vec(), k);
    let mut best = 0;
    for i in 1..k {
        if values[i] > values[best] {
            best = i;
        }
    }
    (values[best], (0..k).map(|i| vecs[i * k + best]).collect())
}

/// Lower Cholesky factor of a symmetric matrix (row-major), or None when it
/// is not numerically positive definite (a pivot below k·ε of the largest
/// diagonal entry: the rank test of `numpy.linalg.matrix_rank` up to the
/// factor's conditioning).
fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let scale = (0..k).map(|i| a[i * k + i]).fold(0.0, f64::max);
    let tol = k as f64 * f64::EPSILON * scale;
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let d = a[j * k + j] - l[j * k..j * k + j].iter().map(|x| x * x).sum::<f64>();
        if d.is_nan() || d <= tol {
            return None;
        }
        let djj = d.sqrt();
        l[j * k + j] = djj;
        for i in j + 1..k {
            let s: f64 = l[i * k..i * k + j]
                .iter()
                .zip(&l[j * k..j * k + j])
                .map(|(x, y)| x * y)
                .sum();
            l[i * k + j] = (a[i * k + j] - s) / djj;
        }
    }
    Some(l)
}

/// diag(A⁻¹) from A's lower Cholesky factor L: (A⁻¹)ᵢᵢ = Σⱼ (L⁻¹)ⱼᵢ².
fn inverse_diagonal(l: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; k];
    let mut col = vec![0.0; k];
    // column i of L⁻¹ by forward substitution of eᵢ
    for i in 0..k {
        col.iter_mut().for_each(|c| *c = 0.0);
        col[i] = 1.0 / l[i * k + i];
        for j in i + 1..k {
            let s: f64 = (i..j).map(|m| l[j * k + m] * col[m]).sum();
            col[j] = -s / l[j * k + j];
        }
        out[i] = col[i..].iter().map(|c| c * c).sum();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn one_factor_data(n: usize, load: &[f64], seed: u64) -> Array2<f64> {
        let mut rng = crate::rng::Rng::new(seed, 0);
        let mut m = Array2::zeros((n, load.len()));
        for i in 0..n {
            let f = rng.normal();
            for (j, l) in load.iter().enumerate() {
                m[[i, j]] = l * f + (1.0 - l * l).sqrt() * rng.normal();
            }
        }
        m
    }

    #[test]
    fn alpha_of_a_known_covariance() {
        // two identical items: α = 2/(2−1)·(1 − 2σ²/4σ²) = 1
        let x = ndarray::array![[1.0, 1.0], [2.0, 2.0], [4.0, 4.0]];
        let r = scale_reliability(x.view(), &[vec![0, 1]]).unwrap();
        assert!((r[0].alpha - 1.0).abs() < 1e-12);
        assert!(r[0].omega.is_nan(), "ω needs three items");
    }

    #[test]
    fn omega_fixed_point_satisfies_the_ml_equations() {
        let load = [0.8, 0.7, 0.6, 0.5, 0.75, 0.65];
        let x = one_factor_data(2000, &load, 3);
        let res = scale_reliability(x.view(), &[(0..6).collect()]).unwrap();
        assert!(res[0].omega_converged && res[0].omega > 0.7 && res[0].omega < 0.95);
    }

    #[test]
    fn thread_count_does_not_change_the_result() {
        // enough complete cases for the parallel blocks, some rows missing
        let mut x = one_factor_data(5000, &[0.8, 0.6, 0.7, 0.5], 9);
        for i in (0..5000).step_by(7) {
            x[[i, i % 4]] = f64::NAN;
        }
        let scales = [vec![0, 1, 2, 3], vec![1, 3]];
        let at = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| scale_reliability(x.view(), &scales).unwrap())
        };
        let (one, two) = (at(1), at(2));
        assert_eq!(format!("{one:?}"), format!("{two:?}"));
        assert!(one[0].n < 5000 && one[0].omega.is_finite());
    }

    #[test]
    fn tiled_covariance_is_the_plain_two_pass_one_on_every_path() {
        use crate::similarity::{with_simd_path, SimdPath};
        for k in [1, 3, 4, 5, 8, 9, 17, 40] {
            // more rows than one block, a partial last block
            let n = BLOCK * 2 + 37;
            let x = one_factor_data(n, &vec![0.6; k], 5 + k as u64);
            let sub: Vec<f64> = x.iter().copied().collect();
            // the plain loop: means, then one chain per entry over the rows
            // of each block, blocks summed in order
            let mean: Vec<f64> = (0..k)
                .map(|j| {
                    let mut m = 0.0;
                    for b in sub.chunks(BLOCK * k) {
                        let mut s = 0.0;
                        for row in b.chunks_exact(k) {
                            s += row[j];
                        }
                        m += s;
                    }
                    m / n as f64
                })
                .collect();
            let mut want = vec![0.0; k * k];
            for a in 0..k {
                for c in a..k {
                    let mut tot = 0.0;
                    for b in sub.chunks(BLOCK * k) {
                        let mut s = 0.0;
                        for row in b.chunks_exact(k) {
                            s += (row[a] - mean[a]) * (row[c] - mean[c]);
                        }
                        tot += s;
                    }
                    want[a * k + c] = tot / (n - 1) as f64;
                    want[c * k + a] = want[a * k + c];
                }
            }
            for path in SimdPath::available() {
                let got = with_simd_path(path, || covariance(&sub, n, k)).unwrap();
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(g, w)| g.to_bits() == w.to_bits()),
                    "k = {k}, {path}"
                );
            }
        }
    }

    /// 7 items with no common factor (a random survey's area, n = 161):
    /// the descent from R's start ends in an interior local minimum of F
    /// (0.0646150), the global one has item 6 on its bound (0.0632312, ω
    /// 0.2096111; the best of 41 L-BFGS-B starts in scipy).
    #[test]
    fn the_lowest_of_several_minima_is_kept() {
        let upper = [
            -0.00922145442890748,
            0.03967610525976417,
            -0.05867783878156536,
            -0.07051475384269744,
            -0.092795019146499,
            -0.06797094231039345,
            0.11012280735819747,
            -0.05190495090989163,
            -0.11682792176581697,
            0.02887554455729894,
            -0.007954189258085439,
            -0.05994386937285713,
            0.012330948527517696,
            -0.003589141918644822,
            0.013866827634137907,
            0.07051822024677544,
            0.15218505739147728,
            -0.09374337021123873,
            0.05631292438351838,
            -0.026229156179178197,
            0.11783746193043769,
        ];
        let k = 7;
        let mut r = vec![1.0; k * k];
        let mut it = upper.iter();
        for i in 0..k {
            for j in i + 1..k {
                let v = *it.next().unwrap();
                r[i * k + j] = v;
                r[j * k + i] = v;
            }
        }
        let chol = cholesky(&r, k).unwrap();
        let logdet_r: f64 = (0..k).map(|i| 2.0 * chol[i * k + i].ln()).sum();
        let start: Vec<f64> = inverse_diagonal(&chol, k)
            .iter()
            .map(|d| clamp((1.0 - 0.5 / k as f64) / d))
            .collect();
        let Fit::Converged { f: f_start, .. } = fit_from(&r, k, logdet_r, start) else {
            panic!("the fit from R's start did not converge");
        };
        assert!((f_start - 0.0646150).abs() < 1e-6, "{f_start}");
        let Fit::Converged { lambda, f } = one_factor(&r, k) else {
            panic!("the fit did not converge");
        };
        assert!((f - 0.0632312).abs() < 1e-6, "{f}");
        let s = lambda.iter().sum::<f64>().powi(2);
        let omega = s / (s + lambda.iter().map(|l| 1.0 - l * l).sum::<f64>());
        assert!((omega - 0.2096111).abs() < 1e-6, "{omega}");
    }

    #[test]
    fn bad_scales_are_errors() {
        let x = Array2::<f64>::zeros((3, 2));
        assert!(scale_reliability(x.view(), &[vec![0, 2]]).is_err());
        assert!(scale_reliability(x.view(), &[vec![]]).is_err());
    }

    #[test]
    fn jacobi_and_power_agree() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let (t, v) = jacobi_top(&a, 3);
        let mut e = Eigen::new(3);
        let t2 = e.top(&a, 3, 1e-15);
        assert!((t - t2).abs() < 1e-12);
        let dot: f64 = v.iter().zip(&e.v).map(|(a, b)| a * b).sum();
        assert!((dot.abs() - 1.0).abs() < 1e-12);
    }
}
