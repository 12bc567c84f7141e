//! Mergeable partial statistics of the gap table: what one partition of a
//! survey contributes, so that a gap table can be computed over data split
//! across processes or machines (the Dask path of the Python package) and
//! equal the gap table of the whole survey.
//!
//! A [`GapPartial`] holds, per group (keyed by its labels, not by codes that
//! only mean something within one partition) and item, the same sums
//! [`super::gap_table`] accumulates, plus the set of respondents seen in the
//! group: a respondent whose answers are split across partitions is counted
//! once in the group sizes (and so in `n_missing`). Respondents are kept as
//! 128-bit hashes of their trimmed, NFC ids; two ids sharing a hash has a
//! probability below n²/2¹²⁹ for n respondents.
//!
//! [`GapPartial::merge`] adds sums and unites respondent sets: every merge
//! is exact for counts and commutative for sums, so a fixed reduction tree
//! gives bitwise identical results run after run; a different partitioning
//! changes sums only in their last bits. [`GapPartial::finish`] derives
//! statistics, suppression and ranks once, through the very code that
//! finishes [`super::gap_table`].
//!
//! Groups keep the order [`super::Grouping::by`] gives them: regions, types
//! and sectors of a fixed set in definition order, open sets and attribute
//! levels in order of first appearance — tracked as (partition, position
//! within the partition), so partitions must be numbered in table order.
//!
//! With replicates, each observation also enters `n_boot` Poisson bootstrap
//! replicates with weight w·m, m ~ Poisson(1) drawn from a hash of (seed,
//! respondent, replicate): the replicate weights depend on neither the
//! partitioning nor the thread count. This is the distributed counterpart
//! of the multinomial respondent bootstrap of [`mod@super::bootstrap`]
//! (Hanley & MacGibbon 2006; Chamandy et al. 2012), which needs all
//! respondents in one place to draw n of them.
//!
//! [`GapPartial::to_bytes`] and [`GapPartial::from_bytes`] serialise it
//! (versioned little-endian binary; malformed bytes are an error, never a
//! panic).

use std::collections::{BTreeMap, HashMap};

use unicode_normalization::UnicodeNormalization;

use super::bootstrap::{summarise, BootstrapResult};
use super::gaps::{
    add_obs, table_from_sums, BorichVariable, GapOptions, GapTable, ImportanceMean, Level,
    TableShape, N_SUMS,
};
use super::observations::{LevelColumns, Observations, Z};
use super::{GroupKey, Grouping, ScoringError};
use crate::error::InvalidOption;
use crate::ingest::{build, IngestOptions, Levels};
use crate::model::{ModelError, Survey};
use crate::rng::splitmix64;
use crate::LongTable;

/// Sums per replicate and cell: Σw, Σw(T−C) over gap pairs; Σw, Σw·I,
/// Σw(I−C) over Borich pairs; Σw, Σw·I over all I answers.
const B_SUMS: usize = 7;

/// Format version of [`GapPartial::to_bytes`].
const VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"SMGAPP\0\0";

/// What one partition of a survey contributes to a gap table; see the
/// module documentation.
///
/// # Example
/// ```
/// use skillsmap::scoring::{gap_table, GapOptions, GapPartial, GroupKey, Grouping};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let a = generate(&SynthConfig::new(100, 1))?;
/// let b = generate(&SynthConfig::new(100, 2))?;
/// let opts = GapOptions::default();
/// let keys = [GroupKey::Region];
/// let mut p = GapPartial::from_survey(&a, &keys, &opts, 0, None)?;
/// p.merge(&GapPartial::from_survey(&b, &keys, &opts, 1, None)?)?;
/// let bytes = p.to_bytes();
/// let p = GapPartial::from_bytes(&bytes)?;
/// let (labels, table) = p.finish(&opts)?;
/// assert_eq!(labels.len(), table.n_groups);
/// # Ok::<(), skillsmap::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GapPartial {
    header: Header,
    /// `None` until a partition with answers has been added.
    shape: Option<TableShape>,
    /// Per key: each level's label and its order (see the module docs).
    levels: Vec<BTreeMap<String, (u64, u64)>>,
    groups: BTreeMap<Vec<String>, GroupPart>,
}

/// What must agree for two partials to merge.
#[derive(Debug, Clone, PartialEq)]
struct Header {
    framework: String,
    level: Level,
    n_items: usize,
    weights: bool,
    borich: BorichVariable,
    keys: Vec<String>,
    n_boot: usize,
    seed: u64,
}

/// A group's labels and its sums.
type LabelledGroup<'a> = (&'a Vec<String>, &'a GroupPart);

#[derive(Debug, Clone, PartialEq)]
struct GroupPart {
    /// Sorted, distinct respondent hashes.
    respondents: Vec<u128>,
    /// `N_SUMS` per item.
    sums: Vec<f64>,
    /// `B_SUMS` per replicate × item (replicate-major).
    boot: Vec<f64>,
}

/// 128 bits of a respondent id (trimmed, NFC): two SplitMix64 chains over
/// the id's bytes with different starting states.
pub(crate) fn respondent_hash(id: &str) -> u128 {
    // ASCII text is its own NFC: only other text is normalised (a copy)
    let trimmed = id.trim();
    let normalised: String;
    let bytes = if trimmed.is_ascii() {
        trimmed.as_bytes()
    } else {
        normalised = trimmed.nfc().collect();
        normalised.as_bytes()
    };
    let (mut a, mut b) = (0x243F_6A88_85A3_08D3u64, 0x1319_8A2E_0370_7344u64);
    a ^= bytes.len() as u64;
    b ^= (bytes.len() as u64).rotate_left(32);
    for chunk in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        a ^= w;
        b ^= w.rotate_left(29) ^ 0xA409_3822_299F_31D0;
        a = splitmix64(&mut a);
        b = splitmix64(&mut b);
    }
    (u128::from(a) << 64) | u128::from(b)
}

/// The Poisson(1) multiplier of a respondent in replicate `b`: inversion of
/// a uniform drawn from a hash of (seed, respondent, replicate).
pub(crate) fn poisson_weight(seed: u64, respondent: u128, b: u64) -> u32 {
    let mut s = seed ^ (respondent as u64);
    let base = splitmix64(&mut s) ^ ((respondent >> 64) as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut t = base ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let _ = splitmix64(&mut t);
    let u = (splitmix64(&mut t) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let mut p = (-1.0f64).exp();
    let mut cdf = p;
    let mut k = 0u32;
    // P(Poisson(1) > 30) < 1e-33: far below the resolution of u
    while u >= cdf && k < 30 {
        k += 1;
        p /= f64::from(k);
        cdf += p;
    }
    k
}

fn invalid(option: &'static str, reason: String) -> crate::Error {
    ScoringError::InvalidOption(InvalidOption::new(option, reason)).into()
}

impl GapPartial {
    /// A partial with no data, for a partition without rows.
    ///
    /// `framework` is the framework id and `n_items` the number of its
    /// competences (or areas at area level); `replicates` is
    /// `Some((n_boot, seed))` for the Poisson bootstrap.
    pub fn empty(
        framework: &str,
        n_items: usize,
        keys: &[GroupKey],
        opts: &GapOptions,
        replicates: Option<(usize, u64)>,
    ) -> GapPartial {
        let (n_boot, seed) = replicates.unwrap_or((0, 0));
        GapPartial {
            header: Header {
                framework: framework.to_owned(),
                level: opts.level,
                n_items,
                weights: opts.weights,
                borich: opts.borich,
                keys: keys.iter().map(|k| k.name().to_owned()).collect(),
                n_boot,
                seed,
            },
            shape: None,
            levels: vec![BTreeMap::new(); keys.len()],
            groups: BTreeMap::new(),
        }
    }

    /// The partial statistics of one partition, itself a validated survey.
    /// `partition` is the partition's position in the table (it orders
    /// attribute levels and open sets by first appearance).
    ///
    /// # Errors
    /// As [`Grouping::by`]; [`ScoringError::InvalidOption`] for weights
    /// beyond 1e±150 (whose sums [`super::gap_table`] rescales, a rescaling
    /// that could differ between partitions) or `n_boot` of zero; an
    /// allocation error when the replicates do not fit.
    ///
    /// # Complexity
    /// O(answers + groups × items), and O(answers × n_boot) with replicates.
    pub fn from_survey(
        survey: &Survey,
        keys: &[GroupKey],
        opts: &GapOptions,
        partition: u64,
        replicates: Option<(usize, u64)>,
    ) -> crate::Result<GapPartial> {
        Self::with_levels(
            survey,
            LevelColumns::of(survey),
            keys,
            opts,
            partition,
            replicates,
        )
    }

    /// The partial statistics of one partition given as a long table:
    /// equal to [`GapPartial::from_survey`] of
    /// [`build_survey`](crate::ingest::build_survey)`(table, ingest)`, with
    /// the same validation and errors, but the level columns are read from
    /// the table rather than copied into a survey first (a partition is
    /// validated, summed and dropped, so the copies would be written once
    /// and read once).
    ///
    /// # Errors
    /// [`ValidationError`](crate::ingest::ValidationError) as
    /// [`build_survey`](crate::ingest::build_survey); then as
    /// [`GapPartial::from_survey`].
    ///
    /// # Examples
    /// ```
    /// use skillsmap::ingest::{build_survey, Categorical, Codes, ColumnNames, IngestOptions};
    /// use skillsmap::scoring::{GapOptions, GapPartial, GroupKey};
    /// use skillsmap::LongTable;
    ///
    /// let ids = ["r1".to_owned(), "r2".to_owned()];
    /// let regions = ["ES22".to_owned(), "ITH5".to_owned()];
    /// let types = ["cooperative".to_owned()];
    /// let comps = ["se.impact.measurement".to_owned(), "se.found.governance".to_owned()];
    /// let table = LongTable {
    ///     respondent: Categorical { codes: Codes::I64(&[0, 0, 1]), labels: &ids },
    ///     region: Categorical { codes: Codes::I64(&[0, 0, 1]), labels: &regions },
    ///     stakeholder_type: Categorical { codes: Codes::I64(&[0, 0, 0]), labels: &types },
    ///     competence: Categorical { codes: Codes::I64(&[0, 1, 0]), labels: &comps },
    ///     current: &[2.0, 3.0, 1.0],
    ///     required: Some(&[4.0, 4.0, 5.0]),
    ///     importance: None,
    ///     weight: None,
    ///     attributes: Vec::new(),
    ///     names: ColumnNames::default(),
    /// };
    /// let ingest = IngestOptions::defaults()?;
    /// let (keys, opts) = ([GroupKey::Region], GapOptions::default());
    /// let p = GapPartial::from_table(&table, &ingest, &keys, &opts, 0, None)?;
    /// let survey = build_survey(&table, &ingest)?;
    /// assert_eq!(p, GapPartial::from_survey(&survey, &keys, &opts, 0, None)?);
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn from_table(
        table: &LongTable<'_>,
        ingest: &IngestOptions,
        keys: &[GroupKey],
        opts: &GapOptions,
        partition: u64,
        replicates: Option<(usize, u64)>,
    ) -> crate::Result<GapPartial> {
        let survey = build(table, ingest, Levels::Borrowed)?;
        let levels = LevelColumns {
            current: table.current,
            required: table.required,
            importance: table.importance,
        };
        // validation made one answer per row
        let n = survey.n_answers();
        let lens = [
            Some(levels.current.len()),
            levels.required.map(<[f64]>::len),
            levels.importance.map(<[f64]>::len),
        ];
        if lens.iter().flatten().any(|&l| l != n) {
            return Err(invalid(
                "table",
                format!("level columns of other lengths than the {n} answers"),
            ));
        }
        Self::with_levels(&survey, levels, keys, opts, partition, replicates)
    }

    /// [`GapPartial::from_survey`] with the levels read from `levels`.
    fn with_levels(
        survey: &Survey,
        levels: LevelColumns<'_>,
        keys: &[GroupKey],
        opts: &GapOptions,
        partition: u64,
        replicates: Option<(usize, u64)>,
    ) -> crate::Result<GapPartial> {
        if replicates.is_some_and(|(n, _)| n == 0) {
            return Err(invalid("n_boot", "n_boot must be at least 1".into()));
        }
        let groups = Grouping::by(survey, keys)?;
        let obs = Observations::with_levels(survey, levels, opts.level, opts.weights, opts.borich);
        if let Some(w) = survey
            .respondents()
            .weight
            .as_deref()
            .filter(|_| opts.weights)
        {
            let max = w.iter().fold(0.0f64, |m, &v| m.max(v));
            if max > 1e150 || (max > 0.0 && max < 1e-150) {
                return Err(invalid(
                    "weights",
                    format!("weights up to {max:e} are beyond 1e±150; rescale them first"),
                ));
            }
        }
        let n_items = obs.n_items;
        let mut out = GapPartial::empty(&survey.framework().id, n_items, keys, opts, replicates);
        let has_required = levels.required.is_some();
        out.shape = Some(TableShape {
            n_items,
            has_required,
            span: if has_required {
                survey.scale().span()
            } else {
                survey.importance_scale().span()
            },
            borich: obs.borich,
        });
        // Order of each key's levels, as Grouping::by orders them.
        for (k, key) in keys.iter().enumerate() {
            let (names, by_appearance): (Vec<&str>, bool) = match key {
                GroupKey::Region => (
                    survey
                        .regions()
                        .regions
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect(),
                    survey.regions().id == "open",
                ),
                GroupKey::StakeholderType => (
                    survey
                        .typology()
                        .types
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect(),
                    survey.typology().id == "open",
                ),
                GroupKey::Sector => (
                    survey
                        .typology()
                        .sectors
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect(),
                    false,
                ),
                GroupKey::Attribute(name) => (
                    survey
                        .respondents()
                        .attributes
                        .iter()
                        .find(|a| a.name == *name)
                        .map(|a| a.levels.iter().map(String::as_str).collect())
                        .unwrap_or_default(),
                    true,
                ),
            };
            let position: HashMap<&str, u64> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, i as u64))
                .collect();
            for labels in &groups.labels {
                let label = labels[k].as_str();
                let pos = position.get(label).copied().unwrap_or(u64::MAX);
                let order = if by_appearance {
                    (partition, pos)
                } else {
                    (0, pos)
                };
                out.levels[k].insert(label.to_owned(), order);
            }
        }
        // Respondent hashes, and per group the respondents it holds.
        let ids = &survey.respondents().ids;
        let hashes: Vec<u128> = ids.iter().map(|id| respondent_hash(id)).collect();
        let (n_boot, seed) = replicates.unwrap_or((0, 0));
        let mut parts: Vec<GroupPart> = Vec::new();
        for _ in 0..groups.n_groups {
            parts.push(GroupPart {
                respondents: Vec::new(),
                sums: vec![0.0; n_items * N_SUMS],
                boot: crate::error::try_vec::<f64>(
                    "the bootstrap replicates",
                    crate::error::checked_len::<f64>(
                        "the bootstrap replicates",
                        n_boot,
                        n_items * B_SUMS,
                    )?,
                )?,
            });
            if let Some(p) = parts.last_mut() {
                p.boot.resize(n_boot * n_items * B_SUMS, 0.0);
            }
        }
        for (r, &g) in groups.codes.iter().enumerate() {
            if let Some(p) = parts.get_mut(g as usize) {
                p.respondents.push(hashes[r]);
            }
        }
        // Replicate multipliers of each respondent, drawn once.
        let multipliers: Vec<u32> = if n_boot > 0 {
            let len =
                crate::error::checked_len::<u32>("the bootstrap replicates", ids.len(), n_boot)?;
            let mut m = crate::error::try_vec::<u32>("the bootstrap replicates", len)?;
            for h in &hashes {
                m.extend((0..n_boot as u64).map(|b| poisson_weight(seed, *h, b)));
            }
            m
        } else {
            Vec::new()
        };
        obs.for_each(0, obs.len(), |r, item, z, w| {
            let g = groups.codes.get(r).copied().unwrap_or(u32::MAX);
            let Some(p) = parts.get_mut(g as usize) else {
                return;
            };
            if item >= n_items {
                return;
            }
            let cell = &mut p.sums[item * N_SUMS..(item + 1) * N_SUMS];
            if let Ok(cell) = <&mut [f64; N_SUMS]>::try_from(cell) {
                add_obs(cell, z, w);
            }
            if n_boot > 0 {
                let m = &multipliers[r * n_boot..(r + 1) * n_boot];
                for (b, &mb) in m.iter().enumerate() {
                    if mb == 0 {
                        continue;
                    }
                    let lo = (b * n_items + item) * B_SUMS;
                    add_replicate(&mut p.boot[lo..lo + B_SUMS], z, w * f64::from(mb));
                }
            }
        });
        for (labels, mut part) in groups.labels.into_iter().zip(parts) {
            part.respondents.sort_unstable();
            part.respondents.dedup();
            out.groups.insert(labels, part);
        }
        Ok(out)
    }

    /// Adds another partition's statistics to these.
    ///
    /// # Errors
    /// [`ScoringError::InvalidOption`] when the two were computed with
    /// different frameworks, levels, groupings, options or replicates, or
    /// from surveys of different shape (required levels in one only).
    pub fn merge(&mut self, other: &GapPartial) -> crate::Result<()> {
        if self.header != other.header {
            return Err(invalid(
                "partial",
                format!(
                    "cannot merge partial statistics computed with different options: {:?} and {:?}",
                    self.header, other.header
                ),
            ));
        }
        match (&self.shape, &other.shape) {
            (Some(a), Some(b)) if a != b => {
                return Err(invalid(
                    "partial",
                    format!("cannot merge partial statistics of differently shaped surveys: {a:?} and {b:?}"),
                ))
            }
            (None, Some(b)) => self.shape = Some(*b),
            _ => {}
        }
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels) {
            for (label, &order) in theirs {
                mine.entry(label.clone())
                    .and_modify(|o| *o = (*o).min(order))
                    .or_insert(order);
            }
        }
        for (labels, part) in &other.groups {
            match self.groups.get_mut(labels) {
                Some(mine) => {
                    mine.respondents = union(&mine.respondents, &part.respondents);
                    for (a, b) in mine.sums.iter_mut().zip(&part.sums) {
                        *a += b;
                    }
                    for (a, b) in mine.boot.iter_mut().zip(&part.boot) {
                        *a += b;
                    }
                }
                None => {
                    self.groups.insert(labels.clone(), part.clone());
                }
            }
        }
        Ok(())
    }

    /// Groups in the order of [`Grouping::by`]: lexicographic in each key's
    /// level order.
    fn ordered_groups(&self) -> Vec<LabelledGroup<'_>> {
        let rank: Vec<HashMap<&str, usize>> = self
            .levels
            .iter()
            .map(|lv| {
                let mut v: Vec<(&String, &(u64, u64))> = lv.iter().collect();
                v.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
                v.into_iter()
                    .enumerate()
                    .map(|(i, (l, _))| (l.as_str(), i))
                    .collect()
            })
            .collect();
        let mut groups: Vec<(Vec<usize>, LabelledGroup<'_>)> = self
            .groups
            .iter()
            .map(|(labels, part)| {
                let key = labels
                    .iter()
                    .zip(&rank)
                    .map(|(l, r)| r.get(l.as_str()).copied().unwrap_or(usize::MAX))
                    .collect();
                (key, (labels, part))
            })
            .collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        groups.into_iter().map(|(_, g)| g).collect()
    }

    /// The gap table of everything merged: the group labels (one list of
    /// key values per group, in [`Grouping::by`] order) and the table.
    /// `opts.min_n` and `opts.importance_mean` take effect here; the other
    /// options must be those the partials were computed with.
    ///
    /// # Errors
    /// [`ScoringError::InvalidOption`] when no partition had answers, or
    /// the options differ from the partials'.
    pub fn finish(&self, opts: &GapOptions) -> crate::Result<(Vec<Vec<String>>, GapTable)> {
        let shape = self.checked_shape(opts)?;
        let groups = self.ordered_groups();
        let labels = groups.iter().map(|(l, _)| (*l).clone()).collect();
        let sizes = groups.iter().map(|(_, p)| p.respondents.len()).collect();
        let mut sums = Vec::with_capacity(groups.len() * shape.n_items * N_SUMS);
        for (_, p) in &groups {
            sums.extend_from_slice(&p.sums);
        }
        Ok((labels, table_from_sums(&shape, sizes, &sums, opts)))
    }

    fn checked_shape(&self, opts: &GapOptions) -> crate::Result<TableShape> {
        let h = &self.header;
        if opts.level != h.level || opts.weights != h.weights || opts.borich != h.borich {
            return Err(invalid(
                "partial",
                "finish with the level, weights and borich the partials were computed with".into(),
            ));
        }
        self.shape
            .ok_or_else(|| invalid("data", "no partition holds any answer".into()))
    }

    /// Percentile intervals of the mean gap and the MWDS, and the share of
    /// replicates in which an item ranks within the top `top_k` of its
    /// group, from the Poisson replicates. Cells suppressed in the gap
    /// table (or without an MWDS) get NaN, as in [`mod@super::bootstrap`].
    ///
    /// # Errors
    /// As [`GapPartial::finish`]; [`ScoringError::InvalidOption`] without
    /// replicates, or for `ci` outside (0, 1).
    pub fn finish_bootstrap(
        &self,
        opts: &GapOptions,
        ci: f64,
        top_k: usize,
    ) -> crate::Result<BootstrapResult> {
        let n_boot = self.header.n_boot;
        if n_boot == 0 {
            return Err(invalid(
                "n_boot",
                "these partial statistics have no replicates".into(),
            ));
        }
        if !(ci > 0.0 && ci < 1.0) {
            return Err(invalid("ci", format!("ci must be in (0, 1), got {ci}")));
        }
        let (_, point) = self.finish(opts)?;
        let n_items = self.header.n_items;
        let groups = self.ordered_groups();
        let n_cells = groups.len() * n_items;
        let len = crate::error::checked_len::<f64>("the bootstrap replicates", n_boot, n_cells)?;
        let mut mg = crate::error::try_vec::<f64>("the bootstrap replicates", len)?;
        let mut mw = crate::error::try_vec::<f64>("the bootstrap replicates", len)?;
        mg.resize(len, f64::NAN);
        mw.resize(len, f64::NAN);
        for (g, (_, part)) in groups.iter().enumerate() {
            for b in 0..n_boot {
                for j in 0..n_items {
                    let cell = g * n_items + j;
                    if point.suppressed[cell] {
                        continue;
                    }
                    let s = &part.boot[(b * n_items + j) * B_SUMS..][..B_SUMS];
                    if s[0] > 0.0 {
                        mg[b * n_cells + cell] = s[1] / s[0];
                    }
                    if !point.mwds[cell].is_nan() && s[2] > 0.0 {
                        let ibar = match opts.importance_mean {
                            ImportanceMean::Complete => s[3] / s[2],
                            ImportanceMean::All => s[6] / s[5],
                        };
                        mw[b * n_cells + cell] = ibar * s[4] / s[2];
                    }
                }
            }
        }
        Ok(summarise(
            &point,
            &mg,
            &mw,
            (n_boot, groups.len(), n_items),
            ci,
            top_k,
        ))
    }

    /// Number of groups seen so far.
    pub fn n_groups(&self) -> usize {
        self.groups.len()
    }

    /// Distinct respondents seen so far (in any group).
    pub fn n_respondents(&self) -> usize {
        let mut all: Vec<u128> = self
            .groups
            .values()
            .flat_map(|p| p.respondents.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    }

    /// Replicates carried (0 without the bootstrap).
    pub fn n_boot(&self) -> usize {
        self.header.n_boot
    }

    /// The names of the grouping keys.
    pub fn keys(&self) -> &[String] {
        &self.header.keys
    }

    /// The partial as bytes (see [`GapPartial::from_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(MAGIC);
        put_u64(&mut w, u64::from(VERSION));
        let h = &self.header;
        put_str(&mut w, &h.framework);
        put_u64(&mut w, u64::from(h.level == Level::Area));
        put_u64(&mut w, h.n_items as u64);
        put_u64(&mut w, u64::from(h.weights));
        put_u64(&mut w, u64::from(h.borich == BorichVariable::Required));
        put_u64(&mut w, h.keys.len() as u64);
        for k in &h.keys {
            put_str(&mut w, k);
        }
        put_u64(&mut w, h.n_boot as u64);
        put_u64(&mut w, h.seed);
        match &self.shape {
            None => put_u64(&mut w, 0),
            Some(s) => {
                put_u64(&mut w, 1);
                put_u64(&mut w, u64::from(s.has_required));
                w.extend_from_slice(&s.span.to_le_bytes());
                put_u64(&mut w, u64::from(s.borich == BorichVariable::Required));
            }
        }
        for lv in &self.levels {
            put_u64(&mut w, lv.len() as u64);
            for (label, (a, b)) in lv {
                put_str(&mut w, label);
                put_u64(&mut w, *a);
                put_u64(&mut w, *b);
            }
        }
        put_u64(&mut w, self.groups.len() as u64);
        for (labels, p) in &self.groups {
            for l in labels {
                put_str(&mut w, l);
            }
            put_u64(&mut w, p.respondents.len() as u64);
            for r in &p.respondents {
                w.extend_from_slice(&r.to_le_bytes());
            }
            for v in p.sums.iter().chain(&p.boot) {
                w.extend_from_slice(&v.to_le_bytes());
            }
        }
        w
    }

    /// Reads a partial written by [`GapPartial::to_bytes`].
    ///
    /// # Errors
    /// [`crate::ErrorKind::Format`] for bytes that are not a partial of this
    /// format version (truncated, corrupt, or from another version).
    pub fn from_bytes(bytes: &[u8]) -> crate::Result<GapPartial> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(corrupt("not skillsmap gap partial statistics"));
        }
        let version = r.u64()?;
        if version != u64::from(VERSION) {
            return Err(corrupt(&format!(
                "format version {version}, this build reads {VERSION}"
            )));
        }
        let framework = r.string()?;
        let level = if r.flag()? {
            Level::Area
        } else {
            Level::Competence
        };
        // items and replicates size the sums, read (and checked) below
        let n_items = r.count(0)?;
        let weights = r.flag()?;
        let borich = if r.flag()? {
            BorichVariable::Required
        } else {
            BorichVariable::Importance
        };
        let n_keys = r.count(8)?;
        let keys = (0..n_keys)
            .map(|_| r.string())
            .collect::<crate::Result<Vec<_>>>()?;
        let n_boot = r.count(0)?;
        let seed = r.u64()?;
        let shape = if r.flag()? {
            let has_required = r.flag()?;
            let span = r.f64()?;
            let borich = if r.flag()? {
                BorichVariable::Required
            } else {
                BorichVariable::Importance
            };
            Some(TableShape {
                n_items,
                has_required,
                span,
                borich,
            })
        } else {
            None
        };
        let mut levels = Vec::new();
        for _ in 0..n_keys {
            let n = r.count(24)?;
            let mut lv = BTreeMap::new();
            for _ in 0..n {
                let label = r.string()?;
                let order = (r.u64()?, r.u64()?);
                lv.insert(label, order);
            }
            levels.push(lv);
        }
        let per_group = n_items
            .checked_mul(N_SUMS)
            .and_then(|s| n_boot.checked_mul(n_items * B_SUMS).map(|b| (s, b)))
            .ok_or_else(|| corrupt("sizes overflow"))?;
        let n_groups = r.count(8)?;
        let mut groups = BTreeMap::new();
        for _ in 0..n_groups {
            let labels = (0..n_keys)
                .map(|_| r.string())
                .collect::<crate::Result<Vec<_>>>()?;
            let n_resp = r.count(16)?;
            let mut respondents = Vec::with_capacity(n_resp);
            for _ in 0..n_resp {
                let b = r.take(16)?;
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                respondents.push(u128::from_le_bytes(a));
            }
            if respondents.windows(2).any(|w| w[0] >= w[1]) {
                return Err(corrupt("respondents out of order"));
            }
            let sums = r.f64s(per_group.0)?;
            let boot = r.f64s(per_group.1)?;
            groups.insert(
                labels,
                GroupPart {
                    respondents,
                    sums,
                    boot,
                },
            );
        }
        if r.at != bytes.len() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(GapPartial {
            header: Header {
                framework,
                level,
                n_items,
                weights,
                borich,
                keys,
                n_boot,
                seed,
            },
            shape,
            levels,
            groups,
        })
    }
}

/// Adds one observation with weight `w` (already multiplied by the
/// replicate's multiplier) to a replicate's sums.
#[inline]
fn add_replicate(acc: &mut [f64], z: &Z, w: f64) {
    if !z.t.is_nan() {
        acc[0] += w;
        acc[1] += w * (z.t - z.c);
    }
    if !z.i.is_nan() {
        acc[2] += w;
        acc[3] += w * z.i;
        acc[4] += w * (z.i - z.ci);
    }
    if !z.ia.is_nan() {
        acc[5] += w;
        acc[6] += w * z.ia;
    }
}

/// The sorted union of two sorted, distinct lists.
fn union(a: &[u128], b: &[u128]) -> Vec<u128> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn corrupt(reason: &str) -> crate::Error {
    ModelError::Parse {
        what: "gap partial statistics".into(),
        reason: reason.into(),
    }
    .into()
}

fn put_u64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_u64(w, s.len() as u64);
    w.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> crate::Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u64(&mut self) -> crate::Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn f64(&mut self) -> crate::Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn flag(&mut self) -> crate::Result<bool> {
        match self.u64()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("bad flag")),
        }
    }
    /// A count of items of at least `min_size` bytes each, checked against
    /// the bytes left so that a corrupt count cannot allocate.
    fn count(&mut self, min_size: usize) -> crate::Result<usize> {
        let n = usize::try_from(self.u64()?).map_err(|_| corrupt("count too large"))?;
        let left = self.bytes.len() - self.at;
        if min_size > 0 && n.checked_mul(min_size).is_none_or(|b| b > left) {
            return Err(corrupt("count beyond the data"));
        }
        if min_size == 0 && n > u32::MAX as usize {
            return Err(corrupt("count too large"));
        }
        Ok(n)
    }
    fn string(&mut self) -> crate::Result<String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("text is not UTF-8"))
    }
    fn f64s(&mut self, n: usize) -> crate::Result<Vec<f64>> {
        let b = self.take(n.checked_mul(8).ok_or_else(|| corrupt("sizes overflow"))?)?;
        Ok(b.chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_le_bytes(a)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::gap_table;
    use crate::synth::{generate, SynthConfig};

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12 * (1.0 + x.abs())
            })
    }

    #[test]
    fn one_partition_equals_the_gap_table() {
        let s = generate(&SynthConfig::new(150, 3)).unwrap();
        let opts = GapOptions::default();
        let keys = [GroupKey::Region];
        let whole = gap_table(&s, &Grouping::by(&s, &keys).unwrap(), &opts).unwrap();
        let p = GapPartial::from_survey(&s, &keys, &opts, 0, None).unwrap();
        let p = GapPartial::from_bytes(&p.to_bytes()).unwrap();
        let (_, t) = p.finish(&opts).unwrap();
        assert_eq!(t.n, whole.n);
        assert_eq!(t.group_sizes, whole.group_sizes);
        assert_eq!(t.rank, whole.rank);
        assert!(close(&t.mwds, &whole.mwds));
        assert!(close(&t.mean_gap, &whole.mean_gap));
    }

    #[test]
    fn merge_is_order_free_for_counts_and_rejects_other_options() {
        let a = generate(&SynthConfig::new(60, 1)).unwrap();
        let b = generate(&SynthConfig::new(60, 2)).unwrap();
        let opts = GapOptions::default();
        let keys = [GroupKey::Region];
        let pa = GapPartial::from_survey(&a, &keys, &opts, 0, None).unwrap();
        let pb = GapPartial::from_survey(&b, &keys, &opts, 1, None).unwrap();
        let mut ab = pa.clone();
        ab.merge(&pb).unwrap();
        let mut ba = pb.clone();
        ba.merge(&pa).unwrap();
        assert_eq!(ab.finish(&opts).unwrap(), ba.finish(&opts).unwrap());
        // the synthetic ids repeat across the two surveys: counted once
        assert_eq!(ab.n_respondents(), 60);
        let other = GapPartial::from_survey(&a, &[], &opts, 0, None).unwrap();
        assert!(ab.merge(&other).is_err());
    }

    #[test]
    fn corrupt_bytes_are_an_error() {
        let s = generate(&SynthConfig::new(20, 1)).unwrap();
        let p = GapPartial::from_survey(&s, &[], &GapOptions::default(), 0, Some((3, 1))).unwrap();
        let bytes = p.to_bytes();
        for cut in [0, 7, 8, 20, bytes.len() - 1] {
            assert!(GapPartial::from_bytes(&bytes[..cut]).is_err());
        }
        let mut bad = bytes.clone();
        bad[16] = 0xFF; // the framework id's length
        assert!(GapPartial::from_bytes(&bad).is_err());
        assert_eq!(GapPartial::from_bytes(&bytes).unwrap(), p);
        // an empty partition's partial is smaller than its items' sums
        let keys = [GroupKey::Region];
        let empty = GapPartial::empty(
            "se-core",
            s.framework().len(),
            &keys,
            &GapOptions::default(),
            None,
        );
        assert_eq!(GapPartial::from_bytes(&empty.to_bytes()).unwrap(), empty);
        let mut q = empty.clone();
        q.merge(&p_region(&s)).unwrap();
        let opts = GapOptions::default();
        let ((la, a), (lb, b)) = (
            q.finish(&opts).unwrap(),
            p_region(&s).finish(&opts).unwrap(),
        );
        assert_eq!((la, a.n, a.group_sizes), (lb, b.n, b.group_sizes));
    }

    /// A survey's answers as the long table it could have been read from,
    /// with `levels` chosen from (current, required, importance).
    fn with_table<R>(
        s: &Survey,
        required: bool,
        importance: bool,
        f: impl FnOnce(&LongTable<'_>, &IngestOptions) -> R,
    ) -> R {
        use crate::ingest::{Categorical, ColumnNames};
        let (a, r) = (s.answers(), s.respondents());
        let per_row = |of: &[u32]| -> Vec<i64> {
            a.respondent
                .iter()
                .map(|&i| i64::from(of[i as usize]))
                .collect()
        };
        let resp: Vec<i64> = a.respondent.iter().map(|&i| i64::from(i)).collect();
        let (region, ty) = (per_row(&r.region), per_row(&r.stakeholder_type));
        let comp: Vec<i64> = a.competence.iter().map(|&c| i64::from(c)).collect();
        let weight: Option<Vec<f64>> = r
            .weight
            .as_ref()
            .map(|w| a.respondent.iter().map(|&i| w[i as usize]).collect());
        let region_ids: Vec<String> = s.regions().regions.iter().map(|x| x.id.clone()).collect();
        let type_ids: Vec<String> = s.typology().types.iter().map(|x| x.id.clone()).collect();
        let comp_ids: Vec<String> = s
            .framework()
            .competences
            .iter()
            .map(|x| x.id.clone())
            .collect();
        let t = LongTable {
            respondent: Categorical {
                codes: (&resp).into(),
                labels: &r.ids,
            },
            region: Categorical {
                codes: (&region).into(),
                labels: &region_ids,
            },
            stakeholder_type: Categorical {
                codes: (&ty).into(),
                labels: &type_ids,
            },
            competence: Categorical {
                codes: (&comp).into(),
                labels: &comp_ids,
            },
            current: &a.current,
            required: a.required.as_deref().filter(|_| required),
            importance: a.importance.as_deref().filter(|_| importance),
            weight: weight.as_deref(),
            attributes: Vec::new(),
            names: ColumnNames::default(),
        };
        let mut ingest = IngestOptions::defaults().unwrap();
        ingest.framework = s.framework().clone();
        ingest.regions = Some(s.regions().clone());
        ingest.typology = Some(s.typology().clone());
        f(&t, &ingest)
    }

    #[test]
    fn a_table_gives_the_partial_of_its_survey() {
        let s = generate(&SynthConfig::new(90, 5)).unwrap();
        assert!(s.answers().importance.is_some() && s.respondents().weight.is_some());
        for (required, importance) in [(true, true), (true, false), (false, true)] {
            with_table(&s, required, importance, |t, ingest| {
                let survey = crate::ingest::build_survey(t, ingest).unwrap();
                for level in [Level::Competence, Level::Area] {
                    for (weights, borich) in [
                        (true, BorichVariable::Importance),
                        (false, BorichVariable::Required),
                    ] {
                        let opts = GapOptions {
                            level,
                            weights,
                            borich,
                            ..GapOptions::default()
                        };
                        for (keys, reps) in [
                            (vec![GroupKey::Region], None),
                            (
                                vec![GroupKey::StakeholderType, GroupKey::Region],
                                Some((4, 9)),
                            ),
                        ] {
                            let want = GapPartial::from_survey(&survey, &keys, &opts, 3, reps);
                            let got = GapPartial::from_table(t, ingest, &keys, &opts, 3, reps);
                            // bitwise (the sums hold NaN, which == rejects)
                            let (got, want) = (got.unwrap().to_bytes(), want.unwrap().to_bytes());
                            assert!(got == want, "{level:?} {weights} {keys:?} {required}");
                        }
                    }
                }
            });
        }
        // a bad value is the error build_survey reports, at its row
        let mut current = s.answers().current.clone();
        current[17] = 99.0;
        let mut bad = s.clone();
        std::sync::Arc::make_mut(&mut bad.answers).current = current;
        with_table(&bad, true, true, |t, ingest| {
            let opts = GapOptions::default();
            let want = crate::ingest::build_survey(t, ingest)
                .unwrap_err()
                .to_string();
            let got = GapPartial::from_table(t, ingest, &[], &opts, 0, None);
            assert_eq!(got.unwrap_err().to_string(), want);
            assert!(want.contains("row 17"), "{want}");
        });
    }

    fn p_region(s: &Survey) -> GapPartial {
        GapPartial::from_survey(s, &[GroupKey::Region], &GapOptions::default(), 0, None).unwrap()
    }

    #[test]
    fn respondent_hashes_ignore_spacing_and_unicode_form() {
        // the hash of an id is the hash of its trimmed NFC text, whichever
        // path (ASCII or normalised) computes it
        assert_eq!(respondent_hash(" r12\t"), respondent_hash("r12"));
        assert_eq!(
            respondent_hash("Jos\u{e9}"),
            respondent_hash(" Jose\u{301} ")
        );
        assert_ne!(respondent_hash("Jos\u{e9}"), respondent_hash("Jose"));
        assert_ne!(respondent_hash("r1"), respondent_hash("r10"));
        // pinned: replicate weights depend on these bits across versions
        assert_eq!(
            respondent_hash("r12"),
            0x614a_2b8a_f2e2_ee55_0316_a0af_5ee8_d6f1_u128
        );
    }

    #[test]
    fn poisson_weights_have_mean_and_variance_one() {
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0, 0.0);
        for r in 0..n {
            let m = f64::from(poisson_weight(7, respondent_hash(&r.to_string()), 3));
            s += m;
            s2 += m * m;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
    }
}
