//! Gap scoring: the golden example, properties of the Borich score and of
//! grouping, and bitwise determinism of the bootstrap across thread counts.

use std::sync::Arc;

use proptest::prelude::*;
use skillsmap::ingest::{build_survey, Categorical, ColumnNames, IngestOptions};
use skillsmap::model::{CompetenceRow, FrameworkInfo, SurveyMeta};
use skillsmap::scoring::{
    bootstrap, gap_table, paired_tests, quadrants, BootstrapOptions, Control, Crosshair,
    GapOptions, GroupKey, Grouping, IpaQuadrant, ItemMeans, Level, LffQuadrant,
};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::{Framework, Scale, Survey};

const IMPORTANCE: [[f64; 4]; 5] = [
    [5., 4., 3., 5.],
    [5., 5., 4., 4.],
    [4., 4., 3., 5.],
    [5., 3., 4., 4.],
    [4., 4., 2., 5.],
];
const CURRENT: [[f64; 4]; 5] = [
    [2., 3., 3., 4.],
    [3., 4., 2., 4.],
    [2., 4., 3., 3.],
    [3., 3., 2., 3.],
    [2., 2., 2., 4.],
];

/// A survey from respondent-major matrices (NaN = missing), importance only.
fn matrix_survey(imp: &[Vec<f64>], cur: &[Vec<f64>], weights: Option<&[f64]>) -> Survey {
    try_matrix_survey(imp, cur, weights).unwrap()
}

fn try_matrix_survey(
    imp: &[Vec<f64>],
    cur: &[Vec<f64>],
    weights: Option<&[f64]>,
) -> Result<Survey, skillsmap::Error> {
    let n_items = imp[0].len();
    let rows: Vec<CompetenceRow> = (0..n_items)
        .map(|j| CompetenceRow {
            id: format!("C{}", j + 1),
            area: if j < n_items / 2 {
                "A".into()
            } else {
                "B".into()
            },
            ..Default::default()
        })
        .collect();
    let fw = Framework::from_rows(
        FrameworkInfo {
            id: "test".into(),
            ..Default::default()
        },
        &rows,
    )
    .unwrap();
    let n = imp.len();
    let resp_labels: Vec<String> = (0..n).map(|r| format!("r{r}")).collect();
    let comp_labels: Vec<String> = (0..n_items).map(|j| format!("C{}", j + 1)).collect();
    let one = vec!["x".to_owned()];
    let mut rc = Vec::new();
    let mut cc = Vec::new();
    let (mut iv, mut cv, mut wv) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..n {
        for j in 0..n_items {
            rc.push(r as i64);
            cc.push(j as i64);
            iv.push(imp[r][j]);
            cv.push(cur[r][j]);
            wv.push(weights.map_or(1.0, |w| w[r]));
        }
    }
    let zeros = vec![0i64; rc.len()];
    let table = skillsmap::LongTable {
        respondent: Categorical {
            codes: (&rc).into(),
            labels: &resp_labels,
        },
        region: Categorical {
            codes: (&zeros).into(),
            labels: &one,
        },
        stakeholder_type: Categorical {
            codes: (&zeros).into(),
            labels: &one,
        },
        competence: Categorical {
            codes: (&cc).into(),
            labels: &comp_labels,
        },
        current: &cv,
        required: None,
        importance: Some(&iv),
        weight: weights.map(|_| wv.as_slice()),
        attributes: Vec::new(),
        names: ColumnNames::default(),
    };
    let opts = IngestOptions {
        framework: Arc::new(fw),
        scale: Scale::new(1.0, 5.0).unwrap(),
        importance_scale: None,
        regions: None,
        typology: None,
        meta: SurveyMeta::default(),
    };
    build_survey(&table, &opts)
}

fn golden() -> Survey {
    let imp: Vec<Vec<f64>> = IMPORTANCE.iter().map(|r| r.to_vec()).collect();
    let cur: Vec<Vec<f64>> = CURRENT.iter().map(|r| r.to_vec()).collect();
    matrix_survey(&imp, &cur, None)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

fn opts(min_n: usize) -> GapOptions {
    GapOptions {
        min_n,
        ..Default::default()
    }
}

#[test]
fn golden_borich_scores_ranks_and_quadrants() {
    let s = golden();
    let t = gap_table(&s, &Grouping::pooled(5), &opts(1)).unwrap();
    for (got, want) in t.mwds.iter().zip([10.12, 3.20, 2.56, 4.60]) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    assert_eq!(t.rank, vec![1, 3, 4, 2]);
    let q = quadrants(
        ItemMeans {
            importance: &t.borich_weight,
            gap: &t.mean_gap,
            current: &t.mean_current,
            rank: &t.rank,
        },
        Crosshair::Mean,
        s.scale(),
        s.importance_scale(),
        None,
    )
    .unwrap();
    assert!(close(q.lff_crosshair.0, 4.10) && close(q.lff_crosshair.1, 1.20));
    use LffQuadrant::*;
    assert_eq!(q.lff, vec![Some(HH), Some(LL), Some(LL), Some(HL)]);
    use IpaQuadrant::*;
    let ipa = vec![
        Some(ConcentrateHere),
        Some(PossibleOverkill),
        Some(LowPriority),
        Some(KeepUpTheGoodWork),
    ];
    assert_eq!(q.ipa, ipa);
    assert!(close(q.ipa_crosshair.0, 2.90) && close(q.ipa_crosshair.1, 4.10));
    // one HH item, so k = 1: C1 is in the top 1 and HH; the rest in neither
    assert_eq!(q.top_k, 1);
    assert_eq!(q.priority, vec![Some(1), Some(3), Some(3), Some(3)]);
    let k2 = quadrants(
        ItemMeans {
            importance: &t.borich_weight,
            gap: &t.mean_gap,
            current: &t.mean_current,
            rank: &t.rank,
        },
        Crosshair::Mean,
        s.scale(),
        s.importance_scale(),
        Some(2),
    )
    .unwrap();
    // C4 ranks second: in the top 2 but not HH
    assert_eq!(k2.priority, vec![Some(1), Some(3), Some(3), Some(2)]);
    let m = quadrants(
        ItemMeans {
            importance: &t.borich_weight,
            gap: &t.mean_gap,
            current: &t.mean_current,
            rank: &t.rank,
        },
        Crosshair::Median,
        s.scale(),
        s.importance_scale(),
        None,
    )
    .unwrap();
    assert!(close(m.ipa_crosshair.0, 2.80) && close(m.ipa_crosshair.1, 4.30));
    assert_eq!(m.ipa, ipa);
}

#[test]
fn golden_with_a_missing_current_level() {
    let imp: Vec<Vec<f64>> = IMPORTANCE.iter().map(|r| r.to_vec()).collect();
    let mut cur: Vec<Vec<f64>> = CURRENT.iter().map(|r| r.to_vec()).collect();
    cur[2][1] = f64::NAN;
    let s = matrix_survey(&imp, &cur, None);
    let t = gap_table(&s, &Grouping::pooled(5), &opts(1)).unwrap();
    assert_eq!(t.n[1], 4);
    assert_eq!(t.n_missing[1], 1);
    assert!(close(t.mwds[1], 4.0));
    let t5 = gap_table(&s, &Grouping::pooled(5), &opts(5)).unwrap();
    assert!(t5.suppressed[1] && t5.mwds[1].is_nan() && t5.rank[1] == 0);
}

#[test]
fn golden_signed_rank_statistics() {
    let s = golden();
    let tests = paired_tests(&s, &Grouping::pooled(5), Level::Competence, false).unwrap();
    // C1: differences 3, 2, 2, 2, 2 → all positive, R− = 0
    assert_eq!(
        (tests[0].r_plus, tests[0].r_minus, tests[0].statistic),
        (15.0, 0.0, 0.0)
    );
    assert_eq!(tests[0].n, 5);
}

fn demo(n: usize, seed: u64) -> Survey {
    generate(&SynthConfig::new(n, seed)).unwrap()
}

#[test]
fn bootstrap_is_identical_on_one_and_two_threads_and_seeded() {
    let s = demo(400, 3);
    let g = Grouping::by(&s, &[GroupKey::Region]).unwrap();
    let o = BootstrapOptions {
        n_boot: 150,
        seed: 9,
        keep_replicates: true,
        ..Default::default()
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| bootstrap(&s, &g, &o, &Control::default()).unwrap())
    };
    let (a, b) = (run(1), run(2));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.mwds_lo), bits(&b.mwds_lo));
    assert_eq!(
        bits(a.mwds_replicates.as_deref().unwrap()),
        bits(b.mwds_replicates.as_deref().unwrap())
    );
    let mut o2 = o.clone();
    o2.seed = 10;
    let c = bootstrap(&s, &g, &o2, &Control::default()).unwrap();
    assert_ne!(bits(&a.mwds_lo), bits(&c.mwds_lo));
    // point estimates inside their intervals
    let t = gap_table(&s, &g, &o.gap).unwrap();
    let inside = (0..t.mwds.len())
        .filter(|&c| !t.suppressed[c])
        .filter(|&c| a.mwds_lo[c] <= t.mwds[c] && t.mwds[c] <= a.mwds_hi[c])
        .count();
    let total = t.suppressed.iter().filter(|s| !**s).count();
    assert!(inside as f64 >= 0.95 * total as f64, "{inside}/{total}");
}

#[test]
fn bootstrap_can_be_cancelled() {
    let s = demo(300, 1);
    let control = Control::default();
    control
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let r = bootstrap(
        &s,
        &Grouping::pooled(300),
        &BootstrapOptions::default(),
        &control,
    );
    assert!(matches!(
        r,
        Err(skillsmap::Error::Scoring(
            skillsmap::scoring::ScoringError::Cancelled
        ))
    ));
    assert_eq!(
        r.map(|_| ()).unwrap_err().kind(),
        skillsmap::ErrorKind::Cancelled
    );
}

#[test]
fn gap_table_is_identical_on_one_and_two_threads() {
    let s = demo(5000, 4); // 160,000 answers: several accumulation chunks
    let g = Grouping::by(&s, &[GroupKey::Region, GroupKey::StakeholderType]).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| gap_table(&s, &g, &GapOptions::default()).unwrap())
    };
    let (a, b) = (run(1), run(2));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.mwds), bits(&b.mwds));
    assert_eq!(bits(&a.mean_gap), bits(&b.mean_gap));
}

#[test]
fn grouping_rejects_unknown_attributes_and_repeats() {
    let s = demo(20, 1);
    assert!(Grouping::by(&s, &[GroupKey::Attribute("nope".into())]).is_err());
    assert!(Grouping::by(&s, &[GroupKey::Region, GroupKey::Region]).is_err());
    let g = Grouping::by(
        &s,
        &[
            GroupKey::Sector,
            GroupKey::Attribute("organisation_size".into()),
        ],
    )
    .unwrap();
    assert_eq!(g.sizes().iter().sum::<usize>(), 20);
}

fn levels() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (2usize..12, 1usize..6).prop_flat_map(|(n, k)| {
        proptest::collection::vec(proptest::collection::vec(1u8..=5, k), n).prop_map(|m| {
            m.into_iter()
                .map(|r| r.into_iter().map(f64::from).collect())
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// On complete data MWDS = Ī (Ī − C̄).
    #[test]
    fn mwds_is_mean_importance_times_mean_gap(imp in levels(), seed in any::<u64>()) {
        let mut rng = skillsmap::rng::Rng::new(seed, 0);
        let cur: Vec<Vec<f64>> = imp.iter()
            .map(|r| r.iter().map(|_| 1.0 + rng.below(5) as f64).collect()).collect();
        let s = matrix_survey(&imp, &cur, None);
        let t = gap_table(&s, &Grouping::pooled(imp.len()), &opts(1)).unwrap();
        for j in 0..imp[0].len() {
            let n = imp.len() as f64;
            let ibar = imp.iter().map(|r| r[j]).sum::<f64>() / n;
            let cbar = cur.iter().map(|r| r[j]).sum::<f64>() / n;
            prop_assert!((t.mwds[j] - ibar * (ibar - cbar)).abs() < 1e-12);
        }
    }

    /// Equal weights give the unweighted result.
    #[test]
    fn equal_weights_change_nothing(imp in levels(), w in 0.1f64..10.0) {
        let cur: Vec<Vec<f64>> = imp.iter().map(|r| r.iter().map(|v| 6.0 - v).collect()).collect();
        let weights = vec![w; imp.len()];
        let a = gap_table(&matrix_survey(&imp, &cur, None), &Grouping::pooled(imp.len()), &opts(1)).unwrap();
        let b = gap_table(&matrix_survey(&imp, &cur, Some(&weights)), &Grouping::pooled(imp.len()), &opts(1)).unwrap();
        for j in 0..a.mwds.len() {
            prop_assert!((a.mwds[j] - b.mwds[j]).abs() < 1e-12);
            prop_assert!((a.mean_gap[j] - b.mean_gap[j]).abs() < 1e-12);
        }
    }

    /// Per-group counts and sums recombine to the pooled ones.
    #[test]
    fn groups_recombine_to_pooled(n in 30usize..120, seed in any::<u64>()) {
        let s = demo(n, seed);
        let o = GapOptions { min_n: 1, weights: false, ..Default::default() };
        let pooled = gap_table(&s, &Grouping::pooled(n), &o).unwrap();
        let g = Grouping::by(&s, &[GroupKey::Region]).unwrap();
        let t = gap_table(&s, &g, &o).unwrap();
        let k = t.n_items;
        for j in 0..k {
            let n_sum: usize = (0..t.n_groups).map(|gi| t.n[gi * k + j]).sum();
            prop_assert_eq!(n_sum, pooled.n[j]);
            let gap_sum: f64 = (0..t.n_groups)
                .filter(|gi| t.n[gi * k + j] > 0)
                .map(|gi| t.n[gi * k + j] as f64 * t.mean_gap[gi * k + j]).sum();
            prop_assert!((gap_sum / n_sum as f64 - pooled.mean_gap[j]).abs() < 1e-12);
        }
    }
}

#[test]
fn exact_single_precision_path_gives_the_same_bits_as_double() {
    // Weights 1 keep every contribution an integer (the f32 path); weights
    // 0.5 make them half-integers (the f64 path). Both compute exact sums, so
    // the ratios must agree to the bit.
    let mut rng = skillsmap::rng::Rng::new(5, 0);
    let imp: Vec<Vec<f64>> = (0..300)
        .map(|_| (0..6).map(|_| 1.0 + rng.below(5) as f64).collect())
        .collect();
    let cur: Vec<Vec<f64>> = (0..300)
        .map(|_| {
            (0..6)
                .map(|_| {
                    if rng.uniform() < 0.1 {
                        f64::NAN
                    } else {
                        1.0 + rng.below(5) as f64
                    }
                })
                .collect()
        })
        .collect();
    let ones = vec![1.0; 300];
    let halves = vec![0.5; 300];
    let o = BootstrapOptions {
        n_boot: 120,
        seed: 4,
        keep_replicates: true,
        gap: opts(1),
        ..Default::default()
    };
    let run = |w: &[f64]| {
        let s = matrix_survey(&imp, &cur, Some(w));
        bootstrap(&s, &Grouping::pooled(300), &o, &Control::default()).unwrap()
    };
    let (a, b) = (run(&ones), run(&halves));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(a.mwds_replicates.as_deref().unwrap()),
        bits(b.mwds_replicates.as_deref().unwrap())
    );
    assert_eq!(
        bits(a.mean_gap_replicates.as_deref().unwrap()),
        bits(b.mean_gap_replicates.as_deref().unwrap())
    );
}

#[test]
fn exact_single_precision_path_is_identical_on_one_and_two_threads() {
    let mut rng = skillsmap::rng::Rng::new(8, 0);
    let imp: Vec<Vec<f64>> = (0..700)
        .map(|_| (0..5).map(|_| 1.0 + rng.below(5) as f64).collect())
        .collect();
    let cur: Vec<Vec<f64>> = (0..700)
        .map(|_| (0..5).map(|_| 1.0 + rng.below(5) as f64).collect())
        .collect();
    let s = matrix_survey(&imp, &cur, None);
    let o = BootstrapOptions {
        n_boot: 300,
        seed: 2,
        keep_replicates: true,
        gap: opts(1),
        ..Default::default()
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| bootstrap(&s, &Grouping::pooled(700), &o, &Control::default()).unwrap())
    };
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let (a, b) = (run(1), run(2));
    assert_eq!(
        bits(a.mwds_replicates.as_deref().unwrap()),
        bits(b.mwds_replicates.as_deref().unwrap())
    );
}

#[test]
fn missing_stratum_values_form_their_own_stratum() {
    let s = demo(200, 6);
    let mut strata: Vec<u32> = s.respondents().region.clone();
    for code in strata.iter_mut().step_by(2) {
        *code = u32::MAX;
    }
    let o = BootstrapOptions {
        n_boot: 200,
        seed: 1,
        strata: Some(strata),
        gap: opts(1),
        ..Default::default()
    };
    let g = Grouping::pooled(200);
    let r = bootstrap(&s, &g, &o, &Control::default()).unwrap();
    let t = gap_table(&s, &g, &o.gap).unwrap();
    let inside = (0..t.mwds.len())
        .filter(|&c| r.mwds_lo[c] <= t.mwds[c] && t.mwds[c] <= r.mwds_hi[c])
        .count();
    assert!(inside as f64 >= 0.9 * t.mwds.len() as f64, "{inside}");
}

#[test]
fn all_zero_weights_are_a_validation_error() {
    let imp: Vec<Vec<f64>> = IMPORTANCE.iter().map(|r| r.to_vec()).collect();
    let cur: Vec<Vec<f64>> = CURRENT.iter().map(|r| r.to_vec()).collect();
    match try_matrix_survey(&imp, &cur, Some(&[0.0; 5])) {
        Err(skillsmap::Error::Validation(v)) => {
            assert_eq!(v.issues.len(), 1);
            assert_eq!(v.issues[0].code, skillsmap::IssueCode::AllWeightsZero);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_weights_do_not_count_towards_min_n() {
    // 4 of 5 respondents weigh nothing: with min_n = 2 no cell may publish
    // the one remaining answer
    let imp: Vec<Vec<f64>> = IMPORTANCE.iter().map(|r| r.to_vec()).collect();
    let cur: Vec<Vec<f64>> = CURRENT.iter().map(|r| r.to_vec()).collect();
    let s = matrix_survey(&imp, &cur, Some(&[0.0, 0.0, 3.0, 0.0, 0.0]));
    let t = gap_table(&s, &Grouping::pooled(5), &opts(2)).unwrap();
    assert!(t.suppressed.iter().all(|x| *x));
    assert!(t.n.iter().all(|&n| n == 1));
    assert!(t.n_missing.iter().all(|&n| n == 4));
    let t = gap_table(&s, &Grouping::pooled(5), &opts(1)).unwrap();
    assert!(t.suppressed.iter().all(|x| !*x));
    // the published value is the one respondent's
    assert!(close(t.mean_current[0], CURRENT[2][0]));
}

#[test]
fn kish_effective_n_suppresses_cells_carried_by_few_weights() {
    let imp: Vec<Vec<f64>> = IMPORTANCE.iter().map(|r| r.to_vec()).collect();
    let cur: Vec<Vec<f64>> = CURRENT.iter().map(|r| r.to_vec()).collect();
    let w = [1.0, 1.0, 1.0, 1.0, 10.0];
    let s = matrix_survey(&imp, &cur, Some(&w));
    let t = gap_table(&s, &Grouping::pooled(5), &opts(2)).unwrap();
    let kish = 14.0f64 * 14.0 / 104.0; // (Σw)² / Σw² ≈ 1.88
    assert!(t.n_eff.iter().all(|&e| close(e, kish)));
    assert!(t.n.iter().all(|&n| n == 5));
    assert!(t.suppressed.iter().all(|x| *x), "n = 5 but n_eff < 2");
    // equal weights: n_eff is n exactly, and nothing changes
    let s = matrix_survey(&imp, &cur, Some(&[0.1; 5]));
    let t = gap_table(&s, &Grouping::pooled(5), &opts(5)).unwrap();
    assert!(t.n_eff.iter().all(|&e| close(e, 5.0)));
    assert!(t.suppressed.iter().all(|x| !*x));
}

#[test]
fn quadrants_reject_unequal_lengths() {
    let scale = Scale::new(1.0, 5.0).unwrap();
    let items = ItemMeans {
        importance: &[1.0, 2.0],
        gap: &[1.0],
        current: &[1.0, 2.0],
        rank: &[1, 2],
    };
    assert!(quadrants(items, Crosshair::Mean, &scale, &scale, None).is_err());
}
