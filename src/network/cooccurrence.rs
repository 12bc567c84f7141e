//! Backbones made for co-occurrence counts, whose weights are driven by how
//! often each node occurs: an edge is kept when its count is significantly
//! larger than the nodes' marginal frequencies alone would produce.
//!
//! - [`noise_corrected_backbone`]: the noise-corrected backbone of Coscia
//!   and Neffke (2017, ICDE, "Network backboning with noisy data"): the
//!   lift of each edge over its expectation from the node strengths,
//!   transformed to (−1, 1), against its standard deviation under a
//!   Beta-Binomial model of the edge weight.
//! - [`hypergeometric_backbone`]: an exact hypergeometric test of each
//!   pair's number of common respondents given the two competences'
//!   ubiquities, with multiplicity control over all pairs tested
//!   ([`PAdjust`]).
//!
//! Both are serial loops over edges or pairs with no reduction whose order
//! could change a result, so they give the same output whatever the thread
//! count; the pair tests run in parallel over fixed rows of pairs.

use rayon::prelude::*;

use super::{CoGap, NetworkError, WeightedGraph};
use crate::error::InvalidOption;
use crate::scoring::wilcoxon::normal_sf;

/// How p-values of many tests are adjusted (the names of
/// `statsmodels.stats.multitest.multipletests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PAdjust {
    /// No adjustment.
    None,
    /// Bonferroni: `min(1, m·p)`.
    Bonferroni,
    /// Holm (1979) step-down, controlling the family-wise error rate.
    #[default]
    Holm,
    /// Benjamini–Hochberg (1995) step-up, controlling the false discovery
    /// rate.
    FdrBh,
}

impl std::str::FromStr for PAdjust {
    type Err = crate::Error;

    /// `none`, `bonferroni`, `holm` or `fdr_bh`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::scoring::gaps::parse_option(
            "p_adjust",
            s,
            &[
                ("none", PAdjust::None),
                ("bonferroni", PAdjust::Bonferroni),
                ("holm", PAdjust::Holm),
                ("fdr_bh", PAdjust::FdrBh),
            ],
        )
    }
}

/// Adjusted p-values of `p` (NaN entries stay NaN and do not count as
/// tests), in the order given.
///
/// With m tests and p₍₁₎ ≤ … ≤ p₍ₘ₎: Bonferroni `min(1, m·p)`; Holm
/// `max_{k≤i} min(1, (m−k+1)·p₍ₖ₎)`; Benjamini–Hochberg
/// `min_{k≥i} min(1, m·p₍ₖ₎/k)`.
///
/// # Complexity
/// O(m log m).
///
/// ```
/// use skillsmap::network::{p_adjust, PAdjust};
///
/// let holm = p_adjust(&[0.01, 0.04, 0.03], PAdjust::Holm);
/// assert!((holm[0] - 0.03).abs() < 1e-15 && (holm[1] - 0.06).abs() < 1e-15);
/// ```
pub fn p_adjust(p: &[f64], method: PAdjust) -> Vec<f64> {
    let mut out = p.to_vec();
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    let m = idx.len();
    if m == 0 || method == PAdjust::None {
        return out;
    }
    let mf = m as f64;
    if method == PAdjust::Bonferroni {
        for &i in &idx {
            out[i] = (p[i] * mf).min(1.0);
        }
        return out;
    }
    // a stable sort, as the order of equal p-values does not change the result
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    match method {
        PAdjust::Holm => {
            let mut run = 0.0f64;
            for (k, &i) in idx.iter().enumerate() {
                run = run.max(((mf - k as f64) * p[i]).min(1.0));
                out[i] = run;
            }
        }
        _ => {
            let mut run = f64::INFINITY;
            for (k, &i) in idx.iter().enumerate().rev() {
                run = run.min(mf * p[i] / (k + 1) as f64);
                out[i] = run.min(1.0);
            }
        }
    }
    out
}

/// A backbone: the kept edges with their original weights, and for each
/// kept edge (in the order of [`WeightedGraph::edges`]) its score and
/// p-value.
#[derive(Debug, Clone, PartialEq)]
pub struct Backbone {
    /// The kept edges, with the weights of the input graph.
    pub graph: WeightedGraph,
    /// Per kept edge: the transformed lift `L̃` (noise-corrected) or the
    /// lift `observed / expected` (hypergeometric).
    pub score: Vec<f64>,
    /// Per kept edge: the one-sided p-value (noise-corrected) or the
    /// adjusted p-value (hypergeometric).
    pub p_value: Vec<f64>,
}

fn check_alpha(alpha: f64) -> crate::Result<()> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(NetworkError::InvalidOption(InvalidOption::new(
            "alpha",
            format!("alpha must lie in [0, 1], got {alpha}"),
        ))
        .into())
    }
}

/// The noise-corrected score of one edge: its transformed lift `L̃` and the
/// standard deviation of `L̃` (Coscia & Neffke 2017).
fn noise_corrected_score(nij: f64, ni: f64, nj: f64, n: f64) -> (f64, f64) {
    let kappa = n / (ni * nj);
    let lift = kappa * nij;
    let score = (lift - 1.0) / (lift + 1.0);
    // Prior of the edge probability P_ij: mean and variance of N_ij / n
    // under the hypergeometric draw of the edge's weight from the marginals.
    let prior_mean = ni * nj / (n * n);
    let prior_var = ni * nj * (n - ni) * (n - nj) / (n * n * n * n * (n - 1.0));
    // Beta prior by the method of moments, updated by the observed weight.
    let a = prior_mean * prior_mean / prior_var * (1.0 - prior_mean) - prior_mean;
    let b = prior_mean / prior_var * (1.0 - prior_mean * prior_mean) - (1.0 - prior_mean);
    let post_a = a + nij;
    let post_b = b + n - nij;
    let p = post_a / (post_a + post_b);
    let var_nij = p * (1.0 - p) * n;
    // Delta method from N_ij to L̃.
    let d = 1.0 / (ni * nj) - n * (ni + nj) / (ni * nj).powi(2);
    let dl = 2.0 * (kappa + nij * d) / (lift + 1.0).powi(2);
    (score, (var_nij * dl * dl).sqrt())
}

/// The noise-corrected backbone (Coscia & Neffke 2017) of a graph of
/// co-occurrence counts.
///
/// The graph is read as a symmetric count matrix: `n_i` is the strength of
/// node `i` and `n` the sum of all strengths (each edge counted in both
/// directions). The lift of edge `(i, j)` of count `n_ij` over its
/// expectation `n_i n_j / n` is `L = n·n_ij / (n_i n_j)`, transformed to
/// `L̃ = (L − 1)/(L + 1)`. Its variance follows the paper: a Beta prior on
/// the edge probability with the mean `n_i n_j / n²` and the variance
/// `n_i n_j (n − n_i)(n − n_j) / (n⁴ (n − 1))` of the hypergeometric null,
/// updated by `n_ij` successes in `n` trials, gives `Var(n_ij) = n·p̂(1 − p̂)`
/// with `p̂` the posterior mean, carried to `L̃` by the delta method. The
/// edge is kept when `L̃ / sd(L̃) > δ` with `δ = Φ⁻¹(1 − alpha)`, i.e. when
/// its one-sided p-value `1 − Φ(L̃ / sd)` is below `alpha` (`alpha` = 0.05
/// is the paper's δ ≈ 1.64). No multiplicity control: as in the paper,
/// `alpha` sets the threshold of each edge.
///
/// # Errors
/// [`NetworkError::InvalidOption`] unless `0 ≤ alpha ≤ 1`.
///
/// # Complexity
/// O(n + m) for n nodes and m edges.
///
/// ```
/// use skillsmap::network::{noise_corrected_backbone, WeightedGraph};
///
/// // Two triangles of heavy edges joined by light ones.
/// let g = WeightedGraph::new(6, vec![
///     (0, 1, 40.0), (0, 2, 40.0), (1, 2, 40.0),
///     (3, 4, 40.0), (3, 5, 40.0), (4, 5, 40.0),
///     (0, 3, 2.0), (1, 4, 2.0), (2, 5, 2.0),
/// ])?;
/// let b = noise_corrected_backbone(&g, 0.05)?;
/// assert_eq!(b.graph.n_edges(), 6);
/// assert!(b.graph.edges().iter().all(|e| e.2 == 40.0));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn noise_corrected_backbone(graph: &WeightedGraph, alpha: f64) -> crate::Result<Backbone> {
    check_alpha(alpha)?;
    let strength: Vec<f64> = (0..graph.n_nodes()).map(|v| graph.strength(v)).collect();
    let n: f64 = strength.iter().sum();
    let mut kept = Vec::new();
    let mut score = Vec::new();
    let mut p_value = Vec::new();
    for &(i, j, w) in graph.edges() {
        let (s, sd) = noise_corrected_score(w, strength[i as usize], strength[j as usize], n);
        let p = normal_sf(s / sd);
        if p < alpha {
            kept.push((i, j, w));
            score.push(s);
            p_value.push(p);
        }
    }
    Ok(Backbone {
        graph: WeightedGraph::from_sorted(graph.n_nodes(), kept),
        score,
        p_value,
    })
}

/// ln(k!) for k ≥ 0: exact products below 21, Stirling's series above.
fn ln_factorial(k: u64) -> f64 {
    if k < 21 {
        return ((1..=k).product::<u64>() as f64).ln();
    }
    let x = k as f64 + 1.0;
    let x2 = x * x;
    let series = 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2) + 1.0 / (1260.0 * x * x2 * x2)
        - 1.0 / (1680.0 * x * x2 * x2 * x2)
        + 1.0 / (1188.0 * x * x2 * x2 * x2 * x2);
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// Upper tail `P(X ≥ c)` of the hypergeometric count of common members of
/// a random `a`-subset and a random `b`-subset of `n` (scipy's
/// `hypergeom.sf(c - 1, n, b, a)`).
///
/// # Complexity
/// O(min(a, b) − c) terms at most; the sum stops once the terms no longer
/// change it.
pub fn hypergeometric_sf(c: u64, n: u64, a: u64, b: u64) -> f64 {
    let (lo, hi) = ((a + b).saturating_sub(n), a.min(b));
    if c <= lo {
        return 1.0;
    }
    if c > hi {
        return 0.0;
    }
    let (nf, af, bf) = (n as f64, a as f64, b as f64);
    let mut term = (ln_choose(b, c) + ln_choose(n - b, a - c) - ln_choose(n, a)).exp();
    let mut sum = 0.0;
    let mut x = c;
    loop {
        sum += term;
        if x == hi {
            break;
        }
        let xf = x as f64;
        term *= (bf - xf) * (af - xf) / ((xf + 1.0) * (nf - af - bf + xf + 1.0));
        x += 1;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum.min(1.0)
}

/// The backbone of a co-gap network by a hypergeometric test of each pair.
///
/// Under the null the `k_i` respondents with a gap on `i` are a random
/// subset of the `N` respondents, independent of the `k_j` with a gap on
/// `j`; the count of common respondents is then hypergeometric. Every pair
/// of competences with `k_i, k_j > 0` is tested (one-sided, more common
/// respondents than expected: `p = P(X ≥ count)`), the p-values are
/// adjusted over all those pairs by `adjust`, and the edges with an
/// adjusted p-value below `alpha` are kept. The score of a kept edge is its
/// lift `count · N / (k_i k_j)`; its p-value the adjusted one.
///
/// # Errors
/// [`NetworkError::InvalidOption`] unless `0 ≤ alpha ≤ 1`.
///
/// # Complexity
/// O(J² · t) for J competences, t the terms of each tail (parallel over
/// rows of pairs; the result does not depend on the thread count).
///
/// ```
/// use skillsmap::network::{cogap_network, hypergeometric_backbone, PAdjust};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let net = cogap_network(&generate(&SynthConfig::new(400, 1))?, 1.0)?;
/// let b = hypergeometric_backbone(&net, 0.05, PAdjust::Holm)?;
/// assert!(b.graph.n_edges() > 0);
/// assert!(b.p_value.iter().all(|p| *p < 0.05));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn hypergeometric_backbone(
    cogap: &CoGap,
    alpha: f64,
    adjust: PAdjust,
) -> crate::Result<Backbone> {
    check_alpha(alpha)?;
    let g = &cogap.graph;
    let n_nodes = g.n_nodes();
    let n = cogap.n_respondents as u64;
    let k = &cogap.ubiquity;
    // Every testable pair (i < j), row by row, with its count (0 without an
    // edge) and its p-value.
    let rows: Vec<Vec<(u32, u32, f64, f64)>> = (0..n_nodes)
        .into_par_iter()
        .map(|i| {
            if k[i] == 0 {
                return Vec::new();
            }
            let nb = g.neighbors(i);
            (i + 1..n_nodes)
                .filter(|&j| k[j] > 0)
                .map(|j| {
                    let c = nb
                        .binary_search_by_key(&(j as u32), |&(v, _)| v)
                        .map_or(0.0, |p| nb[p].1);
                    let p = hypergeometric_sf(c as u64, n, k[i], k[j]);
                    (i as u32, j as u32, c, p)
                })
                .collect()
        })
        .collect();
    let pairs: Vec<(u32, u32, f64, f64)> = rows.into_iter().flatten().collect();
    let p: Vec<f64> = pairs.iter().map(|t| t.3).collect();
    let adj = p_adjust(&p, adjust);
    let mut kept = Vec::new();
    let mut score = Vec::new();
    let mut p_value = Vec::new();
    for (&(i, j, c, _), &pa) in pairs.iter().zip(&adj) {
        if c > 0.0 && pa < alpha {
            kept.push((i, j, c));
            score.push(c * n as f64 / (k[i as usize] as f64 * k[j as usize] as f64));
            p_value.push(pa);
        }
    }
    Ok(Backbone {
        graph: WeightedGraph::from_sorted(n_nodes, kept),
        score,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_factorial_is_continuous_at_the_switch() {
        // ln 21! from the product and from the series agree
        let exact = ((1..=20).map(|i| i as f64).product::<f64>() * 21.0).ln();
        assert!((ln_factorial(21) - exact).abs() < 1e-13);
    }

    #[test]
    fn hypergeometric_tail_sums_to_the_pmf() {
        // P(X ≥ lo) = 1, and P(X ≥ c) decreases
        assert_eq!(hypergeometric_sf(0, 50, 10, 20), 1.0);
        let mut last = 1.0;
        for c in 1..=10 {
            let p = hypergeometric_sf(c, 50, 10, 20);
            assert!(p <= last && p >= 0.0);
            last = p;
        }
        assert_eq!(hypergeometric_sf(11, 50, 10, 20), 0.0);
    }

    #[test]
    fn p_adjust_keeps_nan_and_order() {
        let p = [0.02, f64::NAN, 0.01, 0.5];
        let b = p_adjust(&p, PAdjust::FdrBh);
        assert!(b[1].is_nan());
        assert!((b[2] - 0.03).abs() < 1e-15 && (b[0] - 0.03).abs() < 1e-15);
        assert_eq!(b[3], 0.5);
    }
}
