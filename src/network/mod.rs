//! Networks of competences: the co-gap network (competences whose gaps occur
//! together among respondents), its backbones (noise-corrected and
//! hypergeometric, made for co-occurrence counts; the disparity filter),
//! Louvain communities with modularity, and node centrality.
//!
//! Every function takes a [`WeightedGraph`], a small validated undirected
//! graph with positive weights, so that the algorithms need not re-check
//! their input. Results depend only on the data (and the seed, for
//! [`louvain`]), never on the thread count.
//!
//! ```
//! use skillsmap::network::{centrality, cogap_network, disparity_backbone, louvain, modularity};
//! use skillsmap::synth::{generate, SynthConfig};
//!
//! let survey = generate(&SynthConfig::new(300, 1))?;
//! let cogap = cogap_network(&survey, 1.0)?;
//! let backbone = disparity_backbone(&cogap.graph, 0.05)?;
//! let labels = louvain(&backbone, 42);
//! let c = centrality(&backbone)?;
//! assert_eq!(labels.len(), c.eigenvector.len());
//! if backbone.n_edges() > 0 {
//!     let q = modularity(&backbone, &labels)?;
//!     assert!((-0.5..=1.0).contains(&q));
//! }
//! # Ok::<(), skillsmap::Error>(())
//! ```

mod backbone;
mod centrality;
pub(crate) use centrality::symmetric_eigen;
mod cogap;
mod community;
mod cooccurrence;

pub use backbone::disparity_backbone;
pub use centrality::{
    centrality, centrality_with, Centrality, EIGENVECTOR_DENSE_MAX, EIGENVECTOR_MAX_ITER,
    EIGENVECTOR_TOL,
};
pub use cogap::{cogap_network, CoGap};
pub use community::{louvain, louvain_with, modularity, LOUVAIN_THRESHOLD};
pub use cooccurrence::{
    hypergeometric_backbone, hypergeometric_sf, noise_corrected_backbone, p_adjust, Backbone,
    PAdjust,
};

/// Errors of the network functions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// An edge that does not fit the graph.
    #[error("edge {index} ({i}, {j}, {weight}): {reason}")]
    InvalidEdge {
        /// Position of the edge in the input.
        index: usize,
        /// First endpoint as given.
        i: u32,
        /// Second endpoint as given.
        j: u32,
        /// Weight as given.
        weight: f64,
        /// What is wrong with it.
        reason: String,
    },
    /// The same pair of nodes given twice.
    #[error("edge ({i}, {j}) given more than once")]
    DuplicateEdge {
        /// Smaller endpoint.
        i: u32,
        /// Larger endpoint.
        j: u32,
    },
    /// More nodes than `u32` ids can name.
    #[error("{n_nodes} nodes: at most 4294967295 are supported")]
    TooManyNodes {
        /// The number of nodes asked for.
        n_nodes: usize,
    },
    /// A parameter out of range.
    #[error(transparent)]
    InvalidOption(crate::error::InvalidOption),
    /// Community labels of the wrong length.
    #[error("{got} labels for a graph of {expected} nodes")]
    LabelsLength {
        /// Number of nodes.
        expected: usize,
        /// Number of labels given.
        got: usize,
    },
    /// Modularity is undefined on a graph without edges.
    #[error("modularity is undefined for a graph without edges")]
    NoEdges,
    /// The computation was cancelled through its
    /// [`Control`](crate::scoring::Control).
    #[error("cancelled")]
    Cancelled,
    /// The eigenvector power iteration did not converge.
    #[error("eigenvector centrality did not converge in {iterations} iterations")]
    NotConverged {
        /// Iterations made.
        iterations: usize,
    },
}

/// A weighted undirected graph on nodes `0..n_nodes`, without self loops or
/// parallel edges, with finite positive weights.
///
/// Edges are stored once each as `(i, j, w)` with `i < j`, sorted by
/// `(i, j)`; a compressed adjacency list (both directions) gives each node's
/// neighbours in increasing order.
///
/// ```
/// use skillsmap::network::WeightedGraph;
///
/// let g = WeightedGraph::new(3, vec![(1, 0, 2.0), (1, 2, 0.5)])?;
/// assert_eq!(g.edges(), &[(0, 1, 2.0), (1, 2, 0.5)]);
/// assert_eq!(g.neighbors(1), &[(0, 2.0), (2, 0.5)]);
/// assert_eq!(g.strength(1), 2.5);
/// # Ok::<(), skillsmap::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedGraph {
    n_nodes: usize,
    edges: Vec<(u32, u32, f64)>,
    /// `adjacency[offsets[v]..offsets[v + 1]]` are the neighbours of `v`.
    offsets: Vec<usize>,
    adjacency: Vec<(u32, f64)>,
}

impl WeightedGraph {
    /// A graph of `n_nodes` nodes with the given edges, in either
    /// orientation and any order.
    ///
    /// # Errors
    /// [`NetworkError::InvalidEdge`] for an endpoint out of range, a self
    /// loop or a weight that is not finite and positive;
    /// [`NetworkError::DuplicateEdge`] for a pair given twice;
    /// [`NetworkError::TooManyNodes`] beyond `u32` ids.
    ///
    /// # Complexity
    /// O(n + m log m) for n nodes and m edges.
    pub fn new(n_nodes: usize, edges: Vec<(u32, u32, f64)>) -> crate::Result<Self> {
        if u32::try_from(n_nodes).is_err() {
            return Err(NetworkError::TooManyNodes { n_nodes }.into());
        }
        let mut edges = edges;
        for (index, e) in edges.iter_mut().enumerate() {
            let (i, j, weight) = *e;
            let bad = |reason: &str| -> crate::Error {
                NetworkError::InvalidEdge {
                    index,
                    i,
                    j,
                    weight,
                    reason: reason.to_owned(),
                }
                .into()
            };
            if i as usize >= n_nodes || j as usize >= n_nodes {
                return Err(bad("endpoint out of range"));
            }
            if i == j {
                return Err(bad("self loop"));
            }
            if !(weight.is_finite() && weight > 0.0) {
                return Err(bad("weight must be finite and positive"));
            }
            if i > j {
                *e = (j, i, weight);
            }
        }
        edges.sort_unstable_by_key(|&(i, j, _)| (i, j));
        if let Some(w) = edges
            .windows(2)
            .find(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1))
        {
            return Err(crate::Error::from(NetworkError::DuplicateEdge {
                i: w[0].0,
                j: w[0].1,
            }));
        }
        Ok(Self::from_sorted(n_nodes, edges))
    }

    /// Builds the adjacency of edges already validated and sorted.
    fn from_sorted(n_nodes: usize, edges: Vec<(u32, u32, f64)>) -> Self {
        let mut offsets = vec![0usize; n_nodes + 1];
        for &(i, j, _) in &edges {
            offsets[i as usize + 1] += 1;
            offsets[j as usize + 1] += 1;
        }
        for v in 0..n_nodes {
            offsets[v + 1] += offsets[v];
        }
        let mut fill = offsets.clone();
        let mut adjacency = vec![(0u32, 0.0f64); 2 * edges.len()];
        // Edges sorted by (i, j): node v first receives its smaller
        // neighbours (as the j of earlier edges, in order of i) and then its
        // larger ones, so every list comes out sorted.
        for &(i, j, w) in &edges {
            adjacency[fill[j as usize]] = (i, w);
            fill[j as usize] += 1;
        }
        for &(i, j, w) in &edges {
            adjacency[fill[i as usize]] = (j, w);
            fill[i as usize] += 1;
        }
        WeightedGraph {
            n_nodes,
            edges,
            offsets,
            adjacency,
        }
    }

    /// A graph of `n_nodes` nodes without edges.
    ///
    /// # Errors
    /// [`NetworkError::TooManyNodes`] beyond `u32` ids.
    pub fn empty(n_nodes: usize) -> crate::Result<Self> {
        Self::new(n_nodes, Vec::new())
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.edges.len()
    }

    /// The edges `(i, j, weight)` with `i < j`, sorted by `(i, j)`.
    pub fn edges(&self) -> &[(u32, u32, f64)] {
        &self.edges
    }

    /// The neighbours of `v` with the weights of the edges to them, in
    /// increasing order of neighbour; empty for `v` out of range.
    ///
    /// # Complexity
    /// O(1).
    pub fn neighbors(&self, v: usize) -> &[(u32, f64)] {
        match (self.offsets.get(v), self.offsets.get(v + 1)) {
            (Some(&lo), Some(&hi)) => self.adjacency.get(lo..hi).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of neighbours of `v` (0 out of range).
    pub fn degree(&self, v: usize) -> usize {
        self.neighbors(v).len()
    }

    /// Sum of the weights of the edges at `v` (0 out of range).
    ///
    /// # Complexity
    /// O(degree of `v`).
    pub fn strength(&self, v: usize) -> f64 {
        // fold from +0.0: an empty f64 `sum()` is -0.0
        self.neighbors(v).iter().fold(0.0, |acc, &(_, w)| acc + w)
    }

    /// The weight of edge `(i, j)` in either orientation, if present.
    ///
    /// # Complexity
    /// O(log degree of `i`).
    pub fn weight(&self, i: usize, j: usize) -> Option<f64> {
        let nb = self.neighbors(i);
        let j = u32::try_from(j).ok()?;
        nb.binary_search_by_key(&j, |&(v, _)| v)
            .ok()
            .map(|k| nb[k].1)
    }

    /// Sum of all edge weights (each edge once).
    pub fn total_weight(&self) -> f64 {
        self.edges.iter().map(|&(_, _, w)| w).sum()
    }

    /// The same graph as a petgraph [`UnGraph`](petgraph::graph::UnGraph)
    /// whose node indices are this graph's node ids and whose edge weights
    /// are the weights, edges in the order of [`WeightedGraph::edges`].
    ///
    /// # Complexity
    /// O(n + m).
    pub fn to_petgraph(&self) -> petgraph::graph::UnGraph<(), f64> {
        let mut g = petgraph::graph::UnGraph::with_capacity(self.n_nodes, self.edges.len());
        for _ in 0..self.n_nodes {
            g.add_node(());
        }
        for &(i, j, w) in &self.edges {
            g.add_edge(i.into(), j.into(), w);
        }
        g
    }
}
