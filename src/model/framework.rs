//! Competence frameworks: areas → competences (→ optional sub-competences),
//! with stable ids, labels in several languages, provenance and attribution.
//!
//! The embedded frameworks are JSON files under `data/frameworks/` compiled
//! into the crate: EntreComp, GreenComp, DigComp 2.2 and LifeComp (EU content
//! reused under CC BY 4.0 with attribution) and the illustrative `se-core`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::lookup::NameIndex;
use super::{ModelError, Scale};

/// Where a competence comes from when it is borrowed from another framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Id of the source framework, e.g. `entrecomp`.
    pub framework: String,
    /// The competence's code in the source framework, e.g. `1.1`.
    #[serde(default)]
    pub code: Option<String>,
    /// The competence's id in the source framework, e.g. `entrecomp.1.1`.
    #[serde(default)]
    pub id: Option<String>,
}

/// A competence area (EntreComp "Ideas and opportunities", …).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Stable id, unique within the framework.
    pub id: String,
    /// The framework's own code, e.g. `1`.
    pub code: Option<String>,
    /// English label.
    pub label: String,
    /// Labels in other languages, keyed by ISO 639-1 code.
    pub labels: BTreeMap<String, String>,
    /// Optional description.
    pub description: Option<String>,
}

/// A competence (or sub-competence) of a framework.
#[derive(Debug, Clone, PartialEq)]
pub struct Competence {
    /// Stable id, unique within the framework.
    pub id: String,
    /// The framework's own code, e.g. `1.1`.
    pub code: Option<String>,
    /// English label.
    pub label: String,
    /// Labels in other languages, keyed by ISO 639-1 code.
    pub labels: BTreeMap<String, String>,
    /// Optional description.
    pub description: Option<String>,
    /// Position of the area in [`Framework::areas`].
    pub area: usize,
    /// Position of the parent competence for a sub-competence.
    pub parent: Option<usize>,
    /// Source framework and code when borrowed from another framework.
    pub source: Option<SourceRef>,
    /// ESCO concept URI, when linked.
    pub esco_uri: Option<String>,
}

/// A competence taxonomy with its provenance.
///
/// Competences are stored flat, in definition order (sub-competences follow
/// their parent); lookups by id, code-qualified id, English label or any
/// translated label are case- and space-insensitive.
#[derive(Debug, Clone)]
pub struct Framework {
    /// Stable id, e.g. `entrecomp`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Edition or version.
    pub version: String,
    /// True for demonstration sets that are not an official framework.
    pub illustrative: bool,
    /// Bibliographic citation.
    pub citation: String,
    /// Licence and attribution note.
    pub licence: String,
    /// Link to the source.
    pub url: Option<String>,
    /// The framework's proficiency scale, when it defines one.
    pub scale: Option<Scale>,
    /// Areas in order.
    pub areas: Vec<Area>,
    /// Competences in order.
    pub competences: Vec<Competence>,
    /// Where the labels of each other language come from, keyed by ISO
    /// 639-1 code: an official translation (with its reference) or a
    /// working translation still to be checked. Empty when not recorded.
    pub translations: BTreeMap<String, String>,
    index: NameIndex,
}

impl PartialEq for Framework {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.version == other.version
            && self.illustrative == other.illustrative
            && self.citation == other.citation
            && self.licence == other.licence
            && self.url == other.url
            && self.scale == other.scale
            && self.areas == other.areas
            && self.competences == other.competences
            && self.translations == other.translations
    }
}

// ---- file format -----------------------------------------------------------

const FRAMEWORK_SCHEMA: &str = "skillsmap.framework/1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    schema: String,
    id: String,
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    illustrative: bool,
    #[serde(default)]
    citation: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    scale: Option<Scale>,
    /// Language code → source of that language's labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    translations: BTreeMap<String, String>,
    areas: Vec<AreaFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    id: String,
    #[serde(default)]
    code: Option<String>,
    label: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    description: Option<String>,
    competences: Vec<CompetenceFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompetenceFile {
    id: String,
    #[serde(default)]
    code: Option<String>,
    label: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    source: Option<SourceRef>,
    #[serde(default)]
    esco_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sub_competences: Vec<CompetenceFile>,
}

/// One row of a flat framework table, the shape users write in a CSV or
/// DataFrame: one row per competence, its area given by id (and label).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompetenceRow {
    /// Competence id.
    pub id: String,
    /// English label (defaults to the id when empty).
    pub label: String,
    /// Area id.
    pub area: String,
    /// Area label (defaults to the area id).
    pub area_label: Option<String>,
    /// Competence description.
    pub description: Option<String>,
    /// Competence code.
    pub code: Option<String>,
    /// Parent competence id, for sub-competences.
    pub parent: Option<String>,
    /// ESCO URI.
    pub esco_uri: Option<String>,
    /// Labels in other languages.
    pub labels: BTreeMap<String, String>,
}

/// Metadata of a user-defined framework.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameworkInfo {
    /// Stable id.
    pub id: String,
    /// Full name (defaults to the id).
    pub name: String,
    /// Version.
    pub version: String,
    /// Citation.
    pub citation: String,
    /// Licence note.
    pub licence: String,
    /// Source link.
    pub url: Option<String>,
    /// Proficiency scale.
    pub scale: Option<Scale>,
    /// Whether the framework is a demonstration set.
    pub illustrative: bool,
}

const EMBEDDED: [(&str, &str); 5] = [
    (
        "se-core",
        include_str!("../../data/frameworks/se-core.json"),
    ),
    (
        "entrecomp",
        include_str!("../../data/frameworks/entrecomp.json"),
    ),
    (
        "digcomp",
        include_str!("../../data/frameworks/digcomp.json"),
    ),
    (
        "greencomp",
        include_str!("../../data/frameworks/greencomp.json"),
    ),
    (
        "lifecomp",
        include_str!("../../data/frameworks/lifecomp.json"),
    ),
];

impl Framework {
    /// Ids of the embedded frameworks, the default (`se-core`) first.
    pub fn available() -> Vec<&'static str> {
        EMBEDDED.iter().map(|(id, _)| *id).collect()
    }

    /// An embedded framework by id (`se-core`, `entrecomp`, `digcomp`,
    /// `greencomp`, `lifecomp`; `digcomp-2.2` is accepted too). Parsed once,
    /// then shared.
    ///
    /// # Errors
    /// [`ModelError::Unknown`] for any other id.
    pub fn embedded(id: &str) -> crate::Result<Arc<Framework>> {
        static CACHE: OnceLock<Vec<crate::Result<Arc<Framework>>>> = OnceLock::new();
        let all = CACHE.get_or_init(|| {
            EMBEDDED
                .iter()
                .map(|(_, text)| Framework::from_json(text).map(Arc::new))
                .collect()
        });
        let key = super::normalise_key(id);
        let key = match key.as_str() {
            "digcomp-2.2" | "digcomp2.2" | "digcomp 2.2" => "digcomp".to_owned(),
            _ => key,
        };
        match EMBEDDED.iter().position(|(eid, _)| *eid == key) {
            Some(i) => all[i].clone(),
            None => Err(ModelError::Unknown {
                what: "framework",
                id: id.to_owned(),
                available: Self::available().join(", "),
            }
            .into()),
        }
    }

    /// Parses a framework from its JSON file format (`skillsmap.framework/1`).
    ///
    /// # Errors
    /// [`ModelError::Parse`] for malformed JSON or unknown fields (with line
    /// and column), [`ModelError::Invalid`] for duplicate ids or empty areas.
    pub fn from_json(text: &str) -> crate::Result<Framework> {
        let file: FrameworkFile = serde_json::from_str(text).map_err(|e| ModelError::Parse {
            what: "framework".into(),
            reason: e.to_string(),
        })?;
        if file.schema != FRAMEWORK_SCHEMA {
            return Err(ModelError::Invalid {
                what: format!("framework {:?}", file.id),
                reason: format!("schema is {:?}, expected {FRAMEWORK_SCHEMA:?}", file.schema),
            }
            .into());
        }
        if let Some(s) = &file.scale {
            s.check()?;
        }
        let mut areas = Vec::with_capacity(file.areas.len());
        let mut competences = Vec::new();
        for (ai, a) in file.areas.into_iter().enumerate() {
            areas.push(Area {
                id: a.id,
                code: a.code,
                label: a.label,
                labels: a.labels,
                description: a.description,
            });
            for c in a.competences {
                flatten(c, ai, None, &mut competences);
            }
        }
        let translations = file.translations;
        let mut fw = Framework::build(
            FrameworkInfo {
                id: file.id,
                name: file.name,
                version: file.version,
                citation: file.citation,
                licence: file.licence,
                url: file.url,
                scale: file.scale,
                illustrative: file.illustrative,
            },
            areas,
            competences,
        )?;
        fw.translations = translations;
        Ok(fw)
    }

    /// Builds a framework from flat competence rows (one per competence), as
    /// read from a user's CSV or DataFrame. Areas are created in order of
    /// first appearance.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] listing every row with an empty or duplicate id,
    /// an empty area, an unknown parent, parent links that form a cycle or
    /// nest deeper than [`MAX_SUB_COMPETENCE_DEPTH`], or an area label that contradicts an
    /// earlier one.
    pub fn from_rows(info: FrameworkInfo, rows: &[CompetenceRow]) -> crate::Result<Framework> {
        let mut problems = Vec::new();
        let mut areas: Vec<Area> = Vec::new();
        let mut competences: Vec<Competence> = Vec::new();
        let mut parents: Vec<(usize, usize, String)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let area_id = r.area.trim();
            if area_id.is_empty() {
                problems.push(format!("row {i}: empty area"));
                continue;
            }
            let ai = match areas.iter().position(|a| a.id == area_id) {
                Some(ai) => {
                    if let Some(l) = &r.area_label {
                        if !l.is_empty() && areas[ai].label != *l {
                            problems.push(format!(
                                "row {i}: area {area_id:?} labelled {l:?} but {:?} before",
                                areas[ai].label
                            ));
                        }
                    }
                    ai
                }
                None => {
                    areas.push(Area {
                        id: area_id.to_owned(),
                        code: None,
                        label: r
                            .area_label
                            .clone()
                            .filter(|l| !l.is_empty())
                            .unwrap_or_else(|| area_id.to_owned()),
                        labels: BTreeMap::new(),
                        description: None,
                    });
                    areas.len().saturating_sub(1)
                }
            };
            if let Some(p) = r.parent.as_deref().filter(|p| !p.is_empty()) {
                parents.push((i, competences.len(), p.to_owned()));
            }
            competences.push(Competence {
                id: r.id.trim().to_owned(),
                code: r.code.clone(),
                label: if r.label.is_empty() {
                    r.id.trim().to_owned()
                } else {
                    r.label.clone()
                },
                labels: r.labels.clone(),
                description: r.description.clone(),
                area: ai,
                parent: None,
                source: None,
                esco_uri: r.esco_uri.clone(),
            });
        }
        let mut row_of = vec![0usize; competences.len()];
        let position: std::collections::HashMap<&str, usize> = competences
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let links: Vec<(usize, usize, Option<usize>, String)> = parents
            .into_iter()
            .map(|(row, ci, pid)| (row, ci, position.get(pid.as_str()).copied(), pid))
            .collect();
        for (row, ci, found, pid) in links {
            row_of[ci] = row;
            match found {
                Some(p) if p != ci => competences[ci].parent = Some(p),
                _ => problems.push(format!("row {row}: unknown parent competence {pid:?}")),
            }
        }
        // Parent links must end at a competence without a parent within
        // MAX_SUB_COMPETENCE_DEPTH steps: a cycle would be lost when the framework is
        // written (sub-competences are nested under their parent), and a
        // deep chain would nest beyond what a reader can parse.
        for start in 0..competences.len() {
            let mut at = start;
            let mut steps = 0_usize;
            while let Some(p) = competences[at].parent {
                steps = steps.saturating_add(1);
                if p == start || steps > MAX_SUB_COMPETENCE_DEPTH {
                    problems.push(format!(
                        "row {}: the parent links of competence {:?} {}",
                        row_of[start],
                        competences[start].id,
                        if p == start {
                            "form a cycle".to_owned()
                        } else {
                            format!("are deeper than {MAX_SUB_COMPETENCE_DEPTH} levels")
                        }
                    ));
                    break;
                }
                at = p;
            }
        }
        if !problems.is_empty() {
            return Err(ModelError::Invalid {
                what: format!("framework {:?}", info.id),
                reason: problems.join("; "),
            }
            .into());
        }
        Ok(Framework::build(info, areas, competences)?)
    }

    fn build(
        info: FrameworkInfo,
        areas: Vec<Area>,
        competences: Vec<Competence>,
    ) -> Result<Framework, ModelError> {
        let what = format!("framework {:?}", info.id);
        let invalid = |reason: String| ModelError::Invalid {
            what: what.clone(),
            reason,
        };
        if info.id.trim().is_empty() {
            return Err(invalid("empty framework id".into()));
        }
        if competences.is_empty() {
            return Err(invalid("no competences".into()));
        }
        let mut seen = HashSet::new();
        for a in &areas {
            if a.id.trim().is_empty() || !seen.insert(a.id.as_str()) {
                return Err(invalid(format!("empty or duplicate area id {:?}", a.id)));
            }
        }
        let mut seen = HashSet::new();
        for c in &competences {
            if c.id.trim().is_empty() || !seen.insert(c.id.as_str()) {
                return Err(invalid(format!(
                    "empty or duplicate competence id {:?}",
                    c.id
                )));
            }
        }
        for (ai, a) in areas.iter().enumerate() {
            if !competences.iter().any(|c| c.area == ai) {
                return Err(invalid(format!("area {:?} has no competences", a.id)));
            }
        }
        let mut index = NameIndex::default();
        for (i, c) in competences.iter().enumerate() {
            index.insert_id(&c.id, i);
        }
        for (i, c) in competences.iter().enumerate() {
            index.insert_name(&c.label, i);
            for l in c.labels.values() {
                index.insert_name(l, i);
            }
            if let Some(code) = &c.code {
                index.insert_name(&format!("{} {}", info.id, code), i);
            }
        }
        Ok(Framework {
            name: if info.name.is_empty() {
                info.id.clone()
            } else {
                info.name
            },
            id: info.id,
            version: info.version,
            illustrative: info.illustrative,
            citation: info.citation,
            licence: info.licence,
            url: info.url,
            scale: info.scale,
            areas,
            competences,
            translations: BTreeMap::new(),
            index,
        })
    }

    /// The framework in its JSON file format (nested areas → competences).
    pub fn to_json(&self) -> String {
        fn comp(fw: &Framework, i: usize) -> CompetenceFile {
            let c = &fw.competences[i];
            CompetenceFile {
                id: c.id.clone(),
                code: c.code.clone(),
                label: c.label.clone(),
                labels: c.labels.clone(),
                description: c.description.clone(),
                source: c.source.clone(),
                esco_uri: c.esco_uri.clone(),
                sub_competences: fw
                    .competences
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.parent == Some(i))
                    .map(|(j, _)| comp(fw, j))
                    .collect(),
            }
        }
        let file = FrameworkFile {
            schema: FRAMEWORK_SCHEMA.into(),
            id: self.id.clone(),
            name: self.name.clone(),
            version: self.version.clone(),
            illustrative: self.illustrative,
            citation: self.citation.clone(),
            licence: self.licence.clone(),
            url: self.url.clone(),
            scale: self.scale.clone(),
            translations: self.translations.clone(),
            areas: self
                .areas
                .iter()
                .enumerate()
                .map(|(ai, a)| AreaFile {
                    id: a.id.clone(),
                    code: a.code.clone(),
                    label: a.label.clone(),
                    labels: a.labels.clone(),
                    description: a.description.clone(),
                    competences: self
                        .competences
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.area == ai && c.parent.is_none())
                        .map(|(i, _)| comp(self, i))
                        .collect(),
                })
                .collect(),
        };
        // Serialising plain strings, maps and numbers cannot fail.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Position of a competence by id, label (any language) or
    /// `"<framework id> <code>"`, case- and space-insensitively.
    pub fn resolve(&self, name: &str) -> Option<usize> {
        self.index.get(name)
    }

    /// Number of competences.
    pub fn len(&self) -> usize {
        self.competences.len()
    }

    /// Whether the framework has no competences (never true once built).
    pub fn is_empty(&self) -> bool {
        self.competences.is_empty()
    }

    /// Languages that have a label for every competence, besides English.
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = self
            .competences
            .first()
            .map(|c| c.labels.keys().cloned().collect())
            .unwrap_or_default();
        langs.retain(|l| self.competences.iter().all(|c| c.labels.contains_key(l)));
        langs
    }
}

/// How deep sub-competences may nest below a competence.
pub const MAX_SUB_COMPETENCE_DEPTH: usize = 16;

fn flatten(c: CompetenceFile, area: usize, parent: Option<usize>, out: &mut Vec<Competence>) {
    let me = out.len();
    out.push(Competence {
        id: c.id,
        code: c.code,
        label: c.label,
        labels: c.labels,
        description: c.description,
        area,
        parent,
        source: c.source,
        esco_uri: c.esco_uri,
    });
    for s in c.sub_competences {
        flatten(s, area, Some(me), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_frameworks_have_their_official_shapes() {
        let shape = |id: &str| {
            let fw = Framework::embedded(id).unwrap_or_else(|e| panic!("{e}"));
            (fw.areas.len(), fw.competences.len())
        };
        assert_eq!(shape("entrecomp"), (3, 15));
        assert_eq!(shape("greencomp"), (4, 12));
        assert_eq!(shape("digcomp"), (5, 21));
        assert_eq!(shape("lifecomp"), (3, 9));
        let (areas, n) = shape("se-core");
        assert!(areas >= 5 && (28..=34).contains(&n));
    }

    #[test]
    fn embedded_frameworks_carry_attribution_and_levels() {
        for id in Framework::available() {
            let fw = Framework::embedded(id).unwrap_or_else(|e| panic!("{e}"));
            assert!(fw.citation.len() > 40, "{id} citation");
            assert!(fw.licence.contains("CC BY 4.0"), "{id} licence");
        }
        for id in ["entrecomp", "digcomp"] {
            let fw = Framework::embedded(id).unwrap_or_else(|e| panic!("{e}"));
            let s = fw.scale.as_ref().map(|s| (s.min, s.max, s.labels.len()));
            assert_eq!(s, Some((1.0, 8.0, 8)));
        }
        let se = Framework::embedded("se-core").unwrap_or_else(|e| panic!("{e}"));
        assert!(se.illustrative);
        assert!(
            se.citation.to_lowercase().contains("illustrative")
                || se.citation.to_lowercase().contains("demonstration")
        );
        assert!(se.competences.iter().any(|c| c.source.is_some()));
    }

    #[test]
    fn borrowed_competences_point_to_real_source_competences() {
        let se = Framework::embedded("se-core").unwrap_or_else(|e| panic!("{e}"));
        for c in &se.competences {
            if let Some(src) = &c.source {
                let fw = Framework::embedded(&src.framework).unwrap_or_else(|e| panic!("{e}"));
                let id = src.id.clone().unwrap_or_default();
                let pos = fw
                    .resolve(&id)
                    .unwrap_or_else(|| panic!("{id} not in {}", fw.id));
                assert_eq!(fw.competences[pos].code, src.code, "{}", c.id);
            }
        }
    }

    #[test]
    fn json_round_trip_and_lookup() {
        let fw = Framework::embedded("entrecomp").unwrap_or_else(|e| panic!("{e}"));
        let back = Framework::from_json(&fw.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*fw, back);
        let i = fw.resolve("entrecomp.1.1");
        assert_eq!(i, fw.resolve("  SPOTTING opportunities "));
        assert_eq!(i, fw.resolve("entrecomp 1.1"));
        assert!(i.is_some());
        assert!(Framework::embedded("nope").is_err());
        assert!(Framework::embedded("DigComp-2.2").is_ok());
    }

    #[test]
    fn parent_cycles_and_deep_chains_are_rejected_and_shallow_ones_round_trip() {
        let row = |id: &str, parent: &str| CompetenceRow {
            id: id.into(),
            area: "A".into(),
            parent: (!parent.is_empty()).then(|| parent.into()),
            ..Default::default()
        };
        let info = FrameworkInfo {
            id: "mine".into(),
            ..Default::default()
        };
        let cycle = [row("a", "c"), row("b", "a"), row("c", "b"), row("d", "")];
        let err = Framework::from_rows(info.clone(), &cycle).unwrap_err();
        assert!(err.to_string().contains("form a cycle"), "{err}");
        // 30,000 levels: refused, not overflowing the stack on writing
        let ids: Vec<String> = (0..30_000).map(|i| format!("c{i}")).collect();
        let deep: Vec<CompetenceRow> = (0..ids.len())
            .map(|i| row(&ids[i], if i == 0 { "" } else { &ids[i - 1] }))
            .collect();
        let err = Framework::from_rows(info.clone(), &deep).unwrap_err();
        assert!(err.to_string().contains("deeper than 16 levels"), "{err}");
        let ok: Vec<CompetenceRow> = deep[..=MAX_SUB_COMPETENCE_DEPTH].to_vec();
        let fw = Framework::from_rows(info, &ok).unwrap_or_else(|e| panic!("{e}"));
        let back = Framework::from_json(&fw.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fw, back);
    }

    #[test]
    fn rejects_unknown_fields_and_duplicates() {
        let bad = r#"{"schema":"skillsmap.framework/1","id":"x","name":"x","areas":[],"extra":1}"#;
        assert!(matches!(
            Framework::from_json(bad),
            Err(crate::Error::Model(ModelError::Parse { .. }))
        ));
        let rows = vec![
            CompetenceRow {
                id: "a".into(),
                area: "A".into(),
                ..Default::default()
            },
            CompetenceRow {
                id: "a".into(),
                area: "A".into(),
                ..Default::default()
            },
        ];
        let info = FrameworkInfo {
            id: "mine".into(),
            ..Default::default()
        };
        assert!(Framework::from_rows(info.clone(), &rows).is_err());
        let rows = vec![
            CompetenceRow {
                id: "a".into(),
                area: "A".into(),
                ..Default::default()
            },
            CompetenceRow {
                id: "a1".into(),
                area: "A".into(),
                parent: Some("a".into()),
                ..Default::default()
            },
        ];
        let fw = Framework::from_rows(info, &rows).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fw.competences[1].parent, Some(0));
        let back = Framework::from_json(&fw.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fw, back);
    }
}
