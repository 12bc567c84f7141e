//! Regions: id (a NUTS code where one exists), name, country.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::lookup::NameIndex;
use super::ModelError;

/// A region of the skills map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Stable id: the NUTS code where one exists (e.g. `ES22`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code (empty when unknown).
    #[serde(default)]
    pub country: String,
    /// NUTS level of the id, when it is a NUTS code.
    #[serde(default)]
    pub nuts_level: Option<u8>,
    /// Other names accepted in survey data.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// An ordered set of regions.
#[derive(Debug, Clone)]
pub struct RegionSet {
    /// Stable id, e.g. `resees`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Regions in order.
    pub regions: Vec<Region>,
    index: NameIndex,
}

impl PartialEq for RegionSet {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id && self.name == o.name && self.regions == o.regions
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsFile {
    schema: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    regions: Vec<Region>,
}

const REGIONS_SCHEMA: &str = "skillsmap.regions/1";
const RESEES: &str = include_str!("../../data/regions/resees.json");

impl RegionSet {
    /// The six RESEES partner regions: ES22 Navarra, ES62 Región de Murcia,
    /// FRI Nouvelle-Aquitaine, SI032 Podravje, FI1D7 Lapland, ITH5
    /// Emilia-Romagna.
    pub fn resees() -> crate::Result<Arc<RegionSet>> {
        static CACHE: OnceLock<crate::Result<Arc<RegionSet>>> = OnceLock::new();
        CACHE
            .get_or_init(|| RegionSet::from_json(RESEES).map(Arc::new))
            .clone()
    }

    /// Parses a region set from its JSON format (`skillsmap.regions/1`).
    ///
    /// # Errors
    /// [`ModelError::Parse`] or [`ModelError::Invalid`].
    pub fn from_json(text: &str) -> crate::Result<RegionSet> {
        let f: RegionsFile = serde_json::from_str(text).map_err(|e| ModelError::Parse {
            what: "region set".into(),
            reason: e.to_string(),
        })?;
        if f.schema != REGIONS_SCHEMA {
            return Err(ModelError::Invalid {
                what: format!("region set {:?}", f.id),
                reason: format!("schema is {:?}, expected {REGIONS_SCHEMA:?}", f.schema),
            }
            .into());
        }
        RegionSet::new(f.id, f.name, f.regions)
    }

    /// A region set from regions.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for no regions or an empty or duplicate id.
    pub fn new(id: String, name: String, regions: Vec<Region>) -> crate::Result<RegionSet> {
        if regions.is_empty() {
            return Err(ModelError::Invalid {
                what: format!("region set {id:?}"),
                reason: "no regions".into(),
            }
            .into());
        }
        let mut index = NameIndex::default();
        for (i, r) in regions.iter().enumerate() {
            if r.id.trim().is_empty() || index.get_exact_id(&r.id) {
                return Err(ModelError::Invalid {
                    what: format!("region set {id:?}"),
                    reason: format!("empty or duplicate region id {:?}", r.id),
                }
                .into());
            }
            index.insert_id(&r.id, i);
        }
        for (i, r) in regions.iter().enumerate() {
            index.insert_name(&r.name, i);
            for a in &r.aliases {
                index.insert_name(a, i);
            }
        }
        Ok(RegionSet {
            id,
            name,
            regions,
            index,
        })
    }

    /// An open region set accepting exactly the given names as ids; used when
    /// a survey brings its own regions.
    pub fn open(names: &[String]) -> crate::Result<RegionSet> {
        let regions = names
            .iter()
            .map(|n| Region {
                id: n.clone(),
                name: n.clone(),
                country: String::new(),
                nuts_level: None,
                aliases: Vec::new(),
            })
            .collect();
        RegionSet::new("open".into(), "regions found in the survey".into(), regions)
    }

    /// The region set in its JSON format.
    pub fn to_json(&self) -> String {
        let f = RegionsFile {
            schema: REGIONS_SCHEMA.into(),
            id: self.id.clone(),
            name: self.name.clone(),
            description: String::new(),
            regions: self.regions.clone(),
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }

    /// Position of a region by id, name or alias.
    pub fn resolve(&self, name: &str) -> Option<usize> {
        self.index.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resees_regions_by_code_name_and_alias() {
        let r = RegionSet::resees().unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = r.regions.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["ES22", "ES62", "FRI", "SI032", "FI1D7", "ITH5"]);
        assert_eq!(r.resolve("Lappi"), r.resolve("FI1D7"));
        assert_eq!(r.resolve("region de murcia"), Some(1));
        assert_eq!(r.resolve("Catalonia"), None);
        let back = RegionSet::from_json(&r.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*r, back);
        assert!(RegionSet::open(&["a".into(), "a".into()]).is_err());
    }
}
