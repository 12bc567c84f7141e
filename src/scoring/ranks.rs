//! The inputs of the survey statistics the Python package computes: an
//! item × respondent matrix of one rating ([`rating_matrix`]) and the
//! Kruskal–Wallis / Dunn rank sums of every item by group ([`rank_sums`]).
//!
//! Each item is ranked on its own (midranks of its answered values).
//! Integer-valued items (Likert levels and their differences) are ranked by
//! counting their values in one pass over the rows, in parallel over fixed
//! blocks of respondents (whole-number counts, whose sums are exact in any
//! order); others by sorting, in parallel over items, each item's sums
//! accumulated sequentially. The result does not depend on the thread count.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use super::ScoringError;
use crate::error::InvalidOption;
use crate::model::Survey;

/// Which rating of the answers a matrix holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rating {
    /// The current level.
    Current,
    /// The required level.
    Required,
    /// Importance.
    Importance,
    /// Target − current, the target being the required level where the
    /// survey asked for it and importance otherwise.
    Gap,
}

impl std::str::FromStr for Rating {
    type Err = crate::Error;

    /// `current`, `required`, `importance` or `gap`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        super::gaps::parse_option(
            "rating",
            s,
            &[
                ("current", Rating::Current),
                ("required", Rating::Required),
                ("importance", Rating::Importance),
                ("gap", Rating::Gap),
            ],
        )
    }
}

/// The respondent × competence matrix of a rating, NaN where an answer is
/// missing (or, for the gap, where either level is).
///
/// # Errors
/// [`ScoringError::InvalidOption`] when the survey has no such rating;
/// [`crate::Error::Allocation`] when the matrix does not fit in memory.
///
/// # Complexity
/// O(competences × respondents + answers).
///
/// ```
/// use skillsmap::scoring::{rating_matrix, Rating};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let s = generate(&SynthConfig::new(50, 1))?;
/// let m = rating_matrix(&s, Rating::Gap)?;
/// assert_eq!(m.dim(), (50, s.framework().len()));
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn rating_matrix(survey: &Survey, rating: Rating) -> crate::Result<Array2<f64>> {
    let a = survey.answers();
    let missing = |what: &str| -> crate::Error {
        ScoringError::InvalidOption(InvalidOption::new(
            "rating",
            format!("the survey has no {what} levels"),
        ))
        .into()
    };
    let (first, second): (&[f64], Option<&[f64]>) = match rating {
        Rating::Current => (&a.current, None),
        Rating::Required => (
            a.required.as_deref().ok_or_else(|| missing("required"))?,
            None,
        ),
        Rating::Importance => (
            a.importance
                .as_deref()
                .ok_or_else(|| missing("importance"))?,
            None,
        ),
        Rating::Gap => (survey.target(), Some(&a.current)),
    };
    let (n_items, n_resp) = (survey.framework().len(), survey.n_respondents());
    let size = crate::error::checked_len::<f64>("the rating matrix", n_items, n_resp)?;
    let mut data = crate::error::try_vec::<f64>("the rating matrix", size)?;
    data.resize(size, f64::NAN);
    for (k, (&r, &j)) in a.respondent.iter().zip(&a.competence).enumerate() {
        let v = match second {
            Some(c) => first[k] - c[k],
            None => first[k],
        };
        if let Some(cell) = data.get_mut(r as usize * n_items + j as usize) {
            *cell = v;
        }
    }
    Array2::from_shape_vec((n_resp, n_items), data).map_err(|e| {
        ScoringError::InvalidOption(InvalidOption::new("rating", e.to_string())).into()
    })
}

/// Rank sums of every item by group: the sufficient statistics of the
/// Kruskal–Wallis test and of Dunn's post-hoc test.
#[derive(Debug, Clone, PartialEq)]
pub struct RankSums {
    /// Number of groups.
    pub n_groups: usize,
    /// Number of items.
    pub n_items: usize,
    /// Sum of the midranks of each group's answers, group-major
    /// (`rank_sum[g * n_items + j]`).
    pub rank_sum: Vec<f64>,
    /// Answers of each group, group-major.
    pub count: Vec<f64>,
    /// Σ(t³ − t) over the item's tied values (t answers each).
    pub ties: Vec<f64>,
}

/// Largest range of an integer-valued item ranked by counting.
const MAX_COUNT_SPAN: f64 = 65_536.0;

/// Midranks of each item's answered values (a column of `x`: respondents
/// × items) among respondents with a group, summed per group.
///
/// `groups[r]` is the group of respondent `r` in `0..n_groups`, or a
/// negative number to leave the respondent out; NaN values are left out.
///
/// # Errors
/// [`ScoringError::InvalidOption`] when `groups` does not have one entry per
/// respondent or names a group ≥ `n_groups`.
///
/// # Complexity
/// O(answers) for integer-valued items with a small range — one pass over
/// the rows, in parallel over fixed blocks of respondents whose counts are
/// added in block order — else O(answers · log answers) per item, in
/// parallel over items.
pub fn rank_sums(
    x: ArrayView2<'_, f64>,
    groups: &[i64],
    n_groups: usize,
) -> crate::Result<RankSums> {
    let (n_resp, n_items) = x.dim();
    let bad = |reason: String| -> crate::Error {
        ScoringError::InvalidOption(InvalidOption::new("groups", reason)).into()
    };
    if groups.len() != n_resp {
        return Err(bad(format!(
            "{} group codes for {n_resp} respondents",
            groups.len()
        )));
    }
    if let Some(g) = groups.iter().find(|&&g| g >= n_groups as i64) {
        return Err(bad(format!("group code {g} beyond {n_groups} groups")));
    }
    let blocks = n_resp.div_ceil(ROW_BLOCK);
    let rows = |b: usize| b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n_resp);
    let counted = |v: f64, g: i64| !v.is_nan() && g >= 0;
    // Per item: smallest and largest value, and whether all are integers.
    let bounds: Vec<(f64, f64, bool)> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut out = vec![(f64::INFINITY, f64::NEG_INFINITY, true); n_items];
            for r in rows(b) {
                for (o, &v) in out.iter_mut().zip(x.row(r)) {
                    if counted(v, groups[r]) {
                        let whole = (v as i64) as f64 == v;
                        *o = (o.0.min(v), o.1.max(v), o.2 && whole);
                    }
                }
            }
            out
        })
        .reduce_with(|a, b| {
            a.iter()
                .zip(&b)
                .map(|(p, q)| (p.0.min(q.0), p.1.max(q.1), p.2 && q.2))
                .collect()
        })
        .unwrap_or_default();
    // Items ranked by counting: their tables' offsets in one flat table of
    // (group, value) counts.
    let mut offset = vec![usize::MAX; n_items];
    let mut span = vec![0usize; n_items];
    let mut size = 0usize;
    for (j, &(lo, hi, integral)) in bounds.iter().enumerate() {
        if lo <= hi && integral && hi - lo < MAX_COUNT_SPAN {
            span[j] = (hi - lo) as usize + 1;
            offset[j] = size;
            size += n_groups * span[j];
        }
    }
    let table: Vec<f64> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut t = vec![0.0f64; size];
            for r in rows(b) {
                let g = groups[r];
                if g < 0 {
                    continue;
                }
                for (j, &v) in x.row(r).iter().enumerate() {
                    if offset[j] != usize::MAX && !v.is_nan() {
                        let k = (v - bounds[j].0) as usize;
                        t[offset[j] + g as usize * span[j] + k] += 1.0;
                    }
                }
            }
            t
        })
        // counts are whole numbers: their sums are exact in any order
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(p, q)| *p += q);
            a
        })
        .unwrap_or_else(|| vec![0.0; size]);
    let per_item: Vec<(Vec<f64>, Vec<f64>, f64)> = (0..n_items)
        .into_par_iter()
        .map(|j| {
            if offset[j] == usize::MAX {
                sorted_rank_sums(x.column(j), groups, n_groups)
            } else {
                counted_rank_sums(
                    &table[offset[j]..offset[j] + n_groups * span[j]],
                    n_groups,
                    span[j],
                )
            }
        })
        .collect();
    let mut rank_sum = vec![0.0; n_groups * n_items];
    let mut count = vec![0.0; n_groups * n_items];
    let mut ties = vec![0.0; n_items];
    for (j, (r, c, t)) in per_item.into_iter().enumerate() {
        for g in 0..n_groups {
            rank_sum[g * n_items + j] = r[g];
            count[g * n_items + j] = c[g];
        }
        ties[j] = t;
    }
    Ok(RankSums {
        n_groups,
        n_items,
        rank_sum,
        count,
        ties,
    })
}

/// Rank sums of every competence by group straight from a survey's answers,
/// when every answered value of the rating is a whole number (Likert levels
/// and their differences): one pass over the answers, counting values, in
/// parallel over fixed blocks of answers (whole-number counts, whose sums
/// are exact in any order). `None` when a scale bound or an answered value
/// is not a whole number; [`rank_sums`] of the [`rating_matrix`] then ranks
/// by sorting. The result equals `rank_sums(rating_matrix(..), ..)`.
///
/// # Errors
/// As [`rating_matrix`] and [`rank_sums`].
///
/// # Complexity
/// O(answers + competences × groups × scale levels).
pub fn rating_rank_sums(
    survey: &Survey,
    rating: Rating,
    groups: &[i64],
    n_groups: usize,
) -> crate::Result<Option<RankSums>> {
    let (n_items, n_resp) = (survey.framework().len(), survey.n_respondents());
    let bad = |reason: String| -> crate::Error {
        ScoringError::InvalidOption(InvalidOption::new("groups", reason)).into()
    };
    if groups.len() != n_resp {
        return Err(bad(format!(
            "{} group codes for {n_resp} respondents",
            groups.len()
        )));
    }
    if let Some(g) = groups.iter().find(|&&g| g >= n_groups as i64) {
        return Err(bad(format!("group code {g} beyond {n_groups} groups")));
    }
    let a = survey.answers();
    let missing = |what: &str| -> crate::Error {
        ScoringError::InvalidOption(InvalidOption::new(
            "rating",
            format!("the survey has no {what} levels"),
        ))
        .into()
    };
    let (sc, isc) = (survey.scale(), survey.importance_scale());
    let target_scale = if a.required.is_some() { sc } else { isc };
    let (first, second, lo, hi): (&[f64], Option<&[f64]>, f64, f64) = match rating {
        Rating::Current => (&a.current, None, sc.min, sc.max),
        Rating::Required => (
            a.required.as_deref().ok_or_else(|| missing("required"))?,
            None,
            sc.min,
            sc.max,
        ),
        Rating::Importance => (
            a.importance
                .as_deref()
                .ok_or_else(|| missing("importance"))?,
            None,
            isc.min,
            isc.max,
        ),
        Rating::Gap => (
            survey.target(),
            Some(&a.current),
            target_scale.min - sc.max,
            target_scale.max - sc.min,
        ),
    };
    // scale bounds are finite (validated), so the comparison is total here
    if lo.fract() != 0.0 || hi.fract() != 0.0 || hi - lo >= MAX_COUNT_SPAN {
        return Ok(None);
    }
    let span = (hi - lo) as usize + 1;
    let per_item = n_groups * span;
    let size = crate::error::checked_len::<f64>("the rank counts", n_items, per_item)?;
    let n = a.len();
    let blocks = n.div_ceil(ANSWER_BLOCK);
    let tables: Option<Vec<f64>> = (0..blocks)
        .into_par_iter()
        .map(|b| -> Option<Vec<f64>> {
            // whole-number counts in integers; a cast, not `fract` (a
            // library call on baseline x86-64), tells whole numbers apart
            let mut t = vec![0u32; size];
            for k in b * ANSWER_BLOCK..((b + 1) * ANSWER_BLOCK).min(n) {
                let v = match second {
                    Some(c) => first[k] - c[k],
                    None => first[k],
                };
                let g = groups[a.respondent[k] as usize];
                if v.is_nan() || g < 0 {
                    continue;
                }
                let off = v - lo;
                let level = off as i64;
                if level as f64 != off || level < 0 || level as usize >= span {
                    return None;
                }
                let cell = a.competence[k] as usize * per_item + g as usize * span + level as usize;
                if let Some(c) = t.get_mut(cell) {
                    *c += 1;
                }
            }
            Some(t.into_iter().map(f64::from).collect::<Vec<f64>>())
        })
        .reduce_with(|x, y| match (x, y) {
            (Some(mut x), Some(y)) => {
                x.iter_mut().zip(&y).for_each(|(p, q)| *p += q);
                Some(x)
            }
            _ => None,
        })
        .unwrap_or_else(|| Some(vec![0.0; size]));
    let Some(table) = tables else {
        return Ok(None);
    };
    let mut rank_sum = vec![0.0; n_groups * n_items];
    let mut count = vec![0.0; n_groups * n_items];
    let mut ties = vec![0.0; n_items];
    for j in 0..n_items {
        let (r, c, t) = counted_rank_sums(&table[j * per_item..(j + 1) * per_item], n_groups, span);
        for g in 0..n_groups {
            rank_sum[g * n_items + j] = r[g];
            count[g * n_items + j] = c[g];
        }
        ties[j] = t;
    }
    Ok(Some(RankSums {
        n_groups,
        n_items,
        rank_sum,
        count,
        ties,
    }))
}

/// Answers per block of [`rating_rank_sums`].
const ANSWER_BLOCK: usize = 1 << 16;

/// Respondents per block of the counting pass.
const ROW_BLOCK: usize = 4096;

/// Rank sums of one item from its (group × value) counts.
fn counted_rank_sums(per: &[f64], n_groups: usize, span: usize) -> (Vec<f64>, Vec<f64>, f64) {
    let mut before = 0.0;
    let mut ties = 0.0;
    let mut avg = vec![0.0; span];
    for (k, a) in avg.iter_mut().enumerate() {
        let t: f64 = (0..n_groups).map(|g| per[g * span + k]).sum();
        *a = before + (t + 1.0) / 2.0;
        before += t;
        ties += t * t * t - t;
    }
    let mut rsum = vec![0.0; n_groups];
    let mut cnt = vec![0.0; n_groups];
    for g in 0..n_groups {
        let block = &per[g * span..(g + 1) * span];
        rsum[g] = block.iter().zip(&avg).map(|(c, a)| c * a).sum();
        cnt[g] = block.iter().sum();
    }
    (rsum, cnt, ties)
}

/// Rank sums of one item by sorting its answered values.
fn sorted_rank_sums(
    column: ndarray::ArrayView1<'_, f64>,
    groups: &[i64],
    n_groups: usize,
) -> (Vec<f64>, Vec<f64>, f64) {
    let mut rsum = vec![0.0; n_groups];
    let mut cnt = vec![0.0; n_groups];
    let mut pairs: Vec<(f64, usize)> = column
        .iter()
        .zip(groups)
        .filter(|(v, g)| !v.is_nan() && **g >= 0)
        .map(|(&v, &g)| (v, g as usize))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ties = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut k = i + 1;
        while k < pairs.len() && pairs[k].0 == pairs[i].0 {
            k += 1;
        }
        let avg = (i + 1 + k) as f64 / 2.0;
        let t = (k - i) as f64;
        ties += t * t * t - t;
        for p in &pairs[i..k] {
            rsum[p.1] += avg;
            cnt[p.1] += 1.0;
        }
        i = k;
    }
    (rsum, cnt, ties)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn counting_and_sorting_give_the_same_midranks() {
        // item 0 integral (counting), item 1 with halves (sorting): same order
        let x = array![
            [1.0, 2.0, 2.0, 3.0, f64::NAN, 1.0],
            [0.5, 1.0, 1.0, 1.5, 9.0, 0.5]
        ];
        let x = x.t();
        let g = [0, 1, 1, 0, 1, -1];
        let r = rank_sums(x, &g, 2).unwrap_or_else(|e| panic!("{e}"));
        // item 0: values 1,2,2,3 → ranks 1, 2.5, 2.5, 4; group 0 has 1 and 3
        assert_eq!((r.rank_sum[0], r.rank_sum[2]), (5.0, 5.0));
        assert_eq!((r.count[0], r.count[2]), (2.0, 2.0));
        assert_eq!(r.ties[0], 6.0);
        // item 1: 0.5, 1, 1, 1.5, 9 → 1, 2.5, 2.5, 4, 5; group 1 has 1, 1, 9
        assert_eq!((r.rank_sum[1], r.rank_sum[3]), (5.0, 10.0));
        assert!(rank_sums(x, &g[..3], 2).is_err());
        // from the survey's answers, the same sums as from its matrix
        let s = crate::synth::generate(&crate::synth::SynthConfig::new(300, 2))
            .unwrap_or_else(|e| panic!("{e}"));
        let groups: Vec<i64> = s
            .respondents()
            .region
            .iter()
            .map(|&g| i64::from(g))
            .collect();
        for rating in [Rating::Current, Rating::Gap, Rating::Importance] {
            let m = rating_matrix(&s, rating).unwrap_or_else(|e| panic!("{e}"));
            let want = rank_sums(m.view(), &groups, 6).unwrap_or_else(|e| panic!("{e}"));
            let got = rating_rank_sums(&s, rating, &groups, 6)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("whole numbers"));
            assert_eq!(got, want);
        }
        assert!(rank_sums(x, &[0, 0, 0, 0, 0, 2], 2).is_err());
    }
}
