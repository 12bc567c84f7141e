//! The unit of gap scoring: one observation per respondent × item, with the
//! pairs of levels each statistic needs. At competence level observations are
//! read straight from the survey's columns; at area level each respondent's
//! levels are first averaged over the area's competences.

use crate::model::Survey;

use super::gaps::{BorichVariable, Level};

/// The levels of one observation. `t`/`c` form the gap pair and `i`/`ci` the
/// Borich pair: both members are present, or the first is NaN. `ia` is the
/// importance-or-required answer whether or not a current level exists; `r`
/// the required level of the gap pair (NaN without required levels).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Z {
    pub t: f64,
    pub c: f64,
    pub i: f64,
    pub ci: f64,
    pub ia: f64,
    pub r: f64,
}

pub(crate) enum Source<'a> {
    Answers {
        respondent: &'a [u32],
        competence: &'a [u32],
        current: &'a [f64],
        required: Option<&'a [f64]>,
        importance: Option<&'a [f64]>,
    },
    Table {
        respondent: Vec<u32>,
        item: Vec<u32>,
        z: Vec<Z>,
    },
}

/// Observations of a survey at a level, with respondent weights.
pub(crate) struct Observations<'a> {
    pub source: Source<'a>,
    /// Respondent weights, rescaled by a power of two when they are so
    /// large (or small) that their sums would overflow (see
    /// [`scaled_weights`]); weighted means do not change.
    pub weight: Option<std::borrow::Cow<'a, [f64]>>,
    pub n_items: usize,
    /// The Borich variable as used: the one asked for where the survey has
    /// it, else the other.
    pub borich: BorichVariable,
}

/// A respondent's sums over the competences of one area, from which the
/// area-level observation is the mean of each pair.
#[derive(Debug, Clone, Copy, Default)]
struct AreaSums {
    /// Competences with a gap pair (target and current).
    n_gap: f64,
    target: f64,
    current: f64,
    required: f64,
    /// Competences with a Borich pair (Borich variable and current).
    n_borich: f64,
    borich: f64,
    borich_current: f64,
    /// Competences with a Borich-variable answer, paired or not.
    n_borich_any: f64,
    borich_any: f64,
}

#[inline]
pub(crate) fn make_z(c: f64, req: Option<f64>, imp: Option<f64>) -> Z {
    make_z_with(c, req, imp, BorichVariable::Importance)
}

/// As [`make_z`], with the Borich variable chosen: importance where asked,
/// else required ([`BorichVariable::Importance`]), or required first.
#[inline]
pub(crate) fn make_z_with(c: f64, req: Option<f64>, imp: Option<f64>, borich: BorichVariable) -> Z {
    // Gap target: required where asked, else importance.
    let t = req.or(imp).unwrap_or(f64::NAN);
    // Borich: importance where asked, else required (or the other way round).
    let i = match borich {
        BorichVariable::Required => req.or(imp),
        BorichVariable::Importance => imp.or(req),
    }
    .unwrap_or(f64::NAN);
    let gap_pair = !t.is_nan() && !c.is_nan();
    let borich_pair = !i.is_nan() && !c.is_nan();
    Z {
        t: if gap_pair { t } else { f64::NAN },
        c,
        i: if borich_pair { i } else { f64::NAN },
        ci: c,
        ia: i,
        r: if gap_pair {
            req.unwrap_or(f64::NAN)
        } else {
            f64::NAN
        },
    }
}

/// Weights as they are, or divided by the power of two nearest above their
/// largest when that is beyond 1e150 (or below 1e-150): Σw·x, Σw and Σw²
/// then stay finite and nonzero, and every ratio of them (means, Kish's
/// effective n) is unchanged, exactly in the scaling itself.
pub(crate) fn scaled_weights(w: &[f64]) -> std::borrow::Cow<'_, [f64]> {
    let max = w.iter().fold(0.0f64, |m, &v| m.max(v));
    if max > 1e150 || (max > 0.0 && max < 1e-150) {
        let factor = 2f64.powi(-(max.log2().ceil() as i32));
        std::borrow::Cow::Owned(w.iter().map(|&v| v * factor).collect())
    } else {
        std::borrow::Cow::Borrowed(w)
    }
}

/// The level columns observations are read from: the survey's own, or a
/// table's that the survey was validated from (see
/// [`GapPartial::from_table`](super::GapPartial::from_table)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LevelColumns<'a> {
    pub current: &'a [f64],
    pub required: Option<&'a [f64]>,
    pub importance: Option<&'a [f64]>,
}

impl<'a> LevelColumns<'a> {
    /// The survey's own level columns.
    pub fn of(survey: &'a Survey) -> Self {
        let a = survey.answers();
        LevelColumns {
            current: &a.current,
            required: a.required.as_deref(),
            importance: a.importance.as_deref(),
        }
    }
}

impl<'a> Observations<'a> {
    pub fn new(survey: &'a Survey, level: Level, weights: bool, borich: BorichVariable) -> Self {
        Self::with_levels(survey, LevelColumns::of(survey), level, weights, borich)
    }

    /// As [`Observations::new`], the levels read from `levels`, which hold
    /// one value per answer of `survey` (in its order).
    pub fn with_levels(
        survey: &'a Survey,
        levels: LevelColumns<'a>,
        level: Level,
        weights: bool,
        borich: BorichVariable,
    ) -> Self {
        let a = survey.answers();
        let weight = if weights {
            survey.respondents().weight.as_deref().map(scaled_weights)
        } else {
            None
        };
        // The variable as used: the one asked for where the survey has it.
        let borich = match borich {
            BorichVariable::Required if levels.required.is_some() => BorichVariable::Required,
            _ if levels.importance.is_some() => BorichVariable::Importance,
            _ => BorichVariable::Required,
        };
        match level {
            Level::Competence => Observations {
                source: Source::Answers {
                    respondent: &a.respondent,
                    competence: &a.competence,
                    current: levels.current,
                    required: levels.required,
                    importance: levels.importance,
                },
                weight,
                n_items: survey.framework().len(),
                borich,
            },
            Level::Area => {
                let fw = survey.framework();
                let n_areas = fw.areas.len();
                let area_of: Vec<u32> = fw.competences.iter().map(|c| c.area as u32).collect();
                let n_resp = survey.n_respondents();
                let mut acc = vec![AreaSums::default(); n_resp * n_areas];
                for k in 0..a.len() {
                    let z = make_z_with(
                        levels.current[k],
                        levels.required.map(|v| v[k]),
                        levels.importance.map(|v| v[k]),
                        borich,
                    );
                    let cell = a.respondent[k] as usize * n_areas
                        + area_of[a.competence[k] as usize] as usize;
                    let s = &mut acc[cell];
                    if !z.t.is_nan() {
                        s.n_gap += 1.0;
                        s.target += z.t;
                        s.current += z.c;
                        s.required += z.r;
                    }
                    if !z.i.is_nan() {
                        s.n_borich += 1.0;
                        s.borich += z.i;
                        s.borich_current += z.ci;
                    }
                    if !z.ia.is_nan() {
                        s.n_borich_any += 1.0;
                        s.borich_any += z.ia;
                    }
                }
                let mut respondent = Vec::new();
                let mut item = Vec::new();
                let mut zs = Vec::new();
                for r in 0..n_resp {
                    for ar in 0..n_areas {
                        let s = &acc[r * n_areas + ar];
                        if s.n_gap == 0.0 && s.n_borich == 0.0 && s.n_borich_any == 0.0 {
                            continue;
                        }
                        let mean = |sum: f64, n: f64| if n > 0.0 { sum / n } else { f64::NAN };
                        respondent.push(r as u32);
                        item.push(ar as u32);
                        zs.push(Z {
                            t: mean(s.target, s.n_gap),
                            c: mean(s.current, s.n_gap),
                            r: mean(s.required, s.n_gap),
                            i: mean(s.borich, s.n_borich),
                            ci: mean(s.borich_current, s.n_borich),
                            ia: mean(s.borich_any, s.n_borich_any),
                        });
                    }
                }
                Observations {
                    source: Source::Table {
                        respondent,
                        item,
                        z: zs,
                    },
                    weight,
                    n_items: n_areas,
                    borich,
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        match &self.source {
            Source::Answers { respondent, .. } => respondent.len(),
            Source::Table { respondent, .. } => respondent.len(),
        }
    }

    /// Calls `f(respondent, item, z, weight)` for observations `lo..hi`.
    #[inline]
    pub fn for_each(&self, lo: usize, hi: usize, mut f: impl FnMut(usize, usize, &Z, f64)) {
        // Zipped slices of the range let the compiler drop bounds checks in
        // this hot loop.
        let weight = |r: usize| match &self.weight {
            Some(w) => w.get(r).copied().unwrap_or(f64::NAN),
            None => 1.0,
        };
        match &self.source {
            Source::Answers {
                respondent,
                competence,
                current,
                required,
                importance,
            } => {
                let (resp, comp, cur) =
                    (&respondent[lo..hi], &competence[lo..hi], &current[lo..hi]);
                match (required.map(|v| &v[lo..hi]), importance.map(|v| &v[lo..hi])) {
                    (Some(req), Some(imp)) => {
                        for ((((&r, &j), &c), &q), &i) in
                            resp.iter().zip(comp).zip(cur).zip(req).zip(imp)
                        {
                            let r = r as usize;
                            let z = make_z_with(c, Some(q), Some(i), self.borich);
                            f(r, j as usize, &z, weight(r));
                        }
                    }
                    (Some(one), None) | (None, Some(one)) => {
                        let is_req = required.is_some();
                        for (((&r, &j), &c), &v) in resp.iter().zip(comp).zip(cur).zip(one) {
                            let r = r as usize;
                            let z = if is_req {
                                make_z(c, Some(v), None)
                            } else {
                                make_z(c, None, Some(v))
                            };
                            f(r, j as usize, &z, weight(r));
                        }
                    }
                    (None, None) => {}
                }
            }
            Source::Table {
                respondent,
                item,
                z,
            } => {
                for ((&r, &j), z) in respondent[lo..hi].iter().zip(&item[lo..hi]).zip(&z[lo..hi]) {
                    let r = r as usize;
                    f(r, j as usize, z, weight(r));
                }
            }
        }
    }
}
