//! A compact description of a survey: respondents per region × stakeholder
//! type, answer counts and the unweighted mean gap per competence area.
//!
//! The Python package writes the same summary in other languages
//! (`python/skillsmap/_summary.py`, recounting these numbers the same way);
//! `tests/python/test_survey.py` fails when the two disagree, so a change
//! here is a change there.

use std::fmt;

use crate::model::Survey;

/// Mean gap of one competence area.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaGap {
    /// Area id.
    pub area: String,
    /// Area label.
    pub label: String,
    /// Answers with both levels present.
    pub n: usize,
    /// Unweighted mean of target − current over those answers (NaN if none).
    pub mean_gap: f64,
}

/// What `skillsmap` prints about a survey.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveySummary {
    /// Whether the data are synthetic.
    pub synthetic: bool,
    /// Provenance text.
    pub source: String,
    /// Framework id and name.
    pub framework: (String, String),
    /// Number of respondents.
    pub n_respondents: usize,
    /// Number of answer rows.
    pub n_answers: usize,
    /// Answers missing the current level.
    pub n_missing_current: usize,
    /// Answers missing the target level (required, or importance).
    pub n_missing_target: usize,
    /// Region display names, in order.
    pub regions: Vec<String>,
    /// Stakeholder type labels, in order.
    pub types: Vec<String>,
    /// `counts[region][type]`: respondents.
    pub counts: Vec<Vec<usize>>,
    /// Mean gap per area.
    pub area_gaps: Vec<AreaGap>,
}

impl Survey {
    /// Summarises the survey.
    ///
    /// # Complexity
    /// O(answers).
    pub fn summary(&self) -> SurveySummary {
        let fw = self.framework();
        let regions: Vec<String> = self
            .regions()
            .regions
            .iter()
            .map(|r| r.name.clone())
            .collect();
        let types: Vec<String> = self
            .typology()
            .types
            .iter()
            .map(|t| t.label.clone())
            .collect();
        let mut counts = vec![vec![0usize; types.len()]; regions.len()];
        let resp = self.respondents();
        for (g, t) in resp.region.iter().zip(&resp.stakeholder_type) {
            if let Some(c) = counts
                .get_mut(*g as usize)
                .and_then(|row| row.get_mut(*t as usize))
            {
                *c += 1;
            }
        }
        let a = self.answers();
        let target = self.target();
        let mut sum = vec![0.0; fw.areas.len()];
        let mut n = vec![0usize; fw.areas.len()];
        let mut miss_c = 0;
        let mut miss_t = 0;
        for i in 0..a.len() {
            let c = a.current[i];
            let r = target.get(i).copied().unwrap_or(f64::NAN);
            miss_c += usize::from(c.is_nan());
            miss_t += usize::from(r.is_nan());
            if !c.is_nan() && !r.is_nan() {
                let area = fw.competences[a.competence[i] as usize].area;
                sum[area] += r - c;
                n[area] += 1;
            }
        }
        let area_gaps = fw
            .areas
            .iter()
            .enumerate()
            .map(|(k, ar)| AreaGap {
                area: ar.id.clone(),
                label: ar.label.clone(),
                n: n[k],
                mean_gap: if n[k] > 0 {
                    sum[k] / n[k] as f64
                } else {
                    f64::NAN
                },
            })
            .collect();
        SurveySummary {
            synthetic: self.meta().synthetic,
            source: self.meta().source.clone(),
            framework: (fw.id.clone(), fw.name.clone()),
            n_respondents: self.n_respondents(),
            n_answers: a.len(),
            n_missing_current: miss_c,
            n_missing_target: miss_t,
            regions,
            types,
            counts,
            area_gaps,
        }
    }
}

impl fmt::Display for SurveySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.synthetic {
            writeln!(
                f,
                "SYNTHETIC DEMONSTRATION DATA — not real survey responses"
            )?;
        }
        writeln!(
            f,
            "Survey: {} respondents, {} answers ({} missing current, {} missing target); framework {} ({})",
            self.n_respondents,
            self.n_answers,
            self.n_missing_current,
            self.n_missing_target,
            self.framework.0,
            self.framework.1
        )?;
        if !self.source.is_empty() {
            writeln!(f, "Source: {}", self.source)?;
        }
        // Respondents per region × type; types as columns, abbreviated.
        let used: Vec<usize> = (0..self.types.len())
            .filter(|t| self.counts.iter().any(|row| row[*t] > 0))
            .collect();
        let rw = self
            .regions
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(f, "\nRespondents per region × stakeholder type:")?;
        write!(f, "{:rw$}", "")?;
        for t in &used {
            write!(f, " {:>6}", abbreviate(&self.types[*t]))?;
        }
        writeln!(f, " {:>6}", "total")?;
        for (g, name) in self.regions.iter().enumerate() {
            let total: usize = self.counts[g].iter().sum();
            if total == 0 {
                continue;
            }
            write!(f, "{name:rw$}")?;
            for t in &used {
                write!(f, " {:>6}", self.counts[g][*t])?;
            }
            writeln!(f, " {total:>6}")?;
        }
        writeln!(
            f,
            "(columns: {})",
            used.iter()
                .map(|t| format!("{} = {}", abbreviate(&self.types[*t]), self.types[*t]))
                .collect::<Vec<_>>()
                .join("; ")
        )?;
        writeln!(f, "\nMean gap (target − current) per competence area:")?;
        let aw = self
            .area_gaps
            .iter()
            .map(|a| a.label.chars().count())
            .max()
            .unwrap_or(4);
        for a in &self.area_gaps {
            writeln!(f, "  {:aw$}  {:>6.2}  (n = {})", a.label, a.mean_gap, a.n)?;
        }
        Ok(())
    }
}

/// Six-character column header from a label: initials of its words, or the
/// first letters of a single word.
fn abbreviate(label: &str) -> String {
    let words: Vec<&str> = label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !["or", "and", "of", "the"].contains(w))
        .collect();
    if words.len() == 1 {
        words[0].chars().take(6).collect()
    } else {
        words
            .iter()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .take(6)
            .collect()
    }
}
