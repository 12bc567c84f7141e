//! Node centrality: degree, strength, weighted shortest-path betweenness
//! (Brandes 2001) and weighted eigenvector centrality, computed to match
//! networkx's definitions.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::{NetworkError, WeightedGraph};
use crate::scoring::Control;

/// Convergence tolerance of the eigenvector power iteration: it stops when
/// the L1 change of the unit vector is below `n · EIGENVECTOR_TOL`.
pub const EIGENVECTOR_TOL: f64 = 1e-12;

/// Maximum number of eigenvector power iterations.
pub const EIGENVECTOR_MAX_ITER: usize = 10_000;

/// Graphs with at most this many nodes get the exact limit of the
/// eigenvector power iteration from a dense symmetric eigensolver, which
/// needs no convergence (the iteration can take arbitrarily long when the
/// two largest eigenvalues are close, e.g. two components of nearly equal
/// weight); larger graphs are iterated.
pub const EIGENVECTOR_DENSE_MAX: usize = 160;

/// Relative gap under which two eigenvalues count as equal in the dense path.
const EIGENVECTOR_TIE: f64 = 1e-9;

/// Sweeps of the Jacobi eigensolver (it converges quadratically: a dozen
/// sweeps suffice in practice).
const JACOBI_MAX_SWEEPS: usize = 100;

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
///   adjacency matrix `A`: the limit of the power iteration on `A + I` (the
///   shift keeps bipartite graphs from oscillating) from the uniform
///   vector, normalised to unit Euclidean norm. This is the iteration of
///   `networkx.eigenvector_centrality(G, weight="weight")`; with networkx's
///   default `tol=1e-6` the two agree only to about 1e-6, with
///   `tol=1e-12` to rounding. Up to [`EIGENVECTOR_DENSE_MAX`] nodes the
///   limit is computed exactly (a Jacobi eigendecomposition, then the
///   uniform vector projected onto the top eigenspace), so it exists even
///   where the iteration would crawl (two components of nearly equal
///   weight: the heavier one takes all); larger graphs are iterated until
///   the L1 change is below `n ·` [`EIGENVECTOR_TOL`]. On a disconnected
///   graph the vector is that limit, as in networkx.
///
/// # Errors
/// [`NetworkError::NotConverged`] when, on a graph of more than
/// [`EIGENVECTOR_DENSE_MAX`] nodes, the power iteration has not converged
/// after [`EIGENVECTOR_MAX_ITER`] iterations.
///
/// # Complexity
/// Betweenness O(n · m log n) time (parallel over sources), O(n + m) memory
/// per thread; eigenvector O(n³) up to [`EIGENVECTOR_DENSE_MAX`] nodes, then
/// O(m) per iteration.
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
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn centrality(graph: &WeightedGraph) -> crate::Result<Centrality> {
    centrality_with(graph, &Control::default())
}

/// [`centrality`] that reports progress and can be stopped: `control.done`
/// counts the betweenness sources done (one Dijkstra each) out of
/// `control.total`, and setting `control.cancel` from another thread stops
/// the work within one source (or one power iteration).
///
/// # Errors
/// As [`centrality`]; [`NetworkError::Cancelled`] when `control.cancel`
/// was set.
pub fn centrality_with(graph: &WeightedGraph, control: &Control) -> crate::Result<Centrality> {
    let n = graph.n_nodes();
    control.start(n);
    let betweenness = betweenness(graph, control);
    if control.cancelled() {
        return Err(NetworkError::Cancelled.into());
    }
    Ok(Centrality {
        degree: (0..n).map(|v| graph.degree(v) as f64).collect(),
        strength: (0..n).map(|v| graph.strength(v)).collect(),
        betweenness,
        eigenvector: eigenvector(graph, control)?,
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
fn betweenness(graph: &WeightedGraph, control: &Control) -> Vec<f64> {
    let n = graph.n_nodes();
    let chunk_sum = |lo: usize| -> Vec<f64> {
        let mut acc = vec![0.0f64; n];
        let mut ws = Workspace::new(n);
        for s in lo..(lo + SOURCE_CHUNK).min(n) {
            if control.cancelled() {
                break;
            }
            ws.accumulate(graph, s, &mut acc);
            control.advance(1);
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
fn eigenvector(graph: &WeightedGraph, control: &Control) -> Result<Vec<f64>, NetworkError> {
    let n = graph.n_nodes();
    if n == 0 {
        return Ok(Vec::new());
    }
    if n <= EIGENVECTOR_DENSE_MAX {
        return Ok(eigenvector_dense(graph));
    }
    eigenvector_power(graph, control)
}

/// Power iteration on `A + I` from the uniform vector (networkx's iteration).
fn eigenvector_power(graph: &WeightedGraph, control: &Control) -> Result<Vec<f64>, NetworkError> {
    let n = graph.n_nodes();
    let mut x = vec![1.0 / n as f64; n];
    let mut next = vec![0.0f64; n];
    let tol = n as f64 * EIGENVECTOR_TOL;
    for _ in 0..EIGENVECTOR_MAX_ITER {
        if control.cancelled() {
            return Err(NetworkError::Cancelled);
        }
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

/// The limit of the power iteration, computed exactly: the uniform start
/// vector projected onto the eigenspace of the largest eigenvalue of `A`
/// (every eigenvector of `A + I` with the largest modulus belongs to it, as
/// `A` is non-negative), normalised. Eigenvalues within a relative
/// [`EIGENVECTOR_TIE`] of the largest count as equal (e.g. two identical
/// components, whose weights the iteration keeps as they start).
fn eigenvector_dense(graph: &WeightedGraph) -> Vec<f64> {
    let n = graph.n_nodes();
    let mut a = vec![0.0f64; n * n];
    for &(i, j, w) in graph.edges() {
        let (i, j) = (i as usize, j as usize);
        a[i * n + j] += w;
        a[j * n + i] += w;
    }
    let (values, vectors) = symmetric_eigen(a, n);
    let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tie = EIGENVECTOR_TIE * top.abs().max(1.0);
    let mut x = vec![0.0f64; n];
    for (k, &lambda) in values.iter().enumerate() {
        if lambda < top - tie {
            continue;
        }
        // coefficient of the uniform vector on eigenvector k
        let coef: f64 = (0..n).map(|r| vectors[r * n + k]).sum();
        for (r, xr) in x.iter_mut().enumerate() {
            *xr += coef * vectors[r * n + k];
        }
    }
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        // the Perron vector is non-negative: only rounding can make an
        // entry negative
        x.iter_mut().for_each(|v| *v = (*v / norm).max(0.0));
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x.iter_mut().for_each(|v| *v /= norm);
        x
    } else {
        vec![1.0 / (n as f64).sqrt(); n]
    }
}

/// Eigenvalues and eigenvectors of a symmetric `n × n` matrix (row-major)
/// by the cyclic Jacobi method; eigenvector `k` is column `k` of the
/// returned row-major matrix. Accurate to a few units of rounding relative
/// to the matrix norm, also for (nearly) repeated eigenvalues.
pub(crate) fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let frob: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..JACOBI_MAX_SWEEPS {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off <= f64::EPSILON * f64::EPSILON * frob || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let values = (0..n).map(|i| a[i * n + i]).collect();
    (values, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn jacobi_reconstructs_the_matrix() {
        let n = 12;
        let mut state = 7u64;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let x = lcg(&mut state) - 0.5;
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        let (values, v) = symmetric_eigen(a.clone(), n);
        for i in 0..n {
            for j in 0..n {
                let back: f64 = (0..n)
                    .map(|k| v[i * n + k] * values[k] * v[j * n + k])
                    .sum();
                assert!((back - a[i * n + j]).abs() < 1e-12, "A[{i}][{j}]");
                let dot: f64 = (0..n).map(|k| v[k * n + i] * v[k * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12, "V orthogonal at {i},{j}");
            }
        }
    }

    #[test]
    fn dense_limit_equals_the_converged_iteration() {
        let mut state = 3u64;
        for n in [2usize, 5, 17, 40] {
            // a connected random graph: a path plus random chords
            let mut edges: Vec<(u32, u32, f64)> = (1..n)
                .map(|v| ((v - 1) as u32, v as u32, 0.5 + lcg(&mut state)))
                .collect();
            for _ in 0..2 * n {
                let i = (lcg(&mut state) * n as f64) as u32;
                let j = (lcg(&mut state) * n as f64) as u32;
                if i != j
                    && !edges
                        .iter()
                        .any(|&(a, b, _)| (a, b) == (i.min(j), i.max(j)))
                {
                    edges.push((i.min(j), i.max(j), 0.1 + 5.0 * lcg(&mut state)));
                }
            }
            let g = WeightedGraph::new(n, edges).expect("valid graph");
            let dense = eigenvector_dense(&g);
            let power = eigenvector_power(&g, &Control::default()).expect("converges");
            for (d, p) in dense.iter().zip(&power) {
                assert!((d - p).abs() < 1e-9, "n = {n}: {d} vs {p}");
            }
        }
    }

    #[test]
    fn nearly_equal_components_need_no_convergence() {
        // found by proptest: two stars whose largest eigenvalues differ by
        // 0.1 %; the iteration crawls, the limit is the heavier star alone
        let g = WeightedGraph::new(
            16,
            vec![(1, 0, 0.05), (7, 5, 1.05), (5, 8, 9.70), (9, 0, 9.77)],
        )
        .expect("valid graph");
        assert!(eigenvector_power(&g, &Control::default()).is_err());
        let x = eigenvector(&g, &Control::default()).expect("dense path");
        let heavy = (0.05f64.powi(2) + 9.77f64.powi(2)).sqrt();
        assert!((x[0] - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((x[9] - 9.77 / heavy * 0.5f64.sqrt()).abs() < 1e-12);
        assert!(x[5] == 0.0 && x[7] == 0.0 && x[8] == 0.0);
        // identical components share the weight, as the iteration does
        let twin = WeightedGraph::new(4, vec![(0, 1, 2.0), (2, 3, 2.0)]).expect("valid graph");
        let x = eigenvector(&twin, &Control::default()).expect("dense path");
        assert!(x.iter().all(|v| (v - 0.5).abs() < 1e-12));
        // no edges: the uniform vector
        let empty = WeightedGraph::new(3, vec![]).expect("valid graph");
        let x = eigenvector(&empty, &Control::default()).expect("dense path");
        assert!(x.iter().all(|v| (v - 3f64.sqrt().recip()).abs() < 1e-12));
    }
}
