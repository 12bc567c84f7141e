//! Compare regions: how alike their gap profiles are, and who could learn
//! what from whom (interregional learning matches).
//!
//! ```text
//! cargo run --example compare_regions
//! ```
//!
//! Runs on the seeded synthetic demonstration survey (not real answers).

use skillsmap::ndarray::Array2;
use skillsmap::scoring::{gap_table, learning_matches, GapOptions, GroupKey, Grouping};
use skillsmap::similarity::{similarity_matrix, Metric, SimilarityOptions};
use skillsmap::synth::{generate, SynthConfig};

fn main() -> Result<(), skillsmap::Error> {
    let survey = generate(&SynthConfig::new(1200, 0))?;
    println!(
        "synthetic demonstration data: {} respondents\n",
        survey.n_respondents()
    );
    let regions = Grouping::by(&survey, &[GroupKey::Region])?;
    let table = gap_table(&survey, &regions, &GapOptions::default())?;
    let name = |g: usize| {
        let id = &regions.labels[g][0];
        let set = survey.regions();
        set.resolve(id)
            .map_or(id.clone(), |r| set.regions[r].name.clone())
    };

    // Region × competence profile of mean gaps; Pearson correlation over the
    // competences both regions have (suppressed cells are NaN).
    let profiles = Array2::from_shape_vec((table.n_groups, table.n_items), table.mean_gap.clone())
        .map_err(|e| skillsmap::InvalidOption::new("profiles", e.to_string()))
        .map_err(skillsmap::scoring::ScoringError::InvalidOption)?;
    let sim = similarity_matrix(profiles.view(), &SimilarityOptions::new(Metric::Pearson))?;
    println!("Most similar gap profile (Pearson r):");
    for a in 0..table.n_groups {
        let best = (0..table.n_groups)
            .filter(|&b| b != a && !sim[[a, b]].is_nan())
            .max_by(|&x, &y| sim[[a, x]].total_cmp(&sim[[a, y]]));
        if let Some(b) = best {
            println!("  {:<20} {:<20} r = {:.2}", name(a), name(b), sim[[a, b]]);
        }
    }

    println!("\nBest learning match per competence (first 10):");
    let fw = survey.framework();
    for m in learning_matches(&table, 3)?
        .iter()
        .filter(|m| m.rank == 1)
        .take(10)
    {
        println!(
            "  {} could learn {} from {} (gap {:.2}, n = {}; mentor level {:.2} vs {:.2})",
            name(m.learner),
            fw.competences[m.item].label,
            name(m.mentor),
            m.learner_gap,
            m.learner_n,
            m.mentor_current,
            m.learner_current,
        );
    }
    Ok(())
}
