//! Ordinal answer scales (Likert 1–5, EntreComp/DigComp proficiency 1–8).

use serde::{Deserialize, Serialize};

use super::ModelError;

/// A named ordinal scale with inclusive bounds and optional level labels.
///
/// Values outside `[min, max]` are errors at ingestion; they are never
/// clipped.
///
/// ```
/// use skillsmap::Scale;
/// let s = Scale::new(1.0, 5.0)?;
/// assert!(s.contains(3.0) && !s.contains(6.0));
/// assert_eq!(s.span(), 4.0);
/// # Ok::<(), skillsmap::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Stable id, e.g. `likert-5`.
    #[serde(default)]
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Lowest level (inclusive).
    pub min: f64,
    /// Highest level (inclusive).
    pub max: f64,
    /// Labels of the integer levels `min..=max`, in order; empty when unlabelled.
    #[serde(default)]
    pub labels: Vec<String>,
}

impl Scale {
    /// A scale from `min` to `max`.
    ///
    /// # Errors
    /// [`ModelError::InvalidScale`] unless both bounds are finite and `min < max`.
    pub fn new(min: f64, max: f64) -> crate::Result<Self> {
        let s = Scale {
            id: String::new(),
            name: String::new(),
            min,
            max,
            labels: Vec::new(),
        };
        s.check()?;
        Ok(s)
    }

    /// The same scale with level labels for the integer levels `min..=max`.
    ///
    /// # Errors
    /// [`ModelError::InvalidScale`] if the bounds are not integers or the
    /// number of labels differs from the number of levels.
    pub fn with_labels(mut self, labels: Vec<String>) -> crate::Result<Self> {
        self.labels = labels;
        self.check()?;
        Ok(self)
    }

    /// The same scale with an id and a name.
    pub fn named(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.id = id.into();
        self.name = name.into();
        self
    }

    /// The five-point Likert scale used by the demonstration data.
    pub fn likert5() -> Self {
        Scale {
            id: "likert-5".into(),
            name: "Likert 1-5".into(),
            min: 1.0,
            max: 5.0,
            labels: ["Very low", "Low", "Moderate", "High", "Very high"]
                .map(String::from)
                .to_vec(),
        }
    }

    /// Checks the invariants (used after deserialisation too).
    ///
    /// # Errors
    /// [`ModelError::InvalidScale`] describing the first broken invariant.
    pub fn check(&self) -> crate::Result<()> {
        if !self.min.is_finite() || !self.max.is_finite() {
            return Err(ModelError::InvalidScale {
                reason: format!(
                    "bounds must be finite, got min={} max={}",
                    self.min, self.max
                ),
            }
            .into());
        }
        if self.min >= self.max {
            return Err(ModelError::InvalidScale {
                reason: format!(
                    "min must be below max, got min={} max={}",
                    self.min, self.max
                ),
            }
            .into());
        }
        if !self.labels.is_empty() {
            if self.min.fract() != 0.0 || self.max.fract() != 0.0 {
                return Err(ModelError::InvalidScale {
                    reason: "level labels need integer bounds".into(),
                }
                .into());
            }
            let levels = ((self.max - self.min) as usize).saturating_add(1);
            if self.labels.len() != levels {
                return Err(ModelError::InvalidScale {
                    reason: format!(
                        "{} labels for {} levels ({}..={})",
                        self.labels.len(),
                        levels,
                        self.min,
                        self.max
                    ),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Whether `v` lies within the scale (NaN does not).
    #[inline]
    pub fn contains(&self, v: f64) -> bool {
        v >= self.min && v <= self.max
    }

    /// `max − min`, the denominator of scale-normalised gaps.
    #[inline]
    pub fn span(&self) -> f64 {
        self.max - self.min
    }

    /// The label of an integer level, if the scale is labelled.
    pub fn label(&self, level: f64) -> Option<&str> {
        if level.fract() != 0.0 || !self.contains(level) {
            return None;
        }
        self.labels
            .get((level - self.min) as usize)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_bounds_and_label_counts() {
        assert!(Scale::new(5.0, 1.0).is_err());
        assert!(Scale::new(1.0, f64::INFINITY).is_err());
        assert!(Scale::new(1.0, 3.0)
            .and_then(|s| s.with_labels(vec!["a".into(), "b".into()]))
            .is_err());
        let s = Scale::likert5();
        assert!(s.check().is_ok());
        assert_eq!(s.label(2.0), Some("Low"));
        assert_eq!(s.label(2.5), None);
        assert!(!s.contains(f64::NAN));
    }
}
