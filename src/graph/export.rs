//! Exports of a skills map for other tools: GraphML (yEd, Cytoscape,
//! networkx), GEXF 1.3 (Gephi) and networkx node-link JSON.
//!
//! All three are written from one attribute table per node, edge and graph,
//! so they carry the same attributes under the same names and types. Every
//! attribute is declared up front with its type; a node or edge without a
//! value (an absent code, a NaN statistic) simply omits it in XML, and has
//! `null` for NaN in JSON. Relatedness edges are written once, in their
//! stored direction, in a graph declared directed: networkx refuses
//! undirected edges inside a directed GraphML or GEXF graph, so their
//! undirected meaning is carried by `kind = competence_competence`.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::{Edge, NodeAttrs, SkillsMap};

/// The type of an exported attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrType {
    Str,
    Int,
    Double,
    Bool,
}

impl AttrType {
    fn graphml(self) -> &'static str {
        match self {
            AttrType::Str => "string",
            AttrType::Int => "int",
            AttrType::Double => "double",
            AttrType::Bool => "boolean",
        }
    }

    fn gexf(self) -> &'static str {
        match self {
            AttrType::Str => "string",
            AttrType::Int => "integer",
            AttrType::Double => "double",
            AttrType::Bool => "boolean",
        }
    }
}

/// A value of an exported attribute.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttrValue<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
    /// A u64 written as a number in JSON and as text in XML (declared
    /// string there, as it may not fit a signed XML integer).
    U64(u64),
}

impl AttrValue<'_> {
    /// The value as XML text; `None` for NaN and infinities.
    fn xml_text(&self) -> Option<String> {
        match self {
            AttrValue::Str(s) => Some(escape(s)),
            AttrValue::Int(i) => Some(i.to_string()),
            AttrValue::Double(x) if x.is_finite() => Some(x.to_string()),
            AttrValue::Double(_) => None,
            AttrValue::Bool(b) => Some(b.to_string()),
            AttrValue::U64(u) => Some(u.to_string()),
        }
    }

    fn json(&self) -> Value {
        match self {
            AttrValue::Str(s) => Value::String((*s).to_owned()),
            AttrValue::Int(i) => Value::from(*i),
            AttrValue::Double(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
            AttrValue::Bool(b) => Value::Bool(*b),
            AttrValue::U64(u) => Value::from(*u),
        }
    }
}

fn int(n: usize) -> AttrValue<'static> {
    AttrValue::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

type Attrs<'a> = Vec<(&'static str, AttrValue<'a>)>;

/// Graph attributes, declared.
pub(crate) const GRAPH_KEYS: &[(&str, AttrType)] = &[
    ("format", AttrType::Str),
    ("version", AttrType::Int),
    ("framework", AttrType::Str),
    ("framework_name", AttrType::Str),
    ("framework_version", AttrType::Str),
    ("illustrative", AttrType::Bool),
    ("synthetic", AttrType::Bool),
    ("source", AttrType::Str),
    ("seed", AttrType::Str),
    ("region_set", AttrType::Str),
    ("typology", AttrType::Str),
    ("n_respondents", AttrType::Int),
    ("min_n", AttrType::Int),
    ("weighted", AttrType::Bool),
    ("importance_mean", AttrType::Str),
    ("target_is_required", AttrType::Bool),
    ("borich_uses_importance", AttrType::Bool),
];

/// Node attributes, declared.
pub(crate) const NODE_KEYS: &[(&str, AttrType)] = &[
    ("kind", AttrType::Str),
    ("label", AttrType::Str),
    ("country", AttrType::Str),
    ("nuts_level", AttrType::Int),
    ("n_respondents", AttrType::Int),
    ("sector", AttrType::Str),
    ("sector_label", AttrType::Str),
    ("framework", AttrType::Str),
    ("area", AttrType::Str),
    ("code", AttrType::Str),
    ("parent", AttrType::Str),
    ("source_framework", AttrType::Str),
    ("source_code", AttrType::Str),
    ("n", AttrType::Int),
    ("mean_gap", AttrType::Double),
    ("mwds", AttrType::Double),
    ("rank", AttrType::Int),
];

/// Edge attributes, declared.
pub(crate) const EDGE_KEYS: &[(&str, AttrType)] = &[
    ("kind", AttrType::Str),
    ("n_respondents", AttrType::Int),
    ("n", AttrType::Int),
    ("n_missing", AttrType::Int),
    ("mean_current", AttrType::Double),
    ("mean_gap", AttrType::Double),
    ("mean_positive_gap", AttrType::Double),
    ("mwds", AttrType::Double),
    ("rank", AttrType::Int),
    ("suppressed", AttrType::Bool),
    ("relation", AttrType::Str),
    ("weight", AttrType::Double),
];

fn graph_attrs(map: &SkillsMap) -> Attrs<'_> {
    let m = &map.meta;
    let mut v = vec![
        ("format", AttrValue::Str(super::FORMAT)),
        ("version", AttrValue::Int(i64::from(super::VERSION))),
        ("framework", AttrValue::Str(&m.framework)),
        ("framework_name", AttrValue::Str(&m.framework_name)),
        ("framework_version", AttrValue::Str(&m.framework_version)),
        ("illustrative", AttrValue::Bool(m.illustrative)),
        ("synthetic", AttrValue::Bool(m.synthetic)),
        ("source", AttrValue::Str(&m.source)),
    ];
    if let Some(seed) = m.seed {
        v.push(("seed", AttrValue::U64(seed)));
    }
    v.extend([
        ("region_set", AttrValue::Str(&m.region_set)),
        ("typology", AttrValue::Str(&m.typology)),
        ("n_respondents", int(m.n_respondents)),
        ("min_n", int(m.min_n)),
        ("weighted", AttrValue::Bool(m.weighted)),
        ("importance_mean", AttrValue::Str(&m.importance_mean)),
        ("target_is_required", AttrValue::Bool(m.target_is_required)),
        (
            "borich_uses_importance",
            AttrValue::Bool(m.borich_uses_importance),
        ),
    ]);
    v
}

pub(crate) fn node_attrs(node: &super::Node) -> Attrs<'_> {
    let mut v = vec![
        ("kind", AttrValue::Str(node.kind().name())),
        ("label", AttrValue::Str(&node.label)),
    ];
    match &node.attrs {
        NodeAttrs::Region {
            country,
            nuts_level,
            n_respondents,
        } => {
            v.push(("country", AttrValue::Str(country)));
            if let Some(l) = nuts_level {
                v.push(("nuts_level", AttrValue::Int(i64::from(*l))));
            }
            v.push(("n_respondents", int(*n_respondents)));
        }
        NodeAttrs::StakeholderType {
            sector,
            sector_label,
            n_respondents,
        } => {
            v.push(("sector", AttrValue::Str(sector)));
            v.push(("sector_label", AttrValue::Str(sector_label)));
            v.push(("n_respondents", int(*n_respondents)));
        }
        NodeAttrs::Area { framework, code } => {
            v.push(("framework", AttrValue::Str(framework)));
            if let Some(c) = code {
                v.push(("code", AttrValue::Str(c)));
            }
        }
        NodeAttrs::Competence(c) => {
            v.push(("area", AttrValue::Str(&c.area)));
            for (name, s) in [
                ("code", &c.code),
                ("parent", &c.parent),
                ("source_framework", &c.source_framework),
                ("source_code", &c.source_code),
            ] {
                if let Some(s) = s {
                    v.push((name, AttrValue::Str(s)));
                }
            }
            v.push(("n", int(c.n)));
            v.push(("mean_gap", AttrValue::Double(c.mean_gap)));
            v.push(("mwds", AttrValue::Double(c.mwds)));
            v.push(("rank", AttrValue::Int(i64::from(c.rank))));
        }
    }
    v
}

pub(crate) fn edge_attrs(edge: &Edge) -> Attrs<'_> {
    let mut v = vec![("kind", AttrValue::Str(edge.kind().name()))];
    match edge {
        Edge::RegionType { n_respondents } => v.push(("n_respondents", int(*n_respondents))),
        Edge::TypeCompetence(s) | Edge::RegionCompetence(s) => v.extend([
            ("n", int(s.n)),
            ("n_missing", int(s.n_missing)),
            ("mean_current", AttrValue::Double(s.mean_current)),
            ("mean_gap", AttrValue::Double(s.mean_gap)),
            ("mean_positive_gap", AttrValue::Double(s.mean_positive_gap)),
            ("mwds", AttrValue::Double(s.mwds)),
            ("rank", AttrValue::Int(i64::from(s.rank))),
            ("suppressed", AttrValue::Bool(s.suppressed)),
        ]),
        Edge::AreaCompetence => {}
        Edge::CompetenceCompetence { kind, weight } => v.extend([
            ("relation", AttrValue::Str(kind)),
            ("weight", AttrValue::Double(*weight)),
        ]),
    }
    v
}

/// Escapes text for XML content and attribute values; characters XML 1.0
/// cannot carry (most control characters) become U+FFFD.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

impl SkillsMap {
    /// The map as GraphML: a `<key>` declaration for every graph, node and
    /// edge attribute (typed `string`, `int`, `double` or `boolean`), then
    /// one directed graph with the metadata as graph data, the nodes (ids as
    /// in the map) and the edges (ids `e0`, `e1`, … in insertion order).
    /// Text is XML-escaped; NaN statistics and absent values are omitted.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn to_graphml(&self) -> String {
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(
            "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
             http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
        );
        for (domain, prefix, keys) in [
            ("graph", "g", GRAPH_KEYS),
            ("node", "n", NODE_KEYS),
            ("edge", "e", EDGE_KEYS),
        ] {
            for (name, ty) in keys {
                let _ = writeln!(
                    out,
                    "  <key id=\"{prefix}_{name}\" for=\"{domain}\" attr.name=\"{name}\" attr.type=\"{}\"/>",
                    ty.graphml()
                );
            }
        }
        out.push_str("  <graph id=\"skillsmap\" edgedefault=\"directed\">\n");
        write_graphml_data(&mut out, "    ", "g", &graph_attrs(self));
        for node in self.nodes() {
            let _ = writeln!(out, "    <node id=\"{}\">", escape(&node.id));
            write_graphml_data(&mut out, "      ", "n", &node_attrs(node));
            out.push_str("    </node>\n");
        }
        for (i, (s, t, edge)) in self.edges().enumerate() {
            let _ = writeln!(
                out,
                "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\">",
                escape(s),
                escape(t)
            );
            write_graphml_data(&mut out, "      ", "e", &edge_attrs(edge));
            out.push_str("    </edge>\n");
        }
        out.push_str("  </graph>\n</graphml>\n");
        out
    }

    /// The map as GEXF 1.3 (Gephi): node and edge attribute declarations
    /// (typed `string`, `integer`, `double` or `boolean`; the label is the
    /// node's own `label`, the relatedness weight the edge's own `weight`),
    /// then the nodes and edges of a static, directed graph. The metadata
    /// goes into `<meta>`: GEXF has no graph attributes. Text is
    /// XML-escaped; NaN statistics and absent values are omitted.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn to_gexf(&self) -> String {
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(
            "<gexf xmlns=\"http://gexf.net/1.3\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" \
             version=\"1.3\">\n",
        );
        let m = &self.meta;
        let mut keywords = vec!["skills map".to_owned(), m.framework.clone()];
        if m.synthetic {
            keywords.push("synthetic".to_owned());
        }
        let description = format!(
            "Skills map of framework {} ({}), {} respondents{}; {} format version {}",
            m.framework,
            m.framework_name,
            m.n_respondents,
            if m.synthetic { ", synthetic data" } else { "" },
            super::FORMAT,
            super::VERSION
        );
        let _ = writeln!(
            out,
            "  <meta>\n    <creator>skillsmap</creator>\n    <keywords>{}</keywords>\n    <description>{}</description>\n  </meta>",
            escape(&keywords.join(", ")),
            escape(&description)
        );
        out.push_str("  <graph defaultedgetype=\"directed\" mode=\"static\">\n");
        for (class, keys, skip) in [("node", NODE_KEYS, "label"), ("edge", EDGE_KEYS, "weight")] {
            let _ = writeln!(out, "    <attributes class=\"{class}\" mode=\"static\">");
            for (name, ty) in keys.iter().filter(|(n, _)| *n != skip) {
                let _ = writeln!(
                    out,
                    "      <attribute id=\"{class}_{name}\" title=\"{name}\" type=\"{}\"/>",
                    ty.gexf()
                );
            }
            out.push_str("    </attributes>\n");
        }
        out.push_str("    <nodes>\n");
        for node in self.nodes() {
            let _ = writeln!(
                out,
                "      <node id=\"{}\" label=\"{}\">",
                escape(&node.id),
                escape(&node.label)
            );
            write_gexf_values(&mut out, "node", "label", &node_attrs(node));
            out.push_str("      </node>\n");
        }
        out.push_str("    </nodes>\n    <edges>\n");
        for (i, (s, t, edge)) in self.edges().enumerate() {
            let _ = write!(
                out,
                "      <edge id=\"{i}\" source=\"{}\" target=\"{}\"",
                escape(s),
                escape(t)
            );
            if let Edge::CompetenceCompetence { weight, .. } = edge {
                if weight.is_finite() {
                    let _ = write!(out, " weight=\"{weight}\"");
                }
            }
            out.push_str(">\n");
            write_gexf_values(&mut out, "edge", "weight", &edge_attrs(edge));
            out.push_str("      </edge>\n");
        }
        out.push_str("    </edges>\n  </graph>\n</gexf>\n");
        out
    }

    /// The map in networkx's node-link layout, read by
    /// `networkx.node_link_graph(data, edges="edges")`:
    /// `{"directed": true, "multigraph": false, "graph": {metadata},
    /// "nodes": [{"id": ..., attributes}], "edges": [{"source": ...,
    /// "target": ..., attributes}]}`.
    ///
    /// Attributes are those of [`SkillsMap::to_graphml`]; NaN statistics are
    /// `null`, absent values are left out. `multigraph` becomes true only
    /// when two edges share source and target (relatedness of several
    /// kinds between the same competences in the same direction); the edges
    /// then carry a `key` (0, 1, … per pair) as networkx expects.
    ///
    /// # Complexity
    /// O(nodes + edges).
    pub fn to_node_link(&self) -> Value {
        let mut graph = Map::new();
        for (name, v) in graph_attrs(self) {
            graph.insert(name.to_owned(), v.json());
        }
        let nodes: Vec<Value> = self
            .nodes()
            .map(|node| {
                let mut o = Map::new();
                o.insert("id".to_owned(), Value::String(node.id.clone()));
                for (name, v) in node_attrs(node) {
                    o.insert(name.to_owned(), v.json());
                }
                Value::Object(o)
            })
            .collect();
        let mut per_pair: HashMap<(&str, &str), u64> = HashMap::new();
        let keys: Vec<u64> = self
            .edges()
            .map(|(s, t, _)| {
                let k = per_pair.entry((s, t)).or_insert(0);
                let index = *k;
                *k = k.saturating_add(1);
                index
            })
            .collect();
        let multigraph = per_pair.values().any(|&n| n > 1);
        let edges: Vec<Value> = self
            .edges()
            .zip(keys)
            .map(|((s, t, edge), key)| {
                let mut o = Map::new();
                o.insert("source".to_owned(), Value::String(s.to_owned()));
                o.insert("target".to_owned(), Value::String(t.to_owned()));
                if multigraph {
                    o.insert("key".to_owned(), Value::from(key));
                }
                for (name, v) in edge_attrs(edge) {
                    o.insert(name.to_owned(), v.json());
                }
                Value::Object(o)
            })
            .collect();
        let mut root = Map::new();
        root.insert("directed".to_owned(), Value::Bool(true));
        root.insert("multigraph".to_owned(), Value::Bool(multigraph));
        root.insert("graph".to_owned(), Value::Object(graph));
        root.insert("nodes".to_owned(), Value::Array(nodes));
        root.insert("edges".to_owned(), Value::Array(edges));
        Value::Object(root)
    }
}

fn write_graphml_data(out: &mut String, indent: &str, prefix: &str, attrs: &Attrs<'_>) {
    for (name, v) in attrs {
        if let Some(text) = v.xml_text() {
            let _ = writeln!(out, "{indent}<data key=\"{prefix}_{name}\">{text}</data>");
        }
    }
}

fn write_gexf_values(out: &mut String, class: &str, skip: &str, attrs: &Attrs<'_>) {
    let values: Vec<(&str, String)> = attrs
        .iter()
        .filter(|(name, _)| *name != skip)
        .filter_map(|(name, v)| Some((*name, v.xml_text()?)))
        .collect();
    if values.is_empty() {
        return;
    }
    out.push_str("        <attvalues>\n");
    for (name, text) in values {
        let _ = writeln!(
            out,
            "          <attvalue for=\"{class}_{name}\" value=\"{text}\"/>"
        );
    }
    out.push_str("        </attvalues>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::SkillsMap;
    use crate::scoring::GapOptions;
    use crate::synth::{generate, SynthConfig};

    fn declared(keys: &[(&str, AttrType)], name: &str) -> Option<AttrType> {
        keys.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    fn fits(v: &AttrValue<'_>, t: AttrType) -> bool {
        matches!(
            (v, t),
            (AttrValue::Str(_), AttrType::Str)
                | (AttrValue::U64(_), AttrType::Str)
                | (AttrValue::Int(_), AttrType::Int)
                | (AttrValue::Double(_), AttrType::Double)
                | (AttrValue::Bool(_), AttrType::Bool)
        )
    }

    #[test]
    fn every_attribute_is_declared_with_its_type() {
        let survey = generate(&SynthConfig::new(120, 3)).unwrap();
        let mut map = SkillsMap::from_survey(&survey, &GapOptions::default()).unwrap();
        let ids: Vec<String> = map
            .nodes_of(crate::graph::NodeKind::Competence)
            .take(2)
            .map(|n| n.id.clone())
            .collect();
        map.add_relatedness(&ids[0], &ids[1], "co-gap", 0.5)
            .unwrap();
        for (name, v) in graph_attrs(&map) {
            assert!(fits(&v, declared(GRAPH_KEYS, name).unwrap()), "{name}");
        }
        for node in map.nodes() {
            for (name, v) in node_attrs(node) {
                assert!(fits(&v, declared(NODE_KEYS, name).unwrap()), "{name}");
            }
        }
        for (_, _, edge) in map.edges() {
            for (name, v) in edge_attrs(edge) {
                assert!(fits(&v, declared(EDGE_KEYS, name).unwrap()), "{name}");
            }
        }
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}"
        );
    }
}
