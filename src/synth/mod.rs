//! The seeded synthetic survey generator behind `sm.demo_survey()` and the
//! benchmarks: RESEES-shaped data at any size, labelled synthetic.
//!
//! Model, per respondent *r* in region *g* with stakeholder type *t*, for a
//! competence *j* in area *a*:
//!
//! - area abilities `z_a = √ρ·u + √(1−ρ)·e_a` with shared factor `u`, so
//!   that competence areas correlate (ρ = 0.6);
//! - latent competence clusters: each competence belongs to one of K = max(3,
//!   areas) clusters — its area's cluster with probability 0.6, another
//!   drawn at random otherwise, so clusters partly cross areas — and each
//!   respondent has a need `f_k ~ N(0, 1)` per cluster that lowers the
//!   current level of every competence of the cluster, so that gaps
//!   co-vary within a cluster (the structure the co-gap backbone finds);
//! - current `C = μ_j + region_{g,a} + type_{t,a} + 0.6·z_a − 0.7·f_{k(j)} + ε`,
//!   required `R = ν_j + 0.6·need_{t,a} + 0.3·v + ε'`, importance
//!   `I = ν_j + 0.4·need_{t,a} + ε''`, rounded to the scale's integer levels;
//! - each level is missing with a respondent-specific probability around
//!   `missing_rate`, so that 5–10 % of answers are missing.
//!
//! Every respondent draws from its own random stream `(seed, respondent)`,
//! so the output is identical for a seed whatever the number of threads.

use std::sync::Arc;

use rayon::prelude::*;

use crate::model::{
    Answers, Attribute, Framework, RegionSet, Respondents, Scale, Survey, SurveyMeta, Typology,
};
use crate::rng::Rng;
use crate::Error;

/// Errors of the generator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A setting is out of range.
    #[error("invalid generator setting: {}", .0.reason)]
    InvalidSetting(crate::error::InvalidOption),
}

fn setting(option: &'static str, reason: impl Into<String>) -> Error {
    SynthError::InvalidSetting(crate::error::InvalidOption::new(option, reason)).into()
}

/// Settings of the generator. [`SynthConfig::new`] gives the demonstration
/// defaults: `se-core`, Likert 1–5, the RESEES regions and the default
/// typology, importance and survey weights included, 7 % missing.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Number of respondents.
    pub n_respondents: usize,
    /// Seed; equal seeds give equal surveys.
    pub seed: u64,
    /// Mean share of missing levels (0 ≤ rate < 0.5).
    pub missing_rate: f64,
    /// Whether to generate importance ratings as well as required levels.
    pub importance: bool,
    /// Whether to generate survey weights.
    pub weights: bool,
    /// Framework (default `se-core`).
    pub framework: Option<Arc<Framework>>,
    /// Regions (default RESEES).
    pub regions: Option<Arc<RegionSet>>,
    /// Typology (default `se-default`).
    pub typology: Option<Arc<Typology>>,
    /// Scale of all levels (default Likert 1–5; must have integer bounds).
    pub scale: Option<Scale>,
}

impl SynthConfig {
    /// The demonstration settings for `n_respondents` respondents and `seed`.
    pub fn new(n_respondents: usize, seed: u64) -> Self {
        SynthConfig {
            n_respondents,
            seed,
            missing_rate: 0.07,
            importance: true,
            weights: true,
            framework: None,
            regions: None,
            typology: None,
            scale: None,
        }
    }
}

/// Relative sizes of the RESEES regions' samples and of the default types'.
const REGION_SHARES: [f64; 6] = [0.15, 0.17, 0.22, 0.12, 0.11, 0.23];
const TYPE_SHARES: [f64; 11] = [
    0.16, 0.04, 0.18, 0.07, 0.10, 0.07, 0.10, 0.08, 0.05, 0.09, 0.06,
];
const SIZE_LEVELS: [&str; 4] = ["micro", "small", "medium", "large"];
const SIZE_SHARES: [f64; 4] = [0.42, 0.33, 0.17, 0.08];
/// Respondents per parallel chunk; any value gives the same output.
const CHUNK: usize = 2048;

struct Effects {
    mu: Vec<f64>,
    nu: Vec<f64>,
    region: Vec<Vec<f64>>,
    ty: Vec<Vec<f64>>,
    need: Vec<Vec<f64>>,
    region_shares: Vec<f64>,
    type_shares: Vec<f64>,
    /// Latent cluster of each competence.
    cluster: Vec<usize>,
    n_clusters: usize,
}

/// Loading of the current level on the respondent's cluster need.
const CLUSTER_LOADING: f64 = 0.7;
/// Probability that a competence's cluster is its area's.
const CLUSTER_OWN_AREA: f64 = 0.6;
/// The random streams of the clusters (well above any respondent's stream,
/// below the survey-level stream), so that adding them left every other
/// draw of the generator as it was.
const CLUSTER_STREAM: u64 = u64::MAX / 2;

fn effects(cfg: &SynthConfig, fw: &Framework, regions: &RegionSet, ty: &Typology) -> Effects {
    // Stream u64::MAX holds the survey-level effects; respondents use 0..n.
    let mut rng = Rng::new(cfg.seed, u64::MAX);
    let n_areas = fw.areas.len();
    let mu = (0..fw.len()).map(|_| 2.3 + 1.2 * rng.uniform()).collect();
    let nu = (0..fw.len()).map(|_| 3.5 + 1.0 * rng.uniform()).collect();
    // Each row (region or type) has a general level shared by all areas and
    // an area-specific deviation: strong regions tend to be strong overall.
    let mut grid = |rows: usize, sd: f64| -> Vec<Vec<f64>> {
        (0..rows)
            .map(|_| {
                let general = rng.normal();
                (0..n_areas)
                    .map(|_| sd * (0.7 * general + 0.7 * rng.normal()))
                    .collect()
            })
            .collect()
    };
    let region = grid(regions.regions.len(), 0.35);
    let tyeff = grid(ty.types.len(), 0.30);
    let need = grid(ty.types.len(), 0.40);
    // Clusters from their own stream: the effects above keep their values.
    let mut crng = Rng::new(cfg.seed, u64::MAX - 1);
    let n_clusters = n_areas.max(3);
    let cluster = fw
        .competences
        .iter()
        .map(|c| {
            if crng.uniform() < CLUSTER_OWN_AREA {
                c.area % n_clusters
            } else {
                crng.categorical(&vec![1.0; n_clusters])
            }
        })
        .collect();
    let default_regions = regions.id == "resees" && regions.regions.len() == REGION_SHARES.len();
    let default_types = ty.id == "se-default" && ty.types.len() == TYPE_SHARES.len();
    Effects {
        mu,
        nu,
        region,
        ty: tyeff,
        need,
        region_shares: if default_regions {
            REGION_SHARES.to_vec()
        } else {
            vec![1.0; regions.regions.len()]
        },
        type_shares: if default_types {
            TYPE_SHARES.to_vec()
        } else {
            vec![1.0; ty.types.len()]
        },
        cluster,
        n_clusters,
    }
}

/// One respondent's rows, generated from its own stream.
struct Chunk {
    region: Vec<u32>,
    ty: Vec<u32>,
    weight: Vec<f64>,
    size: Vec<u32>,
    current: Vec<f64>,
    required: Vec<f64>,
    importance: Vec<f64>,
}

/// Generates a synthetic survey.
///
/// Every respondent answers every competence of the framework (missing
/// answers are NaN), so the survey has `n_respondents × competences` rows.
///
/// # Errors
/// [`SynthError::InvalidSetting`] for a missing rate outside `[0, 0.5)`, zero
/// respondents, or a scale without integer bounds; [`Error::Model`] if an
/// embedded default failed to load.
///
/// # Complexity
/// O(rows), parallel over chunks of respondents; 10 million answers take a
/// few seconds on two cores.
///
/// # Example
/// ```
/// use skillsmap::synth::{generate, SynthConfig};
///
/// let survey = generate(&SynthConfig::new(1200, 0))?;
/// assert!(survey.meta().synthetic);
/// assert_eq!(survey.regions().regions.len(), 6);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn generate(cfg: &SynthConfig) -> Result<Survey, Error> {
    if cfg.n_respondents == 0 {
        return Err(setting("n_respondents", "n_respondents must be positive"));
    }
    if !(0.0..0.5).contains(&cfg.missing_rate) {
        return Err(setting(
            "missing_rate",
            format!("missing_rate must be in [0, 0.5), got {}", cfg.missing_rate),
        ));
    }
    if cfg.n_respondents > u32::MAX as usize / 2 {
        return Err(setting("n_respondents", "too many respondents"));
    }
    let fw = match &cfg.framework {
        Some(f) => f.clone(),
        None => Framework::embedded("se-core")?,
    };
    let regions = match &cfg.regions {
        Some(r) => r.clone(),
        None => RegionSet::resees()?,
    };
    let typology = match &cfg.typology {
        Some(t) => t.clone(),
        None => Typology::default_se()?,
    };
    let scale = cfg.scale.clone().unwrap_or_else(Scale::likert5);
    if scale.min.fract() != 0.0 || scale.max.fract() != 0.0 {
        return Err(setting("scale", "the scale needs integer bounds"));
    }
    let rows = cfg
        .n_respondents
        .checked_mul(fw.len())
        .filter(|r| *r <= u32::MAX as usize)
        .ok_or_else(|| setting("n_respondents", "too many answers"))?;
    // The answers take about 48 bytes each while the chunks are joined: ask
    // for that room up front, so that a survey beyond memory is an error
    // rather than an abort half-way.
    drop(crate::error::try_vec::<[u8; 48]>(
        "the synthetic survey",
        rows,
    )?);

    let fx = effects(cfg, &fw, &regions, &typology);
    let area_of: Vec<usize> = fw.competences.iter().map(|c| c.area).collect();
    let n_areas = fw.areas.len();
    let n_comp = fw.len();
    // Levels live on 1..=5 in the model; other scales are mapped linearly.
    let to_scale = |x: f64| -> f64 {
        let t = (x - 1.0) / 4.0 * scale.span() + scale.min;
        t.round().clamp(scale.min, scale.max)
    };
    let rho: f64 = 0.6;

    let n_chunks = cfg.n_respondents.div_ceil(CHUNK);
    let chunks: Vec<Chunk> = (0..n_chunks)
        .into_par_iter()
        .map(|k| {
            let lo = k * CHUNK;
            let hi = ((k + 1) * CHUNK).min(cfg.n_respondents);
            let m = hi - lo;
            let mut ch = Chunk {
                region: Vec::with_capacity(m),
                ty: Vec::with_capacity(m),
                weight: Vec::with_capacity(m),
                size: Vec::with_capacity(m),
                current: Vec::with_capacity(m * n_comp),
                required: Vec::with_capacity(m * n_comp),
                importance: Vec::with_capacity(if cfg.importance { m * n_comp } else { 0 }),
            };
            let mut z = vec![0.0; n_areas];
            let mut f = vec![0.0; fx.n_clusters];
            for r in lo..hi {
                let mut frng = Rng::new(cfg.seed, CLUSTER_STREAM + r as u64);
                for fk in f.iter_mut() {
                    *fk = frng.normal();
                }
                let mut rng = Rng::new(cfg.seed, r as u64);
                let g = rng.categorical(&fx.region_shares);
                let t = rng.categorical(&fx.type_shares);
                ch.region.push(g as u32);
                ch.ty.push(t as u32);
                ch.size.push(rng.categorical(&SIZE_SHARES) as u32);
                let w = (0.25 * rng.normal()).exp();
                ch.weight.push((w * 1000.0).round() / 1000.0);
                let u = rng.normal();
                let v = rng.normal();
                for za in z.iter_mut() {
                    *za = rho.sqrt() * u + (1.0 - rho).sqrt() * rng.normal();
                }
                // Respondent-specific missingness around the target rate.
                let p_miss = (cfg.missing_rate * (0.6 * rng.normal() - 0.18).exp()).min(0.9);
                for (j, &a) in area_of.iter().enumerate() {
                    let c = fx.mu[j] + fx.region[g][a] + fx.ty[t][a] + 0.6 * z[a]
                        - CLUSTER_LOADING * f[fx.cluster[j]]
                        + 0.7 * rng.normal();
                    let req = fx.nu[j] + 0.6 * fx.need[t][a] + 0.3 * v + 0.6 * rng.normal();
                    let imp = fx.nu[j] + 0.4 * fx.need[t][a] + 0.5 * rng.normal();
                    let miss = |rng: &mut Rng, x: f64| {
                        if rng.uniform() < p_miss {
                            f64::NAN
                        } else {
                            to_scale(x)
                        }
                    };
                    ch.current.push(miss(&mut rng, c));
                    ch.required.push(miss(&mut rng, req));
                    if cfg.importance {
                        ch.importance.push(miss(&mut rng, imp));
                    }
                }
            }
            ch
        })
        .collect();

    let n = cfg.n_respondents;
    let width = n.to_string().len().max(4);
    let mut resp = Respondents {
        ids: (0..n).map(|i| format!("R{:0width$}", i + 1)).collect(),
        region: Vec::with_capacity(n),
        stakeholder_type: Vec::with_capacity(n),
        weight: None,
        attributes: Vec::new(),
    };
    let mut weights = Vec::with_capacity(n);
    let mut size = Vec::with_capacity(n);
    let mut current = Vec::with_capacity(rows);
    let mut required = Vec::with_capacity(rows);
    let mut importance = Vec::with_capacity(if cfg.importance { rows } else { 0 });
    for ch in chunks {
        resp.region.extend(ch.region);
        resp.stakeholder_type.extend(ch.ty);
        weights.extend(ch.weight);
        size.extend(ch.size);
        current.extend(ch.current);
        required.extend(ch.required);
        importance.extend(ch.importance);
    }
    if cfg.weights {
        resp.weight = Some(weights);
    }
    resp.attributes.push(Attribute {
        name: "organisation_size".into(),
        levels: SIZE_LEVELS.map(String::from).to_vec(),
        codes: size,
    });
    let respondent: Vec<u32> = (0..rows).map(|i| (i / n_comp) as u32).collect();
    let competence: Vec<u32> = (0..rows).map(|i| (i % n_comp) as u32).collect();

    Ok(Survey {
        framework: fw,
        importance_scale: scale.clone(),
        scale,
        regions,
        typology,
        respondents: resp,
        answers: std::sync::Arc::new(Answers {
            respondent,
            competence,
            current,
            required: Some(required),
            importance: cfg.importance.then_some(importance),
        }),
        meta: SurveyMeta {
            synthetic: true,
            source: format!(
                "synthetic demonstration data (skillsmap generator, seed {}); not real survey responses",
                cfg.seed
            ),
            seed: Some(cfg.seed),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(n: usize, seed: u64) -> Survey {
        generate(&SynthConfig::new(n, seed)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn same_seed_same_survey_different_seed_different() {
        assert_eq!(demo(300, 1), demo(300, 1));
        assert_ne!(demo(300, 1), demo(300, 2));
    }

    #[test]
    fn identical_on_one_and_two_threads() {
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build();
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let (Ok(one), Ok(two)) = (one, two) else {
            panic!("thread pools")
        };
        let a = one.install(|| demo(5000, 3));
        let b = two.install(|| demo(5000, 3));
        assert_eq!(a, b);
    }

    #[test]
    fn missing_share_levels_and_labels_are_plausible() {
        let s = demo(2000, 0);
        assert!(s.meta().synthetic);
        let cur = &s.answers().current;
        let miss = cur.iter().filter(|v| v.is_nan()).count() as f64 / cur.len() as f64;
        assert!((0.05..=0.10).contains(&miss), "missing share {miss}");
        assert!(cur
            .iter()
            .filter(|v| !v.is_nan())
            .all(|v| s.scale().contains(*v) && v.fract() == 0.0));
        // every region and type appears
        let mut seen = vec![false; s.regions().regions.len()];
        for &g in &s.respondents().region {
            seen[g as usize] = true;
        }
        assert!(seen.iter().all(|x| *x));
    }

    #[test]
    fn areas_correlate_positively() {
        let s = demo(3000, 5);
        let fw = s.framework().clone();
        let n_c = fw.len();
        let area_mean = |r: usize, a: usize| {
            let vals: Vec<f64> = (0..n_c)
                .filter(|j| fw.competences[*j].area == a)
                .map(|j| s.answers().current[r * n_c + j])
                .filter(|v| !v.is_nan())
                .collect();
            vals.iter().sum::<f64>() / vals.len().max(1) as f64
        };
        let xs: Vec<(f64, f64)> = (0..s.n_respondents())
            .map(|r| (area_mean(r, 0), area_mean(r, 1)))
            .collect();
        let n = xs.len() as f64;
        let (mx, my) = xs
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        let cov: f64 = xs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>();
        let vx: f64 = xs.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        let vy: f64 = xs.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>();
        let corr = cov / (vx * vy).sqrt();
        assert!(corr > 0.15, "corr {corr}");
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(generate(&SynthConfig::new(0, 0)).is_err());
        let mut c = SynthConfig::new(10, 0);
        c.missing_rate = 0.7;
        assert!(generate(&c).is_err());
    }
}
