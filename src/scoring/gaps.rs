//! Gap statistics per group × item: means of current, required and
//! importance levels, gaps (raw, positive part, relative, scale-normalised)
//! and the Borich mean weighted discrepancy score (MWDS), weighted or not,
//! with a minimum-n suppression rule.
//!
//! Notation: respondent r with weight w_r, item j, target T (required level,
//! or importance when the survey has no required levels), current C,
//! importance-or-required I (importance when the survey has it).
//!
//! - gap statistics use the respondents with both T and C (`n` of them):
//!   `mean_gap = Σw(T−C)/Σw`, `mean_positive_gap = Σw·max(0, T−C)/Σw`,
//!   `relative_gap = mean_gap / mean_target`,
//!   `attainment = mean_current / mean_target`,
//!   `normalised_gap = mean_gap / (max − min)` of the target's scale;
//! - Borich uses the respondents with both I and C:
//!   `MWDS = Ī · Σw(I−C)/Σw`, where Ī is the weighted mean of I over those
//!   complete pairs ([`ImportanceMean::Complete`], the default) or over every
//!   importance answer ([`ImportanceMean::All`]).
//!
//! Sums are accumulated in fixed chunks of rows combined in order, so results
//! are bitwise identical whatever the number of threads.

use rayon::prelude::*;

use super::observations::{Observations, Z};
use super::{Grouping, ScoringError};
use crate::error::InvalidOption;
use crate::model::Survey;

/// Parses one of an option's names into its value, or says which names exist.
pub(crate) fn parse_option<T: Copy>(
    option: &'static str,
    text: &str,
    choices: &[(&str, T)],
) -> Result<T, crate::Error> {
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("'{n}'")).collect();
            let listed = match names.as_slice() {
                [a, b] => format!("{a} or {b}"),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
                [] => String::new(),
            };
            ScoringError::InvalidOption(InvalidOption::new(
                option,
                format!("{option} must be {listed}, got {text:?}"),
            ))
            .into()
        })
}

/// Whether the item dimension is the competence or its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Level {
    /// One item per competence.
    #[default]
    Competence,
    /// One item per competence area; each respondent contributes the mean of
    /// their levels over the area's competences (complete pairs only).
    Area,
}

/// Which level weighs the discrepancies of the Borich score when the survey
/// has both importance and required levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BorichVariable {
    /// Importance (Borich's original), the required level without one.
    #[default]
    Importance,
    /// The required level ("weight by mean required level"), importance
    /// without one.
    Required,
}

impl std::str::FromStr for Level {
    type Err = crate::Error;

    /// `competence` or `area`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_option(
            "level",
            s,
            &[("competence", Level::Competence), ("area", Level::Area)],
        )
    }
}

impl Level {
    /// The name recorded with results: `competence` or `area`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Competence => "competence",
            Level::Area => "area",
        }
    }
}

impl std::str::FromStr for BorichVariable {
    type Err = crate::Error;

    /// `importance` or `required`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_option(
            "borich",
            s,
            &[
                ("importance", BorichVariable::Importance),
                ("required", BorichVariable::Required),
            ],
        )
    }
}

impl BorichVariable {
    /// The name recorded with results: `importance` or `required`.
    pub fn name(self) -> &'static str {
        match self {
            BorichVariable::Importance => "importance",
            BorichVariable::Required => "required",
        }
    }
}

/// Which importance answers enter the mean importance Ī of the Borich score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ImportanceMean {
    /// Only respondents who rated both importance and current level.
    #[default]
    Complete,
    /// Every importance answer of the item.
    All,
}

impl std::str::FromStr for ImportanceMean {
    type Err = crate::Error;

    /// `complete` or `all`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_option(
            "importance_mean",
            s,
            &[
                ("complete", ImportanceMean::Complete),
                ("all", ImportanceMean::All),
            ],
        )
    }
}

impl ImportanceMean {
    /// The name recorded with results: `complete` or `all`.
    pub fn name(self) -> &'static str {
        match self {
            ImportanceMean::Complete => "complete",
            ImportanceMean::All => "all",
        }
    }
}

/// Options of [`gap_table`].
#[derive(Debug, Clone, PartialEq)]
pub struct GapOptions {
    /// Item dimension.
    pub level: Level,
    /// Use survey weights when the survey has them.
    pub weights: bool,
    /// Cells with fewer complete pairs of positive weight, or a smaller
    /// Kish effective n, are suppressed (NaN, flagged).
    pub min_n: usize,
    /// Which importance answers make up Ī.
    pub importance_mean: ImportanceMean,
    /// Which level is the Borich variable I when both exist.
    pub borich: BorichVariable,
}

impl Default for GapOptions {
    fn default() -> Self {
        GapOptions {
            level: Level::Competence,
            weights: true,
            min_n: 5,
            importance_mean: ImportanceMean::Complete,
            borich: BorichVariable::Importance,
        }
    }
}

/// Number of accumulated sums per cell.
pub(crate) const N_SUMS: usize = 13;
// Positions of the sums in a cell.
pub(crate) const N_G: usize = 0; // count of (T, C) pairs
pub(crate) const W_G: usize = 1; // Σw over (T, C) pairs
pub(crate) const S_T: usize = 2; // Σw·T
pub(crate) const S_C: usize = 3; // Σw·C
pub(crate) const S_DP: usize = 4; // Σw·max(0, T−C)
pub(crate) const N_B: usize = 5; // count of (I, C) pairs
pub(crate) const W_B: usize = 6; // Σw over (I, C) pairs
pub(crate) const S_I: usize = 7; // Σw·I over pairs
pub(crate) const S_CI: usize = 8; // Σw·C over (I, C) pairs
pub(crate) const W_IA: usize = 9; // Σw over all I answers
pub(crate) const S_IA: usize = 10; // Σw·I over all I answers
pub(crate) const S_R: usize = 11; // Σw·required over (T, C) pairs (= S_T unless target is importance)
pub(crate) const W2_G: usize = 12; // Σw² over (T, C) pairs, for Kish's effective n

/// Gap statistics, one cell per group × item (group-major).
#[derive(Debug, Clone, PartialEq)]
pub struct GapTable {
    /// Number of groups.
    pub n_groups: usize,
    /// Number of items (competences or areas).
    pub n_items: usize,
    /// Respondents per group.
    pub group_sizes: Vec<usize>,
    /// Respondents with both target and current level and a positive
    /// weight.
    pub n: Vec<usize>,
    /// Kish's effective number of respondents `(Σw)² / Σw²` over the same
    /// pairs (equal to `n` without weights).
    pub n_eff: Vec<f64>,
    /// Respondents of the group not counted in `n` (no complete pair for
    /// the item, or a weight of zero).
    pub n_missing: Vec<usize>,
    /// Respondents with both importance-or-required and current level.
    pub n_borich: Vec<usize>,
    /// Ī, the mean of the Borich variable that weighs the discrepancies:
    /// the mean importance, or the mean required level when
    /// [`GapTable::borich_variable`] is [`BorichVariable::Required`].
    pub borich_weight: Vec<f64>,
    /// Mean required level over complete pairs (NaN when not asked).
    pub mean_required: Vec<f64>,
    /// Mean target level over complete pairs.
    pub mean_target: Vec<f64>,
    /// Mean current level over complete pairs.
    pub mean_current: Vec<f64>,
    /// Mean gap T − C.
    pub mean_gap: Vec<f64>,
    /// Mean of max(0, T − C).
    pub mean_positive_gap: Vec<f64>,
    /// mean_gap / mean_target.
    pub relative_gap: Vec<f64>,
    /// mean_current / mean_target.
    pub attainment: Vec<f64>,
    /// mean_gap / (max − min).
    pub normalised_gap: Vec<f64>,
    /// Borich mean weighted discrepancy score.
    pub mwds: Vec<f64>,
    /// Rank by MWDS within the group (1 = largest; ties share the lowest
    /// rank); 0 for suppressed or undefined cells.
    pub rank: Vec<u32>,
    /// Cells with fewer than min_n gap pairs of positive weight, an
    /// effective n (`n_eff`) below min_n, or weights that sum to zero (all
    /// statistics NaN); with fewer than min_n Borich pairs only
    /// `borich_weight` and `mwds` are NaN.
    pub suppressed: Vec<bool>,
    /// The level the Borich score was weighted by, as used: the one asked
    /// for in [`GapOptions::borich`] where the survey has it, else the other.
    pub borich_variable: BorichVariable,
    /// The level the gap is measured against.
    pub target: Target,
}

/// The level a gap is measured against: the required level where the
/// survey asked for it, else importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// The required level.
    Required,
    /// Importance (the survey has no required levels).
    Importance,
}

impl Target {
    /// `required` or `importance`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Required => "required",
            Target::Importance => "importance",
        }
    }
}

/// Derived statistics of one cell's sums.
pub(crate) fn cell_stats(s: &[f64], im: ImportanceMean) -> (f64, f64) {
    let mean_gap = (s[S_T] - s[S_C]) / s[W_G];
    let ibar = match im {
        ImportanceMean::Complete => s[S_I] / s[W_B],
        ImportanceMean::All => s[S_IA] / s[W_IA],
    };
    let mwds = ibar * (s[S_I] - s[S_CI]) / s[W_B];
    (mean_gap, mwds)
}

/// Accumulates the sums of every cell from the observations, in fixed
/// chunks combined in order.
fn accumulate(obs: &Observations, groups: &Grouping, n_items: usize) -> Vec<f64> {
    let n_cells = groups.n_groups * n_items;
    // Rows per chunk: at least 2^16, and enough that the chunks' partial
    // sums together stay within about 256 MiB however many cells there are.
    // The chunking depends on the data only, never on the thread count.
    let cell_bytes = (n_cells * N_SUMS * 8).max(1);
    let max_chunks = (256usize << 20) / cell_bytes;
    let chunk = (1usize << 16).max(obs.len().div_ceil(max_chunks.max(1)));
    let partial = |lo: usize, hi: usize| -> Vec<f64> {
        let mut acc = vec![[0.0; N_SUMS]; n_cells];
        obs.for_each(lo, hi, |r, item, z, w| {
            let g = groups.codes.get(r).copied().unwrap_or(u32::MAX);
            if g != u32::MAX {
                if let Some(cell) = acc.get_mut(g as usize * n_items + item) {
                    add_obs(cell, z, w);
                }
            }
        });
        acc.into_iter().flatten().collect()
    };
    let n = obs.len();
    let n_chunks = n.div_ceil(chunk).max(1);
    if n_chunks == 1 {
        return partial(0, n);
    }
    let parts: Vec<Vec<f64>> = (0..n_chunks)
        .into_par_iter()
        .map(|c| partial(c * chunk, ((c + 1) * chunk).min(n)))
        .collect();
    let mut out = vec![0.0; n_cells * N_SUMS];
    for p in parts {
        for (o, v) in out.iter_mut().zip(p) {
            *o += v;
        }
    }
    out
}

/// Adds one observation (weight `w`) to a cell's sums.
#[inline]
pub(crate) fn add_obs(acc: &mut [f64; N_SUMS], z: &Z, w: f64) {
    let (t, c, i, ci, ia, r) = (z.t, z.c, z.i, z.ci, z.ia, z.r);
    // a respondent whose weight is zero takes no part in a cell's counts:
    // it must not let a cell pass min_n and publish someone else's answer
    let counted = if w > 0.0 { 1.0 } else { 0.0 };
    if !t.is_nan() {
        // t and c are both present (observations keep pairs only)
        acc[N_G] += counted;
        acc[W_G] += w;
        acc[W2_G] += w * w;
        acc[S_T] += w * t;
        acc[S_C] += w * c;
        acc[S_DP] += w * (t - c).max(0.0);
        acc[S_R] += w * r;
    }
    if !i.is_nan() {
        acc[N_B] += counted;
        acc[W_B] += w;
        acc[S_I] += w * i;
        acc[S_CI] += w * ci;
    }
    if !ia.is_nan() {
        acc[W_IA] += w;
        acc[S_IA] += w * ia;
    }
}

/// Computes the gap table of a survey for a grouping of respondents.
///
/// # Errors
/// [`ScoringError::GroupingMismatch`] if the grouping does not have one code
/// per respondent.
///
/// # Complexity
/// O(answers + groups × items), parallel over fixed chunks of answers.
///
/// # Example
/// ```
/// use skillsmap::scoring::{gap_table, GapOptions, GroupKey, Grouping};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(300, 7))?;
/// let by_region = Grouping::by(&survey, &[GroupKey::Region])?;
/// let table = gap_table(&survey, &by_region, &GapOptions::default())?;
/// // one cell per region × competence, group-major
/// assert_eq!(table.mwds.len(), by_region.n_groups * survey.framework().len());
/// // the competence with the largest MWDS in the first region
/// let first = &table.rank[..table.n_items];
/// let top = first.iter().position(|&r| r == 1).unwrap_or(0);
/// println!("{}: {}", by_region.labels[0][0], survey.framework().competences[top].id);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn gap_table(survey: &Survey, groups: &Grouping, opts: &GapOptions) -> crate::Result<GapTable> {
    groups.check(survey.n_respondents())?;
    let obs = Observations::new(survey, opts.level, opts.weights, opts.borich);
    let n_items = obs.n_items;
    let sums = accumulate(&obs, groups, n_items);
    Ok(finish(survey, groups, &obs, &sums, opts))
}

fn finish(
    survey: &Survey,
    groups: &Grouping,
    obs: &Observations,
    sums: &[f64],
    opts: &GapOptions,
) -> GapTable {
    let has_required = survey.answers().required.is_some();
    // the target's own scale: required levels share the current-level scale
    let span = if has_required {
        survey.scale().span()
    } else {
        survey.importance_scale().span()
    };
    let shape = TableShape {
        n_items: obs.n_items,
        has_required,
        span,
        borich: obs.borich,
    };
    table_from_sums(&shape, groups.sizes(), sums, opts)
}

/// What a gap table's finishing needs to know of the survey besides the
/// sums: items, whether it asked required levels, the target's scale span
/// and the Borich variable as used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TableShape {
    pub n_items: usize,
    pub has_required: bool,
    pub span: f64,
    pub borich: BorichVariable,
}

/// The gap table of accumulated sums (`N_SUMS` per cell, group-major) and
/// the groups' sizes: the one place statistics, suppression and ranks are
/// derived, for a whole survey and for merged partials alike.
pub(crate) fn table_from_sums(
    shape: &TableShape,
    group_sizes: Vec<usize>,
    sums: &[f64],
    opts: &GapOptions,
) -> GapTable {
    let n_items = shape.n_items;
    let n_groups = group_sizes.len();
    let n_cells = n_groups * n_items;
    let has_required = shape.has_required;
    let span = shape.span;
    let mut t = GapTable {
        n_groups,
        n_items,
        group_sizes: group_sizes.clone(),
        n: vec![0; n_cells],
        n_eff: vec![0.0; n_cells],
        n_missing: vec![0; n_cells],
        n_borich: vec![0; n_cells],
        borich_weight: vec![f64::NAN; n_cells],
        mean_required: vec![f64::NAN; n_cells],
        mean_target: vec![f64::NAN; n_cells],
        mean_current: vec![f64::NAN; n_cells],
        mean_gap: vec![f64::NAN; n_cells],
        mean_positive_gap: vec![f64::NAN; n_cells],
        relative_gap: vec![f64::NAN; n_cells],
        attainment: vec![f64::NAN; n_cells],
        normalised_gap: vec![f64::NAN; n_cells],
        mwds: vec![f64::NAN; n_cells],
        rank: vec![0; n_cells],
        suppressed: vec![false; n_cells],
        borich_variable: shape.borich,
        target: if has_required {
            Target::Required
        } else {
            Target::Importance
        },
    };
    for cell in 0..n_cells {
        let s = &sums[cell * N_SUMS..(cell + 1) * N_SUMS];
        let g = cell / n_items;
        let n = s[N_G] as usize;
        t.n[cell] = n;
        t.n_borich[cell] = s[N_B] as usize;
        t.n_missing[cell] = group_sizes[g].saturating_sub(n);
        let n_eff = if s[W2_G] > 0.0 {
            s[W_G] * s[W_G] / s[W2_G]
        } else {
            0.0
        };
        t.n_eff[cell] = n_eff;
        // Too few respondents, too few in effect (a few respondents carrying
        // most of the weight), or weights that sum to zero: nothing to
        // report. The tolerance keeps equal weights at exactly n.
        let min_n = opts.min_n.max(1);
        if n < min_n || n_eff < min_n as f64 * (1.0 - 1e-12) || s[W_G] <= 0.0 {
            t.suppressed[cell] = true;
            continue;
        }
        let wg = s[W_G];
        let mean_t = s[S_T] / wg;
        let mean_c = s[S_C] / wg;
        let (mean_gap, mwds) = cell_stats(s, opts.importance_mean);
        t.mean_target[cell] = mean_t;
        t.mean_current[cell] = mean_c;
        if has_required {
            t.mean_required[cell] = s[S_R] / wg;
        }
        t.mean_gap[cell] = mean_gap;
        t.mean_positive_gap[cell] = s[S_DP] / wg;
        t.relative_gap[cell] = mean_gap / mean_t;
        t.attainment[cell] = mean_c / mean_t;
        t.normalised_gap[cell] = mean_gap / span;
        // The Borich pairs (importance and current) must reach min_n too;
        // they differ from the gap pairs when the survey has both required
        // levels and importance.
        if s[N_B] > 0.0 && s[N_B] as usize >= opts.min_n && s[W_B] > 0.0 {
            t.borich_weight[cell] = match opts.importance_mean {
                ImportanceMean::Complete => s[S_I] / s[W_B],
                ImportanceMean::All => s[S_IA] / s[W_IA],
            };
            t.mwds[cell] = mwds;
        }
    }
    for g in 0..n_groups {
        let lo = g * n_items;
        let ranks = rank_desc(&t.mwds[lo..lo + n_items]);
        t.rank[lo..lo + n_items].copy_from_slice(&ranks);
    }
    t
}

/// Ranks values in descending order, 1-based; ties share the lowest rank
/// (pandas `method="min"`); NaN gets 0.
pub fn rank_desc(values: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut ranks = vec![0u32; values.len()];
    let mut prev = f64::NAN;
    let mut prev_rank = 0u32;
    for (pos, &i) in order.iter().enumerate() {
        let r = if values[i] == prev {
            prev_rank
        } else {
            pos as u32 + 1
        };
        ranks[i] = r;
        prev = values[i];
        prev_rank = r;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_like_pandas_min() {
        assert_eq!(
            rank_desc(&[1.0, 3.0, 3.0, f64::NAN, 2.0]),
            vec![4, 1, 1, 0, 3]
        );
        assert_eq!(rank_desc(&[]), Vec::<u32>::new());
    }
}
