//! Uses skillsmap as a downstream crate would: only public items, foreign
//! types through the crate's re-exports, non-exhaustive types through their
//! constructors, errors matched with a wildcard arm. If the public API
//! breaks, this crate stops compiling (or this program fails) in CI.

use skillsmap::graph::SkillsMap;
use skillsmap::graph::{Edge, Node};
use skillsmap::io::{read_csv_bytes, CsvOptions, WidePatterns};
use skillsmap::ndarray::{Array2, ArrayView2};
use skillsmap::network::{centrality, cogap_network, disparity_backbone, louvain};
use skillsmap::petgraph::stable_graph::StableDiGraph;
use skillsmap::relatedness::{density, proximity, rca};
use skillsmap::scoring::{
    bootstrap, gap_table, learning_matches, quadrants, BootstrapOptions, Control, Crosshair,
    GapOptions, GroupKey, Grouping, ItemMeans, Level,
};
use skillsmap::similarity::{similarity_matrix, top_k, Metric, SimilarityOptions};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::{Answer, Error, ErrorKind, IngestOptions, IssueCode, SurveyBuilder};

fn main() -> Result<(), Error> {
    // build from strings, and read every problem back
    let mut b = SurveyBuilder::new(IngestOptions::defaults()?);
    b.push(
        Answer::new("r1", "Atlantis", "cooperative", "se.impact.measurement")
            .current(2.0)
            .required(7.0),
    );
    match b.build() {
        Err(Error::Validation(v)) => {
            let codes: Vec<IssueCode> = v.issues.iter().map(|i| i.code).collect();
            assert_eq!(codes, [IssueCode::UnknownRegion, IssueCode::OutOfScale]);
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("an invalid survey was built"),
    }

    // a wide CSV export with `;` and decimal commas, options set field by field
    let mut opts = CsvOptions::wide(IngestOptions::defaults()?, WidePatterns::default());
    opts.delimiter = Some(b';');
    let csv = "respondent;region;stakeholder_type;se.impact.measurement_current;se.impact.measurement_required\n\
               a;ES22;cooperative;2,5;4\nb;FI1D7;association;3;4,5\n";
    let wide = read_csv_bytes(csv.as_bytes(), "inline.csv".as_ref(), &opts)?;
    assert_eq!(wide.n_respondents(), 2);

    // the analyses, on synthetic data
    let survey = generate(&SynthConfig::new(400, 5))?;
    let by = Grouping::by(&survey, &[GroupKey::Region])?;
    let gaps = gap_table(&survey, &by, &GapOptions::default())?;
    let boot = BootstrapOptions {
        n_boot: 50,
        strata: Grouping::strata(&survey, &[GroupKey::Region])?,
        ..BootstrapOptions::default()
    };
    let ci = bootstrap(&survey, &by, &boot, &Control::default())?;
    assert_eq!(ci.mwds_lo.len(), gaps.mwds.len());
    let k = gaps.n_items;
    let q = quadrants(
        ItemMeans {
            importance: &gaps.borich_weight[..k],
            gap: &gaps.mean_gap[..k],
            current: &gaps.mean_current[..k],
            rank: &gaps.rank[..k],
        },
        Crosshair::Mean,
        survey.scale(),
        survey.importance_scale(),
        None,
    )?;
    assert_eq!(q.priority.len(), k);
    let matches = learning_matches(&gaps, 2)?;
    assert!(matches.iter().all(|m| m.mentor_current > m.learner_current));

    let profiles: Array2<f64> = Array2::from_shape_vec((gaps.n_groups, k), gaps.mean_gap.clone())
        .map_err(|e| {
        skillsmap::scoring::ScoringError::InvalidOption(skillsmap::InvalidOption::new(
            "profiles",
            e.to_string(),
        ))
    })?;
    let view: ArrayView2<'_, f64> = profiles.view();
    let s = similarity_matrix(view, &SimilarityOptions::new(Metric::Cosine))?;
    let nn = top_k(view, 1, &SimilarityOptions::new(Metric::Cosine))?;
    assert_eq!((s.nrows(), nn.target.len()), (gaps.n_groups, gaps.n_groups));
    let counts = profiles.mapv(|v| if v.is_nan() { 0.0 } else { v.max(0.0) });
    let (r, phi, w) = (
        rca(counts.view())?,
        proximity(counts.view(), 1.0)?,
        density(counts.view(), 1.0)?,
    );
    assert_eq!(
        (r.dim(), phi.nrows(), w.dim()),
        (profiles.dim(), k, profiles.dim())
    );

    let net = cogap_network(&survey, 1.0)?;
    let backbone = disparity_backbone(&net.graph, 0.5)?;
    let _communities = louvain(&backbone, 0);
    let _c = centrality(&backbone)?;

    let map = SkillsMap::from_survey(&survey, &GapOptions::default())?;
    let again = SkillsMap::from_json(&map.to_json())?;
    // the graph type is petgraph's, through the re-export
    let graph: &StableDiGraph<Node, Edge> = again.graph();
    assert_eq!(graph.edge_count(), map.graph().edge_count());

    // errors: a kind for callers that do not need the module detail
    let bad = GapOptions {
        level: Level::Area,
        ..GapOptions::default()
    };
    match SkillsMap::from_survey(&survey, &bad) {
        Err(e) => match e.kind() {
            ErrorKind::InvalidOption => {}
            other => panic!("unexpected kind {other:?}"),
        },
        Ok(_) => panic!("an area-level map was built"),
    }
    match SkillsMap::from_json("{\"format\": \"networkx\", \"version\": 1}") {
        Err(e) if e.kind() == ErrorKind::Format => {}
        other => panic!("{other:?}"),
    }
    println!("downstream: the public API works as documented");
    Ok(())
}
