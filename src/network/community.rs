//! Communities: the Louvain method (Blondel, Guillaume, Lambiotte and
//! Lefebvre 2008) maximising Newman's weighted modularity, and the
//! modularity of any partition.

use rustc_hash::FxHashMap;

use crate::rng::Rng;

use super::{NetworkError, WeightedGraph};
use crate::scoring::Control;

/// Minimum modularity gain of a level for Louvain to aggregate and go on
/// (networkx's default `threshold`).
pub const LOUVAIN_THRESHOLD: f64 = 1e-7;

/// Upper bound on the local-moving passes of one level: a guard against
/// moves that cycle on rounding noise, far above what real graphs need.
const MAX_PASSES: usize = 1000;

/// Newman's weighted modularity of a partition, resolution 1:
/// `Q = Σ_c [ L_c / m − (d_c / 2m)² ]` where `m` is the total edge weight,
/// `L_c` the weight of the edges inside community `c` and `d_c` the summed
/// strength of its nodes. Equal to
/// `networkx.algorithms.community.modularity(G, communities, weight="weight")`.
///
/// `labels[v]` is the community of node `v`; any `u32` values may serve as
/// labels.
///
/// # Errors
/// [`NetworkError::LabelsLength`] when there is not one label per node;
/// [`NetworkError::NoEdges`] for a graph without edges (`m = 0`).
///
/// # Complexity
/// O(n + m) expected, for n nodes and m edges.
///
/// ```
/// use skillsmap::network::{modularity, WeightedGraph};
///
/// // Two triangles joined by one edge, split into the triangles.
/// let edges = vec![(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0),
///                  (3, 4, 1.0), (3, 5, 1.0), (4, 5, 1.0)];
/// let g = WeightedGraph::new(6, edges)?;
/// let q = modularity(&g, &[0, 0, 0, 1, 1, 1])?;
/// assert!((q - 5.0 / 14.0).abs() < 1e-12);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn modularity(graph: &WeightedGraph, labels: &[u32]) -> crate::Result<f64> {
    let n = graph.n_nodes();
    if labels.len() != n {
        return Err(crate::Error::from(NetworkError::LabelsLength {
            expected: n,
            got: labels.len(),
        }));
    }
    if graph.n_edges() == 0 {
        return Err(NetworkError::NoEdges.into());
    }
    let (dense, n_comm) = first_appearance(labels);
    Ok(modularity_dense(graph, &dense, n_comm))
}

/// Labels renumbered `0..c` in order of first appearance, and `c`.
fn first_appearance(labels: &[u32]) -> (Vec<usize>, usize) {
    let mut map: FxHashMap<u32, usize> = FxHashMap::default();
    let dense = labels
        .iter()
        .map(|&l| {
            let next = map.len();
            *map.entry(l).or_insert(next)
        })
        .collect();
    (dense, map.len())
}

/// Modularity of labels already in `0..n_comm`, for a graph with edges.
fn modularity_dense(graph: &WeightedGraph, comm: &[usize], n_comm: usize) -> f64 {
    let mut inner = vec![0.0f64; n_comm];
    let mut total = vec![0.0f64; n_comm];
    for (v, &c) in comm.iter().enumerate() {
        total[c] += graph.strength(v);
    }
    for &(i, j, w) in graph.edges() {
        let (ci, cj) = (comm[i as usize], comm[j as usize]);
        if ci == cj {
            inner[ci] += w;
        }
    }
    let deg_sum: f64 = total.iter().sum();
    let m = deg_sum / 2.0;
    let norm = 1.0 / (deg_sum * deg_sum);
    inner
        .iter()
        .zip(&total)
        .map(|(&l, &d)| l / m - d * d * norm)
        .sum()
}

/// A level of the Louvain hierarchy: nodes are communities of the level
/// below, with their summed strength; self loops are left out because no
/// move gain depends on them.
struct Level {
    adjacency: Vec<Vec<(usize, f64)>>,
    strength: Vec<f64>,
}

/// Communities of a weighted graph by the Louvain method.
///
/// Each level moves nodes, one at a time, to the neighbouring community of
/// largest positive modularity gain (resolution 1; ties go to the community
/// met first among the node's neighbours, in increasing order of neighbour
/// at the first level) until a full pass moves nothing; the communities then
/// become the nodes of the next level. The method stops when a level moves no
/// node or improves modularity by at most [`LOUVAIN_THRESHOLD`] (that level's
/// partition is still returned, as networkx's `louvain_communities` does).
/// The order in which nodes are visited is a shuffle drawn from
/// [`Rng::new(seed, 0)`](crate::rng::Rng::new), one shuffle per level, so
/// equal seeds give equal labels on any machine and thread count (the method
/// is serial). The partition differs from networkx's for the same seed (a
/// different generator) but is of the same quality.
///
/// Returns one label per node, renumbered `0..c` in order of first node:
/// node 0 is in community 0, the first node not in community 0 is in
/// community 1, and so on. Nodes without edges are communities of their own.
///
/// # Complexity
/// Near-linear in practice: O(m) per pass over the edges, a few passes per
/// level, O(log n) levels typically.
///
/// ```
/// use skillsmap::network::{louvain, WeightedGraph};
///
/// let edges = vec![(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0),
///                  (3, 4, 1.0), (3, 5, 1.0), (4, 5, 1.0)];
/// let g = WeightedGraph::new(6, edges)?;
/// assert_eq!(louvain(&g, 7), vec![0, 0, 0, 1, 1, 1]);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn louvain(graph: &WeightedGraph, seed: u64) -> Vec<u32> {
    match louvain_with(graph, seed, &Control::default()) {
        Ok(labels) => labels,
        // only a cancelled run fails, and nothing cancels this one
        Err(_) => (0..graph.n_nodes() as u32).collect(),
    }
}

/// [`louvain`] that reports progress and can be stopped: `control.done`
/// counts passes over the nodes of a level (`control.total` stays 0: the
/// number of passes is not known in advance), and setting `control.cancel`
/// from another thread stops the work within 1,024 node moves.
///
/// # Errors
/// [`NetworkError::Cancelled`] when `control.cancel` was set.
pub fn louvain_with(
    graph: &WeightedGraph,
    seed: u64,
    control: &Control,
) -> Result<Vec<u32>, NetworkError> {
    let n = graph.n_nodes();
    // Community of each original node at the current level.
    let mut membership: Vec<usize> = (0..n).collect();
    control.start(0);
    if graph.n_edges() == 0 {
        return Ok(relabel(&membership));
    }
    let m = graph.total_weight();
    let mut rng = Rng::new(seed, 0);
    let mut level = Level {
        adjacency: (0..n)
            .map(|v| {
                graph
                    .neighbors(v)
                    .iter()
                    .map(|&(u, w)| (u as usize, w))
                    .collect()
            })
            .collect(),
        strength: (0..n).map(|v| graph.strength(v)).collect(),
    };
    let mut q = modularity_dense(graph, &membership, n);
    while let Some((comm, n_comm)) = one_level(&level, m, &mut rng, control)? {
        for c in membership.iter_mut() {
            *c = comm[*c];
        }
        let new_q = modularity_dense(graph, &membership, n_comm);
        if new_q - q <= LOUVAIN_THRESHOLD {
            break;
        }
        q = new_q;
        level = aggregate(&level, &comm, n_comm);
    }
    Ok(relabel(&membership))
}

/// One level of local moves. Returns the community of each node of the
/// level, renumbered `0..c` in order of first node, and `c`; `None` when no
/// node moved.
fn one_level(
    level: &Level,
    m: f64,
    rng: &mut Rng,
    control: &Control,
) -> Result<Option<(Vec<usize>, usize)>, NetworkError> {
    let n = level.adjacency.len();
    let mut node2com: Vec<usize> = (0..n).collect();
    let mut stot = level.strength.clone();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let two_m2 = 2.0 * m * m;
    // Weight from the current node to each community, with the communities
    // touched in order of first neighbour.
    let mut to_comm = vec![0.0f64; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut improved = false;
    for _ in 0..MAX_PASSES {
        let mut moves = 0usize;
        for (visited, &u) in order.iter().enumerate() {
            if visited % 1024 == 0 && control.cancelled() {
                return Err(NetworkError::Cancelled);
            }
            for &(v, w) in &level.adjacency[u] {
                let c = node2com[v];
                if to_comm[c] == 0.0 {
                    touched.push(c);
                }
                to_comm[c] += w;
            }
            let own = node2com[u];
            let k = level.strength[u];
            stot[own] -= k;
            let remove_cost = -to_comm[own] / m + stot[own] * k / two_m2;
            let mut best = own;
            let mut best_gain = 0.0;
            for &c in &touched {
                let gain = remove_cost + to_comm[c] / m - stot[c] * k / two_m2;
                if gain > best_gain {
                    best_gain = gain;
                    best = c;
                }
            }
            stot[best] += k;
            if best != own {
                node2com[u] = best;
                moves += 1;
                improved = true;
            }
            for &c in &touched {
                to_comm[c] = 0.0;
            }
            touched.clear();
        }
        control.advance(1);
        if moves == 0 {
            break;
        }
    }
    if !improved {
        return Ok(None);
    }
    let mut renumber = vec![usize::MAX; n];
    let mut n_comm = 0;
    let comm = node2com
        .iter()
        .map(|&c| {
            if renumber[c] == usize::MAX {
                renumber[c] = n_comm;
                n_comm += 1;
            }
            renumber[c]
        })
        .collect();
    Ok(Some((comm, n_comm)))
}

/// The next level: one node per community, edges summed between
/// communities (in a fixed order, so sums are reproducible).
fn aggregate(level: &Level, comm: &[usize], n_comm: usize) -> Level {
    let mut strength = vec![0.0f64; n_comm];
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    for (u, nb) in level.adjacency.iter().enumerate() {
        let cu = comm[u];
        strength[cu] += level.strength[u];
        for &(v, w) in nb {
            let cv = comm[v];
            if cu != cv {
                pairs.push((cu, cv, w));
            }
        }
    }
    // Stable: equal pairs keep their order of appearance.
    pairs.sort_by_key(|&(a, b, _)| (a, b));
    let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n_comm];
    for (a, b, w) in pairs {
        let list = &mut adjacency[a];
        match list.last_mut() {
            Some(last) if last.0 == b => last.1 += w,
            _ => list.push((b, w)),
        }
    }
    Level {
        adjacency,
        strength,
    }
}

/// Labels renumbered `0..c` in order of first node.
fn relabel(membership: &[usize]) -> Vec<u32> {
    let mut renumber: FxHashMap<usize, u32> = FxHashMap::default();
    membership
        .iter()
        .map(|&c| {
            let next = renumber.len() as u32;
            *renumber.entry(c).or_insert(next)
        })
        .collect()
}
