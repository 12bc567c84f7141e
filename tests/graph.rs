//! The skills map: construction against the survey and the gap engine,
//! queries, subgraphs, exact JSON round trips and rejection of bad files,
//! well-formed GraphML and GEXF, node-link layout.

use skillsmap::{Error, ErrorKind};
use std::collections::{BTreeSet, HashSet};

use skillsmap::graph::{
    Edge, EdgeKind, GapStats, GraphError, NodeAttrs, NodeKind, SkillsMap, DEFAULT_JSON_LIMIT,
};
use skillsmap::scoring::{gap_table, GapOptions, GroupKey, Grouping, Level};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::Survey;

fn survey() -> Survey {
    generate(&SynthConfig::new(300, 1)).unwrap()
}

fn map_of(s: &Survey) -> SkillsMap {
    SkillsMap::from_survey(s, &GapOptions::default()).unwrap()
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[test]
fn nodes_and_edges_match_the_survey() {
    let s = survey();
    let map = map_of(&s);
    let resp = s.respondents();
    let regions: BTreeSet<u32> = resp.region.iter().copied().collect();
    let types: BTreeSet<u32> = resp.stakeholder_type.iter().copied().collect();
    let pairs: HashSet<(u32, u32)> = resp
        .region
        .iter()
        .copied()
        .zip(resp.stakeholder_type.iter().copied())
        .collect();
    assert_eq!(regions.len(), 6);
    let count = |k| map.nodes_of(k).count();
    assert_eq!(count(NodeKind::Region), 6);
    assert_eq!(count(NodeKind::StakeholderType), types.len());
    assert_eq!(count(NodeKind::Area), 6);
    assert_eq!(count(NodeKind::Competence), 32);
    assert_eq!(map.node_count(), 6 + types.len() + 6 + 32);

    let by_kind = |k| map.edges().filter(|(_, _, e)| e.kind() == k).count();
    assert_eq!(by_kind(EdgeKind::RegionType), pairs.len());
    assert_eq!(by_kind(EdgeKind::AreaCompetence), 32);
    let opts = GapOptions::default();
    let nonzero = |keys: &[GroupKey]| {
        let t = gap_table(&s, &Grouping::by(&s, keys).unwrap(), &opts).unwrap();
        t.n.iter().filter(|&&n| n > 0).count()
    };
    assert_eq!(
        by_kind(EdgeKind::RegionCompetence),
        nonzero(&[GroupKey::Region])
    );
    assert_eq!(
        by_kind(EdgeKind::TypeCompetence),
        nonzero(&[GroupKey::StakeholderType])
    );
    assert_eq!(by_kind(EdgeKind::CompetenceCompetence), 0);
    assert_eq!(map.edge_count(), map.edges().count());

    // respondent counts on region nodes and region → type edges
    let es22 = map.node("region:ES22").unwrap();
    let pos = s.regions().resolve("ES22").unwrap() as u32;
    let n_es22 = resp.region.iter().filter(|&&r| r == pos).count();
    match &es22.attrs {
        NodeAttrs::Region {
            n_respondents,
            country,
            ..
        } => {
            assert_eq!(*n_respondents, n_es22);
            assert_eq!(country, "ES");
        }
        other => panic!("{other:?}"),
    }
    let through_types: usize = map
        .edges()
        .filter_map(|(src, _, e)| match e {
            Edge::RegionType { n_respondents } if src == "region:ES22" => Some(*n_respondents),
            _ => None,
        })
        .sum();
    assert_eq!(through_types, n_es22);

    let meta = map.meta();
    assert!(meta.synthetic);
    assert_eq!(meta.framework, s.framework().id);
    assert_eq!(meta.n_respondents, 300);
}

#[test]
fn edge_statistics_equal_the_gap_tables() {
    let s = survey();
    let opts = GapOptions {
        min_n: 12,
        ..GapOptions::default()
    };
    let map = SkillsMap::from_survey(&s, &opts).unwrap();
    let fw = s.framework();
    for (key, kind) in [
        (GroupKey::Region, NodeKind::Region),
        (GroupKey::StakeholderType, NodeKind::StakeholderType),
    ] {
        let g = Grouping::by(&s, &[key]).unwrap();
        let t = gap_table(&s, &g, &opts).unwrap();
        let mut seen = 0;
        for (gi, labels) in g.labels.iter().enumerate() {
            let id = kind.node_id(&labels[0]);
            let stats = map.gap_stats(&id).unwrap();
            let expected: Vec<(String, GapStats)> = (0..t.n_items)
                .filter(|&j| t.n[gi * t.n_items + j] > 0)
                .map(|j| {
                    (
                        NodeKind::Competence.node_id(&fw.competences[j].id),
                        GapStats::from_table(&t, gi * t.n_items + j).unwrap(),
                    )
                })
                .collect();
            assert_eq!(stats.len(), expected.len(), "{id}");
            for ((cid, st), (eid, est)) in stats.iter().zip(&expected) {
                assert_eq!(cid, eid);
                assert_eq!(*st, est);
                assert!(same(st.mwds, est.mwds) && same(st.mean_gap, est.mean_gap));
            }
            seen += stats.len();
        }
        assert!(seen > 0);
    }
    // suppression is carried over (min_n = 12 suppresses some type cells)
    assert!(map
        .edges()
        .filter_map(|(_, _, e)| e.gap_stats())
        .any(|st| st.suppressed && st.mwds.is_nan()));

    // pooled statistics on competence nodes
    let pooled = gap_table(&s, &Grouping::pooled(s.n_respondents()), &opts).unwrap();
    for (j, c) in fw.competences.iter().enumerate() {
        let node = map.node(&NodeKind::Competence.node_id(&c.id)).unwrap();
        let NodeAttrs::Competence(a) = &node.attrs else {
            panic!("{node:?}")
        };
        assert_eq!(a.n, pooled.n[j]);
        assert!(same(a.mean_gap, pooled.mean_gap[j]));
        assert!(same(a.mwds, pooled.mwds[j]));
        assert_eq!(a.rank, pooled.rank[j]);
        assert_eq!(a.area, fw.areas[c.area].id);
    }

    // a competence sees its regions and types
    let c0 = NodeKind::Competence.node_id(&fw.competences[0].id);
    let around = map.gap_stats(&c0).unwrap();
    assert!(around.iter().any(|(id, _)| id.starts_with("region:")));
    assert!(around.iter().any(|(id, _)| id.starts_with("type:")));
    assert!(matches!(
        map.gap_stats("area:nope"),
        Err(Error::Graph(GraphError::UnknownNode { .. }))
    ));
    assert!(map
        .gap_stats(&NodeKind::Area.node_id(&fw.areas[0].id))
        .unwrap()
        .is_empty());
}

#[test]
fn area_level_is_refused() {
    let s = survey();
    let opts = GapOptions {
        level: Level::Area,
        ..GapOptions::default()
    };
    assert!(matches!(
        SkillsMap::from_survey(&s, &opts),
        Err(Error::Graph(GraphError::InvalidOption(_)))
    ));
}

#[test]
fn neighbours_by_edge_kind() {
    let s = survey();
    let map = map_of(&s);
    let fw = s.framework();
    let area = NodeKind::Area.node_id(&fw.areas[0].id);
    let members = map.neighbours(&area, EdgeKind::AreaCompetence).unwrap();
    let expected: Vec<String> = fw
        .competences
        .iter()
        .filter(|c| c.area == 0)
        .map(|c| NodeKind::Competence.node_id(&c.id))
        .collect();
    assert_eq!(members, expected);
    assert_eq!(
        map.neighbours(&expected[0], EdgeKind::AreaCompetence)
            .unwrap(),
        vec![area.as_str()]
    );
    let types = map.neighbours("region:ES22", EdgeKind::RegionType).unwrap();
    assert!(types.iter().all(|t| t.starts_with("type:")));
    for t in &types {
        assert!(map
            .neighbours(t, EdgeKind::RegionType)
            .unwrap()
            .contains(&"region:ES22"));
    }
    assert_eq!(
        map.neighbours("nope", EdgeKind::RegionType)
            .map_err(|e| e.kind()),
        Err(ErrorKind::UnknownName)
    );
}

#[test]
fn relatedness_edges() {
    let s = survey();
    let mut map = map_of(&s);
    let ids: Vec<String> = map
        .nodes_of(NodeKind::Competence)
        .map(|n| n.id.clone())
        .collect();
    let before = map.edge_count();
    map.add_relatedness(&ids[0], &ids[1], "co-gap", 0.4)
        .unwrap();
    // the same pair and kind, reversed and by bare id: an update
    let bare = ids[1].trim_start_matches("competence:");
    map.add_relatedness(bare, &ids[0], "co-gap", 0.7).unwrap();
    map.add_relatedness(&ids[0], &ids[1], "proximity", 0.2)
        .unwrap();
    assert_eq!(map.edge_count(), before + 2);
    assert_eq!(
        map.neighbours(&ids[1], EdgeKind::CompetenceCompetence)
            .unwrap(),
        vec![ids[0].as_str()]
    );
    let weights: Vec<f64> = map
        .edges()
        .filter_map(|(_, _, e)| match e {
            Edge::CompetenceCompetence { weight, .. } => Some(*weight),
            _ => None,
        })
        .collect();
    assert_eq!(weights, vec![0.7, 0.2]);
    assert!(matches!(
        map.add_relatedness(&ids[0], &ids[0], "x", 1.0),
        Err(Error::Graph(GraphError::Relatedness { .. }))
    ));
    assert!(matches!(
        map.add_relatedness(&ids[0], &ids[2], "x", f64::NAN),
        Err(Error::Graph(GraphError::Relatedness { .. }))
    ));
    assert!(matches!(
        map.add_relatedness(&ids[0], &ids[2], " ", 1.0),
        Err(Error::Graph(GraphError::Relatedness { .. }))
    ));
    assert!(matches!(
        map.add_relatedness(&ids[0], "region:ES22", "x", 1.0),
        Err(Error::Graph(GraphError::WrongKind { .. }))
    ));
    assert!(matches!(
        map.add_relatedness(&ids[0], "competence:nope", "x", 1.0),
        Err(Error::Graph(GraphError::UnknownNode { .. }))
    ));
    // parallel edges make the node-link export a multigraph with keys
    let nl = map.to_node_link();
    assert_eq!(nl["multigraph"], true);
    assert!(nl["edges"][0].get("key").is_some());
    let back = SkillsMap::from_json(&map.to_json()).unwrap();
    assert_eq!(back, map);
}

#[test]
fn subgraphs_keep_what_they_document() {
    let s = survey();
    let mut map = map_of(&s);
    let comps: Vec<String> = map
        .nodes_of(NodeKind::Competence)
        .map(|n| n.id.clone())
        .collect();
    map.add_relatedness(&comps[0], &comps[31], "co-gap", 1.0)
        .unwrap();

    let sub = map.subgraph_regions(&["ES22", "region:FRI"]).unwrap();
    let regions: Vec<&str> = sub
        .nodes_of(NodeKind::Region)
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(regions, ["region:ES22", "region:FRI"]);
    let mut types: Vec<&str> = map.neighbours("region:ES22", EdgeKind::RegionType).unwrap();
    types.extend(map.neighbours("region:FRI", EdgeKind::RegionType).unwrap());
    let types: BTreeSet<&str> = types.into_iter().collect();
    let sub_types: BTreeSet<&str> = sub
        .nodes_of(NodeKind::StakeholderType)
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(sub_types, types);
    assert_eq!(sub.nodes_of(NodeKind::Competence).count(), 32);
    assert_eq!(sub.nodes_of(NodeKind::Area).count(), 6);
    // induced: every edge of the map between kept nodes, same statistics
    let kept: HashSet<&str> = sub.nodes().map(|n| n.id.as_str()).collect();
    let expected: Vec<_> = map
        .edges()
        .filter(|(a, b, _)| kept.contains(a) && kept.contains(b))
        .collect();
    assert_eq!(sub.edges().collect::<Vec<_>>(), expected);
    assert_eq!(
        sub.gap_stats("region:ES22").unwrap(),
        map.gap_stats("region:ES22").unwrap()
    );
    assert_eq!(sub.meta(), map.meta());

    let ty = map
        .nodes_of(NodeKind::StakeholderType)
        .next()
        .unwrap()
        .id
        .clone();
    let sub = map.subgraph_types(&[ty.as_str()]).unwrap();
    assert_eq!(sub.nodes_of(NodeKind::StakeholderType).count(), 1);
    let regions: BTreeSet<&str> = map
        .neighbours(&ty, EdgeKind::RegionType)
        .unwrap()
        .into_iter()
        .collect();
    let sub_regions: BTreeSet<&str> = sub
        .nodes_of(NodeKind::Region)
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(sub_regions, regions);

    let area = map.nodes_of(NodeKind::Area).next().unwrap().id.clone();
    let sub = map.subgraph_areas(&[area.as_str()]).unwrap();
    assert_eq!(sub.nodes_of(NodeKind::Area).count(), 1);
    assert_eq!(
        sub.nodes_of(NodeKind::Competence).count(),
        map.neighbours(&area, EdgeKind::AreaCompetence)
            .unwrap()
            .len()
    );
    assert_eq!(sub.nodes_of(NodeKind::Region).count(), 6);
    assert!(sub.edge_count() < map.edge_count());
    // comps[31] is in another area: the relatedness edge is dropped
    assert!(sub.node(&comps[31]).is_none());
    assert_eq!(
        sub.edges()
            .filter(|(_, _, e)| e.kind() == EdgeKind::CompetenceCompetence)
            .count(),
        0
    );

    assert!(matches!(
        map.subgraph_regions(&["Atlantis"]),
        Err(Error::Graph(GraphError::UnknownNode { .. }))
    ));
    assert!(matches!(
        map.subgraph_regions(&[area.as_str()]),
        Err(Error::Graph(GraphError::WrongKind { .. }))
    ));
    let empty = map.subgraph_areas::<&str>(&[]).unwrap();
    assert_eq!(empty.node_count(), 0);
}

#[test]
fn json_round_trip_is_exact() {
    let s = survey();
    // min_n high enough that NaN statistics appear
    let opts = GapOptions {
        min_n: 15,
        ..GapOptions::default()
    };
    let mut map = SkillsMap::from_survey(&s, &opts).unwrap();
    let first = map
        .nodes_of(NodeKind::Competence)
        .next()
        .unwrap()
        .id
        .clone();
    map.add_relatedness("se.impact.measurement", &first, "proximity", 0.1 + 0.2)
        .unwrap();
    assert!(map
        .edges()
        .filter_map(|(_, _, e)| e.gap_stats())
        .any(|st| st.mean_gap.is_nan()));
    let text = map.to_json();
    assert!(text.starts_with("{\"format\":\"skillsmap.map\",\"version\":1,"));
    assert!(text.contains("null"));
    let back = SkillsMap::from_json(&text).unwrap();
    assert_eq!(back, map);
    // bitwise equal floats, not just ==
    for ((_, _, a), (_, _, b)) in map.edges().zip(back.edges()) {
        if let (Some(x), Some(y)) = (a.gap_stats(), b.gap_stats()) {
            assert!(x.mwds.to_bits() == y.mwds.to_bits() || (x.mwds.is_nan() && y.mwds.is_nan()));
        }
    }
    assert_eq!(back.to_json(), text);
    // subgraphs round-trip too
    let sub = map.subgraph_regions(&["ES62"]).unwrap();
    assert_eq!(SkillsMap::from_json(&sub.to_json()).unwrap(), sub);
}

#[test]
fn json_rejects_bad_files() {
    let s = survey();
    let map = map_of(&s);
    let text = map.to_json();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();

    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut w = v.clone();
        f(&mut w);
        SkillsMap::from_json(&w.to_string())
    };
    // unknown fields, at the top, in the metadata, in a node and an edge
    for path in [
        &[][..],
        &["meta"][..],
        &["nodes", "0"][..],
        &["nodes", "0", "attrs"][..],
        &["edges", "0", "edge"][..],
    ] {
        let r = with(&|w| {
            let mut at = &mut *w;
            for p in path {
                at = match p.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*p],
                };
            }
            at["surprise"] = serde_json::json!(1);
        });
        match r {
            Err(Error::Graph(GraphError::Parse { reason })) => {
                assert!(reason.contains("surprise"), "{reason}")
            }
            other => panic!("{path:?}: {other:?}"),
        }
    }
    // competence attributes too
    let last = v["nodes"].as_array().unwrap().len() - 1;
    let r = with(&|w| w["nodes"][last]["attrs"]["extra"] = serde_json::json!(true));
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Parse { .. }))),
        "{r:?}"
    );

    let r = with(&|w| w["version"] = serde_json::json!(2));
    match r {
        Err(e @ Error::Graph(GraphError::Version { .. })) => assert!(e.to_string().contains('2')),
        other => panic!("{other:?}"),
    }
    let r = with(&|w| w["format"] = serde_json::json!("networkx"));
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Format { .. }))),
        "{r:?}"
    );
    let r = with(&|w| {
        w.as_object_mut().unwrap().remove("format");
    });
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Format { .. }))),
        "{r:?}"
    );
    assert!(matches!(
        SkillsMap::from_json("[1, 2]"),
        Err(Error::Graph(GraphError::Parse { .. }))
    ));
    assert!(matches!(
        SkillsMap::from_json("{\"format\": \"skillsmap.map\""),
        Err(Error::Graph(GraphError::Parse { .. }))
    ));

    // impossible maps
    // (a map that cannot exist is a corrupt file, whatever check found it)
    let r = with(&|w| w["edges"][0]["target"] = serde_json::json!("type:nowhere"));
    match &r {
        Err(e @ Error::Graph(GraphError::Invalid { .. })) => {
            assert!(e.to_string().contains("type:nowhere"), "{e}");
            assert_eq!(e.kind(), ErrorKind::Format);
        }
        other => panic!("{other:?}"),
    }
    let r = with(&|w| w["edges"][0]["edge"] = serde_json::json!({"kind": "area_competence"}));
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Invalid { .. }))),
        "{r:?}"
    );
    let r = with(&|w| {
        let first = w["nodes"][0].clone();
        w["nodes"].as_array_mut().unwrap().push(first);
    });
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Invalid { .. }))),
        "{r:?}"
    );
    let r = with(&|w| w["nodes"][0]["id"] = serde_json::json!("area:ES22"));
    assert!(
        matches!(r, Err(Error::Graph(GraphError::Invalid { .. }))),
        "{r:?}"
    );

    // size limit
    let r = SkillsMap::from_json_with_limit(&text, text.len() - 1);
    match r {
        Err(e @ Error::Graph(GraphError::TooLarge { .. })) => {
            assert!(e.to_string().contains(&text.len().to_string()))
        }
        other => panic!("{other:?}"),
    }
    assert!(SkillsMap::from_json_with_limit(&text, text.len()).is_ok());
    assert_eq!(DEFAULT_JSON_LIMIT, 256 * 1024 * 1024);
    v["meta"]["synthetic"] = serde_json::json!(false);
    assert!(
        !SkillsMap::from_json(&v.to_string())
            .unwrap()
            .meta()
            .synthetic
    );
}

/// Parses XML and returns the document's elements by local name.
fn check_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn graphml_is_well_formed_and_declares_its_keys() {
    let s = survey();
    let mut map = map_of(&s);
    let ids: Vec<String> = map
        .nodes_of(NodeKind::Competence)
        .map(|n| n.id.clone())
        .collect();
    map.add_relatedness(&ids[0], &ids[1], "co-gap <&>", 0.25)
        .unwrap();
    let text = map.to_graphml();
    let doc = check_xml(&text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "graphml");
    let keys: HashSet<&str> = root
        .children()
        .filter(|n| n.has_tag_name("key"))
        .map(|k| k.attribute("id").unwrap())
        .collect();
    for k in root.children().filter(|n| n.has_tag_name("key")) {
        assert!(matches!(
            k.attribute("attr.type"),
            Some("string" | "int" | "double" | "boolean")
        ));
    }
    let data_keys: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("data"))
        .map(|d| d.attribute("key").unwrap())
        .collect();
    assert!(data_keys.is_subset(&keys));
    let graph = root.children().find(|n| n.has_tag_name("graph")).unwrap();
    assert_eq!(graph.attribute("edgedefault"), Some("directed"));
    assert_eq!(
        graph.children().filter(|n| n.has_tag_name("node")).count(),
        map.node_count()
    );
    assert_eq!(
        graph.children().filter(|n| n.has_tag_name("edge")).count(),
        map.edge_count()
    );
    // escaped text reads back as written, NaN values are left out
    assert!(doc
        .descendants()
        .any(|n| n.has_tag_name("data") && n.text() == Some("co-gap <&>")));
    assert!(doc.descendants().all(|n| n.text() != Some("NaN")));
    assert!(doc.descendants().any(|n| n.has_tag_name("data")
        && n.attribute("key") == Some("g_synthetic")
        && n.text() == Some("true")));
}

#[test]
fn gexf_is_well_formed_and_declares_its_attributes() {
    let s = survey();
    let opts = GapOptions {
        min_n: 15,
        ..GapOptions::default()
    };
    let mut map = SkillsMap::from_survey(&s, &opts).unwrap();
    let ids: Vec<String> = map
        .nodes_of(NodeKind::Competence)
        .map(|n| n.id.clone())
        .collect();
    map.add_relatedness(&ids[0], &ids[1], "co-gap", 0.25)
        .unwrap();
    let text = map.to_gexf();
    let doc = check_xml(&text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "gexf");
    assert_eq!(root.tag_name().namespace(), Some("http://gexf.net/1.3"));
    assert_eq!(root.attribute("version"), Some("1.3"));
    let declared: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://gexf.net/1.3", "attribute")))
        .map(|a| a.attribute("id").unwrap())
        .collect();
    let used: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://gexf.net/1.3", "attvalue")))
        .map(|a| a.attribute("for").unwrap())
        .collect();
    assert!(used.is_subset(&declared));
    let count = |name: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name(("http://gexf.net/1.3", name)))
            .count()
    };
    assert_eq!(count("node"), map.node_count());
    assert_eq!(count("edge"), map.edge_count());
    assert!(doc
        .descendants()
        .any(|n| n.has_tag_name("edge") && n.attribute("weight") == Some("0.25")));
    // NaN statistics are omitted: suppressed edges have fewer values
    assert!(doc
        .descendants()
        .all(|n| n.attribute("value") != Some("NaN")));
    assert!(text.contains("synthetic"));
}

#[test]
fn node_link_layout() {
    let s = survey();
    let opts = GapOptions {
        min_n: 15,
        ..GapOptions::default()
    };
    let map = SkillsMap::from_survey(&s, &opts).unwrap();
    let v = map.to_node_link();
    assert_eq!(v["directed"], true);
    assert_eq!(v["multigraph"], false);
    assert!(v.get("links").is_none());
    let edges = v["edges"].as_array().unwrap();
    assert_eq!(edges.len(), map.edge_count());
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), map.node_count());
    assert_eq!(nodes[0]["id"], "region:ES22");
    assert_eq!(nodes[0]["kind"], "region");
    assert_eq!(v["graph"]["synthetic"], true);
    assert_eq!(v["graph"]["framework"], s.framework().id.as_str());
    assert!(edges
        .iter()
        .all(|e| e["source"].is_string() && e["target"].is_string() && e["kind"].is_string()));
    // NaN is null
    assert!(edges
        .iter()
        .any(|e| e["suppressed"] == true && e["mwds"].is_null()));
}
