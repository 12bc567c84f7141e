//! Versioned JSON persistence of a whole skills map.
//!
//! The file is `{"format": "skillsmap.map", "version": 1, "meta": {...},
//! "nodes": [...], "edges": [...]}`; every object rejects unknown fields so
//! that a typo or a file from a newer version is an error, not silently
//! dropped data. NaN statistics are written as `null` and read back as NaN;
//! floats are parsed with full precision, so a round trip gives an equal
//! map.

use serde::{Deserialize, Serialize};

use super::{Edge, GraphError, MapMeta, Node, SkillsMap};

/// The `format` of skills map files.
pub const FORMAT: &str = "skillsmap.map";
/// The version of the skills map file format written and read by this build.
pub const VERSION: u32 = 1;
/// The default size limit of [`SkillsMap::from_json`]: 256 MiB.
pub const DEFAULT_JSON_LIMIT: usize = 256 * 1024 * 1024;

#[derive(Serialize)]
struct MapFileOut<'a> {
    format: &'static str,
    version: u32,
    meta: &'a MapMeta,
    nodes: Vec<&'a Node>,
    edges: Vec<EdgeOut<'a>>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    source: &'a str,
    target: &'a str,
    edge: &'a Edge,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFileIn {
    // Checked from the header before the full parse.
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u32,
    meta: MapMeta,
    nodes: Vec<Node>,
    edges: Vec<EdgeIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdgeIn {
    source: String,
    target: String,
    edge: Edge,
}

/// The two fields read first, so that a file of another format or version
/// gets a clear error rather than a complaint about its fields.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
}

fn shown(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "missing".to_owned(), serde_json::Value::to_string)
}

impl SkillsMap {
    /// The map as versioned JSON (`{"format": "skillsmap.map", "version":
    /// 1, ...}`), compact; NaN statistics are written as `null`.
    ///
    /// # Complexity
    /// O(nodes + edges).
    ///
    /// # Example
    /// ```
    /// use skillsmap::graph::SkillsMap;
    /// use skillsmap::scoring::GapOptions;
    /// use skillsmap::synth::{generate, SynthConfig};
    ///
    /// let survey = generate(&SynthConfig::new(100, 1))?;
    /// let map = SkillsMap::from_survey(&survey, &GapOptions::default())?;
    /// let text = map.to_json(); // save: write `text` to a file
    /// assert!(text.contains("skillsmap.map"));
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let file = MapFileOut {
            format: FORMAT,
            version: VERSION,
            meta: &self.meta,
            nodes: self.nodes().collect(),
            edges: self
                .edges()
                .map(|(source, target, edge)| EdgeOut {
                    source,
                    target,
                    edge,
                })
                .collect(),
        };
        // Cannot fail: every map key is a string and non-finite floats are
        // written as null.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// Reads a map written by [`SkillsMap::to_json`], refusing text longer
    /// than [`DEFAULT_JSON_LIMIT`] (256 MiB).
    ///
    /// # Errors
    /// As [`SkillsMap::from_json_with_limit`].
    ///
    /// # Complexity
    /// O(length of the text).
    ///
    /// # Example
    /// ```
    /// use skillsmap::graph::SkillsMap;
    /// use skillsmap::scoring::GapOptions;
    /// use skillsmap::synth::{generate, SynthConfig};
    /// use skillsmap::ErrorKind;
    ///
    /// let survey = generate(&SynthConfig::new(100, 1))?;
    /// let map = SkillsMap::from_survey(&survey, &GapOptions::default())?;
    /// let back = SkillsMap::from_json(&map.to_json())?; // load
    /// assert_eq!(back, map);
    /// // a file that is not a skills map is a format error
    /// let err = SkillsMap::from_json("{\"format\": \"networkx\"}").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Format);
    /// # Ok::<(), skillsmap::Error>(())
    /// ```
    pub fn from_json(text: &str) -> crate::Result<SkillsMap> {
        SkillsMap::from_json_with_limit(text, DEFAULT_JSON_LIMIT)
    }

    /// Reads a map written by [`SkillsMap::to_json`], refusing text longer
    /// than `max_bytes`.
    ///
    /// # Errors
    /// - [`GraphError::TooLarge`] for text longer than `max_bytes`;
    /// - [`GraphError::Format`] when `format` is not `skillsmap.map`;
    /// - [`GraphError::Version`] when `version` is not 1;
    /// - [`GraphError::Parse`] for malformed JSON, unknown or missing fields
    ///   and wrong types, with line and column;
    /// - [`GraphError::Invalid`] for a map that cannot exist: duplicate or
    ///   wrongly prefixed node ids, edges to missing nodes or between nodes
    ///   of the wrong kinds, relatedness self-loops or non-finite weights.
    ///
    /// Every one of these is of [`crate::ErrorKind::Format`]: a file that
    /// cannot be read, not a bad argument.
    ///
    /// # Complexity
    /// O(length of the text).
    pub fn from_json_with_limit(text: &str, max_bytes: usize) -> crate::Result<SkillsMap> {
        Ok(Self::read_json(text, max_bytes)?)
    }

    fn read_json(text: &str, max_bytes: usize) -> Result<SkillsMap, GraphError> {
        if text.len() > max_bytes {
            return Err(GraphError::TooLarge {
                size: text.len(),
                limit: max_bytes,
            });
        }
        // serde reads a struct from a JSON array too; a map file is an object.
        if !text.trim_start().starts_with('{') {
            return Err(GraphError::Parse {
                reason: "expected a JSON object at line 1".to_owned(),
            });
        }
        let parse = |e: serde_json::Error| GraphError::Parse {
            reason: e.to_string(),
        };
        let header: Header = serde_json::from_str(text).map_err(parse)?;
        if header.format.as_ref().and_then(|v| v.as_str()) != Some(FORMAT) {
            return Err(GraphError::Format {
                found: shown(header.format.as_ref()),
            });
        }
        if header.version.as_ref().and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
            return Err(GraphError::Version {
                found: shown(header.version.as_ref()),
            });
        }
        let file: MapFileIn = serde_json::from_str(text).map_err(parse)?;
        // a map that cannot exist is a corrupt file, whatever the check
        // that found it
        let corrupt = |e: GraphError| match e {
            GraphError::Invalid { .. } => e,
            other => GraphError::Invalid {
                reason: other.to_string(),
            },
        };
        let mut map = SkillsMap::empty(file.meta);
        for node in file.nodes {
            map.push_node(node).map_err(corrupt)?;
        }
        for e in file.edges {
            map.push_edge(&e.source, &e.target, e.edge)
                .map_err(corrupt)?;
        }
        Ok(map)
    }
}
