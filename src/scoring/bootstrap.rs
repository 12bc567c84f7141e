//! Percentile bootstrap over respondents for the mean gap and the Borich
//! MWDS, with rank stability (the share of replicates in which an item ranks
//! in its group's top k).
//!
//! Every replicate draws its respondents from its own random stream
//! `(seed, replicate)`, optionally within strata, and sums its respondents'
//! contributions in respondent order; so each replicate, and every result,
//! is bitwise identical whatever the number of threads or the block size.
//!
//! The work is a count-weighted sum of dense respondent rows: replicates are
//! processed in blocks so that each respondent's row is read once per block
//! while the block's accumulators stay in cache.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::gaps::{gap_table, GapOptions, ImportanceMean};
use super::observations::Observations;
use super::{rank_desc, Grouping, ScoringError};
use crate::model::Survey;
use crate::rng::Rng;

/// Progress and cancellation shared with a long computation: `done` counts
/// finished replicates; setting `cancel` stops the work at the next block.
#[derive(Debug, Default)]
pub struct Control {
    /// Set to stop.
    pub cancel: AtomicBool,
    /// Replicates finished so far.
    pub done: AtomicUsize,
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
    /// Stratum of each respondent (`u32::MAX` leaves one out); respondents
    /// are drawn within strata, keeping stratum sizes fixed.
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
/// [`ScoringError::Option`] for `n_boot == 0`, `ci` outside (0, 1), or
/// strata of the wrong length; [`ScoringError::Grouping`] for a grouping that
/// does not fit; [`ScoringError::Cancelled`] when `control.cancel` was set.
///
/// # Complexity
/// O(n_boot × (respondents + drawn respondents × items)) time, parallel over
/// blocks of replicates; O(respondents × items + n_boot × groups × items)
/// memory.
pub fn bootstrap(
    survey: &Survey,
    groups: &Grouping,
    opts: &BootstrapOptions,
    control: &Control,
) -> Result<BootstrapResult, ScoringError> {
    groups.check(survey.n_respondents())?;
    if opts.n_boot == 0 {
        return Err(ScoringError::Option("n_boot must be positive".into()));
    }
    if !(opts.ci > 0.0 && opts.ci < 1.0) {
        return Err(ScoringError::Option(format!(
            "ci must be in (0, 1), got {}",
            opts.ci
        )));
    }
    if let Some(s) = &opts.strata {
        if s.len() != survey.n_respondents() {
            return Err(ScoringError::Option(format!(
                "{} strata codes for {} respondents",
                s.len(),
                survey.n_respondents()
            )));
        }
    }
    let point = gap_table(survey, groups, &opts.gap)?;
    let obs = Observations::new(survey, opts.gap.level, opts.gap.weights);
    let n_items = obs.n_items;
    let a = survey.answers();
    let layout = Layout::new(
        a.required.is_none() || a.importance.is_none(),
        opts.gap.importance_mean,
    );
    let kj = n_items * layout.kb;

    // Dense rows of the respondents that can be drawn.
    let n_resp = survey.n_respondents();
    let in_pool = |r: usize| {
        groups.codes[r] != u32::MAX && opts.strata.as_ref().is_none_or(|s| s[r] != u32::MAX)
    };
    let mut row_of = vec![u32::MAX; n_resp];
    let mut row_group = Vec::new();
    for (r, slot) in row_of.iter_mut().enumerate() {
        if in_pool(r) {
            *slot = row_group.len() as u32;
            row_group.push(groups.codes[r]);
        }
    }
    let n_rows = row_group.len();
    let mut x = vec![0.0f64; n_rows * kj];
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
    });

    // Draw pools: one per stratum (or one for all).
    let pools: Vec<Vec<u32>> = match &opts.strata {
        None => vec![(0..n_rows as u32).collect()],
        Some(s) => {
            let n_strata = s
                .iter()
                .filter(|&&c| c != u32::MAX)
                .map(|&c| c as usize + 1)
                .max()
                .unwrap_or(0);
            let mut p = vec![Vec::new(); n_strata];
            for r in 0..n_resp {
                if row_of[r] != u32::MAX {
                    p[s[r] as usize].push(row_of[r]);
                }
            }
            p.retain(|v| !v.is_empty());
            p
        }
    };

    let g_count = groups.n_groups;
    let n_cells = g_count * n_items;
    // Block size: accumulators of a block stay within ~256 KiB.
    let per_rep = (g_count * kj * 8).max(1);
    let nb = (256 * 1024 / per_rep).clamp(1, 64).min(opts.n_boot);
    let n_blocks = opts.n_boot.div_ceil(nb);

    // Per block: the replicates' mean gaps and MWDS (replicate-major).
    type Block = (Vec<f64>, Vec<f64>);
    let blocks: Result<Vec<Block>, ScoringError> = (0..n_blocks)
        .into_par_iter()
        .map(|blk| {
            if control.cancel.load(Ordering::Relaxed) {
                return Err(ScoringError::Cancelled);
            }
            let b0 = blk * nb;
            let bn = nb.min(opts.n_boot - b0);
            let mut counts = vec![0u32; n_rows * bn];
            for bi in 0..bn {
                let mut rng = Rng::new(opts.seed, (b0 + bi) as u64);
                for pool in &pools {
                    let len = pool.len() as u64;
                    for _ in 0..len {
                        let row = pool[rng.below(len) as usize] as usize;
                        counts[row * bn + bi] += 1;
                    }
                }
            }
            let mut acc = vec![0.0f64; bn * g_count * kj];
            accumulate_block(&x, kj, &row_group, &counts, bn, g_count, &mut acc);
            let mut mg = vec![f64::NAN; bn * n_cells];
            let mut mw = vec![f64::NAN; bn * n_cells];
            for bi in 0..bn {
                for cell in 0..n_cells {
                    if point.suppressed[cell] {
                        continue;
                    }
                    let (g, j) = (cell / n_items, cell % n_items);
                    let s = &acc[(bi * g_count + g) * kj + j * layout.kb..][..layout.kb];
                    let (gap, mwds) = layout.stats(s);
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
        })
        .collect();
    let blocks = blocks?;
    let mut mean_gap_rep = Vec::with_capacity(opts.n_boot * n_cells);
    let mut mwds_rep = Vec::with_capacity(opts.n_boot * n_cells);
    for (mg, mw) in blocks {
        mean_gap_rep.extend(mg);
        mwds_rep.extend(mw);
    }

    let alpha = (1.0 - opts.ci) / 2.0;
    let interval = |reps: &[f64], cell: usize| -> (f64, f64) {
        let mut v: Vec<f64> = (0..opts.n_boot)
            .map(|b| reps[b * n_cells + cell])
            .filter(|v| !v.is_nan())
            .collect();
        if v.is_empty() || point.suppressed[cell] {
            return (f64::NAN, f64::NAN);
        }
        v.sort_by(f64::total_cmp);
        (percentile(&v, alpha), percentile(&v, 1.0 - alpha))
    };
    let mut res = BootstrapResult {
        n_boot: opts.n_boot,
        n_groups: g_count,
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
        (res.mean_gap_lo[cell], res.mean_gap_hi[cell]) = interval(&mean_gap_rep, cell);
        (res.mwds_lo[cell], res.mwds_hi[cell]) = interval(&mwds_rep, cell);
    }
    let mut in_top = vec![0usize; n_cells];
    for b in 0..opts.n_boot {
        for g in 0..g_count {
            let lo = b * n_cells + g * n_items;
            let ranks = rank_desc(&mwds_rep[lo..lo + n_items]);
            for (j, &r) in ranks.iter().enumerate() {
                if r >= 1 && r as usize <= opts.top_k {
                    in_top[g * n_items + j] += 1;
                }
            }
        }
    }
    for (cell, &hits) in in_top.iter().enumerate() {
        if !point.suppressed[cell] && !point.mwds[cell].is_nan() {
            res.p_top_k[cell] = hits as f64 / opts.n_boot as f64;
        }
    }
    if opts.keep_replicates {
        res.mean_gap_replicates = Some(mean_gap_rep);
        res.mwds_replicates = Some(mwds_rep);
    }
    Ok(res)
}

/// Linear-interpolation percentile of sorted values (numpy's default).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * t
}

/// `acc[b][g] += counts[r][b] · x[r]` over rows r, for the replicates of a
/// block. Dispatches to an AVX2 build of the same code where available:
/// separate multiply and add (no FMA contraction), so every path gives the
/// same bits.
fn accumulate_block(
    x: &[f64],
    kj: usize,
    row_group: &[u32],
    counts: &[u32],
    bn: usize,
    g_count: usize,
    acc: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { accumulate_block_avx2(x, kj, row_group, counts, bn, g_count, acc) };
            return;
        }
    }
    accumulate_block_generic(x, kj, row_group, counts, bn, g_count, acc);
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_block_avx2(
    x: &[f64],
    kj: usize,
    row_group: &[u32],
    counts: &[u32],
    bn: usize,
    g_count: usize,
    acc: &mut [f64],
) {
    accumulate_block_generic(x, kj, row_group, counts, bn, g_count, acc);
}

#[inline(always)]
fn accumulate_block_generic(
    x: &[f64],
    kj: usize,
    row_group: &[u32],
    counts: &[u32],
    bn: usize,
    g_count: usize,
    acc: &mut [f64],
) {
    for (r, &g) in row_group.iter().enumerate() {
        let xr = &x[r * kj..(r + 1) * kj];
        for bi in 0..bn {
            let c = counts[r * bn + bi];
            if c == 0 {
                continue;
            }
            let c = c as f64;
            let a = &mut acc[(bi * g_count + g as usize) * kj..][..kj];
            for (ai, xi) in a.iter_mut().zip(xr) {
                *ai += c * xi;
            }
        }
    }
}
