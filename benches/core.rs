//! Criterion benches of the core: the synthetic generator and validated
//! ingestion of a long table. Run with `cargo bench --bench core`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use skillsmap::ingest::{build_survey, Categorical, ColumnNames, IngestOptions};
use skillsmap::synth::{generate, SynthConfig};
use skillsmap::LongTable;

fn bench_generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("generate");
    g.sample_size(10);
    for n in [1_200usize, 31_250] {
        g.throughput(Throughput::Elements((n * 32) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n * 32), &n, |b, &n| {
            b.iter(|| generate(&SynthConfig::new(n, 1)))
        });
    }
    g.finish();
}

fn bench_ingest(c: &mut Criterion) {
    let Ok(s) = generate(&SynthConfig::new(31_250, 1)) else {
        return;
    };
    let a = s.answers();
    let r = s.respondents();
    let n = a.len();
    let resp_labels: Vec<String> = r.ids.clone();
    let resp_codes: Vec<i64> = a.respondent.iter().map(|&x| x as i64).collect();
    let region_labels: Vec<String> = s.regions().regions.iter().map(|x| x.id.clone()).collect();
    let region_codes: Vec<i64> = a
        .respondent
        .iter()
        .map(|&x| r.region[x as usize] as i64)
        .collect();
    let type_labels: Vec<String> = s.typology().types.iter().map(|x| x.id.clone()).collect();
    let type_codes: Vec<i64> = a
        .respondent
        .iter()
        .map(|&x| r.stakeholder_type[x as usize] as i64)
        .collect();
    let comp_labels: Vec<String> = s
        .framework()
        .competences
        .iter()
        .map(|x| x.id.clone())
        .collect();
    let comp_codes: Vec<i64> = a.competence.iter().map(|&x| x as i64).collect();
    let weights: Vec<f64> = a
        .respondent
        .iter()
        .map(|&x| r.weight.as_ref().map_or(1.0, |w| w[x as usize]))
        .collect();
    let table = LongTable {
        respondent: Categorical {
            codes: (&resp_codes).into(),
            labels: &resp_labels,
        },
        region: Categorical {
            codes: (&region_codes).into(),
            labels: &region_labels,
        },
        stakeholder_type: Categorical {
            codes: (&type_codes).into(),
            labels: &type_labels,
        },
        competence: Categorical {
            codes: (&comp_codes).into(),
            labels: &comp_labels,
        },
        current: &a.current,
        required: a.required.as_deref(),
        importance: a.importance.as_deref(),
        weight: Some(&weights),
        attributes: Vec::new(),
        names: ColumnNames::default(),
    };
    let Ok(opts) = IngestOptions::defaults() else {
        return;
    };
    let mut g = c.benchmark_group("ingest");
    g.sample_size(20);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| build_survey(&table, &opts))
    });
    g.finish();
}

fn bench_scoring(c: &mut Criterion) {
    use skillsmap::scoring::{
        bootstrap, gap_table, BootstrapOptions, Control, GapOptions, GroupKey, Grouping,
    };
    let Ok(s) = generate(&SynthConfig::new(31_250, 2)) else {
        return;
    };
    let Ok(by_region) = Grouping::by(&s, &[GroupKey::Region]) else {
        return;
    };
    let mut g = c.benchmark_group("gaps");
    g.sample_size(20);
    g.throughput(Throughput::Elements(s.n_answers() as u64));
    g.bench_function("by_region/1000000", |b| {
        b.iter(|| gap_table(&s, &by_region, &GapOptions::default()))
    });
    g.finish();

    let Ok(small) = generate(&SynthConfig::new(5_000, 3)) else {
        return;
    };
    let pooled = Grouping::pooled(small.n_respondents());
    let opts = BootstrapOptions {
        n_boot: 200,
        seed: 1,
        ..Default::default()
    };
    let mut g = c.benchmark_group("bootstrap");
    g.sample_size(10);
    g.bench_function("pooled/5000x32/200", |b| {
        b.iter(|| bootstrap(&small, &pooled, &opts, &Control::default()))
    });
    g.finish();
}

criterion_group!(benches, bench_generate, bench_ingest, bench_scoring);
criterion_main!(benches);
