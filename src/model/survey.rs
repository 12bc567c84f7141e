//! The columnar survey: respondents stored once with their metadata, answers
//! as parallel arrays of interned ids and `f64` levels (NaN = missing).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Framework, ModelError, RegionSet, Scale, Typology};

/// Provenance of a survey; `synthetic` is true for generated data and is shown
/// wherever the data appear.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyMeta {
    /// True for data made by [`crate::synth`].
    pub synthetic: bool,
    /// Free text: where the data come from.
    pub source: String,
    /// The generator's seed, for synthetic data.
    pub seed: Option<u64>,
}

/// A categorical respondent attribute (organisation size, …), one code per
/// respondent into `levels`; `u32::MAX` marks a missing value.
///
/// Two attributes are equal when they give every respondent the same value,
/// whatever the order of their levels.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Column name.
    pub name: String,
    /// Distinct values in order of first appearance.
    pub levels: Vec<String>,
    /// One code per respondent.
    pub codes: Vec<u32>,
}

impl Attribute {
    /// The value of respondent `r`, `None` when missing.
    pub fn value(&self, r: usize) -> Option<&str> {
        let c = *self.codes.get(r)?;
        self.levels.get(c as usize).map(String::as_str)
    }
}

impl PartialEq for Attribute {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.codes.len() == o.codes.len()
            && (0..self.codes.len()).all(|r| self.value(r) == o.value(r))
    }
}

/// Code of a missing attribute value.
pub const MISSING_CODE: u32 = u32::MAX;

/// Per-respondent metadata, stored once per respondent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Respondents {
    /// Respondent ids as given, in order of first appearance.
    pub ids: Vec<String>,
    /// Position in the survey's [`RegionSet`].
    pub region: Vec<u32>,
    /// Position in the survey's [`Typology`] types.
    pub stakeholder_type: Vec<u32>,
    /// Survey weights, when the survey has them.
    pub weight: Option<Vec<f64>>,
    /// Further categorical attributes.
    pub attributes: Vec<Attribute>,
}

/// One row per (respondent, competence) answer, as parallel columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    /// Respondent position.
    pub respondent: Vec<u32>,
    /// Competence position in the framework.
    pub competence: Vec<u32>,
    /// Current level (NaN = missing).
    pub current: Vec<f64>,
    /// Required level (NaN = missing), when the survey asked it.
    pub required: Option<Vec<f64>>,
    /// Importance (NaN = missing), when the survey asked it.
    pub importance: Option<Vec<f64>>,
}

impl Answers {
    /// Number of answer rows.
    pub fn len(&self) -> usize {
        self.respondent.len()
    }

    /// Whether there are no answers.
    pub fn is_empty(&self) -> bool {
        self.respondent.is_empty()
    }
}

/// A validated skills survey.
///
/// Build one with [`crate::ingest::build_survey`] from a long table, or with
/// [`crate::synth::generate`]. Every stored value has been checked: ids
/// resolve, levels lie on the scale, each (respondent, competence) appears
/// once and each respondent has one region, type and weight.
#[derive(Debug, Clone)]
pub struct Survey {
    pub(crate) framework: Arc<Framework>,
    pub(crate) scale: Scale,
    pub(crate) importance_scale: Scale,
    pub(crate) regions: Arc<RegionSet>,
    pub(crate) typology: Arc<Typology>,
    pub(crate) respondents: Respondents,
    /// Shared with the surveys made from this one by new weights.
    pub(crate) answers: Arc<Answers>,
    pub(crate) meta: SurveyMeta,
}

impl PartialEq for Survey {
    fn eq(&self, o: &Self) -> bool {
        *self.framework == *o.framework
            && self.scale == o.scale
            && self.importance_scale == o.importance_scale
            && *self.regions == *o.regions
            && *self.typology == *o.typology
            && self.respondents == o.respondents
            && answers_eq(&self.answers, &o.answers)
            && self.meta == o.meta
    }
}

/// Equality that treats NaN (missing) as equal to NaN.
fn answers_eq(a: &Answers, b: &Answers) -> bool {
    fn col(x: &[f64], y: &[f64]) -> bool {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
    }
    fn opt(x: &Option<Vec<f64>>, y: &Option<Vec<f64>>) -> bool {
        match (x, y) {
            (Some(x), Some(y)) => col(x, y),
            (None, None) => true,
            _ => false,
        }
    }
    a.respondent == b.respondent
        && a.competence == b.competence
        && col(&a.current, &b.current)
        && opt(&a.required, &b.required)
        && opt(&a.importance, &b.importance)
}

impl Survey {
    /// The competence framework answers refer to.
    pub fn framework(&self) -> &Arc<Framework> {
        &self.framework
    }
    /// The scale of current and required levels.
    pub fn scale(&self) -> &Scale {
        &self.scale
    }
    /// The scale of importance ratings (the level scale unless set apart).
    pub fn importance_scale(&self) -> &Scale {
        &self.importance_scale
    }
    /// The regions respondents belong to.
    pub fn regions(&self) -> &Arc<RegionSet> {
        &self.regions
    }
    /// The stakeholder typology.
    pub fn typology(&self) -> &Arc<Typology> {
        &self.typology
    }
    /// Per-respondent metadata.
    pub fn respondents(&self) -> &Respondents {
        &self.respondents
    }
    /// The answers.
    pub fn answers(&self) -> &Answers {
        &self.answers
    }
    /// Provenance.
    pub fn meta(&self) -> &SurveyMeta {
        &self.meta
    }
    /// Number of respondents.
    pub fn n_respondents(&self) -> usize {
        self.respondents.ids.len()
    }
    /// Number of answer rows.
    pub fn n_answers(&self) -> usize {
        self.answers.len()
    }
    /// Whether the survey has survey weights.
    pub fn has_weights(&self) -> bool {
        self.respondents.weight.is_some()
    }

    /// The same survey with new respondent weights (one per respondent, in
    /// respondent order), e.g. raking or post-stratification weights.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] unless there is one finite, non-negative
    /// weight per respondent and at least one is positive.
    ///
    /// # Complexity
    /// O(respondents): the answers are shared with `self`, not copied.
    pub fn with_weights(&self, weights: Vec<f64>) -> crate::Result<Survey> {
        let bad = |reason: String| -> crate::Error {
            ModelError::Invalid {
                what: "respondent weights".into(),
                reason,
            }
            .into()
        };
        if weights.len() != self.n_respondents() {
            return Err(bad(format!(
                "{} weights for {} respondents",
                weights.len(),
                self.n_respondents()
            )));
        }
        if let Some((r, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(bad(format!(
                "weight {w} of respondent {:?} is not finite and non-negative",
                self.respondents.ids.get(r).map_or("?", String::as_str)
            )));
        }
        if !weights.iter().any(|w| *w > 0.0) {
            return Err(bad("every weight is zero".into()));
        }
        let mut out = self.clone();
        out.respondents.weight = Some(weights);
        Ok(out)
    }

    /// The target level of each answer for gap scoring: required where the
    /// survey asked it, importance otherwise.
    pub fn target(&self) -> &[f64] {
        match (&self.answers.required, &self.answers.importance) {
            (Some(r), _) => r,
            (None, Some(i)) => i,
            // Ingestion guarantees one of the two exists.
            (None, None) => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::synth::{generate, SynthConfig};

    #[test]
    fn new_weights_share_the_answers_and_change_only_the_weights() {
        let s = generate(&SynthConfig::new(50, 3)).unwrap();
        let w: Vec<f64> = (0..s.n_respondents()).map(|r| 1.0 + r as f64).collect();
        let t = s.with_weights(w.clone()).unwrap();
        assert!(std::ptr::eq(s.answers(), t.answers()), "answers copied");
        assert_eq!(t.respondents().weight.as_deref(), Some(&w[..]));
        assert_ne!(s.respondents().weight, t.respondents().weight);
    }
}
