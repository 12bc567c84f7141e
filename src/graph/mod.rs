//! The skills map: a directed petgraph graph of regions, stakeholder types,
//! competence areas and competences, whose edges carry the survey's
//! respondent counts and gap statistics.
//!
//! This module owns the graph's data model ([`Node`], [`Edge`],
//! [`GapStats`], [`MapMeta`]), its construction from a survey
//! ([`SkillsMap::from_survey`]), queries and subgraphs. Exports to GraphML,
//! GEXF and networkx node-link JSON live in `export`, the versioned JSON
//! persistence in `persist`.
//!
//! Node ids are stable strings prefixed by their kind: `region:ES22`,
//! `type:cooperative`, `area:se.found`, `competence:se.impact.measurement`.
//! Edges point region → type, region → competence, type → competence and
//! area → competence; relatedness edges between competences are stored once
//! (source → target as added) but mean the same in both directions.

mod export;
mod persist;

use std::collections::{HashMap, HashSet};
use std::fmt;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::{Deserialize, Serialize};

use crate::model::Survey;
use crate::scoring::{gap_table, GapOptions, GapTable, GroupKey, Grouping, Level};

pub use persist::{DEFAULT_JSON_LIMIT, FORMAT, VERSION};

/// Errors of building, querying, editing and reading skills maps.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// An option that the skills map cannot use.
    #[error(transparent)]
    InvalidOption(crate::error::InvalidOption),
    /// No node has this id.
    #[error("no node {id:?} in the skills map")]
    UnknownNode {
        /// The id asked for.
        id: String,
    },
    /// A node exists but is of another kind than the operation needs.
    #[error("node {id:?} is a {found} node, expected a {expected} node")]
    WrongKind {
        /// The node's id.
        id: String,
        /// The kind the operation needs.
        expected: NodeKind,
        /// The node's kind.
        found: NodeKind,
    },
    /// A relatedness edge that cannot be added (self-loop, empty kind,
    /// weight not finite).
    #[error("invalid relatedness edge: {reason}")]
    Relatedness {
        /// What is wrong with the edge.
        reason: String,
    },
    /// The JSON text is longer than the limit given to
    /// [`SkillsMap::from_json_with_limit`].
    #[error("skills map JSON is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Length of the text in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The JSON is not a skills map file (its `format` is not
    /// `skillsmap.map`).
    #[error("not a skills map file: format is {found}, expected \"skillsmap.map\"")]
    Format {
        /// The `format` found, as JSON (`missing` when absent).
        found: String,
    },
    /// The file's version is not one this build reads.
    #[error("unsupported skills map version {found}; this build reads version 1")]
    Version {
        /// The `version` found, as JSON (`missing` when absent).
        found: String,
    },
    /// The JSON is malformed or does not match the format (unknown or
    /// missing fields, wrong types); the message gives line and column.
    #[error("cannot read skills map JSON: {reason}")]
    Parse {
        /// The parser's explanation, with line and column.
        reason: String,
    },
    /// The file parses but describes an impossible map (duplicate ids, edges
    /// to missing nodes or between nodes of the wrong kinds, …).
    #[error("invalid skills map: {reason}")]
    Invalid {
        /// What is impossible about it.
        reason: String,
    },
}

/// The kind of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeKind {
    /// A region of the survey.
    Region,
    /// A stakeholder type of the typology.
    StakeholderType,
    /// A competence area of the framework.
    Area,
    /// A competence of the framework.
    Competence,
}

impl NodeKind {
    /// All kinds, in the order nodes are added by [`SkillsMap::from_survey`].
    pub const ALL: [NodeKind; 4] = [
        NodeKind::Region,
        NodeKind::StakeholderType,
        NodeKind::Area,
        NodeKind::Competence,
    ];

    /// The kind's name: `region`, `stakeholder_type`, `area` or
    /// `competence` (the `kind` attribute of exports).
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Region => "region",
            NodeKind::StakeholderType => "stakeholder_type",
            NodeKind::Area => "area",
            NodeKind::Competence => "competence",
        }
    }

    /// The prefix of the kind's node ids: `region`, `type`, `area` or
    /// `competence` (ids are `prefix:id`).
    pub fn prefix(self) -> &'static str {
        match self {
            NodeKind::Region => "region",
            NodeKind::StakeholderType => "type",
            NodeKind::Area => "area",
            NodeKind::Competence => "competence",
        }
    }

    /// Parses a kind from its [name](NodeKind::name) or id prefix.
    pub fn parse(name: &str) -> Option<NodeKind> {
        NodeKind::ALL
            .into_iter()
            .find(|k| k.name() == name || k.prefix() == name)
    }

    /// The node id of the entity `id` of this kind, e.g. `region:ES22`.
    pub fn node_id(self, id: &str) -> String {
        format!("{}:{id}", self.prefix())
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EdgeKind {
    /// Region → stakeholder type, with the number of respondents.
    RegionType,
    /// Stakeholder type → competence, with gap statistics.
    TypeCompetence,
    /// Region → competence, with gap statistics.
    RegionCompetence,
    /// Area → competence: membership.
    AreaCompetence,
    /// Competence — competence relatedness (undirected meaning).
    CompetenceCompetence,
}

impl EdgeKind {
    /// All kinds, in the order edges are added by [`SkillsMap::from_survey`]
    /// (relatedness comes later).
    pub const ALL: [EdgeKind; 5] = [
        EdgeKind::RegionType,
        EdgeKind::AreaCompetence,
        EdgeKind::RegionCompetence,
        EdgeKind::TypeCompetence,
        EdgeKind::CompetenceCompetence,
    ];

    /// The kind's name: `region_type`, `type_competence`,
    /// `region_competence`, `area_competence` or `competence_competence`
    /// (the `kind` attribute of exports).
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::RegionType => "region_type",
            EdgeKind::TypeCompetence => "type_competence",
            EdgeKind::RegionCompetence => "region_competence",
            EdgeKind::AreaCompetence => "area_competence",
            EdgeKind::CompetenceCompetence => "competence_competence",
        }
    }

    /// Parses a kind from its [name](EdgeKind::name).
    pub fn parse(name: &str) -> Option<EdgeKind> {
        EdgeKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::str::FromStr for EdgeKind {
    type Err = crate::Error;

    /// Parses a kind from its [name](EdgeKind::name), or says which exist.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        EdgeKind::parse(name).ok_or_else(|| {
            GraphError::InvalidOption(crate::error::InvalidOption::new(
                "kind",
                format!(
                    "unknown edge kind {name:?}; use one of {}",
                    EdgeKind::ALL.map(|k| k.name()).join(", ")
                ),
            ))
            .into()
        })
    }
}

impl EdgeKind {
    /// The kinds of the source and target nodes of edges of this kind.
    pub fn endpoints(self) -> (NodeKind, NodeKind) {
        match self {
            EdgeKind::RegionType => (NodeKind::Region, NodeKind::StakeholderType),
            EdgeKind::TypeCompetence => (NodeKind::StakeholderType, NodeKind::Competence),
            EdgeKind::RegionCompetence => (NodeKind::Region, NodeKind::Competence),
            EdgeKind::AreaCompetence => (NodeKind::Area, NodeKind::Competence),
            EdgeKind::CompetenceCompetence => (NodeKind::Competence, NodeKind::Competence),
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Equality of statistics in which NaN (undefined, suppressed) equals NaN.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Serde for statistics: NaN (and any non-finite value) is written as
/// `null`, and `null` is read back as NaN.
pub(crate) mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// A node of the skills map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Stable id, `prefix:entity id` (see [`NodeKind::prefix`]).
    pub id: String,
    /// Display label (region name, type label, area or competence label).
    pub label: String,
    /// The kind and the kind's attributes.
    pub attrs: NodeAttrs,
}

impl Node {
    /// The node's kind.
    pub fn kind(&self) -> NodeKind {
        match self.attrs {
            NodeAttrs::Region { .. } => NodeKind::Region,
            NodeAttrs::StakeholderType { .. } => NodeKind::StakeholderType,
            NodeAttrs::Area { .. } => NodeKind::Area,
            NodeAttrs::Competence(_) => NodeKind::Competence,
        }
    }

    /// The entity's own id: the node id without its kind prefix
    /// (`ES22` for `region:ES22`).
    pub fn entity_id(&self) -> &str {
        self.id
            .strip_prefix(self.kind().prefix())
            .and_then(|s| s.strip_prefix(':'))
            .unwrap_or(&self.id)
    }
}

/// The attributes of a node, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum NodeAttrs {
    /// A region.
    Region {
        /// ISO 3166-1 alpha-2 country code (empty when unknown).
        country: String,
        /// NUTS level of the region id, when it is a NUTS code.
        nuts_level: Option<u8>,
        /// Respondents from the region.
        n_respondents: usize,
    },
    /// A stakeholder type.
    StakeholderType {
        /// Id of the type's sector.
        sector: String,
        /// Label of the type's sector.
        sector_label: String,
        /// Respondents of the type.
        n_respondents: usize,
    },
    /// A competence area.
    Area {
        /// Id of the framework.
        framework: String,
        /// The framework's own code of the area.
        code: Option<String>,
    },
    /// A competence.
    Competence(CompetenceAttrs),
}

/// The attributes of a competence node: where it sits in the framework and
/// its gap statistics pooled over all respondents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetenceAttrs {
    /// Id of the competence's area in the framework (without the `area:`
    /// prefix).
    pub area: String,
    /// The framework's own code, e.g. `1.1`.
    pub code: Option<String>,
    /// Id of the parent competence for a sub-competence (without prefix).
    pub parent: Option<String>,
    /// Id of the source framework when borrowed from another framework.
    pub source_framework: Option<String>,
    /// Code in the source framework.
    pub source_code: Option<String>,
    /// Respondents with both target and current level (pooled).
    pub n: usize,
    /// Pooled mean gap (NaN when suppressed).
    #[serde(with = "nan_as_null")]
    pub mean_gap: f64,
    /// Pooled Borich MWDS (NaN when suppressed or undefined).
    #[serde(with = "nan_as_null")]
    pub mwds: f64,
    /// Rank of the pooled MWDS among competences (1 = largest; 0 when
    /// suppressed or undefined).
    pub rank: u32,
}

impl PartialEq for CompetenceAttrs {
    fn eq(&self, o: &Self) -> bool {
        self.area == o.area
            && self.code == o.code
            && self.parent == o.parent
            && self.source_framework == o.source_framework
            && self.source_code == o.source_code
            && self.n == o.n
            && same(self.mean_gap, o.mean_gap)
            && same(self.mwds, o.mwds)
            && self.rank == o.rank
    }
}

/// Gap statistics of one group × competence cell of the gap engine
/// ([`GapTable`]), carried by region → competence and type → competence
/// edges. Suppressed cells have NaN statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapStats {
    /// Respondents with both target and current level.
    pub n: usize,
    /// Respondents of the group without a complete pair.
    pub n_missing: usize,
    /// Mean current level.
    #[serde(with = "nan_as_null")]
    pub mean_current: f64,
    /// Mean gap (target − current).
    #[serde(with = "nan_as_null")]
    pub mean_gap: f64,
    /// Mean of the positive part of the gap.
    #[serde(with = "nan_as_null")]
    pub mean_positive_gap: f64,
    /// Borich mean weighted discrepancy score.
    #[serde(with = "nan_as_null")]
    pub mwds: f64,
    /// Rank by MWDS within the group (1 = largest; 0 when suppressed or
    /// undefined).
    pub rank: u32,
    /// Whether the cell has fewer than `min_n` complete pairs.
    pub suppressed: bool,
}

impl GapStats {
    /// The statistics of cell `cell` (group-major) of a gap table; `None`
    /// when the cell is out of range.
    ///
    /// # Complexity
    /// O(1).
    pub fn from_table(t: &GapTable, cell: usize) -> Option<GapStats> {
        Some(GapStats {
            n: *t.n.get(cell)?,
            n_missing: *t.n_missing.get(cell)?,
            mean_current: *t.mean_current.get(cell)?,
            mean_gap: *t.mean_gap.get(cell)?,
            mean_positive_gap: *t.mean_positive_gap.get(cell)?,
            mwds: *t.mwds.get(cell)?,
            rank: *t.rank.get(cell)?,
            suppressed: *t.suppressed.get(cell)?,
        })
    }
}

impl PartialEq for GapStats {
    fn eq(&self, o: &Self) -> bool {
        self.n == o.n
            && self.n_missing == o.n_missing
            && same(self.mean_current, o.mean_current)
            && same(self.mean_gap, o.mean_gap)
            && same(self.mean_positive_gap, o.mean_positive_gap)
            && same(self.mwds, o.mwds)
            && self.rank == o.rank
            && self.suppressed == o.suppressed
    }
}

/// An edge of the skills map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Edge {
    /// Region → stakeholder type.
    RegionType {
        /// Respondents of the type in the region (always > 0).
        n_respondents: usize,
    },
    /// Stakeholder type → competence, over the type's respondents.
    TypeCompetence(GapStats),
    /// Region → competence, over the region's respondents.
    RegionCompetence(GapStats),
    /// Area → competence: the competence belongs to the area.
    AreaCompetence,
    /// Competence — competence relatedness, added by
    /// [`SkillsMap::add_relatedness`]; its meaning is undirected.
    CompetenceCompetence {
        /// The kind of relatedness, e.g. `co-gap` or `proximity` (written as
        /// `relation` in files and exports).
        #[serde(rename = "relation")]
        kind: String,
        /// Its strength (finite).
        #[serde(with = "nan_as_null")]
        weight: f64,
    },
}

impl Edge {
    /// The edge's kind.
    pub fn kind(&self) -> EdgeKind {
        match self {
            Edge::RegionType { .. } => EdgeKind::RegionType,
            Edge::TypeCompetence(_) => EdgeKind::TypeCompetence,
            Edge::RegionCompetence(_) => EdgeKind::RegionCompetence,
            Edge::AreaCompetence => EdgeKind::AreaCompetence,
            Edge::CompetenceCompetence { .. } => EdgeKind::CompetenceCompetence,
        }
    }

    /// The gap statistics of a region → competence or type → competence
    /// edge.
    pub fn gap_stats(&self) -> Option<&GapStats> {
        match self {
            Edge::TypeCompetence(s) | Edge::RegionCompetence(s) => Some(s),
            _ => None,
        }
    }
}

/// Metadata of a skills map: where its data come from and how its
/// statistics were computed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapMeta {
    /// Id of the competence framework.
    pub framework: String,
    /// Name of the framework.
    pub framework_name: String,
    /// Version of the framework.
    pub framework_version: String,
    /// Whether the framework is illustrative rather than official.
    pub illustrative: bool,
    /// Whether the survey data are synthetic (shown wherever the map is).
    pub synthetic: bool,
    /// Provenance of the survey.
    pub source: String,
    /// The generator's seed, for synthetic data.
    pub seed: Option<u64>,
    /// Id of the region set.
    pub region_set: String,
    /// Id of the typology.
    pub typology: String,
    /// Respondents of the survey.
    pub n_respondents: usize,
    /// The suppression threshold used for the statistics.
    pub min_n: usize,
    /// Whether survey weights were applied.
    pub weighted: bool,
    /// Which importance answers make up Ī (`complete` or `all`).
    pub importance_mean: String,
    /// Whether the gap target is the required level (else importance).
    pub target_is_required: bool,
    /// Whether Borich used importance (else the required level).
    pub borich_uses_importance: bool,
}

/// The skills map: a [`StableDiGraph`] of [`Node`]s and [`Edge`]s with an
/// index of node ids.
///
/// Build one with [`SkillsMap::from_survey`] or read one with
/// [`SkillsMap::from_json`]. Nodes and edges keep their insertion order in
/// every iteration, export and file. Two maps are equal when their metadata,
/// their nodes in order and their edges in order (with endpoint ids) are
/// equal, NaN statistics comparing equal.
///
/// ```
/// use skillsmap::graph::{EdgeKind, SkillsMap};
/// use skillsmap::scoring::GapOptions;
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(200, 7))?;
/// let map = SkillsMap::from_survey(&survey, &GapOptions::default())?;
/// assert!(map.meta().synthetic);
/// let types = map.neighbours("region:ES22", EdgeKind::RegionType)?;
/// assert!(!types.is_empty());
/// for (competence, stats) in map.gap_stats("region:ES22")? {
///     assert!(competence.starts_with("competence:"));
///     assert!(stats.n > 0);
/// }
/// let back = SkillsMap::from_json(&map.to_json())?;
/// assert_eq!(back, map);
/// # Ok::<(), skillsmap::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SkillsMap {
    graph: StableDiGraph<Node, Edge>,
    index: HashMap<String, NodeIndex>,
    meta: MapMeta,
}

impl PartialEq for SkillsMap {
    fn eq(&self, o: &Self) -> bool {
        self.meta == o.meta
            && self.node_count() == o.node_count()
            && self.edge_count() == o.edge_count()
            && self.nodes().eq(o.nodes())
            && self.edges().eq(o.edges())
    }
}

impl SkillsMap {
    /// An empty map with metadata.
    fn empty(meta: MapMeta) -> SkillsMap {
        SkillsMap {
            graph: StableDiGraph::default(),
            index: HashMap::new(),
            meta,
        }
    }

    /// Adds a node, checking that its id is new and carries its kind's
    /// prefix.
    fn push_node(&mut self, node: Node) -> Result<NodeIndex, GraphError> {
        let kind = node.kind();
        let prefixed = node
            .id
            .strip_prefix(kind.prefix())
            .is_some_and(|rest| rest.starts_with(':'));
        if !prefixed {
            return Err(GraphError::Invalid {
                reason: format!(
                    "node id {:?} of a {kind} node does not start with {:?}",
                    node.id,
                    format!("{}:", kind.prefix())
                ),
            });
        }
        if self.index.contains_key(&node.id) {
            return Err(GraphError::Invalid {
                reason: format!("duplicate node id {:?}", node.id),
            });
        }
        let id = node.id.clone();
        let ix = self.graph.add_node(node);
        self.index.insert(id, ix);
        Ok(ix)
    }

    /// Adds an edge between two existing nodes, checking their kinds.
    fn push_edge(&mut self, source: &str, target: &str, edge: Edge) -> Result<(), GraphError> {
        let (sk, tk) = edge.kind().endpoints();
        let s = self.lookup_exact(source, sk)?;
        let t = self.lookup_exact(target, tk)?;
        if let Edge::CompetenceCompetence { kind, weight } = &edge {
            check_relatedness(source, target, kind, *weight)?;
        }
        self.graph.add_edge(s, t, edge);
        Ok(())
    }

    /// The index of node `id`, which must be of kind `kind`.
    fn lookup_exact(&self, id: &str, kind: NodeKind) -> Result<NodeIndex, GraphError> {
        let ix = *self
            .index
            .get(id)
            .ok_or_else(|| GraphError::UnknownNode { id: id.to_owned() })?;
        let found = self.kind_of(ix);
        if found != Some(kind) {
            return Err(GraphError::WrongKind {
                id: id.to_owned(),
                expected: kind,
                found: found.unwrap_or(kind),
            });
        }
        Ok(ix)
    }

    /// The index of a node of kind `kind` by node id (`region:ES22`) or
    /// entity id (`ES22`).
    fn lookup(&self, id: &str, kind: NodeKind) -> Result<NodeIndex, GraphError> {
        if self.index.contains_key(id) {
            return self.lookup_exact(id, kind);
        }
        let full = kind.node_id(id);
        if self.index.contains_key(&full) {
            return self.lookup_exact(&full, kind);
        }
        Err(GraphError::UnknownNode { id: id.to_owned() })
    }

    fn kind_of(&self, ix: NodeIndex) -> Option<NodeKind> {
        self.graph.node_weight(ix).map(Node::kind)
    }

    fn id_of(&self, ix: NodeIndex) -> &str {
        self.graph.node_weight(ix).map_or("", |n| n.id.as_str())
    }

    /// Edges touching `ix` in the given direction, in insertion order
    /// (petgraph lists them newest first).
    fn incident(
        &self,
        ix: NodeIndex,
        dir: Direction,
    ) -> Vec<petgraph::stable_graph::EdgeReference<'_, Edge>> {
        let mut v: Vec<_> = self.graph.edges_directed(ix, dir).collect();
        v.sort_by_key(|e| e.id());
        v
    }

    /// Builds the skills map of a survey.
    ///
    /// Nodes, in this order: every region with at least one respondent, every
    /// stakeholder type with at least one respondent (both in definition
    /// order), every area and every competence of the framework (competences
    /// carry their gap statistics pooled over all respondents). Edges, in
    /// this order: region → type for every pair with respondents; area →
    /// competence for every competence; region → competence and type →
    /// competence from [`gap_table`] grouped by region and by type, one per
    /// cell with at least one complete pair (`n > 0`; cells below
    /// `opts.min_n` are kept, flagged `suppressed`, with NaN statistics).
    ///
    /// # Arguments
    /// - `survey`: the survey;
    /// - `opts`: options of the gap engine; `opts.level` must be
    ///   [`Level::Competence`].
    ///
    /// # Errors
    /// [`GraphError::InvalidOption`] for `Level::Area`; the errors of
    /// [`crate::scoring::gap_table`].
    ///
    /// # Complexity
    /// O(answers + (regions + types) × competences): three passes of the gap
    /// engine.
    ///
    /// # Example
    /// ```
    /// use skillsmap::graph::{NodeKind, SkillsMap};
    /// use skillsmap::scoring::GapOptions;
    /// use skillsmap::synth::{generate, SynthConfig};
    ///
    /// let survey = generate(&SynthConfig::new(200, 7))?;
    /// let map = SkillsMap::from_survey(&survey, &GapOptions::default())?;
    /// assert_eq!(map.nodes_of(NodeKind::Competence).count(), survey.framework().len());
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn from_survey(survey: &Survey, opts: &GapOptions) -> crate::Result<SkillsMap> {
        if opts.level != Level::Competence {
            return Err(GraphError::InvalidOption(crate::error::InvalidOption::new(
                "level",
                "a skills map needs competence-level statistics (level = competence)",
            ))
            .into());
        }
        let fw = survey.framework();
        let regions = &survey.regions().regions;
        let typology = survey.typology();
        let types = &typology.types;
        let resp = survey.respondents();

        let by_region_groups = Grouping::by(survey, &[GroupKey::Region])?;
        let by_type_groups = Grouping::by(survey, &[GroupKey::StakeholderType])?;
        let by_region = gap_table(survey, &by_region_groups, opts)?;
        let by_type = gap_table(survey, &by_type_groups, opts)?;
        let pooled = gap_table(survey, &Grouping::pooled(survey.n_respondents()), opts)?;
        let n_items = fw.competences.len();
        for t in [&by_region, &by_type, &pooled] {
            if t.n_items != n_items {
                return Err(crate::Error::from(GraphError::Invalid {
                    reason: format!(
                        "gap table has {} items for {n_items} competences",
                        t.n_items
                    ),
                }));
            }
        }

        let meta = MapMeta {
            framework: fw.id.clone(),
            framework_name: fw.name.clone(),
            framework_version: fw.version.clone(),
            illustrative: fw.illustrative,
            synthetic: survey.meta().synthetic,
            source: survey.meta().source.clone(),
            seed: survey.meta().seed,
            region_set: survey.regions().id.clone(),
            typology: typology.id.clone(),
            n_respondents: survey.n_respondents(),
            min_n: opts.min_n,
            weighted: opts.weights && survey.has_weights(),
            importance_mean: opts.importance_mean.name().to_owned(),
            target_is_required: pooled.target == crate::scoring::gaps::Target::Required,
            borich_uses_importance: pooled.borich_variable
                == crate::scoring::BorichVariable::Importance,
        };
        let mut map = SkillsMap::empty(meta);

        // Respondent counts per region, per type and per pair.
        let (nr, nt) = (regions.len(), types.len());
        let mut n_region = vec![0usize; nr];
        let mut n_type = vec![0usize; nt];
        let mut n_pair =
            vec![0usize; crate::error::checked_len::<usize>("the respondent counts", nr, nt)?];
        for (&r, &t) in resp.region.iter().zip(&resp.stakeholder_type) {
            let (r, t) = (r as usize, t as usize);
            // counts of at most the number of respondents; r·nt + t < nr·nt
            #[allow(clippy::arithmetic_side_effects)]
            if r < nr && t < nt {
                n_region[r] += 1;
                n_type[t] += 1;
                n_pair[r * nt + t] += 1;
            }
        }

        for (region, &n) in regions.iter().zip(&n_region) {
            if n > 0 {
                map.push_node(Node {
                    id: NodeKind::Region.node_id(&region.id),
                    label: region.name.clone(),
                    attrs: NodeAttrs::Region {
                        country: region.country.clone(),
                        nuts_level: region.nuts_level,
                        n_respondents: n,
                    },
                })?;
            }
        }
        for (ty, &n) in types.iter().zip(&n_type) {
            if n > 0 {
                let sector = typology.sectors.get(ty.sector);
                map.push_node(Node {
                    id: NodeKind::StakeholderType.node_id(&ty.id),
                    label: ty.label.clone(),
                    attrs: NodeAttrs::StakeholderType {
                        sector: sector.map(|s| s.id.clone()).unwrap_or_default(),
                        sector_label: sector.map(|s| s.label.clone()).unwrap_or_default(),
                        n_respondents: n,
                    },
                })?;
            }
        }
        for area in &fw.areas {
            map.push_node(Node {
                id: NodeKind::Area.node_id(&area.id),
                label: area.label.clone(),
                attrs: NodeAttrs::Area {
                    framework: fw.id.clone(),
                    code: area.code.clone(),
                },
            })?;
        }
        for (j, c) in fw.competences.iter().enumerate() {
            let pooled_stats =
                GapStats::from_table(&pooled, j).ok_or_else(|| GraphError::Invalid {
                    reason: format!("no pooled statistics for competence {:?}", c.id),
                })?;
            map.push_node(Node {
                id: NodeKind::Competence.node_id(&c.id),
                label: c.label.clone(),
                attrs: NodeAttrs::Competence(CompetenceAttrs {
                    area: fw
                        .areas
                        .get(c.area)
                        .map(|a| a.id.clone())
                        .unwrap_or_default(),
                    code: c.code.clone(),
                    parent: c
                        .parent
                        .and_then(|p| fw.competences.get(p))
                        .map(|p| p.id.clone()),
                    source_framework: c.source.as_ref().map(|s| s.framework.clone()),
                    source_code: c.source.as_ref().and_then(|s| s.code.clone()),
                    n: pooled_stats.n,
                    mean_gap: pooled_stats.mean_gap,
                    mwds: pooled_stats.mwds,
                    rank: pooled_stats.rank,
                }),
            })?;
        }

        for (r, region) in regions.iter().enumerate() {
            for (t, ty) in types.iter().enumerate() {
                let n = n_pair
                    .get(r.saturating_mul(nt).saturating_add(t))
                    .copied()
                    .unwrap_or(0);
                if n > 0 {
                    map.push_edge(
                        &NodeKind::Region.node_id(&region.id),
                        &NodeKind::StakeholderType.node_id(&ty.id),
                        Edge::RegionType { n_respondents: n },
                    )?;
                }
            }
        }
        for c in &fw.competences {
            if let Some(area) = fw.areas.get(c.area) {
                map.push_edge(
                    &NodeKind::Area.node_id(&area.id),
                    &NodeKind::Competence.node_id(&c.id),
                    Edge::AreaCompetence,
                )?;
            }
        }
        let comp_ids: Vec<String> = fw
            .competences
            .iter()
            .map(|c| NodeKind::Competence.node_id(&c.id))
            .collect();
        for (groups, table, kind) in [
            (&by_region_groups, &by_region, NodeKind::Region),
            (&by_type_groups, &by_type, NodeKind::StakeholderType),
        ] {
            for (g, labels) in groups.labels.iter().enumerate() {
                let Some(entity) = labels.first() else {
                    continue;
                };
                let source = kind.node_id(entity);
                for (j, target) in comp_ids.iter().enumerate() {
                    let Some(stats) =
                        GapStats::from_table(table, g.saturating_mul(n_items).saturating_add(j))
                    else {
                        continue;
                    };
                    if stats.n == 0 {
                        continue;
                    }
                    let edge = match kind {
                        NodeKind::Region => Edge::RegionCompetence(stats),
                        _ => Edge::TypeCompetence(stats),
                    };
                    map.push_edge(&source, target, edge)?;
                }
            }
        }
        Ok(map)
    }

    /// The map's metadata.
    pub fn meta(&self) -> &MapMeta {
        &self.meta
    }

    /// The underlying petgraph graph, for algorithms not offered here.
    pub fn graph(&self) -> &StableDiGraph<Node, Edge> {
        &self.graph
    }

    /// Number of nodes.
    ///
    /// # Complexity
    /// O(1).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    ///
    /// # Complexity
    /// O(1).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node with id `id` (`region:ES22`, …), if any.
    ///
    /// # Complexity
    /// O(1) expected.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index
            .get(id)
            .and_then(|&ix| self.graph.node_weight(ix))
    }

    /// The nodes in insertion order.
    ///
    /// # Complexity
    /// O(nodes) for the whole iteration.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> + '_ {
        self.graph
            .node_indices()
            .filter_map(|ix| self.graph.node_weight(ix))
    }

    /// The nodes of one kind, in insertion order.
    ///
    /// # Complexity
    /// O(nodes) for the whole iteration.
    pub fn nodes_of(&self, kind: NodeKind) -> impl Iterator<Item = &Node> + '_ {
        self.nodes().filter(move |n| n.kind() == kind)
    }

    /// The edges in insertion order, as (source id, target id, edge).
    ///
    /// # Complexity
    /// O(edges) for the whole iteration.
    pub fn edges(&self) -> impl Iterator<Item = (&str, &str, &Edge)> + '_ {
        self.graph.edge_indices().filter_map(|e: EdgeIndex| {
            let (s, t) = self.graph.edge_endpoints(e)?;
            Some((self.id_of(s), self.id_of(t), self.graph.edge_weight(e)?))
        })
    }

    /// The gap statistics around a node: for a region or a stakeholder type,
    /// its competence edges as (competence id, statistics); for a
    /// competence, its region and type edges as (region or type id,
    /// statistics). In edge insertion order; empty for an area.
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] for an id that is not a node.
    ///
    /// # Complexity
    /// O(degree · log degree).
    pub fn gap_stats(&self, node_id: &str) -> crate::Result<Vec<(&str, &GapStats)>> {
        let ix = self.node_index(node_id)?;
        let dir = match self.kind_of(ix) {
            Some(NodeKind::Region | NodeKind::StakeholderType) => Direction::Outgoing,
            Some(NodeKind::Competence) => Direction::Incoming,
            _ => return Ok(Vec::new()),
        };
        Ok(self
            .incident(ix, dir)
            .into_iter()
            .filter_map(|e| {
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                Some((self.id_of(other), e.weight().gap_stats()?))
            })
            .collect())
    }

    /// The ids of the nodes linked to `id` by edges of kind `kind`, in
    /// either direction, each once, in edge insertion order: e.g. the types
    /// of a region (`RegionType`), the regions of a type (`RegionType`), the
    /// competences of an area or the area of a competence
    /// (`AreaCompetence`), related competences (`CompetenceCompetence`).
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] for an id that is not a node.
    ///
    /// # Complexity
    /// O(degree · log degree).
    pub fn neighbours(&self, id: &str, kind: EdgeKind) -> crate::Result<Vec<&str>> {
        let ix = self.node_index(id)?;
        let mut edges: Vec<_> = self
            .graph
            .edges_directed(ix, Direction::Outgoing)
            .chain(self.graph.edges_directed(ix, Direction::Incoming))
            .filter(|e| e.weight().kind() == kind)
            .collect();
        edges.sort_by_key(|e| e.id());
        let mut seen = HashSet::new();
        Ok(edges
            .into_iter()
            .map(|e| {
                if e.source() == ix {
                    e.target()
                } else {
                    e.source()
                }
            })
            .filter(|&n| seen.insert(n))
            .map(|n| self.id_of(n))
            .collect())
    }

    /// The index of a node by its exact id.
    fn node_index(&self, id: &str) -> Result<NodeIndex, GraphError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| GraphError::UnknownNode { id: id.to_owned() })
    }

    /// Adds a relatedness edge between two competences, or updates the
    /// weight of the existing edge of the same `kind` between them (in
    /// either direction), so that each pair has at most one edge per kind.
    ///
    /// # Arguments
    /// - `a_id`, `b_id`: the competences, by node id
    ///   (`competence:se.impact.measurement`) or competence id;
    /// - `kind`: the kind of relatedness (non-empty), e.g. `co-gap`;
    /// - `weight`: its strength (finite).
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] or [`GraphError::WrongKind`] for an id
    /// that is not a competence; [`GraphError::Relatedness`] for `a == b`,
    /// an empty kind or a weight that is not finite.
    ///
    /// # Complexity
    /// O(degree(a) + degree(b)).
    pub fn add_relatedness(
        &mut self,
        a_id: &str,
        b_id: &str,
        kind: &str,
        weight: f64,
    ) -> crate::Result<()> {
        let a = self.lookup(a_id, NodeKind::Competence)?;
        let b = self.lookup(b_id, NodeKind::Competence)?;
        check_relatedness(a_id, if a == b { a_id } else { b_id }, kind, weight)?;
        let existing = self
            .graph
            .edges_connecting(a, b)
            .chain(self.graph.edges_connecting(b, a))
            .find(|e| matches!(e.weight(), Edge::CompetenceCompetence { kind: k, .. } if k == kind))
            .map(|e| e.id());
        if let Some(Edge::CompetenceCompetence { weight: w, .. }) =
            existing.and_then(|e| self.graph.edge_weight_mut(e))
        {
            *w = weight;
            return Ok(());
        }
        self.graph.add_edge(
            a,
            b,
            Edge::CompetenceCompetence {
                kind: kind.to_owned(),
                weight,
            },
        );
        Ok(())
    }

    /// The part of the map around some regions.
    ///
    /// Keeps: the selected regions; every node one edge away from them (the
    /// types they have respondents of, the competences they have statistics
    /// for); the area of every kept competence. Then keeps every edge whose
    /// two ends are kept (so type → competence statistics, which pool all
    /// regions, stay as they are), in the original order, with the same
    /// metadata.
    ///
    /// # Arguments
    /// - `ids`: regions by node id (`region:ES22`) or region id (`ES22`).
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] or [`GraphError::WrongKind`] for an id
    /// that is not a region of the map.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn subgraph_regions<S: AsRef<str>>(&self, ids: &[S]) -> crate::Result<SkillsMap> {
        Ok(self.subgraph(NodeKind::Region, ids)?)
    }

    /// The part of the map around some stakeholder types.
    ///
    /// Keeps: the selected types; every node one edge away from them (the
    /// regions they have respondents in, the competences they have
    /// statistics for); the area of every kept competence. Then keeps every
    /// edge whose two ends are kept (so region → competence statistics, which
    /// pool all types, stay as they are), in the original order, with the
    /// same metadata.
    ///
    /// # Arguments
    /// - `ids`: types by node id (`type:cooperative`) or type id.
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] or [`GraphError::WrongKind`] for an id
    /// that is not a stakeholder type of the map.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn subgraph_types<S: AsRef<str>>(&self, ids: &[S]) -> crate::Result<SkillsMap> {
        Ok(self.subgraph(NodeKind::StakeholderType, ids)?)
    }

    /// The part of the map around some competence areas.
    ///
    /// Keeps: the selected areas; their competences; every region and type
    /// with a gap-statistics edge to one of those competences. Then keeps
    /// every edge whose two ends are kept (including region → type edges and
    /// relatedness between kept competences), in the original order, with
    /// the same metadata.
    ///
    /// # Arguments
    /// - `ids`: areas by node id (`area:se.found`) or area id.
    ///
    /// # Errors
    /// [`GraphError::UnknownNode`] or [`GraphError::WrongKind`] for an id
    /// that is not an area of the map.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn subgraph_areas<S: AsRef<str>>(&self, ids: &[S]) -> crate::Result<SkillsMap> {
        Ok(self.subgraph(NodeKind::Area, ids)?)
    }

    fn subgraph<S: AsRef<str>>(&self, kind: NodeKind, ids: &[S]) -> Result<SkillsMap, GraphError> {
        let selected = ids
            .iter()
            .map(|id| self.lookup(id.as_ref(), kind))
            .collect::<Result<Vec<_>, _>>()?;
        let mut keep: HashSet<NodeIndex> = selected.iter().copied().collect();
        for &s in &selected {
            for dir in [Direction::Outgoing, Direction::Incoming] {
                for e in self.graph.edges_directed(s, dir) {
                    keep.insert(e.source());
                    keep.insert(e.target());
                }
            }
        }
        let competences: Vec<NodeIndex> = keep
            .iter()
            .copied()
            .filter(|&ix| self.kind_of(ix) == Some(NodeKind::Competence))
            .collect();
        for c in competences {
            for e in self.graph.edges_directed(c, Direction::Incoming) {
                let wanted = match e.weight().kind() {
                    EdgeKind::AreaCompetence => true,
                    EdgeKind::RegionCompetence | EdgeKind::TypeCompetence => kind == NodeKind::Area,
                    _ => false,
                };
                if wanted {
                    keep.insert(e.source());
                }
            }
        }
        let mut out = SkillsMap::empty(self.meta.clone());
        for ix in self.graph.node_indices() {
            if keep.contains(&ix) {
                if let Some(n) = self.graph.node_weight(ix) {
                    out.push_node(n.clone())?;
                }
            }
        }
        for e in self.graph.edge_indices() {
            let Some((s, t)) = self.graph.edge_endpoints(e) else {
                continue;
            };
            if keep.contains(&s) && keep.contains(&t) {
                if let Some(w) = self.graph.edge_weight(e) {
                    out.push_edge(self.id_of(s), self.id_of(t), w.clone())?;
                }
            }
        }
        Ok(out)
    }
}

/// Checks a relatedness edge's fields.
fn check_relatedness(a: &str, b: &str, kind: &str, weight: f64) -> Result<(), GraphError> {
    if a == b {
        return Err(GraphError::Relatedness {
            reason: format!("a competence cannot be related to itself ({a:?})"),
        });
    }
    if kind.trim().is_empty() {
        return Err(GraphError::Relatedness {
            reason: format!("empty kind between {a:?} and {b:?}"),
        });
    }
    if !weight.is_finite() {
        return Err(GraphError::Relatedness {
            reason: format!("weight {weight} between {a:?} and {b:?} is not finite"),
        });
    }
    Ok(())
}
