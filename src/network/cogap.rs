//! The co-gap network: competences joined by the number of respondents who
//! have a gap on both, counted with one bitset of respondents per competence.

use rayon::prelude::*;

use crate::model::Survey;
use crate::scoring::observations::make_z;

use super::{NetworkError, WeightedGraph};

/// Below this many word operations (pairs × words) the pair counts run
/// serially; the result is the same either way.
const PARALLEL_WORK: usize = 1 << 12;

/// The co-gap network of a survey's competences.
#[derive(Debug, Clone, PartialEq)]
pub struct CoGap {
    /// Competence ids, one per node, in framework order.
    pub competences: Vec<String>,
    /// Edge `(i, j, c)`: `c` > 0 respondents have a gap ≥ the threshold on
    /// both competences `i` and `j` (a count, stored as `f64`).
    pub graph: WeightedGraph,
    /// Per competence, the number of respondents with a gap ≥ the threshold
    /// (its ubiquity `k_i`).
    pub ubiquity: Vec<u64>,
    /// The same edges weighted by the proximity
    /// `φ_ij = count_ij / max(k_i, k_j)`, in (0, 1].
    pub proximity: WeightedGraph,
    /// The gap threshold used.
    pub threshold: f64,
    /// Number of respondents in the survey.
    pub n_respondents: usize,
}

/// The co-gap network of competences: which gaps occur together among
/// respondents.
///
/// A respondent has a gap on a competence when target − current ≥
/// `threshold`, the target being the required level when the survey asked
/// for it and importance otherwise — the pairing of the gap statistics in
/// [`crate::scoring`]: an answer missing either level has no gap. Every
/// competence of the framework is a node. The weight of edge `(i, j)` is the
/// number of respondents with a gap on both (unweighted: survey weights are
/// not used); pairs with no such respondent have no edge. The proximity
/// graph has the same edges with weight `count_ij / max(k_i, k_j)` where `k`
/// is the [ubiquity](CoGap::ubiquity), as in the relatedness literature.
///
/// # Errors
/// [`NetworkError::InvalidOption`] when `threshold` is not finite and positive.
///
/// # Complexity
/// O(A + J² · R / 64) time for A answers, J competences and R respondents
/// (popcounts of 64-bit words, parallel over competences above a size
/// threshold), O(J · R / 64) memory.
///
/// # Example
/// ```
/// use skillsmap::network::{centrality, cogap_network, disparity_backbone, louvain};
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(300, 9))?;
/// // competences linked by the respondents who have a gap of 1 or more on both
/// let net = cogap_network(&survey, 1.0)?;
/// assert_eq!(net.competences.len(), survey.framework().len());
/// let communities = louvain(&net.graph, 0);
/// let c = centrality(&net.graph)?;
/// assert_eq!((communities.len(), c.degree.len()), (net.graph.n_nodes(), net.graph.n_nodes()));
/// let backbone = disparity_backbone(&net.graph, 0.05)?;
/// assert!(backbone.n_edges() <= net.graph.n_edges());
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn cogap_network(survey: &Survey, threshold: f64) -> crate::Result<CoGap> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(
            NetworkError::InvalidOption(crate::error::InvalidOption::new(
                "threshold",
                format!("gap threshold must be finite and positive, got {threshold}"),
            ))
            .into(),
        );
    }
    let n_comp = survey.framework().len();
    let n_resp = survey.n_respondents();
    let words = n_resp.div_ceil(64);
    let mut bits = vec![0u64; n_comp * words];
    let a = survey.answers();
    let has_gap = |k: usize| {
        let z = make_z(
            a.current.get(k).copied().unwrap_or(f64::NAN),
            a.required
                .as_ref()
                .map(|v| v.get(k).copied().unwrap_or(f64::NAN)),
            a.importance
                .as_ref()
                .map(|v| v.get(k).copied().unwrap_or(f64::NAN)),
        );
        // NaN (no gap pair) compares false.
        z.t - z.c >= threshold
    };
    for (k, (&r, &j)) in a.respondent.iter().zip(&a.competence).enumerate() {
        let (r, j) = (r as usize, j as usize);
        if r < n_resp && j < n_comp && has_gap(k) {
            if let Some(w) = bits.get_mut(j * words + r / 64) {
                *w |= 1u64 << (r % 64);
            }
        }
    }
    let row = |i: usize| &bits[i * words..(i + 1) * words];
    let ubiquity: Vec<u64> = (0..n_comp)
        .map(|i| row(i).iter().map(|w| u64::from(w.count_ones())).sum())
        .collect();
    // Edges of competence i with every j > i, in order of j.
    let edges_of = |i: usize| -> Vec<(u32, u32, f64)> {
        let ri = row(i);
        (i + 1..n_comp)
            .filter_map(|j| {
                let c: u64 = ri
                    .iter()
                    .zip(row(j))
                    .map(|(x, y)| u64::from((x & y).count_ones()))
                    .sum();
                (c > 0).then_some((i as u32, j as u32, c as f64))
            })
            .collect()
    };
    let work = n_comp * n_comp / 2 * words;
    let per_row: Vec<Vec<(u32, u32, f64)>> = if work < PARALLEL_WORK {
        (0..n_comp).map(edges_of).collect()
    } else {
        (0..n_comp).into_par_iter().map(edges_of).collect()
    };
    let counts: Vec<(u32, u32, f64)> = per_row.into_iter().flatten().collect();
    let proximity_edges = counts
        .iter()
        .map(|&(i, j, c)| {
            let k = ubiquity[i as usize].max(ubiquity[j as usize]) as f64;
            (i, j, c / k)
        })
        .collect();
    // Edges come out sorted by (i, j), unique, with positive finite weights.
    let graph = WeightedGraph::from_sorted(n_comp, counts);
    let proximity = WeightedGraph::from_sorted(n_comp, proximity_edges);
    Ok(CoGap {
        competences: survey
            .framework()
            .competences
            .iter()
            .map(|c| c.id.clone())
            .collect(),
        graph,
        ubiquity,
        proximity,
        threshold,
        n_respondents: n_resp,
    })
}
