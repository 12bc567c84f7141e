//! Percentile bootstrap over respondents for the mean gap and the Borich
//! MWDS, with rank stability (the share of replicates in which an item ranks
//! in its group's top k).
//!
//! Every replicate draws its respondents from its own random stream
//! `(seed, replicate)`, optionally within strata, and sums its respondents'
//! contributions in respondent order; so each replicate, and every result,
//! is bitwise identical whatever the number of threads or the block size.
//!
//! The work is a count-weighted sum of dense respondent rows: for a block of
//! replicates, the matrix of draw counts (replicates × respondents) times the
//! matrix of respondent contributions (respondents × sums), one product per
//! group, computed by ndarray's blocked, SIMD matrix multiplication. Each
//! replicate's sums depend only on its own counts, so the block size and the
//! thread count leave results unchanged.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ndarray::{s, Array2};
use rayon::prelude::*;

use super::gaps::{gap_table, GapOptions, ImportanceMean};
use super::observations::Observations;
use super::{Grouping, ScoringError};
use crate::model::Survey;
use crate::rng::Rng;

/// Progress and cancellation shared with a long computation: `done` counts
/// finished units of work (bootstrap replicates; tiles or row blocks of the
/// similarity kernels) out of `total` (set by the computation when it
/// starts; 0 until then); setting `cancel` stops the work at the next unit.
#[derive(Debug, Default)]
pub struct Control {
    /// Set to stop.
    pub cancel: AtomicBool,
    /// Units finished so far.
    pub done: AtomicUsize,
    /// Units in all (0: not known yet).
    pub total: AtomicUsize,
}

impl Control {
    /// Whether the work should stop.
    #[inline]
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Counts `n` more units done.
    #[inline]
    pub fn advance(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// Starts counting: `total` units, none done.
    pub fn start(&self, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
}

/// Options of [`bootstrap`].
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapOptions {
    /// Number of replicates.
    pub n_boot: usize,
    /// Seed of the replicate streams.
    pub seed: u64,
    /// Confidence level of the percentile intervals, in (0, 1).
    pub ci: f64,
    /// k of the rank-stability share `p_top_k`.
    pub top_k: usize,
    /// Stratum of each respondent (any codes; `u32::MAX`, a missing value,
    /// is a stratum of its own); respondents are drawn within strata,
    /// keeping stratum sizes fixed.
    pub strata: Option<Vec<u32>>,
    /// The statistics bootstrapped (level, weights, importance mean, min_n).
    pub gap: GapOptions,
    /// Keep every replicate's mean gap and MWDS in the result.
    pub keep_replicates: bool,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            n_boot: 2000,
            seed: 0,
            ci: 0.95,
            top_k: 5,
            strata: None,
            gap: GapOptions::default(),
            keep_replicates: false,
        }
    }
}

/// Bootstrap intervals and rank stability, one value per group × item cell
/// (group-major, as in [`super::GapTable`]). Cells suppressed in the gap
/// table get NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapResult {
    /// Replicates drawn.
    pub n_boot: usize,
    /// Number of groups.
    pub n_groups: usize,
    /// Number of items.
    pub n_items: usize,
    /// Lower bound of the mean gap.
    pub mean_gap_lo: Vec<f64>,
    /// Upper bound of the mean gap.
    pub mean_gap_hi: Vec<f64>,
    /// Lower bound of the MWDS.
    pub mwds_lo: Vec<f64>,
    /// Upper bound of the MWDS.
    pub mwds_hi: Vec<f64>,
    /// Share of replicates in which the item's MWDS ranks within the top k
    /// of its group.
    pub p_top_k: Vec<f64>,
    /// Replicate × cell mean gaps, when kept.
    pub mean_gap_replicates: Option<Vec<f64>>,
    /// Replicate × cell MWDS, when kept.
    pub mwds_replicates: Option<Vec<f64>>,
}

/// Most memory the replicates' statistics may take.
const MAX_REPLICATE_BYTES: u128 = 4 << 30;

/// Where each sum sits in a respondent's row block of one item.
#[derive(Debug, Clone, Copy)]
struct Layout {
    kb: usize,
    wg: usize,
    sdg: usize,
    wb: usize,
    si: usize,
    sdb: usize,
    all: Option<(usize, usize)>,
    /// Gap pair and Borich pair are the same pair of levels.
    same_pair: bool,
}

impl Layout {
    fn new(same_pair: bool, im: ImportanceMean) -> Layout {
        let (kb, wg, sdg, wb, si, sdb) = if same_pair {
            (3, 0, 2, 0, 1, 2)
        } else {
            (5, 0, 1, 2, 3, 4)
        };
        match im {
            ImportanceMean::Complete => Layout {
                kb,
                wg,
                sdg,
                wb,
                si,
                sdb,
                all: None,
                same_pair,
            },
            ImportanceMean::All => Layout {
                kb: kb + 2,
                wg,
                sdg,
                wb,
                si,
                sdb,
                all: Some((kb, kb + 1)),
                same_pair,
            },
        }
    }

    #[inline]
    fn stats(&self, s: &[f64]) -> (f64, f64) {
        let mean_gap = if s[self.wg] > 0.0 {
            s[self.sdg] / s[self.wg]
        } else {
            f64::NAN
        };
        let ibar = match self.all {
            None => s[self.si] / s[self.wb],
            Some((w, si)) => s[si] / s[w],
        };
        let mwds = if s[self.wb] > 0.0 {
            ibar * s[self.sdb] / s[self.wb]
        } else {
            f64::NAN
        };
        (mean_gap, mwds)
    }
}

/// Runs the bootstrap.
///
/// # Errors
/// [`ScoringError::InvalidOption`] for `n_boot == 0`, `ci` outside (0, 1),
/// or replicates kept beyond memory; [`ScoringError::GroupingMismatch`] for a
/// grouping or strata that do not fit; [`ScoringError::Cancelled`] when `control.cancel` was set.
///
/// # Complexity
/// O(n_boot × (respondents + drawn respondents × items)) time, parallel over
/// blocks of replicates; O(respondents × items + n_boot × groups × items)
/// memory.
///
/// # Example
/// ```
/// use skillsmap::scoring::{bootstrap, BootstrapOptions, Control, GroupKey, Grouping};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(300, 2))?;
/// let pooled = Grouping::pooled(survey.n_respondents());
/// let opts = BootstrapOptions {
///     n_boot: 200,
///     seed: 42,
///     ci: 0.95,
///     // resample within regions
///     strata: Grouping::strata(&survey, &[GroupKey::Region])?,
///     ..BootstrapOptions::default()
/// };
/// let ci = bootstrap(&survey, &pooled, &opts, &Control::default())?;
/// // a 95 % interval of each competence's MWDS, and P(in the top k)
/// assert!(ci.mwds_lo.iter().zip(&ci.mwds_hi).all(|(lo, hi)| lo <= hi));
/// assert!(ci.p_top_k.iter().all(|p| (0.0..=1.0).contains(p)));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn bootstrap(
    survey: &Survey,
    groups: &Grouping,
    opts: &BootstrapOptions,
    control: &Control,
) -> crate::Result<BootstrapResult> {
    groups.check(survey.n_respondents())?;
    if opts.n_boot == 0 {
        return Err(opt("n_boot", "n_boot must be positive".into()));
    }
    if !(opts.ci > 0.0 && opts.ci < 1.0) {
        return Err(opt("ci", format!("ci must be in (0, 1), got {}", opts.ci)));
    }
    if let Some(s) = &opts.strata {
        if s.len() != survey.n_respondents() {
            return Err(ScoringError::GroupingMismatch {
                reason: format!(
                    "{} strata codes for {} respondents",
                    s.len(),
                    survey.n_respondents()
                ),
            }
            .into());
        }
    }
    let point = gap_table(survey, groups, &opts.gap)?;
    let obs = Observations::new(survey, opts.gap.level, opts.gap.weights, opts.gap.borich);
    let n_items = obs.n_items;
    let a = survey.answers();
    // the gap pair and the Borich pair are one pair when the target (required,
    // else importance) is also the Borich variable
    let layout = Layout::new(
        a.required.is_none()
            || a.importance.is_none()
            || obs.borich == crate::scoring::BorichVariable::Required,
        opts.gap.importance_mean,
    );
    let kj = n_items * layout.kb;

    // Dense rows of the respondents that can be drawn.
    let n_resp = survey.n_respondents();
    // Every respondent of the analysis can be drawn; a missing stratum value
    // is a stratum of its own (never a reason to leave a respondent out).
    let in_pool = |r: usize| groups.codes[r] != u32::MAX;
    // Rows sorted by group, so that each group is one contiguous block of
    // rows and its sums one matrix product.
    let g_count = groups.n_groups;
    let mut group_start = vec![0usize; g_count + 1];
    for r in 0..n_resp {
        if in_pool(r) {
            group_start[groups.codes[r] as usize + 1] += 1;
        }
    }
    for g in 0..g_count {
        group_start[g + 1] += group_start[g];
    }
    let mut next = group_start.clone();
    let mut row_of = vec![u32::MAX; n_resp];
    for (r, slot) in row_of.iter_mut().enumerate() {
        if in_pool(r) {
            let g = groups.codes[r] as usize;
            *slot = next[g] as u32;
            next[g] += 1;
        }
    }
    let n_rows = group_start[g_count];
    let x_len = crate::error::checked_len::<f64>("the bootstrap's respondent matrix", n_rows, kj)?;
    let mut x = crate::error::try_vec::<f64>("the bootstrap's respondent matrix", x_len)?;
    x.resize(x_len, 0.0);
    let mut all_integer = true;
    let mut max_abs = 0.0f64;
    obs.for_each(0, obs.len(), |r, item, z, w| {
        let row = row_of[r];
        if row == u32::MAX {
            return;
        }
        let cell = &mut x[row as usize * kj + item * layout.kb..][..layout.kb];
        if !z.t.is_nan() {
            cell[layout.wg] += w;
            cell[layout.sdg] += w * (z.t - z.c);
            if layout.same_pair {
                cell[layout.si] += w * z.t;
            }
        }
        if !layout.same_pair && !z.i.is_nan() {
            cell[layout.wb] += w;
            cell[layout.si] += w * z.i;
            cell[layout.sdb] += w * (z.i - z.ci);
        }
        if let (Some((wi, si)), false) = (layout.all, z.ia.is_nan()) {
            cell[wi] += w;
            cell[si] += w * z.ia;
        }
        // each cell holds one observation's contributions: check them here
        for v in cell.iter() {
            all_integer &= is_integer(*v);
            max_abs = max_abs.max(v.abs());
        }
    });

    // Draw pools: one per stratum (or one for all).
    let pools: Vec<Vec<u32>> = match &opts.strata {
        None => vec![(0..n_rows as u32).collect()],
        Some(s) => {
            // strata in order of their codes (missing last), whatever the
            // codes' values
            let mut by_code: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
            for (r, &row) in row_of.iter().enumerate() {
                if row != u32::MAX {
                    by_code.entry(s[r]).or_default().push(row);
                }
            }
            by_code.into_values().collect()
        }
    };

    let n_cells = g_count * n_items;
    // The replicates' statistics are kept (two per cell and replicate), and
    // briefly twice while the blocks are joined.
    let replicate_bytes = (opts.n_boot as u128) * (n_cells as u128) * 32;
    if replicate_bytes > MAX_REPLICATE_BYTES {
        return Err(opt(
            "n_boot",
            format!(
                "n_boot = {} over {n_cells} cells would keep {:.1} GiB of replicates; \
                 use fewer replicates or fewer groups",
                opts.n_boot,
                replicate_bytes as f64 / (1u64 << 30) as f64
            ),
        ));
    }
    // Replicates per block: the block's count matrix stays within ~8 MiB.
    let nb = (8 * 1024 * 1024 / (n_rows.max(1) * 8))
        .clamp(4, 64)
        .min(opts.n_boot);
    let x = Array2::from_shape_vec((n_rows, kj), x).map_err(|e| opt("n_boot", e.to_string()))?;
    let n_blocks = opts.n_boot.div_ceil(nb);

    // Per block: the replicates' mean gaps and MWDS (replicate-major).
    type Block = (Vec<f64>, Vec<f64>);
    // When every contribution is an integer (unweighted integer levels) and
    // no sum can reach 2^24, single precision computes every sum exactly, so
    // the faster f32 product gives the same bits as f64.
    let exact_f32 = all_integer && max_abs * (n_rows as f64) < f64::from(1u32 << 24);
    let x32: Option<Array2<f32>> = exact_f32.then(|| x.mapv(|v| v as f32));
    let blocks: Result<Vec<Block>, ScoringError> = (0..n_blocks)
        .into_par_iter()
        .map_init(
            || (Array2::<f64>::zeros((0, 0)), Array2::<f32>::zeros((0, 0))),
            |(counts, counts32), blk| {
                if control.cancel.load(Ordering::Relaxed) {
                    return Err(ScoringError::Cancelled);
                }
                let b0 = blk * nb;
                let bn = nb.min(opts.n_boot - b0);
                let draw = |row: usize| Rng::new(opts.seed, (b0 + row) as u64);
                // Σ_r count(b, r) · x(r) per group: one product per group's rows.
                let sums: Vec<Array2<f64>> = match &x32 {
                    Some(x32) => {
                        fill_counts(counts32, bn, n_rows, &pools, draw);
                        (0..g_count)
                            .map(|g| {
                                let rows = group_start[g]..group_start[g + 1];
                                counts32
                                    .slice(s![.., rows.clone()])
                                    .dot(&x32.slice(s![rows, ..]))
                                    .mapv(f64::from)
                            })
                            .collect()
                    }
                    None => {
                        fill_counts(counts, bn, n_rows, &pools, draw);
                        (0..g_count)
                            .map(|g| {
                                let rows = group_start[g]..group_start[g + 1];
                                counts
                                    .slice(s![.., rows.clone()])
                                    .dot(&x.slice(s![rows, ..]))
                            })
                            .collect()
                    }
                };
                let mut mg = vec![f64::NAN; bn * n_cells];
                let mut mw = vec![f64::NAN; bn * n_cells];
                for bi in 0..bn {
                    for cell in 0..n_cells {
                        if point.suppressed[cell] {
                            continue;
                        }
                        let (g, j) = (cell / n_items, cell % n_items);
                        let row = sums[g].row(bi);
                        let mut cell_sums = [0.0; 7];
                        for (k, v) in cell_sums.iter_mut().take(layout.kb).enumerate() {
                            *v = row[j * layout.kb + k];
                        }
                        let (gap, mwds) = layout.stats(&cell_sums);
                        mg[bi * n_cells + cell] = gap;
                        // MWDS undefined in the sample (too few Borich pairs)
                        // stays undefined in every replicate
                        if !point.mwds[cell].is_nan() {
                            mw[bi * n_cells + cell] = mwds;
                        }
                    }
                }
                control.done.fetch_add(bn, Ordering::Relaxed);
                Ok((mg, mw))
            },
        )
        .collect();
    let blocks = blocks?;
    let n_rep = crate::error::checked_len::<f64>("the bootstrap replicates", opts.n_boot, n_cells)?;
    let mut mean_gap_rep = crate::error::try_vec::<f64>("the bootstrap replicates", n_rep)?;
    let mut mwds_rep = crate::error::try_vec::<f64>("the bootstrap replicates", n_rep)?;
    for (mg, mw) in blocks {
        mean_gap_rep.extend(mg);
        mwds_rep.extend(mw);
    }

    let mut res = summarise(
        &point,
        &mean_gap_rep,
        &mwds_rep,
        (opts.n_boot, g_count, n_items),
        opts.ci,
        opts.top_k,
    );
    if opts.keep_replicates {
        res.mean_gap_replicates = Some(mean_gap_rep);
        res.mwds_replicates = Some(mwds_rep);
    }
    Ok(res)
}

/// The percentile intervals of the mean gap and the MWDS and the top-k
/// frequencies from replicates stored replicate-major (`n_boot` × cells,
/// cells group-major): the summary shared by the multinomial bootstrap and
/// the Poisson bootstrap of [`GapPartial`](super::GapPartial). Suppressed
/// cells, and the MWDS of cells where the point MWDS is undefined, stay NaN.
pub(crate) fn summarise(
    point: &super::GapTable,
    mean_gap_rep: &[f64],
    mwds_rep: &[f64],
    (n_boot, n_groups, n_items): (usize, usize, usize),
    ci: f64,
    top_k: usize,
) -> BootstrapResult {
    let n_cells = n_groups * n_items;
    let alpha = (1.0 - ci) / 2.0;
    let interval = |reps: &[f64], cell: usize| -> (f64, f64) {
        let mut v: Vec<f64> = (0..n_boot)
            .map(|b| reps[b * n_cells + cell])
            .filter(|v| !v.is_nan())
            .collect();
        if v.is_empty() || point.suppressed[cell] {
            return (f64::NAN, f64::NAN);
        }
        (percentile(&mut v, alpha), percentile(&mut v, 1.0 - alpha))
    };
    let mut res = BootstrapResult {
        n_boot,
        n_groups,
        n_items,
        mean_gap_lo: vec![f64::NAN; n_cells],
        mean_gap_hi: vec![f64::NAN; n_cells],
        mwds_lo: vec![f64::NAN; n_cells],
        mwds_hi: vec![f64::NAN; n_cells],
        p_top_k: vec![f64::NAN; n_cells],
        mean_gap_replicates: None,
        mwds_replicates: None,
    };
    for cell in 0..n_cells {
        (res.mean_gap_lo[cell], res.mean_gap_hi[cell]) = interval(mean_gap_rep, cell);
        (res.mwds_lo[cell], res.mwds_hi[cell]) = interval(mwds_rep, cell);
    }
    // An item ranks within the top k (ties sharing the lowest rank) exactly
    // when its MWDS is at least the k-th largest of its group.
    let mut in_top = vec![0usize; n_cells];
    let mut buf: Vec<f64> = Vec::with_capacity(n_items);
    for b in 0..n_boot {
        for g in 0..n_groups {
            let lo = b * n_cells + g * n_items;
            let vals = &mwds_rep[lo..lo + n_items];
            buf.clear();
            buf.extend(vals.iter().copied().filter(|v| !v.is_nan()));
            if buf.is_empty() || top_k == 0 {
                continue;
            }
            let k = top_k.min(buf.len());
            let (_, kth, _) = buf.select_nth_unstable_by(k - 1, |a, c| {
                c.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal)
            });
            let threshold = *kth;
            for (j, v) in vals.iter().enumerate() {
                if *v >= threshold {
                    in_top[g * n_items + j] += 1;
                }
            }
        }
    }
    for (cell, &hits) in in_top.iter().enumerate() {
        if !point.suppressed[cell] && !point.mwds[cell].is_nan() {
            res.p_top_k[cell] = hits as f64 / n_boot as f64;
        }
    }
    res
}

/// Fills a (reused) replicates × rows matrix with each replicate's draw
/// counts: every pool (stratum) draws as many rows as it holds, uniformly
/// with replacement, from the replicate's own random stream.
fn fill_counts<T>(
    counts: &mut Array2<T>,
    bn: usize,
    n_rows: usize,
    pools: &[Vec<u32>],
    stream: impl Fn(usize) -> Rng,
) where
    T: Copy + num_traits::Zero + num_traits::One + std::ops::AddAssign,
{
    if counts.dim() != (bn, n_rows) {
        *counts = Array2::zeros((bn, n_rows));
    } else {
        counts.fill(T::zero());
    }
    for (bi, mut row) in counts.rows_mut().into_iter().enumerate() {
        let mut rng = stream(bi);
        for pool in pools {
            let mut left = pool.len();
            let mut draw = |slot: usize| {
                row[pool[slot] as usize] += T::one();
            };
            while left > 0 {
                // two uniform draws from each 64 random bits (unbiased
                // 32-bit Lemire; pools never exceed 2^32 rows)
                let bits = rng.next_u64();
                for half in [bits as u32, (bits >> 32) as u32] {
                    if left == 0 {
                        break;
                    }
                    if let Some(slot) = lemire32(half, pool.len() as u32) {
                        draw(slot as usize);
                        left -= 1;
                    }
                }
            }
        }
    }
}

/// Whether `v` is a whole number (a cast round trip: `fract` is a library
/// call on baseline x86-64).
#[inline]
fn is_integer(v: f64) -> bool {
    v.abs() < 9.0e15 && (v as i64) as f64 == v
}

/// Maps 32 random bits to `0..n` without bias (Lemire 2019): `None` for the
/// rare values that must be rejected.
#[inline]
fn lemire32(x: u32, n: u32) -> Option<u32> {
    let m = u64::from(x) * u64::from(n);
    let low = m as u32;
    if low < n {
        let threshold = n.wrapping_neg() % n;
        if low < threshold {
            return None;
        }
    }
    Some((m >> 32) as u32)
}

/// Linear-interpolation percentile (numpy's default method).
pub(crate) fn percentile(values: &mut [f64], q: f64) -> f64 {
    // The two order statistics around the position, by selection (O(n))
    // rather than a full sort; values hold no NaN.
    let pos = q * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let t = pos - lo as f64;
    let (_, a, right) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    let b = right.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    a + (b - a) * t
}

fn opt(option: &'static str, reason: String) -> crate::Error {
    ScoringError::InvalidOption(crate::error::InvalidOption::new(option, reason)).into()
}
