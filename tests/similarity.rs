//! The full similarity matrix through the public API against a naive
//! pairwise reference, over awkward shapes, metrics, missing values, output
//! layouts and alignments, and thread counts.

use ndarray::{Array2, ArrayViewMut2, ShapeBuilder};
use skillsmap::similarity::{
    similarity_matrix, similarity_matrix_into, top_k, with_simd_path, Metric, Precision, SimdPath,
    SimilarityError, SimilarityOptions,
};

/// Every kernel path this CPU can run; the others are named as skipped.
fn paths() -> Vec<SimdPath> {
    for p in SimdPath::ALL {
        if !p.is_available() {
            eprintln!("skipped: this CPU cannot run the {p} kernels");
        }
    }
    SimdPath::available()
}

/// `f` on `path` in a pool of `threads` threads.
fn on<R: Send>(path: SimdPath, threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(|| with_simd_path(path, f).expect("available path"))
}

fn same_bits(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(p, q)| p.to_bits() == q.to_bits())
}

fn data(n: usize, k: usize, seed: u64, nan_every: usize) -> Array2<f64> {
    let mut s = seed;
    let mut i = 0usize;
    Array2::from_shape_fn((n, k), |_| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        i += 1;
        if nan_every > 0 && i.is_multiple_of(nan_every) {
            f64::NAN
        } else {
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 4.0).round() - 1.5
        }
    })
}

/// One pair by definition: the columns both rows have.
fn naive(x: &Array2<f64>, i: usize, j: usize, metric: Metric, min_overlap: usize) -> f64 {
    let (a, b): (Vec<f64>, Vec<f64>) = x
        .row(i)
        .iter()
        .zip(x.row(j).iter())
        .filter(|(p, q)| !p.is_nan() && !q.is_nan())
        .map(|(p, q)| (*p, *q))
        .unzip();
    if a.len() < min_overlap.max(1) {
        return f64::NAN;
    }
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>();
    match metric {
        Metric::Cosine => {
            let d = (dot(&a, &a) * dot(&b, &b)).sqrt();
            if d == 0.0 {
                f64::NAN
            } else {
                (dot(&a, &b) / d).clamp(-1.0, 1.0)
            }
        }
        Metric::Pearson => {
            let ma = a.iter().sum::<f64>() / a.len() as f64;
            let mb = b.iter().sum::<f64>() / b.len() as f64;
            let ca: Vec<f64> = a.iter().map(|v| v - ma).collect();
            let cb: Vec<f64> = b.iter().map(|v| v - mb).collect();
            let d = (dot(&ca, &ca) * dot(&cb, &cb)).sqrt();
            if d == 0.0 {
                f64::NAN
            } else {
                (dot(&ca, &cb) / d).clamp(-1.0, 1.0)
            }
        }
        Metric::Euclidean => {
            let d = a
                .iter()
                .zip(&b)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f64>()
                .sqrt();
            1.0 / (1.0 + d)
        }
        _ => unreachable!("not used here"),
    }
}

fn close(got: f64, want: f64) -> bool {
    (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-10 * (1.0 + want.abs())
}

/// Every kernel path, at one and two threads (bitwise the same), against
/// the pairwise definition.
#[test]
fn full_matrices_match_the_pairwise_definition() {
    let shapes = [
        (0, 5),
        (1, 1),
        (2, 3),
        (9, 17),
        (97, 1),
        (97, 40),
        (193, 17),
        (200, 33),
    ];
    for path in paths() {
        for &(n, k) in &shapes {
            for nan_every in [0usize, 7, 3, 2] {
                let x = data(n, k, (n * 31 + k) as u64, nan_every);
                for metric in [Metric::Cosine, Metric::Pearson, Metric::Euclidean] {
                    let mut opts = SimilarityOptions::new(metric);
                    opts.min_overlap = 2;
                    let run = |threads| {
                        on(path, threads, || {
                            similarity_matrix(x.view(), &opts).expect("valid input")
                        })
                    };
                    let got = run(1);
                    assert!(same_bits(&got, &run(2)), "{path} {metric:?} threads");
                    for i in 0..n {
                        for j in 0..n {
                            // the diagonal of a defined row is exactly 1
                            let want = if i == j && !naive(&x, i, i, metric, 2).is_nan() {
                                1.0
                            } else {
                                naive(&x, i, j, metric, 2)
                            };
                            let g = got[[i, j]];
                            assert!(
                                close(g, want),
                                "{path} {metric:?} {n}×{k} nan/{nan_every} at ({i},{j}): {g} vs {want}"
                            );
                            assert_eq!(g.to_bits(), got[[j, i]].to_bits(), "symmetry");
                        }
                    }
                }
            }
        }
    }
}

/// The tiled top-k of complete data is, on every path, in either
/// precision, and at one and two threads, each row of the full matrix
/// sorted (same bits: the same kernel), ties by target index, the row
/// itself and NaN left out.
#[test]
fn top_k_is_the_top_of_the_full_matrix_on_every_path() {
    let mut x = data(250, 21, 17, 0);
    // a constant row: no Pearson correlation, never a Pearson neighbour
    x.row_mut(3).fill(1.5);
    // duplicate rows: tied scores, broken by target index
    let dup = x.row(10).to_owned();
    x.row_mut(240).assign(&dup);
    for (path, precision) in paths()
        .into_iter()
        .flat_map(|p| [(p, Precision::Double), (p, Precision::Single)])
    {
        for metric in [Metric::Cosine, Metric::Pearson, Metric::Euclidean] {
            for distance in [false, true] {
                let opts = SimilarityOptions {
                    distance,
                    precision,
                    ..SimilarityOptions::new(metric)
                };
                let full = on(path, 2, || {
                    similarity_matrix(x.view(), &opts).expect("valid input")
                });
                for k in [1usize, 7] {
                    let got = on(path, 1, || top_k(x.view(), k, &opts).expect("valid"));
                    let two = on(path, 2, || top_k(x.view(), k, &opts).expect("valid"));
                    assert_eq!(got, two, "{path} {precision:?} {metric:?} threads");
                    let mut want = Vec::new();
                    for i in 0..x.nrows() {
                        let mut row: Vec<(f64, usize)> = (0..x.nrows())
                            .filter(|&j| j != i && !full[[i, j]].is_nan())
                            .map(|j| (full[[i, j]], j))
                            .collect();
                        row.sort_by(|a, b| {
                            let by = if distance {
                                a.0.total_cmp(&b.0)
                            } else {
                                b.0.total_cmp(&a.0)
                            };
                            by.then(a.1.cmp(&b.1))
                        });
                        want.extend(
                            row.into_iter()
                                .take(k)
                                .map(|(v, j)| (i as u32, j as u32, v)),
                        );
                    }
                    let have: Vec<(u32, u32, f64)> = (0..got.source.len())
                        .map(|e| (got.source[e], got.target[e], got.score[e]))
                        .collect();
                    assert_eq!(have.len(), want.len(), "{path} {metric:?} k={k}");
                    for (h, w) in have.iter().zip(&want) {
                        assert!(
                            h.0 == w.0 && h.1 == w.1 && h.2.to_bits() == w.2.to_bits(),
                            "{path} {precision:?} {metric:?} distance={distance} k={k}: {h:?} vs {w:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn any_output_layout_and_alignment_gives_the_same_bits() {
    let (n, k) = (101, 23);
    let x = data(n, k, 5, 0);
    let opts = SimilarityOptions::new(Metric::Cosine);
    let want = similarity_matrix(x.view(), &opts).expect("valid input");
    // misaligned row-major slices of a longer buffer, f64 and f32
    for offset in [1usize, 3] {
        let mut buf = vec![f64::NAN; n * n + offset + 8];
        {
            let view = ArrayViewMut2::from_shape((n, n), &mut buf[offset..offset + n * n])
                .expect("shape fits");
            similarity_matrix_into(x.view(), &opts, view).expect("written");
        }
        let got = &buf[offset..offset + n * n];
        assert!(got
            .iter()
            .zip(want.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(
            buf[..offset].iter().all(|v| v.is_nan()),
            "nothing written before"
        );
        assert!(
            buf[offset + n * n..].iter().all(|v| v.is_nan()),
            "nothing written after"
        );
        let mut buf32 = vec![f32::NAN; n * n + offset + 16];
        {
            let view = ArrayViewMut2::from_shape((n, n), &mut buf32[offset..offset + n * n])
                .expect("shape fits");
            similarity_matrix_into(x.view(), &opts, view).expect("written");
        }
        let got32 = &buf32[offset..offset + n * n];
        assert!(got32.iter().zip(want.iter()).all(|(a, b)| *a == *b as f32));
    }
    // column-major output
    let mut f = Array2::<f64>::zeros((n, n).f());
    similarity_matrix_into(x.view(), &opts, f.view_mut()).expect("written");
    assert!(f
        .iter()
        .zip(want.iter())
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// The output buffer may hold anything (the Python binding hands the core
/// uninitialised memory): every entry is written, for every metric, mode,
/// precision and path, with the bits of a fresh matrix.
#[test]
fn every_entry_of_the_output_is_written() {
    let metrics = [
        Metric::Cosine,
        Metric::Pearson,
        Metric::Spearman,
        Metric::Euclidean,
        Metric::Manhattan,
        Metric::Jaccard { threshold: 0.5 },
    ];
    let sentinel = 7.25e77;
    for path in paths() {
        for (n, k) in [(1usize, 3usize), (97, 40), (200, 9)] {
            for nan_every in [0usize, 7] {
                let x = data(n, k, (n + k) as u64, nan_every);
                for metric in metrics {
                    for (distance, pairwise_complete) in
                        [(false, true), (true, true), (false, false)]
                    {
                        for precision in [Precision::Double, Precision::Single] {
                            let mut opts = SimilarityOptions::new(metric);
                            opts.distance = distance;
                            opts.pairwise_complete = pairwise_complete;
                            opts.min_overlap = 2;
                            opts.precision = precision;
                            let (want, got) = on(path, 2, || {
                                let want = similarity_matrix(x.view(), &opts).expect("valid");
                                let mut got = Array2::from_elem((n, n), sentinel);
                                similarity_matrix_into(x.view(), &opts, got.view_mut())
                                    .expect("written");
                                (want, got)
                            });
                            let what = format!(
                                "{path} {metric:?} {n}×{k} nan/{nan_every} \
                                 distance={distance} complete={pairwise_complete} {precision:?}"
                            );
                            assert!(!got.iter().any(|&v| v == sentinel), "unwritten: {what}");
                            assert!(same_bits(&want, &got), "{what}");
                            let mut got32 = Array2::from_elem((n, n), sentinel as f32);
                            on(path, 2, || {
                                similarity_matrix_into(x.view(), &opts, got32.view_mut())
                                    .expect("written")
                            });
                            assert!(
                                !got32.iter().any(|v| v.is_infinite()),
                                "unwritten f32: {what}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_wrong_output_shape_is_an_error() {
    let x = data(5, 3, 1, 0);
    let opts = SimilarityOptions::new(Metric::Cosine);
    for shape in [(4, 5), (5, 4), (0, 0), (6, 6)] {
        let mut out = Array2::<f64>::zeros(shape);
        let err = similarity_matrix_into(x.view(), &opts, out.view_mut());
        assert!(
            matches!(
                err,
                Err(skillsmap::Error::Similarity(
                    SimilarityError::InvalidOption(skillsmap::InvalidOption { option: "out", .. })
                ))
            ),
            "{shape:?}"
        );
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let x = data(300, 45, 9, 11);
    for metric in [Metric::Cosine, Metric::Pearson, Metric::Euclidean] {
        let opts = SimilarityOptions::new(metric);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| similarity_matrix(x.view(), &opts).expect("valid input"))
        };
        let (one, two) = (run(1), run(2));
        assert!(one
            .iter()
            .zip(two.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn a_huge_k_means_every_other_row_and_allocates_nothing_more() {
    let x = data(5, 3, 1, 0);
    let opts = SimilarityOptions::new(Metric::Cosine);
    for k in [4, 5, 1_000_000_000, usize::MAX] {
        let t = skillsmap::similarity::top_k(x.view(), k, &opts).unwrap();
        assert_eq!(t.source.len(), 5 * 4, "k = {k}");
    }
    let one = data(1, 3, 1, 0);
    assert!(skillsmap::similarity::top_k(one.view(), 3, &opts)
        .unwrap()
        .source
        .is_empty());
}

#[test]
fn huge_and_tiny_rows_give_the_values_of_ordinary_ones() {
    use ndarray::array;
    let ordinary = array![[1.0, 2.0, 0.5], [2.0, 1.0, 0.25], [3.0, 0.5, 1.0]];
    let mut scaled = ordinary.clone();
    scaled.row_mut(0).mapv_inplace(|v| v * 1e200);
    scaled.row_mut(1).mapv_inplace(|v| v * 1e-200);
    for metric in [Metric::Cosine, Metric::Pearson, Metric::Spearman] {
        let opts = SimilarityOptions::new(metric);
        let want = skillsmap::similarity::similarity_matrix(ordinary.view(), &opts).unwrap();
        let got = skillsmap::similarity::similarity_matrix(scaled.view(), &opts).unwrap();
        for (a, b) in want.iter().zip(got.iter()) {
            assert!((a - b).abs() < 1e-12, "{metric:?}: {a} vs {b}");
        }
    }
}

/// The same through the pairwise-complete path (a missing value in each
/// row): rows near 1e100, whose variances multiply beyond the largest f64,
/// and rows beyond 1e150, which are scaled before any sum.
#[test]
fn huge_and_tiny_rows_with_missing_values_give_the_values_of_ordinary_ones() {
    use ndarray::array;
    let nan = f64::NAN;
    let ordinary = array![
        [1.0, 2.0, 0.5, nan, 1.5],
        [2.0, nan, 0.25, 7.0, 1.0],
        [3.0, 0.5, 1.0, 2.0, nan],
        [nan, 0.5, 4.0, 2.0, 3.0]
    ];
    for (huge, tiny) in [(1e100, 1e-100), (1e140, 1e-140), (1e300, 1e-300)] {
        // two huge rows and two tiny ones: pairs of each, and mixed
        let mut scaled = ordinary.clone();
        for (r, factor) in [(0, huge), (1, tiny), (2, huge), (3, tiny)] {
            scaled.row_mut(r).mapv_inplace(|v| v * factor);
        }
        for metric in [Metric::Cosine, Metric::Pearson] {
            let opts = SimilarityOptions::new(metric);
            let want = similarity_matrix(ordinary.view(), &opts).expect("valid");
            let got = similarity_matrix(scaled.view(), &opts).expect("valid");
            for (a, b) in want.iter().zip(got.iter()) {
                assert!((a - b).abs() < 1e-12, "{metric:?} ×{huge:e}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn distances_of_data_near_overflow_are_the_scaled_distances() {
    use ndarray::array;
    let ordinary = array![
        [1.0, 2.0, 0.5],
        [2.0, 1.0, 0.25],
        [3.0, -0.5, 1.0],
        [0.0, 0.0, 0.0]
    ];
    for (factor, name) in [(2f64.powi(700), "huge"), (2f64.powi(-700), "tiny")] {
        let scaled = ordinary.mapv(|v| v * factor);
        for metric in [Metric::Euclidean, Metric::Manhattan] {
            let mut opts = SimilarityOptions::new(metric);
            opts.distance = true;
            let want = skillsmap::similarity::similarity_matrix(ordinary.view(), &opts).unwrap();
            let got = skillsmap::similarity::similarity_matrix(scaled.view(), &opts).unwrap();
            for (a, b) in want.iter().zip(got.iter()) {
                // a power of two scales the distances exactly
                assert!(b.is_finite(), "{name} {metric:?}: {b}");
                assert!(
                    (a * factor - b).abs() <= 1e-12 * (a * factor).abs(),
                    "{name} {metric:?}: {a} vs {b}"
                );
            }
            let t = skillsmap::similarity::top_k(scaled.view(), 2, &opts).unwrap();
            let t0 = skillsmap::similarity::top_k(ordinary.view(), 2, &opts).unwrap();
            assert_eq!(t.target, t0.target, "{name} {metric:?}");
            for (a, b) in t0.score.iter().zip(&t.score) {
                assert!((a * factor - b).abs() <= 1e-12 * (a * factor).abs());
            }
            // similarities 1 / (1 + d) of the true distance
            let sim = skillsmap::similarity::similarity_matrix(
                scaled.view(),
                &SimilarityOptions::new(metric),
            )
            .unwrap();
            for (d, s) in got.iter().zip(sim.iter()) {
                assert!(
                    (s - 1.0 / (1.0 + d)).abs() <= 1e-15 * s.abs().max(1e-300),
                    "{s} {d}"
                );
            }
        }
    }
}

/// Continuous data (unlike `data`'s few levels) with a constant row and,
/// for Pearson, an offset far larger than the spread of some rows.
fn continuous(n: usize, k: usize, seed: u64) -> Array2<f64> {
    let mut s = seed;
    let mut x = Array2::from_shape_fn((n, k), |(i, _)| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.3;
        if i % 5 == 1 {
            100.0 + u
        } else {
            u
        }
    });
    if n > 3 {
        x.row_mut(3).fill(2.5);
    }
    x
}

/// The documented bound of a single-precision cosine or Pearson value
/// against the double-precision one: `4·K·2⁻²⁴`.
fn single_bound(k: usize) -> f64 {
    4.0 * k as f64 * 2f64.powi(-24)
}

/// `dtype = float32` computes in `f32`: on every path, for K from 1 to
/// 3,000, every value is within `4·K·2⁻²⁴` of the `f64` one (NaN where it
/// is NaN: the constant row), the result is the same bits at one and two
/// threads, and f32 output of f32 compute equals f64 output of it rounded.
#[test]
fn single_precision_is_within_its_bound_of_double() {
    for path in paths() {
        for (n, k) in [(250, 1), (250, 7), (250, 50), (120, 500), (60, 3000)] {
            let x = continuous(n, k, (n * 7 + k) as u64);
            // squared norms of the rows of the column-centred data
            let means = x.mean_axis(ndarray::Axis(0)).unwrap();
            let centred_sq: Vec<f64> = x
                .rows()
                .into_iter()
                .map(|r| (&r - &means).mapv(|v| v * v).sum())
                .collect();
            for metric in [Metric::Cosine, Metric::Pearson, Metric::Euclidean] {
                for distance in [false, true] {
                    let double = SimilarityOptions {
                        distance,
                        ..SimilarityOptions::new(metric)
                    };
                    let single = SimilarityOptions {
                        precision: Precision::Single,
                        ..double
                    };
                    let want = on(path, 2, || similarity_matrix(x.view(), &double).unwrap());
                    let run = |threads| {
                        on(path, threads, || {
                            similarity_matrix(x.view(), &single).unwrap()
                        })
                    };
                    let got = run(1);
                    assert!(same_bits(&got, &run(2)), "{path} {metric:?} threads");
                    let mut narrow = Array2::<f32>::zeros((n, n));
                    on(path, 2, || {
                        similarity_matrix_into(x.view(), &single, narrow.view_mut()).unwrap()
                    });
                    assert!(narrow
                        .iter()
                        .zip(got.iter())
                        .all(|(a, b)| a.to_bits() == (*b as f32).to_bits()));
                    let bound = single_bound(k);
                    // computed in f32, not rounded from f64: errors beyond
                    // f64's show up
                    let widest = got
                        .iter()
                        .zip(want.iter())
                        .filter(|(g, w)| !g.is_nan() && !w.is_nan())
                        .map(|(g, w)| (g - w).abs())
                        .fold(0.0, f64::max);
                    assert!(
                        k < 7 || widest > 1e-12,
                        "{path} {metric:?} {n}×{k}: {widest}"
                    );
                    for i in 0..n {
                        for j in 0..n {
                            let (g, w) = (got[[i, j]], want[[i, j]]);
                            assert_eq!(g.is_nan(), w.is_nan(), "{path} {metric:?} ({i},{j})");
                            if w.is_nan() {
                                continue;
                            }
                            let ok = match metric {
                                // the bound on d², relative to |x|² + |y|²
                                // (of the centred columns), for d or 1/(1+d)
                                Metric::Euclidean => {
                                    let d = |v: f64| if distance { v } else { 1.0 / v - 1.0 };
                                    let (dg, dw) = (d(g), d(w));
                                    let norms = centred_sq[i] + centred_sq[j];
                                    let tol = 16.0 * (k + 2) as f64 * 2f64.powi(-24) * norms;
                                    (dg * dg - dw * dw).abs() <= tol
                                }
                                _ => (g - w).abs() <= bound,
                            };
                            assert!(
                                ok,
                                "{path} {metric:?} distance={distance} {n}×{k} at ({i},{j}): {g} vs {w}, bound {bound}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// top-k in single precision picks the neighbours of double precision,
/// but for ties within the bound: the r-th best scores differ by at most
/// the bound, and a neighbour only single precision picks is within twice
/// the bound of the k-th best in double precision.
#[test]
fn single_precision_top_k_has_the_neighbours_of_double() {
    let (n, kcols) = (400, 64);
    let x = continuous(n, kcols, 3);
    let bound = single_bound(kcols);
    for path in paths() {
        for metric in [Metric::Cosine, Metric::Pearson] {
            let double = SimilarityOptions::new(metric);
            let single = SimilarityOptions {
                precision: Precision::Single,
                ..double
            };
            let k = 10;
            let full = on(path, 2, || similarity_matrix(x.view(), &double).unwrap());
            let d = on(path, 2, || top_k(x.view(), k, &double).unwrap());
            let s1 = on(path, 1, || top_k(x.view(), k, &single).unwrap());
            let s2 = on(path, 2, || top_k(x.view(), k, &single).unwrap());
            assert_eq!(s1, s2, "{path} {metric:?} threads");
            assert_eq!(d.source, s1.source);
            for i in 0..n {
                let rows = |t: &skillsmap::similarity::TopK| -> Vec<(u32, f64)> {
                    (0..t.source.len())
                        .filter(|&e| t.source[e] as usize == i)
                        .map(|e| (t.target[e], t.score[e]))
                        .collect()
                };
                let (want, got) = (rows(&d), rows(&s1));
                assert_eq!(want.len(), got.len());
                let Some(&(_, kth)) = want.last() else {
                    continue;
                };
                for (r, (w, g)) in want.iter().zip(&got).enumerate() {
                    assert!(
                        (w.1 - g.1).abs() <= bound,
                        "{path} {metric:?} row {i} rank {r}"
                    );
                    if !want.iter().any(|v| v.0 == g.0) {
                        let exact = full[[i, g.0 as usize]];
                        assert!(
                            kth - exact <= 2.0 * bound,
                            "{path} {metric:?} row {i}: {g:?}"
                        );
                    }
                }
            }
        }
    }
}
