//! Which kernel multiplies the profiles: the one dispatch point.
//!
//! Three paths compute the same products, each entry one multiply-add chain
//! over the columns in order (so, on any one path, results never depend on
//! the thread count):
//!
//! - [`SimdPath::Avx512`]: x86-64 with AVX-512F, an 8 × 24 register-blocked
//!   FMA kernel (24 of the 32 zmm registers hold the block);
//! - [`SimdPath::Avx2`]: x86-64 with AVX2 and FMA, a 6 × 8 kernel (12 of the
//!   16 ymm registers hold the block, 2 the right factor, 1 the broadcast);
//! - [`SimdPath::Portable`]: plain Rust that compiles everywhere (aarch64
//!   included) and that LLVM vectorises for the target's baseline (SSE2,
//!   NEON); no fused multiply-add, so its last bits may differ from the
//!   other paths'.
//!
//! The path is chosen once per process: the best the CPU has, unless the
//! environment variable `SKILLSMAP_SIMD` names one (`avx512`, `avx2`,
//! `portable`; `auto` or empty means the best). Asking for a path the CPU
//! lacks, or for an unknown name, is an error of every call that multiplies
//! ([`SimilarityError::Simd`]) rather than a silent fallback: a benchmark
//! that forces a path must measure that path or fail. [`with_simd_path`]
//! overrides the choice for one closure on the calling thread (tests run
//! every available path in one process this way).

use std::cell::Cell;
use std::sync::OnceLock;

use super::SimilarityError;

/// A kernel path of the dense products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimdPath {
    /// AVX-512F, 8 × 24 blocks of `f64`.
    Avx512,
    /// AVX2 + FMA, 6 × 8 blocks of `f64`.
    Avx2,
    /// Plain Rust, vectorised by the compiler for the baseline target.
    Portable,
}

/// The environment variable that forces a path.
pub const SIMD_ENV: &str = "SKILLSMAP_SIMD";

impl SimdPath {
    /// Every path, fastest first.
    pub const ALL: [SimdPath; 3] = [SimdPath::Avx512, SimdPath::Avx2, SimdPath::Portable];

    /// The path's name, as `SKILLSMAP_SIMD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            SimdPath::Avx512 => "avx512",
            SimdPath::Avx2 => "avx2",
            SimdPath::Portable => "portable",
        }
    }

    /// The path of a name (`avx512`, `avx2`, `portable`), if it is one.
    pub fn parse(name: &str) -> Option<SimdPath> {
        SimdPath::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this CPU can run the path.
    pub fn is_available(self) -> bool {
        match self {
            SimdPath::Portable => true,
            #[cfg(target_arch = "x86_64")]
            // every CPU with AVX2 or AVX-512 has popcnt; checked all the
            // same, since the paths' loops are compiled with it
            SimdPath::Avx512 => {
                std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 => {
                std::is_x86_feature_detected!("avx2")
                    && std::is_x86_feature_detected!("fma")
                    && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest path this CPU can run.
    pub fn best() -> SimdPath {
        SimdPath::ALL
            .into_iter()
            .find(|p| p.is_available())
            .unwrap_or(SimdPath::Portable)
    }

    /// Every path this CPU can run, fastest first.
    pub fn available() -> Vec<SimdPath> {
        SimdPath::ALL
            .into_iter()
            .filter(|p| p.is_available())
            .collect()
    }
}

impl std::fmt::Display for SimdPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The choice made from the environment, once.
fn from_env() -> &'static Result<SimdPath, SimilarityError> {
    static CHOICE: OnceLock<Result<SimdPath, SimilarityError>> = OnceLock::new();
    CHOICE.get_or_init(|| {
        let asked = std::env::var(SIMD_ENV).unwrap_or_default();
        choose(&asked)
    })
}

/// The path a value of `SKILLSMAP_SIMD` selects.
fn choose(asked: &str) -> Result<SimdPath, SimilarityError> {
    let asked = asked.trim();
    if asked.is_empty() || asked.eq_ignore_ascii_case("auto") {
        return Ok(SimdPath::best());
    }
    match SimdPath::parse(asked) {
        Some(p) if p.is_available() => Ok(p),
        Some(p) => Err(SimilarityError::Simd {
            requested: asked.to_owned(),
            reason: format!(
                "this CPU cannot run the {p} kernels (available: {})",
                names(&SimdPath::available())
            ),
        }),
        None => Err(SimilarityError::Simd {
            requested: asked.to_owned(),
            reason: format!(
                "unknown path; use auto, {}",
                names(&SimdPath::ALL).replace(", portable", " or portable")
            ),
        }),
    }
}

fn names(paths: &[SimdPath]) -> String {
    paths
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

thread_local! {
    static OVERRIDE: Cell<Option<SimdPath>> = const { Cell::new(None) };
}

/// The path the similarity kernels use on this thread: the one forced by
/// [`with_simd_path`], else the one selected from `SKILLSMAP_SIMD` (once
/// per process), else the best the CPU has.
///
/// # Errors
/// [`SimilarityError::Simd`] when `SKILLSMAP_SIMD` names an unknown path
/// or one this CPU cannot run.
///
/// # Example
/// ```
/// use skillsmap::similarity::{simd_path, SimdPath};
///
/// let path = simd_path()?;
/// assert!(path.is_available());
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn simd_path() -> crate::Result<SimdPath> {
    if let Some(p) = OVERRIDE.with(Cell::get) {
        return Ok(p);
    }
    from_env().clone().map_err(crate::Error::from)
}

/// Runs `f` with the similarity kernels forced to `path` on the calling
/// thread (the kernels read the path once, on the thread that calls them,
/// and hand it to their workers). For tests and benchmarks that compare
/// paths in one process.
///
/// # Errors
/// [`SimilarityError::Simd`] when this CPU cannot run `path` (`f` is not
/// called).
///
/// # Example
/// ```
/// use skillsmap::ndarray::array;
/// use skillsmap::similarity::{similarity_matrix, with_simd_path, Metric, SimdPath, SimilarityOptions};
///
/// let x = array![[1.0, 0.0], [1.0, 1.0]];
/// let opts = SimilarityOptions::new(Metric::Cosine);
/// let s = with_simd_path(SimdPath::Portable, || similarity_matrix(x.view(), &opts))??;
/// assert!((s[[0, 1]] - 0.5f64.sqrt()).abs() < 1e-15);
/// # Ok::<(), skillsmap::Error>(())
/// ```
pub fn with_simd_path<R>(path: SimdPath, f: impl FnOnce() -> R) -> crate::Result<R> {
    if !path.is_available() {
        return Err(SimilarityError::Simd {
            requested: path.name().to_owned(),
            reason: format!(
                "this CPU cannot run the {path} kernels (available: {})",
                names(&SimdPath::available())
            ),
        }
        .into());
    }
    struct Restore(Option<SimdPath>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|c| c.replace(Some(path))));
    Ok(f())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_requests_are_errors() {
        for p in SimdPath::ALL {
            assert_eq!(SimdPath::parse(p.name()), Some(p));
        }
        assert_eq!(choose("").ok(), Some(SimdPath::best()));
        assert_eq!(choose("AUTO").ok(), Some(SimdPath::best()));
        assert_eq!(choose(" Portable ").ok(), Some(SimdPath::Portable));
        let err = choose("sse9")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sse9") && err.contains("unknown"), "{err}");
        for p in SimdPath::ALL {
            match choose(p.name()) {
                Ok(got) => assert!(got == p && p.is_available()),
                Err(e) => {
                    assert!(!p.is_available());
                    assert!(e.to_string().contains("cannot run"), "{e}");
                }
            }
        }
        assert!(SimdPath::Portable.is_available());
        assert!(SimdPath::best().is_available());
    }

    #[test]
    fn the_override_is_scoped_to_the_closure() {
        let before = simd_path().ok();
        let inside = with_simd_path(SimdPath::Portable, || simd_path().ok()).ok();
        assert_eq!(inside, Some(Some(SimdPath::Portable)));
        assert_eq!(simd_path().ok(), before);
    }
}
