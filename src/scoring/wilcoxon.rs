//! The paired Wilcoxon signed-rank test of importance-or-required against
//! current level, per item.
//!
//! Matches `scipy.stats.wilcoxon(x, y, zero_method="wilcox",
//! correction=False, method="asymptotic")` (two-sided): zero differences are
//! dropped, |d| is ranked with average ranks for ties, the statistic is
//! `min(R+, R−)`, and the p-value comes from the normal approximation with
//! the tie-corrected variance `n(n+1)(2n+1)/24 − Σ(t³ − t)/48`.
//! `correction=true` applies the continuity correction of 0.5 towards the
//! mean, as scipy's `correction=True`.

/// Result of one signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedRank {
    /// Pairs with both values present.
    pub n: usize,
    /// Pairs with a non-zero difference (those ranked).
    pub n_nonzero: usize,
    /// Sum of ranks of positive differences x − y.
    pub r_plus: f64,
    /// Sum of ranks of negative differences.
    pub r_minus: f64,
    /// `min(R+, R−)`, scipy's two-sided statistic.
    pub statistic: f64,
    /// Normal-approximation z of R+ (signed: positive when x tends to exceed y).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Mean of the differences x − y over the `n` pairs (zeros included).
    pub mean_diff: f64,
    /// Sample standard deviation (n − 1) of those differences; NaN below
    /// two pairs.
    pub sd_diff: f64,
}

/// Signed-rank test of paired samples; pairs with a NaN are skipped.
///
/// With no non-zero difference the statistic is 0 and z and p are NaN.
///
/// # Complexity
/// O(n log n).
pub fn signed_rank(x: &[f64], y: &[f64], correction: bool) -> SignedRank {
    let mut d: Vec<f64> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| a - b)
        .collect();
    let n = d.len();
    // two passes, for accuracy
    let nf = n as f64;
    let mean_diff = if n > 0 {
        d.iter().sum::<f64>() / nf
    } else {
        f64::NAN
    };
    let sd_diff = if n > 1 {
        (d.iter().map(|v| (v - mean_diff).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    d.retain(|v| *v != 0.0);
    let m = d.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()));
    let mut r_plus = 0.0;
    let mut r_minus = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < m {
        let mut j = i + 1;
        while j < m && d[order[j]].abs() == d[order[i]].abs() {
            j += 1;
        }
        // ranks i+1 ..= j share their average
        let avg = (i + 1 + j) as f64 / 2.0;
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        for &k in &order[i..j] {
            if d[k] > 0.0 {
                r_plus += avg;
            } else {
                r_minus += avg;
            }
        }
        i = j;
    }
    let mf = m as f64;
    let mean = mf * (mf + 1.0) * 0.25;
    let var = (mf * (mf + 1.0) * (2.0 * mf + 1.0) - tie_term / 2.0) / 24.0;
    let se = var.sqrt();
    let mut z = if m > 0 && se > 0.0 {
        (r_plus - mean) / se
    } else {
        f64::NAN
    };
    if correction && z.is_finite() && z != 0.0 {
        // towards the mean; no correction exactly at it (scipy's sign(0) = 0)
        z -= z.signum() * 0.5 / se;
    }
    let p_value = if z.is_nan() {
        f64::NAN
    } else {
        (2.0 * normal_sf(z.abs())).min(1.0)
    };
    SignedRank {
        n,
        n_nonzero: m,
        r_plus,
        r_minus,
        statistic: r_plus.min(r_minus),
        z,
        p_value,
        mean_diff,
        sd_diff,
    }
}

/// Upper tail of the standard normal, `P(Z > z) = erfc(z/√2)/2`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function (libm's, accurate to about 1 ulp, also far
/// in the tail where `1 − erf` would cancel).
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// Signed-rank test of importance-or-required against current level for
/// every group × item cell (group-major), over the respondents with both
/// levels (unweighted; at area level on respondents' area means).
///
/// # Errors
/// [`super::ScoringError::GroupingMismatch`] for a grouping that does not fit.
///
/// # Complexity
/// O(answers + Σ cells n log n).
///
/// # Example
/// ```
/// use skillsmap::scoring::{paired_tests, Grouping, Level};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(200, 4))?;
/// let tests = paired_tests(&survey, &Grouping::pooled(200), Level::Competence, true)?;
/// assert_eq!(tests.len(), survey.framework().len());
/// assert!(tests.iter().all(|t| (0.0..=1.0).contains(&t.p_value)));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn paired_tests(
    survey: &crate::model::Survey,
    groups: &super::Grouping,
    level: super::Level,
    correction: bool,
) -> crate::Result<Vec<SignedRank>> {
    use rayon::prelude::*;
    groups.check(survey.n_respondents())?;
    let obs = super::observations::Observations::new(
        survey,
        level,
        false,
        super::gaps::BorichVariable::Importance,
    );
    let n_items = obs.n_items;
    let n_cells = groups.n_groups * n_items;
    let mut pairs: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n_cells];
    obs.for_each(0, obs.len(), |r, item, z, _| {
        let g = groups.codes[r];
        if g != u32::MAX && !z.i.is_nan() {
            let p = &mut pairs[g as usize * n_items + item];
            p.0.push(z.i);
            p.1.push(z.ci);
        }
    });
    Ok(pairs
        .par_iter()
        .map(|(x, y)| signed_rank(x, y, correction))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        // Correctly rounded values (as scipy.special.erfc gives them); the
        // relative error stays within a few ulp into the far tail.
        for (x, want) in [
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_16),
            (1.5, 0.033_894_853_524_689_27),
            (2.5, 4.069_520_174_449_588_6e-4),
            (3.0, 2.209_049_699_858_544_5e-5),
            (5.0, 1.537_459_794_428_034_7e-12),
            (10.0, 2.088_487_583_762_544_6e-45),
            (-1.0, 1.842_700_792_949_714_8),
        ] {
            let rel = (erfc(x) / want - 1.0).abs();
            assert!(rel < 1e-15, "erfc({x}) = {} vs {want}: {rel:e}", erfc(x));
        }
        assert!((normal_sf(1.959_963_984_540_054) - 0.025).abs() < 1e-15);
    }

    #[test]
    fn ranks_ties_and_drops_zeros() {
        // d = 2, -1, 0, 1, 3 → |d| ranks: 1,1 → 1.5 each; 2 → 3; 3 → 4
        let r = signed_rank(
            &[3.0, 1.0, 2.0, 2.0, 4.0],
            &[1.0, 2.0, 2.0, 1.0, 1.0],
            false,
        );
        assert_eq!((r.n, r.n_nonzero), (5, 4));
        assert_eq!((r.r_plus, r.r_minus, r.statistic), (8.5, 1.5, 1.5));
    }
}
