//! The disparity filter of Serrano, Boguñá and Vespignani (2009, PNAS 106,
//! 6483–6488): keep the edges that carry a significant share of the
//! strength of one of their endpoints, so that figures stay readable.

use super::{NetworkError, WeightedGraph};

/// The backbone of a weighted graph by the disparity filter.
///
/// For an edge `(i, j)` of weight `w` and an endpoint `i` of degree
/// `k_i > 1` and strength `s_i`, the share `p_ij = w / s_i` is tested
/// against the null model of `k_i` uniformly random shares:
/// `α_ij = (1 − p_ij)^(k_i − 1)`. The edge is kept when it is significant
/// for **either** endpoint (`α_ij < alpha` at `i` or at `j`), the usual rule
/// of the original paper: an edge that matters to one node is kept even if
/// it is ordinary for the other. An endpoint of degree 1 has no null model
/// (its single edge carries all its strength), so an edge at a node of
/// degree 1 is always kept: leaves stay attached. The result has the same
/// nodes and the kept edges with their original weights; a smaller `alpha`
/// never keeps more edges.
///
/// # Errors
/// [`NetworkError::InvalidOption`] unless `0 ≤ alpha ≤ 1`.
///
/// # Complexity
/// O(n + m) for n nodes and m edges.
///
/// ```
/// use skillsmap::network::{disparity_backbone, WeightedGraph};
///
/// // A hub 0 with one heavy and three light edges; 1, 2, 3 and 5 are leaves.
/// let g = WeightedGraph::new(
///     6,
///     vec![(0, 1, 20.0), (0, 2, 1.0), (0, 3, 1.0), (0, 4, 1.0), (4, 5, 1.0)],
/// )?;
/// let b = disparity_backbone(&g, 0.05)?;
/// // (0, 4) is ordinary for both 0 and 4 and goes; leaves keep their edges.
/// assert_eq!(
///     b.edges(),
///     &[(0, 1, 20.0), (0, 2, 1.0), (0, 3, 1.0), (4, 5, 1.0)]
/// );
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn disparity_backbone(graph: &WeightedGraph, alpha: f64) -> crate::Result<WeightedGraph> {
    if !(0.0..=1.0).contains(&alpha) {
        return Err(
            NetworkError::InvalidOption(crate::error::InvalidOption::new(
                "alpha",
                format!("alpha must lie in [0, 1], got {alpha}"),
            ))
            .into(),
        );
    }
    let n = graph.n_nodes();
    let degree: Vec<usize> = (0..n).map(|v| graph.degree(v)).collect();
    let strength: Vec<f64> = (0..n).map(|v| graph.strength(v)).collect();
    let significant_at = |v: usize, w: f64| -> bool {
        let k = degree[v];
        if k <= 1 {
            return true;
        }
        let p = w / strength[v];
        let a = (1.0 - p).max(0.0).powf((k - 1) as f64);
        a < alpha
    };
    let kept = graph
        .edges()
        .iter()
        .copied()
        .filter(|&(i, j, w)| significant_at(i as usize, w) || significant_at(j as usize, w))
        .collect();
    // A subset of sorted, valid edges stays sorted and valid.
    Ok(WeightedGraph::from_sorted(n, kept))
}
