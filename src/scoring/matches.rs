//! Interregional learning matches: for each item, who could learn it from
//! whom — the step from a skills map to peer learning.
//!
//! For each item the `top` groups with the largest positive mean gap are
//! learners and the `top` groups with the highest mean current level are
//! mentors; a pair is kept when the mentor's current level is above the
//! learner's, and scored
//!
//! `score = learner mean gap × (mentor mean current − learner mean current)`
//!
//! (both in scale points): a large gap to close and a mentor clearly ahead.
//! Suppressed cells never take part. Ties keep the groups' order.

use super::{GapTable, ScoringError};
use crate::error::InvalidOption;

/// One learner–mentor pair for one item, with the evidence.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LearningMatch {
    /// The item (competence or area index).
    pub item: usize,
    /// Rank of the pair within the item (1 = best).
    pub rank: u32,
    /// The learner group (index into the grouping's groups).
    pub learner: usize,
    /// The mentor group.
    pub mentor: usize,
    /// The learner's mean gap.
    pub learner_gap: f64,
    /// The learner's mean current level.
    pub learner_current: f64,
    /// Respondents behind the learner's cell.
    pub learner_n: usize,
    /// The mentor's mean current level.
    pub mentor_current: f64,
    /// The mentor's mean gap.
    pub mentor_gap: f64,
    /// Respondents behind the mentor's cell.
    pub mentor_n: usize,
    /// `learner_gap × (mentor_current − learner_current)`.
    pub score: f64,
}

impl LearningMatch {
    /// The learner's cell in the gap table (group-major), e.g. to attach
    /// bootstrap intervals.
    pub fn learner_cell(&self, n_items: usize) -> usize {
        self.learner * n_items + self.item
    }
}

/// The `top` groups by `key` among `cells`, largest first; ties keep order.
fn largest(
    cells: impl Iterator<Item = usize>,
    key: impl Fn(usize) -> f64,
    top: usize,
) -> Vec<usize> {
    let mut v: Vec<usize> = cells.filter(|&g| !key(g).is_nan()).collect();
    v.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
    v.truncate(top);
    v
}

/// Learning matches of a gap table computed for a grouping (regions,
/// stakeholder types, …), ordered by item, then by score (best first).
///
/// # Errors
/// [`ScoringError::InvalidOption`] for `top == 0`.
///
/// # Complexity
/// O(items × (groups log groups + top²)).
///
/// # Example
/// ```
/// use skillsmap::scoring::{gap_table, learning_matches, GapOptions, GroupKey, Grouping};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(600, 3))?;
/// let regions = Grouping::by(&survey, &[GroupKey::Region])?;
/// let table = gap_table(&survey, &regions, &GapOptions::default())?;
/// let matches = learning_matches(&table, 3)?;
/// for m in matches.iter().filter(|m| m.rank == 1).take(3) {
///     println!(
///         "{} could learn {} from {}",
///         regions.labels[m.learner][0],
///         survey.framework().competences[m.item].label,
///         regions.labels[m.mentor][0],
///     );
///     assert!(m.mentor_current > m.learner_current);
/// }
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn learning_matches(table: &GapTable, top: usize) -> crate::Result<Vec<LearningMatch>> {
    if top == 0 {
        return Err(ScoringError::InvalidOption(InvalidOption::new(
            "top",
            "top must be at least 1, got 0",
        ))
        .into());
    }
    let k = table.n_items;
    let mut out = Vec::new();
    for item in 0..k {
        let cell = |g: usize| g * k + item;
        let present = || (0..table.n_groups).filter(|&g| !table.suppressed[cell(g)]);
        let learners = largest(
            present().filter(|&g| table.mean_gap[cell(g)] > 0.0),
            |g| table.mean_gap[cell(g)],
            top,
        );
        let mentors = largest(present(), |g| table.mean_current[cell(g)], top);
        let first = out.len();
        for &l in &learners {
            for &m in &mentors {
                let (lc, mc) = (table.mean_current[cell(l)], table.mean_current[cell(m)]);
                if m == l || mc <= lc {
                    continue;
                }
                let gap = table.mean_gap[cell(l)];
                out.push(LearningMatch {
                    item,
                    rank: 0,
                    learner: l,
                    mentor: m,
                    learner_gap: gap,
                    learner_current: lc,
                    learner_n: table.n[cell(l)],
                    mentor_current: mc,
                    mentor_gap: table.mean_gap[cell(m)],
                    mentor_n: table.n[cell(m)],
                    score: gap * (mc - lc),
                });
            }
        }
        let pairs = &mut out[first..];
        pairs.sort_by(|a, b| b.score.total_cmp(&a.score));
        for (r, p) in pairs.iter_mut().enumerate() {
            p.rank = r as u32 + 1;
        }
    }
    Ok(out)
}
