//! Stakeholder typologies: a small hierarchy sector → stakeholder type.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::lookup::NameIndex;
use super::ModelError;

/// A sector grouping stakeholder types (e.g. "Social economy entities").
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    /// Stable id.
    pub id: String,
    /// English label.
    pub label: String,
}

/// A stakeholder type (e.g. "Cooperative").
#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderType {
    /// Stable id.
    pub id: String,
    /// English label.
    pub label: String,
    /// Labels in other languages.
    pub labels: BTreeMap<String, String>,
    /// Other spellings accepted in survey data.
    pub aliases: Vec<String>,
    /// Position of the sector in [`Typology::sectors`].
    pub sector: usize,
}

/// A typology of stakeholders: sectors and their types.
#[derive(Debug, Clone)]
pub struct Typology {
    /// Stable id, e.g. `se-default`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Sectors in order.
    pub sectors: Vec<Sector>,
    /// Stakeholder types in order.
    pub types: Vec<StakeholderType>,
    index: NameIndex,
}

impl PartialEq for Typology {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id && self.name == o.name && self.sectors == o.sectors && self.types == o.types
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypologyFile {
    schema: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    sectors: Vec<SectorFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectorFile {
    id: String,
    label: String,
    types: Vec<TypeFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeFile {
    id: String,
    label: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    aliases: Vec<String>,
}

const TYPOLOGY_SCHEMA: &str = "skillsmap.typology/1";
const DEFAULT: &str = include_str!("../../data/typologies/se-default.json");

impl Typology {
    /// The default social-economy typology (`se-default`): SE entities,
    /// public authorities, support and representative bodies, education and
    /// training providers, finance providers.
    pub fn default_se() -> crate::Result<Arc<Typology>> {
        static CACHE: OnceLock<crate::Result<Arc<Typology>>> = OnceLock::new();
        CACHE
            .get_or_init(|| Typology::from_json(DEFAULT).map(Arc::new))
            .clone()
    }

    /// Parses a typology from its JSON format (`skillsmap.typology/1`).
    ///
    /// # Errors
    /// [`ModelError::Parse`] or [`ModelError::Invalid`].
    pub fn from_json(text: &str) -> crate::Result<Typology> {
        let f: TypologyFile = serde_json::from_str(text).map_err(|e| ModelError::Parse {
            what: "typology".into(),
            reason: e.to_string(),
        })?;
        if f.schema != TYPOLOGY_SCHEMA {
            return Err(ModelError::Invalid {
                what: format!("typology {:?}", f.id),
                reason: format!("schema is {:?}, expected {TYPOLOGY_SCHEMA:?}", f.schema),
            }
            .into());
        }
        let mut sectors = Vec::new();
        let mut types = Vec::new();
        for (si, s) in f.sectors.into_iter().enumerate() {
            sectors.push(Sector {
                id: s.id,
                label: s.label,
            });
            for t in s.types {
                types.push(StakeholderType {
                    id: t.id,
                    label: t.label,
                    labels: t.labels,
                    aliases: t.aliases,
                    sector: si,
                });
            }
        }
        Ok(Typology::build(f.id, f.name, sectors, types)?)
    }

    /// Builds a typology from `(sector, type)` pairs (labels equal ids), in
    /// order of first appearance.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for empty or duplicate type ids, or a type listed
    /// under two sectors.
    pub fn from_pairs(id: &str, pairs: &[(String, String)]) -> crate::Result<Typology> {
        let mut sectors: Vec<Sector> = Vec::new();
        let mut types: Vec<StakeholderType> = Vec::new();
        for (s, t) in pairs {
            let si = match sectors.iter().position(|x| x.id == *s) {
                Some(i) => i,
                None => {
                    sectors.push(Sector {
                        id: s.clone(),
                        label: s.clone(),
                    });
                    sectors.len().saturating_sub(1)
                }
            };
            if let Some(prev) = types.iter().find(|x| x.id == *t) {
                if prev.sector != si {
                    return Err(ModelError::Invalid {
                        what: format!("typology {id:?}"),
                        reason: format!("type {t:?} listed under two sectors"),
                    }
                    .into());
                }
                continue;
            }
            types.push(StakeholderType {
                id: t.clone(),
                label: t.clone(),
                labels: BTreeMap::new(),
                aliases: Vec::new(),
                sector: si,
            });
        }
        Ok(Typology::build(
            id.to_owned(),
            id.to_owned(),
            sectors,
            types,
        )?)
    }

    /// An open typology accepting exactly the given type names, all in one
    /// sector `unspecified`; used when a survey brings its own types.
    pub fn open(names: &[String]) -> crate::Result<Typology> {
        let pairs: Vec<(String, String)> = names
            .iter()
            .map(|n| ("unspecified".to_owned(), n.clone()))
            .collect();
        Typology::from_pairs("open", &pairs)
    }

    fn build(
        id: String,
        name: String,
        sectors: Vec<Sector>,
        types: Vec<StakeholderType>,
    ) -> Result<Typology, ModelError> {
        let what = format!("typology {id:?}");
        if types.is_empty() {
            return Err(ModelError::Invalid {
                what,
                reason: "no stakeholder types".into(),
            });
        }
        let mut index = NameIndex::default();
        for (i, t) in types.iter().enumerate() {
            if t.id.trim().is_empty() || index.get_exact_id(&t.id) {
                return Err(ModelError::Invalid {
                    what,
                    reason: format!("empty or duplicate type id {:?}", t.id),
                });
            }
            index.insert_id(&t.id, i);
        }
        for (i, t) in types.iter().enumerate() {
            index.insert_name(&t.label, i);
            for l in t.labels.values().chain(t.aliases.iter()) {
                index.insert_name(l, i);
            }
        }
        Ok(Typology {
            id,
            name,
            sectors,
            types,
            index,
        })
    }

    /// The typology in its JSON format.
    pub fn to_json(&self) -> String {
        let f = TypologyFile {
            schema: TYPOLOGY_SCHEMA.into(),
            id: self.id.clone(),
            name: self.name.clone(),
            description: String::new(),
            sectors: self
                .sectors
                .iter()
                .enumerate()
                .map(|(si, s)| SectorFile {
                    id: s.id.clone(),
                    label: s.label.clone(),
                    types: self
                        .types
                        .iter()
                        .filter(|t| t.sector == si)
                        .map(|t| TypeFile {
                            id: t.id.clone(),
                            label: t.label.clone(),
                            labels: t.labels.clone(),
                            aliases: t.aliases.clone(),
                        })
                        .collect(),
                })
                .collect(),
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }

    /// Position of a stakeholder type by id, label or alias.
    pub fn resolve(&self, name: &str) -> Option<usize> {
        self.index.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_typology_resolves_aliases() {
        let t = Typology::default_se().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.sectors.len(), 5);
        let wise = t.resolve("WISE").map(|i| t.types[i].id.as_str());
        assert_eq!(wise, Some("wise"));
        assert_eq!(t.resolve("Cooperative"), t.resolve("cooperative"));
        let back = Typology::from_json(&t.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*t, back);
    }

    #[test]
    fn from_pairs_rejects_a_type_in_two_sectors() {
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert!(Typology::from_pairs("x", &[p("s1", "t"), p("s2", "t")]).is_err());
        let t = Typology::from_pairs("x", &[p("s1", "t"), p("s1", "t"), p("s2", "u")]);
        assert_eq!(t.map(|t| t.types.len()).ok(), Some(2));
    }
}
