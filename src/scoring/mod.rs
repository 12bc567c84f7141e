//! Gap scoring: gap statistics and Borich needs assessment per group × item
//! ([`gaps`]), Locus-for-Focus and IPA quadrants ([`priorities`]), the
//! respondent bootstrap with rank stability ([`mod@bootstrap`]), the paired
//! Wilcoxon signed-rank test ([`mod@wilcoxon`]), interregional learning
//! matches ([`mod@matches`]), mergeable partial statistics of the gap table
//! for partitioned data ([`mod@partial`]), the rating matrix and rank sums
//! behind the survey statistics ([`mod@ranks`]), scale reliability
//! ([`mod@reliability`]) and the survey summary.

pub mod bootstrap;
pub mod gaps;
pub mod matches;
pub(crate) mod observations;
pub mod partial;
pub mod priorities;
pub mod ranks;
pub mod reliability;
mod summary;
pub mod wilcoxon;

pub use bootstrap::{bootstrap, BootstrapOptions, BootstrapResult, Control};
pub use gaps::{
    gap_table, rank_desc, BorichVariable, GapOptions, GapTable, ImportanceMean, Level, Target,
};
pub use matches::{learning_matches, LearningMatch};
pub use partial::GapPartial;
pub use priorities::{quadrants, Crosshair, IpaQuadrant, ItemMeans, LffQuadrant, Quadrants};
pub use ranks::{rank_sums, rating_matrix, rating_rank_sums, RankSums, Rating};
pub use reliability::{scale_reliability, ScaleReliability};
pub use summary::{AreaGap, SurveySummary};
pub use wilcoxon::{paired_tests, signed_rank, SignedRank};

use crate::model::Survey;

/// Errors of the scoring functions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoringError {
    /// A grouping key that is neither a built-in key nor a respondent
    /// attribute of the survey.
    #[error("invalid grouping: no respondent attribute {name:?}; known: {}", known.join(", "))]
    UnknownGroupKey {
        /// The key asked for.
        name: String,
        /// The keys the survey has.
        known: Vec<String>,
    },
    /// The same grouping key given twice.
    #[error("invalid grouping: {key:?} given twice")]
    RepeatedGroupKey {
        /// The repeated key.
        key: String,
    },
    /// A hand-made [`Grouping`] or strata vector that does not fit the
    /// survey (wrong length, codes beyond the number of groups).
    #[error("invalid grouping: {reason}")]
    GroupingMismatch {
        /// What does not fit.
        reason: String,
    },
    /// A parameter out of range.
    #[error(transparent)]
    InvalidOption(crate::error::InvalidOption),
    /// The computation was cancelled through its [`Control`].
    #[error("cancelled")]
    Cancelled,
}

/// A respondent attribute that groups respondents.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupKey {
    /// The respondent's region.
    Region,
    /// The respondent's stakeholder type.
    StakeholderType,
    /// The sector of the stakeholder type.
    Sector,
    /// A further categorical attribute, by name.
    Attribute(String),
}

impl GroupKey {
    /// Parses `region`, `stakeholder_type`, `sector` or an attribute name.
    pub fn parse(name: &str) -> GroupKey {
        match name {
            "region" => GroupKey::Region,
            "stakeholder_type" => GroupKey::StakeholderType,
            "sector" => GroupKey::Sector,
            other => GroupKey::Attribute(other.to_owned()),
        }
    }

    /// The column name of the key.
    pub fn name(&self) -> &str {
        match self {
            GroupKey::Region => "region",
            GroupKey::StakeholderType => "stakeholder_type",
            GroupKey::Sector => "sector",
            GroupKey::Attribute(a) => a,
        }
    }
}

/// Respondents assigned to groups: one code per respondent (`u32::MAX`
/// leaves a respondent out, e.g. a missing attribute value), and the key
/// values naming each group.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// Group of each respondent.
    pub codes: Vec<u32>,
    /// Number of groups.
    pub n_groups: usize,
    /// Names of the key columns (empty when pooled).
    pub keys: Vec<String>,
    /// For each group, the value of each key (ids of regions, types, …).
    pub labels: Vec<Vec<String>>,
}

impl Grouping {
    /// Every respondent in one group.
    pub fn pooled(n_respondents: usize) -> Grouping {
        Grouping {
            codes: vec![0; n_respondents],
            n_groups: 1,
            keys: Vec::new(),
            labels: vec![Vec::new()],
        }
    }

    /// Groups by the combination of keys; only combinations that occur
    /// become groups, ordered by the keys' own order (regions, types and
    /// sectors in definition order, attribute levels in order of appearance).
    ///
    /// # Errors
    /// [`ScoringError::UnknownGroupKey`] for an attribute the survey does not
    /// have, [`ScoringError::RepeatedGroupKey`] for a key given twice.
    ///
    /// # Example
    /// ```
    /// use skillsmap::scoring::{GroupKey, Grouping};
    /// use skillsmap::synth::{generate, SynthConfig};
    ///
    /// let survey = generate(&SynthConfig::new(120, 1))?;
    /// let g = Grouping::by(&survey, &[GroupKey::Region])?;
    /// assert_eq!(g.keys, ["region"]);
    /// assert_eq!(g.sizes().iter().sum::<usize>(), 120);
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn by(survey: &Survey, keys: &[GroupKey]) -> crate::Result<Grouping> {
        let n = survey.n_respondents();
        if keys.is_empty() {
            return Ok(Grouping::pooled(n));
        }
        let resp = survey.respondents();
        let ty = survey.typology();
        // Per key: one code per respondent and the level names.
        let mut cols: Vec<(Vec<u32>, Vec<String>)> = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            if keys[..k].contains(key) {
                return Err(ScoringError::RepeatedGroupKey {
                    key: key.name().to_owned(),
                }
                .into());
            }
            cols.push(match key {
                GroupKey::Region => (
                    resp.region.clone(),
                    survey
                        .regions()
                        .regions
                        .iter()
                        .map(|r| r.id.clone())
                        .collect(),
                ),
                GroupKey::StakeholderType => (
                    resp.stakeholder_type.clone(),
                    ty.types.iter().map(|t| t.id.clone()).collect(),
                ),
                GroupKey::Sector => (
                    resp.stakeholder_type
                        .iter()
                        .map(|&t| ty.types[t as usize].sector as u32)
                        .collect(),
                    ty.sectors.iter().map(|s| s.id.clone()).collect(),
                ),
                GroupKey::Attribute(name) => {
                    let a = resp
                        .attributes
                        .iter()
                        .find(|a| a.name == *name)
                        .ok_or_else(|| {
                            let known = ["region", "stakeholder_type", "sector"]
                                .into_iter()
                                .chain(resp.attributes.iter().map(|a| a.name.as_str()))
                                .map(str::to_owned)
                                .collect();
                            ScoringError::UnknownGroupKey {
                                name: name.clone(),
                                known,
                            }
                        })?;
                    (a.codes.clone(), a.levels.clone())
                }
            });
        }
        // Each respondent's key is the tuple of its codes; the combinations
        // that occur become groups, in lexicographic order of the codes.
        let mut valid = vec![true; n];
        for (codes, levels) in &cols {
            for r in 0..n {
                if codes[r] as usize >= levels.len() {
                    valid[r] = false;
                }
            }
        }
        let key = |r: usize| -> Vec<u32> { cols.iter().map(|(c, _)| c[r]).collect() };
        let mut present: Vec<Vec<u32>> = (0..n).filter(|&r| valid[r]).map(key).collect();
        present.sort_unstable();
        present.dedup();
        let index: std::collections::HashMap<&[u32], u32> = present
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_slice(), i as u32))
            .collect();
        let codes = (0..n)
            .map(|r| {
                if valid[r] {
                    index.get(key(r).as_slice()).copied().unwrap_or(u32::MAX)
                } else {
                    u32::MAX
                }
            })
            .collect();
        let labels = present
            .iter()
            .map(|k| {
                k.iter()
                    .zip(&cols)
                    .map(|(&c, (_, levels))| levels[c as usize].clone())
                    .collect()
            })
            .collect();
        Ok(Grouping {
            codes,
            n_groups: present.len(),
            keys: keys.iter().map(|k| k.name().to_owned()).collect(),
            labels,
        })
    }

    /// Bootstrap strata from keys: one stratum per combination of the keys'
    /// values that occurs, a missing value being a value of its own for each
    /// key (so that one missing key does not pool respondents across the
    /// other keys). `None` when `keys` is empty.
    ///
    /// # Errors
    /// As [`Grouping::by`].
    ///
    /// # Example
    /// ```
    /// use skillsmap::scoring::{GroupKey, Grouping};
    /// use skillsmap::synth::{generate, SynthConfig};
    ///
    /// let survey = generate(&SynthConfig::new(120, 1))?;
    /// let strata = Grouping::strata(&survey, &[GroupKey::Region])?.unwrap_or_default();
    /// assert_eq!(strata.len(), 120);
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn strata(survey: &Survey, keys: &[GroupKey]) -> crate::Result<Option<Vec<u32>>> {
        if keys.is_empty() {
            return Ok(None);
        }
        let mut combo = vec![0u64; survey.n_respondents()];
        for key in keys {
            let g = Grouping::by(survey, std::slice::from_ref(key))?;
            let levels = g.n_groups as u64 + 1;
            for (c, &code) in combo.iter_mut().zip(&g.codes) {
                let v = if code == u32::MAX {
                    g.n_groups as u64
                } else {
                    u64::from(code)
                };
                *c = c.saturating_mul(levels).saturating_add(v);
            }
        }
        let mut distinct = combo.clone();
        distinct.sort_unstable();
        distinct.dedup();
        Ok(Some(
            combo
                .iter()
                .map(|c| distinct.binary_search(c).map_or(u32::MAX, |p| p as u32))
                .collect(),
        ))
    }

    /// Respondents per group.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![0; self.n_groups];
        for &c in &self.codes {
            if let Some(x) = s.get_mut(c as usize) {
                *x += 1;
            }
        }
        s
    }

    pub(crate) fn check(&self, n_respondents: usize) -> Result<(), ScoringError> {
        if self.codes.len() != n_respondents {
            return Err(ScoringError::GroupingMismatch {
                reason: format!("{} codes for {n_respondents} respondents", self.codes.len()),
            });
        }
        if let Some(c) = self
            .codes
            .iter()
            .find(|&&c| c != u32::MAX && c as usize >= self.n_groups)
        {
            return Err(ScoringError::GroupingMismatch {
                reason: format!("code {c} but only {} groups", self.n_groups),
            });
        }
        Ok(())
    }
}
