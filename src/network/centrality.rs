//! Node centrality: degree, strength, weighted shortest-path betweenness
//! (Brandes 2001) and weighted eigenvector centrality, computed to match
//! networkx's definitions.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::{NetworkError, WeightedGraph};

/// Convergence tolerance of the eigenvector power iteration: it stops when
/// the L1 change of the unit vector is below `n · EIGENVECTOR_TOL`.
pub const EIGENVECTOR_TOL: f64 = 1e-12;

/// Maximum number of eigenvector power iterations.
pub const EIGENVECTOR_MAX_ITER: usize = 10_000;

/// Sources per unit of parallel betweenness work; results are summed chunk
/// by chunk in source order, so they do not depend on the thread count.
const SOURCE_CHUNK: usize = 32;

/// Centrality of every node of a graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Centrality {
    /// Number of neighbours.
    pub degree: Vec<f64>,
    /// Sum of the weights of the node's edges.
    pub strength: Vec<f64>,
    /// Normalised shortest-path betweenness, edge length `1 / weight`.
    pub betweenness: Vec<f64>,
    /// Weighted eigenvector centrality, unit Euclidean norm, non-negative.
    pub eigenvector: Vec<f64>,
}

/// Degree, strength, betweenness and eigenvector centrality of every node.
///
/// - **Betweenness** is Brandes' algorithm with Dijkstra on edge lengths
///   `1 / weight`: a heavy edge (many respondents sharing both gaps) is a
///   short one. Ties between path lengths are exact floating-point
///   equality of the lengths summed from the source, as in networkx. Values
///   are normalised by `1 / ((n − 1)(n − 2))` over ordered pairs, i.e. the
///   share of the `(n − 1)(n − 2) / 2` unordered pairs of other nodes whose
///   shortest paths pass through the node (0 when n ≤ 2). This is
///   `networkx.betweenness_centrality(G, normalized=True, weight="distance")`
///   with `distance = 1 / weight` on every edge.
/// - **Eigenvector** centrality is the Perron vector of the weighted
///   adjacency matrix `A`, found by power iteration on `A + I` (the shift
///   keeps bipartite graphs from oscillating) from the uniform vector,
///   normalised to unit Euclidean norm each step, until the L1 change is
///   below `n ·` [`EIGENVECTOR_TOL`]. This is the iteration of
///   `networkx.eigenvector_centrality(G, weight="weight")`; with networkx's
///   default `tol=1e-6` the two agree only to about 1e-6, with
///   `tol=1e-12` to rounding. On a disconnected graph the vector is the
///   limit of that iteration from the uniform start, as in networkx.
///
/// # Errors
/// [`NetworkError::NotConverged`] when the power iteration has not
/// converged after [`EIGENVECTOR_MAX_ITER`] iterations.
///
/// # Complexity
/// Betweenness O(n · m log n) time (parallel over sources), O(n + m) memory
/// per thread; eigenvector O(m) per iteration.
///
/// ```
/// use skillsmap::network::{centrality, WeightedGraph};
///
/// // A star: the centre lies on every path between two leaves.
/// let g = WeightedGraph::new(5, (1..5).map(|v| (0, v, 1.0)).collect())?;
/// let c = centrality(&g)?;
/// assert_eq!(c.degree, vec![4.0, 1.0, 1.0, 1.0, 1.0]);
/// assert!((c.betweenness[0] - 1.0).abs() < 1e-12);
/// assert!((c.eigenvector[0] - 0.5f64.sqrt()).abs() < 1e-10);
/// # Ok::<(), skillsmap::network::NetworkError>(())
/// ```
pub fn centrality(graph: &WeightedGraph) -> Result<Centrality, NetworkError> {
    let n = graph.n_nodes();
    Ok(Centrality {
        degree: (0..n).map(|v| graph.degree(v) as f64).collect(),
        strength: (0..n).map(|v| graph.strength(v)).collect(),
        betweenness: betweenness(graph),
        eigenvector: eigenvector(graph)?,
    })
}

/// A Dijkstra queue entry: tentative distance, insertion counter (to break
/// ties first-in first-out), the node that offered it, and the node.
#[derive(Debug, Clone, Copy)]
struct Entry {
    dist: f64,
    count: u64,
    pred: usize,
    node: usize,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we pop the smallest.
    fn cmp(&self, o: &Self) -> Ordering {
        o.dist
            .total_cmp(&self.dist)
            .then_with(|| o.count.cmp(&self.count))
    }
}

/// Per-thread buffers of the single-source computations.
struct Workspace {
    order: Vec<usize>,
    preds: Vec<Vec<usize>>,
    sigma: Vec<f64>,
    seen: Vec<f64>,
    done: Vec<bool>,
    delta: Vec<f64>,
    heap: BinaryHeap<Entry>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Workspace {
            order: Vec::with_capacity(n),
            preds: vec![Vec::new(); n],
            sigma: vec![0.0; n],
            seen: vec![f64::INFINITY; n],
            done: vec![false; n],
            delta: vec![0.0; n],
            heap: BinaryHeap::new(),
        }
    }

    /// Adds the dependencies of source `s` to `acc` (Brandes' accumulation).
    fn accumulate(&mut self, graph: &WeightedGraph, s: usize, acc: &mut [f64]) {
        for &v in &self.order {
            self.preds[v].clear();
            self.sigma[v] = 0.0;
            self.seen[v] = f64::INFINITY;
            self.done[v] = false;
            self.delta[v] = 0.0;
        }
        self.order.clear();
        self.heap.clear();
        let mut counter = 0u64;
        self.sigma[s] = 1.0;
        self.seen[s] = 0.0;
        self.heap.push(Entry {
            dist: 0.0,
            count: counter,
            pred: s,
            node: s,
        });
        while let Some(Entry {
            dist, pred, node, ..
        }) = self.heap.pop()
        {
            let v = node;
            if self.done[v] {
                continue;
            }
            if v != s {
                self.sigma[v] += self.sigma[pred];
            }
            self.done[v] = true;
            self.order.push(v);
            for &(w, weight) in graph.neighbors(v) {
                let w = w as usize;
                let vw = dist + 1.0 / weight;
                if !self.done[w] && vw < self.seen[w] {
                    self.seen[w] = vw;
                    counter += 1;
                    self.heap.push(Entry {
                        dist: vw,
                        count: counter,
                        pred: v,
                        node: w,
                    });
                    self.sigma[w] = 0.0;
                    self.preds[w].clear();
                    self.preds[w].push(v);
                } else if vw == self.seen[w] {
                    self.sigma[w] += self.sigma[v];
                    self.preds[w].push(v);
                }
            }
        }
        // Every node pushed is eventually settled, so `order` also lists
        // every entry to reset for the next source.
        for idx in (0..self.order.len()).rev() {
            let w = self.order[idx];
            let coeff = (1.0 + self.delta[w]) / self.sigma[w];
            for k in 0..self.preds[w].len() {
                let v = self.preds[w][k];
                self.delta[v] += self.sigma[v] * coeff;
            }
            if w != s {
                acc[w] += self.delta[w];
            }
        }
    }
}

/// Normalised weighted betweenness (see [`centrality`]).
fn betweenness(graph: &WeightedGraph) -> Vec<f64> {
    let n = graph.n_nodes();
    let chunk_sum = |lo: usize| -> Vec<f64> {
        let mut acc = vec![0.0f64; n];
        let mut ws = Workspace::new(n);
        for s in lo..(lo + SOURCE_CHUNK).min(n) {
            ws.accumulate(graph, s, &mut acc);
        }
        acc
    };
    let starts: Vec<usize> = (0..n).step_by(SOURCE_CHUNK).collect();
    let parts: Vec<Vec<f64>> = if starts.len() > 1 && graph.n_edges() > 0 {
        starts.par_iter().map(|&lo| chunk_sum(lo)).collect()
    } else {
        starts.iter().map(|&lo| chunk_sum(lo)).collect()
    };
    let mut total = vec![0.0f64; n];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    if n > 2 {
        let scale = 1.0 / ((n - 1) as f64 * (n - 2) as f64);
        for t in total.iter_mut() {
            *t *= scale;
        }
    }
    total
}

/// Weighted eigenvector centrality (see [`centrality`]).
fn eigenvector(graph: &WeightedGraph) -> Result<Vec<f64>, NetworkError> {
    let n = graph.n_nodes();
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut x = vec![1.0 / n as f64; n];
    let mut next = vec![0.0f64; n];
    let tol = n as f64 * EIGENVECTOR_TOL;
    for _ in 0..EIGENVECTOR_MAX_ITER {
        for (v, y) in next.iter_mut().enumerate() {
            *y = x[v]
                + graph
                    .neighbors(v)
                    .iter()
                    .map(|&(u, w)| x[u as usize] * w)
                    .sum::<f64>();
        }
        let norm = next.iter().map(|y| y * y).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        let mut change = 0.0;
        for (y, xv) in next.iter_mut().zip(&x) {
            *y /= norm;
            change += (*y - xv).abs();
        }
        std::mem::swap(&mut x, &mut next);
        if change < tol {
            return Ok(x);
        }
    }
    Err(NetworkError::NotConverged {
        iterations: EIGENVECTOR_MAX_ITER,
    })
}
