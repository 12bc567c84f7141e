//! Priority quadrants: Locus for Focus (importance × gap) and
//! Importance–Performance Analysis (Martilla & James: performance ×
//! importance), and the combined priority with the Borich ranking.

use crate::model::Scale;

/// Where the crosshair of a quadrant plot sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Crosshair {
    /// Means over items (the Locus-for-Focus convention).
    #[default]
    Mean,
    /// Medians over items.
    Median,
    /// The scale midpoint `(min + max) / 2` of each axis' own scale
    /// (importance or current level); gaps keep their mean over items,
    /// having no natural midpoint.
    Scale,
}

impl std::str::FromStr for Crosshair {
    type Err = crate::Error;

    /// `mean`, `median` or `scale`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        super::gaps::parse_option(
            "crosshair",
            s,
            &[
                ("mean", Crosshair::Mean),
                ("median", Crosshair::Median),
                ("scale", Crosshair::Scale),
            ],
        )
    }
}

impl Crosshair {
    /// `mean`, `median` or `scale`.
    pub fn name(self) -> &'static str {
        match self {
            Crosshair::Mean => "mean",
            Crosshair::Median => "median",
            Crosshair::Scale => "scale",
        }
    }
}

/// Locus-for-Focus quadrant: first letter importance, second letter gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LffQuadrant {
    /// High importance, high gap: first priority.
    HH,
    /// High importance, low gap.
    HL,
    /// Low importance, high gap.
    LH,
    /// Low importance, low gap.
    LL,
}

impl LffQuadrant {
    /// `HH`, `HL`, `LH` or `LL`.
    pub fn name(self) -> &'static str {
        match self {
            LffQuadrant::HH => "HH",
            LffQuadrant::HL => "HL",
            LffQuadrant::LH => "LH",
            LffQuadrant::LL => "LL",
        }
    }
}

/// Importance–Performance Analysis quadrant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpaQuadrant {
    /// High importance, low performance.
    ConcentrateHere,
    /// High importance, high performance.
    KeepUpTheGoodWork,
    /// Low importance, low performance.
    LowPriority,
    /// Low importance, high performance.
    PossibleOverkill,
}

impl IpaQuadrant {
    /// The conventional label.
    pub fn name(self) -> &'static str {
        match self {
            IpaQuadrant::ConcentrateHere => "Concentrate here",
            IpaQuadrant::KeepUpTheGoodWork => "Keep up the good work",
            IpaQuadrant::LowPriority => "Low priority",
            IpaQuadrant::PossibleOverkill => "Possible overkill",
        }
    }
}

/// Quadrants of the items of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrants {
    /// Locus-for-Focus quadrant per item (None where a mean is undefined).
    pub lff: Vec<Option<LffQuadrant>>,
    /// IPA quadrant per item.
    pub ipa: Vec<Option<IpaQuadrant>>,
    /// Locus-for-Focus crosshair (importance, gap).
    pub lff_crosshair: (f64, f64),
    /// IPA crosshair (performance, importance).
    pub ipa_crosshair: (f64, f64),
    /// 1 = in the Borich top k and in HH, 2 = in one of them, 3 = neither.
    pub priority: Vec<Option<u8>>,
    /// The k used.
    pub top_k: usize,
}

fn center(values: &[f64], how: Crosshair) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    match how {
        Crosshair::Median => {
            v.sort_by(f64::total_cmp);
            let m = v.len();
            if m % 2 == 1 {
                v[m / 2]
            } else {
                (v[m / 2 - 1] + v[m / 2]) / 2.0
            }
        }
        _ => v.iter().sum::<f64>() / v.len() as f64,
    }
}

/// The per-item means a quadrant plot places, for the items of one group.
#[derive(Debug, Clone, Copy)]
pub struct ItemMeans<'a> {
    /// Mean importance-or-required level (the Borich variable).
    pub importance: &'a [f64],
    /// Mean gap.
    pub gap: &'a [f64],
    /// Mean current level.
    pub current: &'a [f64],
    /// Borich rank (1 = largest MWDS, 0 = undefined).
    pub rank: &'a [u32],
}

/// Classifies items into quadrants.
///
/// `importance` is the mean importance-or-required level of each item (on
/// `importance_scale`), `gap` the mean gap, `current` the mean current level
/// (on `current_scale`), `rank` the Borich rank (1 = largest MWDS, 0 =
/// undefined). A value equal to the crosshair counts as high. `top_k`
/// defaults to the number of HH items.
///
/// # Errors
/// [`super::ScoringError::InvalidOption`] if the four slices differ in length.
///
/// # Complexity
/// O(items log items).
///
/// # Example
/// ```
/// use skillsmap::scoring::{gap_table, quadrants, Crosshair, GapOptions, Grouping, ItemMeans};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(300, 2))?;
/// let t = gap_table(&survey, &Grouping::pooled(300), &GapOptions::default())?;
/// let q = quadrants(
///     ItemMeans {
///         importance: &t.borich_weight,
///         gap: &t.mean_gap,
///         current: &t.mean_current,
///         rank: &t.rank,
///     },
///     Crosshair::Mean,
///     survey.scale(),
///     survey.importance_scale(),
///     None,
/// )?;
/// // priority 1: high importance and high gap (Locus for Focus HH)
/// let first: Vec<&str> = (0..t.n_items)
///     .filter(|&j| q.priority[j] == Some(1))
///     .map(|j| survey.framework().competences[j].id.as_str())
///     .collect();
/// assert!(!first.is_empty());
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn quadrants(
    items: ItemMeans<'_>,
    crosshair: Crosshair,
    current_scale: &Scale,
    importance_scale: &Scale,
    top_k: Option<usize>,
) -> crate::Result<Quadrants> {
    let ItemMeans {
        importance,
        gap,
        current,
        rank,
    } = items;
    let n = importance.len();
    if gap.len() != n || current.len() != n || rank.len() != n {
        return Err(
            super::ScoringError::InvalidOption(crate::error::InvalidOption::new(
                "items",
                format!(
                    "item means of unequal length: {n}, {}, {}, {}",
                    gap.len(),
                    current.len(),
                    rank.len()
                ),
            ))
            .into(),
        );
    }
    let mid = |s: &Scale| (s.min + s.max) / 2.0;
    let (lx, ly) = match crosshair {
        Crosshair::Scale => (mid(importance_scale), center(gap, Crosshair::Mean)),
        c => (center(importance, c), center(gap, c)),
    };
    let (ix, iy) = match crosshair {
        Crosshair::Scale => (mid(current_scale), mid(importance_scale)),
        c => (center(current, c), center(importance, c)),
    };
    let mut lff = Vec::with_capacity(n);
    let mut ipa = Vec::with_capacity(n);
    for j in 0..n {
        let (imp, g, cur) = (importance[j], gap[j], current[j]);
        lff.push(if imp.is_nan() || g.is_nan() {
            None
        } else {
            Some(match (imp >= lx, g >= ly) {
                (true, true) => LffQuadrant::HH,
                (true, false) => LffQuadrant::HL,
                (false, true) => LffQuadrant::LH,
                (false, false) => LffQuadrant::LL,
            })
        });
        ipa.push(if imp.is_nan() || cur.is_nan() {
            None
        } else {
            Some(match (imp >= iy, cur >= ix) {
                (true, false) => IpaQuadrant::ConcentrateHere,
                (true, true) => IpaQuadrant::KeepUpTheGoodWork,
                (false, false) => IpaQuadrant::LowPriority,
                (false, true) => IpaQuadrant::PossibleOverkill,
            })
        });
    }
    let k = top_k.unwrap_or_else(|| lff.iter().filter(|q| **q == Some(LffQuadrant::HH)).count());
    let priority = (0..n)
        .map(|j| {
            let top = rank.get(j).is_some_and(|&r| r >= 1 && (r as usize) <= k);
            let hh = lff[j] == Some(LffQuadrant::HH);
            if lff[j].is_none() && rank.get(j).is_none_or(|&r| r == 0) {
                None
            } else {
                Some(match (top, hh) {
                    (true, true) => 1,
                    (false, false) => 3,
                    _ => 2,
                })
            }
        })
        .collect();
    Ok(Quadrants {
        lff,
        ipa,
        lff_crosshair: (lx, ly),
        ipa_crosshair: (ix, iy),
        priority,
        top_k: k,
    })
}
