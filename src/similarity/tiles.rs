//! Symmetric products by tiles: the engine under the full similarity
//! matrices.
//!
//! The upper triangle is cut into square tiles. Each tile's products are
//! computed into small buffers that stay in cache, turned into the metric's
//! values, and written to the output together with their transpose, so the
//! lower triangle costs no second pass over memory. Tiles run in parallel in
//! any order: each output entry is written by exactly one tile, and its value
//! is one multiply-add chain over the columns in order, whichever thread
//! computes it, so results never depend on the thread count.
//!
//! The rows are packed once into panels and multiplied by a register-blocked
//! micro-kernel of the path [`super::simd`] selected: 8 × 24 entries in 24
//! zmm registers with AVX-512F, 6 × 8 in 12 ymm registers with AVX2 + FMA,
//! 4 × 8 in plain Rust that the compiler vectorises for the baseline target
//! (the portable path). The same kernels exist in `f32` ([`Real`]), twice
//! as wide where the vectors are wide: 8 × 48 and 6 × 16, for
//! `dtype="float32"` computations (portable: 4 × 8, see `NRP_F32`).
//! Each path has its own packing widths; an operand knows the path it was
//! packed for, and a product of two operands packed
//! for different paths (or shapes that do not fit, which no caller makes)
//! goes through `matrixmultiply`.
//!
//! On the SIMD paths the tiles reach the output with non-temporal stores
//! (the N × N output is written once and is far larger than the caches;
//! a plain store would first read every line it overwrites), the
//! transpose turned in registers.
//!
//! This is the only module with `unsafe` code: the SIMD intrinsics, and
//! tiles writing their disjoint parts of one output buffer from several
//! threads.

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, LinalgScalar, ShapeBuilder};
use rayon::prelude::*;

use super::simd::SimdPath;

/// Rows of the AVX-512 micro-kernel's block (left factor, broadcast).
const MR: usize = 8;
/// Columns of the AVX-512 micro-kernel's block (three vectors of 8).
const NR: usize = 24;
/// Rows and columns of the AVX2 block (two ymm vectors of 4 per row): 12
/// accumulators, 2 for the right factor, 1 for the broadcast, so the block
/// stays in the 16 ymm registers without spills (a 4 × 12 block needs all
/// 16 and the compiler spilled one accumulator per step).
const MR2: usize = 6;
const NR2: usize = 8;
/// Rows and columns of the portable block.
const MRP: usize = 4;
const NRP: usize = 8;
/// The `f32` blocks: as many rows, twice the columns (a vector holds twice
/// as many values), so the same registers hold them.
const NR_F32: usize = 48;
const NR2_F32: usize = 16;
/// The portable `f32` block is not widened: on the baseline x86-64 target
/// (16 SSE registers of 4 values) a 4 × 16 block needs all 16 registers for
/// its accumulators and ran at half the speed of the `f64` 4 × 8 block
/// (measured: cosine 10,000 × 500, 10.4 s against 6.9 s); 4 × 8 leaves
/// registers for the operands.
const NRP_F32: usize = 8;
/// Columns multiplied per pass of the micro-kernel: keeps a 24-row panel of
/// the right factor (24 · 256 · 8 B = 48 KiB) within reach of L1 (in `f32`
/// a 48-row panel of as many bytes).
const KC: usize = 256;
/// The most columns per pass of the AVX2 `f64` kernel: its 8-row panel of
/// the right factor is then at most 32 KiB, the L1 of the AMD cores it was
/// tuned on. Fewer, longer passes mean fewer reloads of the accumulators
/// from the tile buffer (K = 500 in one pass ran at 39-40 GFLOP/s per
/// core, in two passes of 256 and 244 at 36).
const KC_AVX2: usize = 512;
/// Bytes of left-factor panels the AVX2 `f64` products keep in L2 while
/// the right factor's panels go past them (BLIS's blocking for Zen: 72
/// rows × 256 columns × 8 B, a quarter of a 512 KiB L2); the rest of L2
/// holds the tile buffer's rows being updated.
const MC_BYTES_AVX2: usize = 72 * 256 * 8;

/// The type the dense products are computed in: `f64`, or `f32` when a
/// single-precision computation is asked for (`Precision::Single`). Each
/// has its own micro-kernels; everything around them (packing, tiles,
/// epilogues, writes) is written once for both.
pub(crate) trait Real: MatrixElement + LinalgScalar + PartialOrd + std::fmt::Debug {
    /// A multiple of every path's block sides: tiles are cut in multiples
    /// of it.
    const BLOCK_LCM: usize;
    /// The micro-kernel block (rows, columns) of a path.
    fn blocks(path: SimdPath) -> (usize, usize);
    /// `self.max(other)` (the other operand when one is NaN).
    fn maximum(self, other: Self) -> Self;
    /// `self.clamp(lo, hi)` (NaN stays NaN).
    fn clamped(self, lo: Self, hi: Self) -> Self;
    /// The square root.
    fn root(self) -> Self;
    /// The buffer as `f64` values, when it is one (the AVX-512 writes).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn as_f64(buf: &[Self]) -> Option<&[f64]>;
    /// Runs the SIMD micro-kernel of `path` (not the portable one) on one
    /// block.
    ///
    /// # Safety
    /// The CPU must run `path`, and the block's panels, `c` and the
    /// epilogue's norms must hold every extent the kernel reads and writes
    /// (as `micro_kernel` checks).
    unsafe fn simd_kernel(path: SimdPath, blk: &Block<'_, Self>, c: &mut [Self]);
}

impl Real for f64 {
    const BLOCK_LCM: usize = 24;
    fn blocks(path: SimdPath) -> (usize, usize) {
        match path {
            SimdPath::Avx512 => (MR, NR),
            SimdPath::Avx2 => (MR2, NR2),
            SimdPath::Portable => (MRP, NRP),
        }
    }
    #[inline(always)]
    fn maximum(self, other: Self) -> Self {
        self.max(other)
    }
    #[inline(always)]
    fn clamped(self, lo: Self, hi: Self) -> Self {
        self.clamp(lo, hi)
    }
    #[inline(always)]
    fn root(self) -> Self {
        self.sqrt()
    }
    fn as_f64(buf: &[Self]) -> Option<&[f64]> {
        Some(buf)
    }
    unsafe fn simd_kernel(path: SimdPath, blk: &Block<'_, Self>, c: &mut [Self]) {
        match path {
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 if path.is_available() => {
                // SAFETY: AVX-512F is available; the caller checked every
                // extent the kernel reads and writes.
                unsafe {
                    kernel_avx512(
                        blk.kc,
                        blk.a.as_ptr(),
                        blk.b.as_ptr(),
                        c.as_mut_ptr(),
                        blk.ldc,
                        blk.accumulate,
                        blk.epilogue,
                        blk.sq_j.as_ptr(),
                    )
                }
            }
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 if path.is_available() => {
                // SAFETY: AVX2 and FMA are available; the caller checked
                // every extent the kernel reads and writes.
                unsafe {
                    kernel_avx2(
                        blk.kc,
                        blk.a.as_ptr(),
                        blk.b.as_ptr(),
                        c.as_mut_ptr(),
                        blk.ldc,
                        blk.accumulate,
                        blk.epilogue,
                        blk.sq_j.as_ptr(),
                    )
                }
            }
            // packing for a path the CPU lacks never happens (Operand::new)
            _ => {
                #[cfg(not(target_arch = "x86_64"))]
                let _ = (blk, c);
                unreachable!("kernel path {path} not available")
            }
        }
    }
}

impl Real for f32 {
    const BLOCK_LCM: usize = 48;
    fn blocks(path: SimdPath) -> (usize, usize) {
        match path {
            SimdPath::Avx512 => (MR, NR_F32),
            SimdPath::Avx2 => (MR2, NR2_F32),
            SimdPath::Portable => (MRP, NRP_F32),
        }
    }
    #[inline(always)]
    fn maximum(self, other: Self) -> Self {
        self.max(other)
    }
    #[inline(always)]
    fn clamped(self, lo: Self, hi: Self) -> Self {
        self.clamp(lo, hi)
    }
    #[inline(always)]
    fn root(self) -> Self {
        self.sqrt()
    }
    fn as_f64(_: &[Self]) -> Option<&[f64]> {
        None
    }
    unsafe fn simd_kernel(path: SimdPath, blk: &Block<'_, Self>, c: &mut [Self]) {
        match path {
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 if path.is_available() => {
                // SAFETY: AVX-512F is available; the caller checked every
                // extent the kernel reads and writes.
                unsafe {
                    kernel_avx512_f32(
                        blk.kc,
                        blk.a.as_ptr(),
                        blk.b.as_ptr(),
                        c.as_mut_ptr(),
                        blk.ldc,
                        blk.accumulate,
                        blk.epilogue,
                        blk.sq_j.as_ptr(),
                    )
                }
            }
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 if path.is_available() => {
                // SAFETY: AVX2 and FMA are available; the caller checked
                // every extent the kernel reads and writes.
                unsafe {
                    kernel_avx2_f32(
                        blk.kc,
                        blk.a.as_ptr(),
                        blk.b.as_ptr(),
                        c.as_mut_ptr(),
                        blk.ldc,
                        blk.accumulate,
                        blk.epilogue,
                        blk.sq_j.as_ptr(),
                    )
                }
            }
            _ => {
                #[cfg(not(target_arch = "x86_64"))]
                let _ = (blk, c);
                unreachable!("kernel path {path} not available")
            }
        }
    }
}

/// What becomes of a finished product entry before it is stored, applied
/// in registers by the kernel (the same operations, entry by entry, on the
/// `matrixmultiply` path).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Epilogue<'a, S = f64> {
    /// The raw sums (pairwise-complete products, finished per pair later).
    Raw,
    /// Clamp to [−1, 1] (rounding of unit rows), then `1 − v` for distances.
    Correlation {
        /// Store `1 − v`.
        distance: bool,
    },
    /// `d = √max(|x_i|² + |x_j|² − 2v, 0)`, then `1 / (1 + d)` for
    /// similarities. `sq` holds the squared norms, zero-padded to whole
    /// panels.
    Euclidean {
        /// Squared row norms, padded.
        sq: &'a [S],
        /// Store `1 / (1 + d)`.
        similarity: bool,
    },
}

impl<S: Real> Epilogue<'_, S> {
    #[inline(always)]
    fn apply(self, i: usize, j: usize, v: S) -> S {
        match self {
            Epilogue::Raw => v,
            Epilogue::Correlation { distance } => {
                let c = v.clamped(S::zero() - S::one(), S::one());
                if distance {
                    S::one() - c
                } else {
                    c
                }
            }
            Epilogue::Euclidean { sq, similarity } => euclidean(sq[i], sq[j], v, similarity),
        }
    }
}

/// `√max(a + b − 2v, 0)`, or `1 / (1 + d)` of it for a similarity: the
/// Euclidean epilogue of one entry (the portable kernel and the fallback).
#[inline(always)]
fn euclidean<S: Real>(sq_i: S, sq_j: S, v: S, similarity: bool) -> S {
    let two = S::one() + S::one();
    let d = (sq_i + sq_j - two * v).maximum(S::zero()).root();
    if similarity {
        S::one() / (S::one() + d)
    } else {
        d
    }
}

/// An element type the full matrix can be written in (`f64` or `f32`). The
/// computation runs in the precision the options ask for
/// ([`super::Precision`]), whatever the element type; each value is rounded
/// once when stored.
pub trait MatrixElement: Copy + Send + Sync + private::Sealed + 'static {
    /// Whether this is `f32` (stores then narrow each vector of 8 values).
    #[doc(hidden)]
    const SINGLE: bool;
    /// The value rounded to this type.
    fn from_f64(v: f64) -> Self;
    /// The value widened to `f64`.
    fn to_f64(self) -> f64;
}

impl MatrixElement for f64 {
    const SINGLE: bool = false;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl MatrixElement for f32 {
    const SINGLE: bool = true;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// A factor of the products: the rows as given (for `matrixmultiply`) and
/// packed once into the panels of one path's micro-kernel.
pub(crate) struct Operand<'a, S = f64> {
    rows: ArrayView2<'a, S>,
    /// Panels of `mr` rows, each column-major (for every column, `mr`
    /// values), zero-padded: the left factor.
    left: Aligned<S>,
    /// The same in panels of `nr` rows: the right factor.
    right: Aligned<S>,
    /// The path the panels are packed for (`None`: not packed).
    path: Option<SimdPath>,
}

impl<'a, S: Real> Operand<'a, S> {
    /// Packs `rows` (N × K) for `path`'s kernel. A path the CPU cannot run
    /// is never packed for (the products then use `matrixmultiply`).
    pub(crate) fn new(rows: ArrayView2<'a, S>, path: SimdPath) -> Self {
        let path = path.is_available().then_some(path);
        let (left, right) = match path {
            Some(p) => {
                let (mr, nr) = S::blocks(p);
                (pack(rows, mr), pack(rows, nr))
            }
            None => (Aligned::zeroed(0), Aligned::zeroed(0)),
        };
        Operand {
            rows,
            left,
            right,
            path,
        }
    }

    /// Rows as given, unpacked (the `matrixmultiply` path; tests).
    #[cfg(test)]
    fn unpacked(rows: ArrayView2<'a, S>) -> Self {
        Operand {
            rows,
            left: Aligned::zeroed(0),
            right: Aligned::zeroed(0),
            path: None,
        }
    }
}

/// A zeroed buffer of values that start on a 64-byte boundary (a slice of
/// a slightly longer `Vec`): the kernels' vector loads of packed panels and
/// of tile buffers then never straddle two cache lines (a large `Vec` from
/// the system allocator starts 16 bytes past a page boundary, which split
/// one of every two 32-byte loads of the AVX2 kernel's right factor).
pub(crate) struct Aligned<S> {
    buf: Vec<S>,
    start: usize,
    len: usize,
}

impl<S: Copy + num_traits::Zero> Aligned<S> {
    /// `len` zeros, aligned.
    pub(crate) fn zeroed(len: usize) -> Self {
        let pad = 64 / std::mem::size_of::<S>().max(1);
        let buf = vec![S::zero(); len + pad];
        // align_offset may decline (usize::MAX); the values then start
        // where the Vec does, unaligned but valid
        let start = match buf.as_ptr().align_offset(64) {
            off if off < pad => off,
            _ => 0,
        };
        Aligned { buf, start, len }
    }
}

impl<S> std::ops::Deref for Aligned<S> {
    type Target = [S];
    fn deref(&self) -> &[S] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl<S> std::ops::DerefMut for Aligned<S> {
    fn deref_mut(&mut self) -> &mut [S] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

/// Panels of `width` rows, each stored column by column, zero-padded.
fn pack<S: Real>(rows: ArrayView2<'_, S>, width: usize) -> Aligned<S> {
    let (n, k) = rows.dim();
    let mut out = Aligned::zeroed(n.div_ceil(width) * width * k);
    out.par_chunks_mut((width * k).max(1))
        .enumerate()
        .for_each(|(p, panel)| {
            for r in 0..width.min(n.saturating_sub(p * width)) {
                for (c, &v) in rows.row(p * width + r).iter().enumerate() {
                    panel[c * width + r] = v;
                }
            }
        });
    out
}

/// The cache blocking of a product over `k` columns with a left block of
/// `mr` rows: the columns per pass of the micro-kernel, and how many row
/// panels of the left factor to run against each right panel before the
/// next (the left panels of one such chunk stay in L2). Only the AVX2
/// `f64` kernel is blocked by rows and passes of up to [`KC_AVX2`] (split
/// evenly); the other kernels keep passes of [`KC`] over the tile's rows.
/// Neither choice changes a result: each entry stays one multiply-add
/// chain over the columns in order, continued exactly across passes.
fn cache_blocks<S: Real>(path: SimdPath, mr: usize, k: usize) -> (usize, usize) {
    if path == SimdPath::Avx2 && !S::SINGLE {
        let kc = k.div_ceil(k.div_ceil(KC_AVX2).max(1)).max(1);
        let panel = mr * kc * std::mem::size_of::<S>();
        (kc, (MC_BYTES_AVX2 / panel.max(1)).max(1))
    } else {
        (KC, usize::MAX)
    }
}

/// `C[..rows, ..cols] = A[i0.., :] · B[j0.., :]ᵀ` into a row-major buffer
/// of row stride `ldc`, with `epilogue` applied. With operands packed for
/// one path (block `mr × nr`), `i0` is a multiple of `mr`, `j0` of `nr`,
/// and `c` holds `rows` rounded up to `mr` rows of `ldc ≥ cols` rounded up
/// to `nr`; anything else goes through `matrixmultiply`.
pub(crate) fn product<S: Real>(
    a: &Operand<'_, S>,
    b: &Operand<'_, S>,
    (i0, rows): (usize, usize),
    (j0, cols): (usize, usize),
    c: &mut [S],
    ldc: usize,
    epilogue: Epilogue<'_, S>,
) {
    if let (Some(path), true) = (a.path, a.path == b.path && a.rows.ncols() == b.rows.ncols()) {
        let (mr, nr) = S::blocks(path);
        let k = a.rows.ncols();
        let row_panels = rows.div_ceil(mr);
        let col_panels = cols.div_ceil(nr);
        let fits = i0 % mr == 0
            && j0 % nr == 0
            && ldc >= col_panels * nr
            && c.len() >= row_panels * mr * ldc
            && a.left.len() >= (i0 / mr + row_panels) * mr * k
            && b.right.len() >= (j0 / nr + col_panels) * nr * k
            && match epilogue {
                Epilogue::Euclidean { sq, .. } => {
                    sq.len() >= (i0 + row_panels * mr).max(j0 + col_panels * nr)
                }
                _ => true,
            };
        if fits && k > 0 {
            let (kc_max, chunk) = cache_blocks::<S>(path, mr, k);
            let chunk = chunk.min(row_panels).max(1);
            let mut k0 = 0;
            while k0 < k {
                let kc = kc_max.min(k - k0);
                let last = k0 + kc == k;
                for p0 in (0..row_panels).step_by(chunk) {
                    for q in 0..col_panels {
                        let bp = &b.right[(j0 / nr + q) * nr * k + k0 * nr..];
                        let sq_j: &[S] = match epilogue {
                            Epilogue::Euclidean { sq, .. } => &sq[j0 + q * nr..],
                            _ => &[],
                        };
                        for p in p0..row_panels.min(p0 + chunk) {
                            let ap = &a.left[(i0 / mr + p) * mr * k + k0 * mr..];
                            let cp = &mut c[p * mr * ldc + q * nr..];
                            let epi = match epilogue {
                                _ if !last => Epilogue::Raw,
                                Epilogue::Euclidean { sq, similarity } => Epilogue::Euclidean {
                                    sq: &sq[i0 + p * mr..],
                                    similarity,
                                },
                                other => other,
                            };
                            let block = Block {
                                kc,
                                a: ap,
                                b: bp,
                                ldc,
                                accumulate: k0 > 0,
                                epilogue: epi,
                                sq_j,
                            };
                            micro_kernel(path, block, cp);
                        }
                    }
                }
                k0 += kc;
            }
            return;
        }
    }
    // callers size every tile buffer for `rows × ldc`: a failure here is a
    // bug, and returning would leave a stale tile in the output
    let Ok(mut view) = ArrayViewMut2::from_shape((rows, cols).strides((ldc, 1)), c) else {
        unreachable!("tile buffer too small for {rows} × {cols} at stride {ldc}");
    };
    ndarray::linalg::general_mat_mul(
        S::one(),
        &a.rows.slice(s![i0..i0 + rows, ..]),
        &b.rows.slice(s![j0..j0 + cols, ..]).t(),
        S::zero(),
        &mut view,
    );
    if !matches!(epilogue, Epilogue::Raw) {
        for (r, mut row) in view.rows_mut().into_iter().enumerate() {
            for (q, v) in row.iter_mut().enumerate() {
                *v = epilogue.apply(i0 + r, j0 + q, *v);
            }
        }
    }
}

/// One micro-kernel call: an `mr × nr` block over `kc` columns of packed
/// panels (`a`: `mr` values per column, `b`: `nr`), stored at row stride
/// `ldc`; `accumulate` continues the block's chains where the previous
/// columns left them; the epilogue's norms start at the block's first row
/// (`sq`) and column (`sq_j`).
pub(crate) struct Block<'s, S> {
    kc: usize,
    a: &'s [S],
    b: &'s [S],
    ldc: usize,
    accumulate: bool,
    epilogue: Epilogue<'s, S>,
    sq_j: &'s [S],
}

/// Runs `path`'s micro-kernel on one block. The caller (`product`) checked
/// that the panels hold `kc` columns and that the block lies inside `c`;
/// this checks again (cheaply, once per block) before any pointer is used.
#[inline]
fn micro_kernel<S: Real>(path: SimdPath, blk: Block<'_, S>, c: &mut [S]) {
    let (mr, nr) = S::blocks(path);
    let sq_ok = match blk.epilogue {
        Epilogue::Euclidean { sq, .. } => sq.len() >= mr && blk.sq_j.len() >= nr,
        _ => true,
    };
    let inside = blk.a.len() >= mr * blk.kc
        && blk.b.len() >= nr * blk.kc
        && blk.ldc >= nr
        && c.len() >= (mr - 1) * blk.ldc + nr
        && sq_ok;
    if !inside {
        unreachable!("micro-kernel block outside its panels");
    }
    match path {
        SimdPath::Portable if S::SINGLE => kernel_portable::<S, MRP, NRP_F32>(&blk, c),
        SimdPath::Portable => kernel_portable::<S, MRP, NRP>(&blk, c),
        // SAFETY: a packed operand's path is available (checked when it
        // was packed, and again in `simd_kernel`); `inside` checked every
        // extent the kernel reads and writes.
        _ => unsafe { S::simd_kernel(path, &blk, c) },
    }
}

/// The portable `4 × 8` block (in `f64` and `f32`): plain multiply and add
/// (no fused multiply-add, which without the instruction would be a
/// library call), written over fixed-size arrays so that the compiler keeps
/// the block in vector registers of whatever width the target has.
fn kernel_portable<S: Real, const M: usize, const N: usize>(blk: &Block<'_, S>, c: &mut [S]) {
    let mut acc = [[S::zero(); N]; M];
    if blk.accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            row.copy_from_slice(&c[i * blk.ldc..i * blk.ldc + N]);
        }
    }
    let a = blk.a[..M * blk.kc].chunks_exact(M);
    let b = blk.b[..N * blk.kc].chunks_exact(N);
    for (ak, bk) in a.zip(b) {
        let (Ok(ak), Ok(bk)) = (<&[S; M]>::try_from(ak), <&[S; N]>::try_from(bk)) else {
            continue;
        };
        for (row, &ai) in acc.iter_mut().zip(ak) {
            for (v, &bj) in row.iter_mut().zip(bk) {
                *v = *v + ai * bj;
            }
        }
    }
    let epi = blk.epilogue;
    for (i, row) in acc.iter().enumerate() {
        let out = &mut c[i * blk.ldc..i * blk.ldc + N];
        for (j, (o, &v)) in out.iter_mut().zip(row).enumerate() {
            *o = match epi {
                Epilogue::Euclidean { sq, similarity } => {
                    euclidean(sq[i], blk.sq_j[j], v, similarity)
                }
                other => other.apply(0, 0, v),
            };
        }
    }
}

/// The 6 × 8 block of [`kernel_avx512`] with AVX2 and FMA: 12 ymm
/// accumulators, 2 for the right factor's columns, 1 for the broadcast.
///
/// # Safety
/// AVX2 and FMA must be available; `a` must hold `6·kc`, `b` `8·kc` values
/// and `c` 6 rows of 8 values at row stride `ldc`; with a Euclidean
/// epilogue its `sq` must hold 6 values and `sq_j` 8.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx2(
    kc: usize,
    a: *const f64,
    b: *const f64,
    c: *mut f64,
    ldc: usize,
    accumulate: bool,
    epilogue: Epilogue<'_, f64>,
    sq_j: *const f64,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm256_setzero_pd(); 2]; MR2];
    if accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            for (v, reg) in row.iter_mut().enumerate() {
                *reg = _mm256_loadu_pd(c.add(i * ldc + 4 * v));
            }
        }
    }
    for k in 0..kc {
        let bp = b.add(k * NR2);
        let b0 = _mm256_loadu_pd(bp);
        let b1 = _mm256_loadu_pd(bp.add(4));
        let ap = a.add(k * MR2);
        for (i, row) in acc.iter_mut().enumerate() {
            let ai = _mm256_broadcast_sd(&*ap.add(i));
            row[0] = _mm256_fmadd_pd(ai, b0, row[0]);
            row[1] = _mm256_fmadd_pd(ai, b1, row[1]);
        }
    }
    let one = _mm256_set1_pd(1.0);
    match epilogue {
        Epilogue::Raw => {}
        Epilogue::Correlation { distance } => {
            let lo = _mm256_set1_pd(-1.0);
            for reg in acc.iter_mut().flatten() {
                // max(lo, v) and min(one, v) return v when v is NaN
                let c = _mm256_min_pd(one, _mm256_max_pd(lo, *reg));
                *reg = if distance { _mm256_sub_pd(one, c) } else { c };
            }
        }
        Epilogue::Euclidean { sq, similarity } => {
            let two = _mm256_set1_pd(2.0);
            let zero = _mm256_setzero_pd();
            let sqj = [_mm256_loadu_pd(sq_j), _mm256_loadu_pd(sq_j.add(4))];
            for (i, row) in acc.iter_mut().enumerate() {
                let sqi = _mm256_set1_pd(*sq.as_ptr().add(i));
                for (reg, &sj) in row.iter_mut().zip(&sqj) {
                    let t = _mm256_sub_pd(_mm256_add_pd(sqi, sj), _mm256_mul_pd(two, *reg));
                    // max(t, zero) is zero for a NaN t, as f64::max is
                    let d = _mm256_sqrt_pd(_mm256_max_pd(t, zero));
                    *reg = if similarity {
                        _mm256_div_pd(one, _mm256_add_pd(one, d))
                    } else {
                        d
                    };
                }
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, reg) in row.iter().enumerate() {
            _mm256_storeu_pd(c.add(i * ldc + 4 * v), *reg);
        }
    }
}

/// The 8 × 24 block `C = A·Bᵀ` (or `C += A·Bᵀ` with `accumulate`) over `kc`
/// columns: `a` is a panel of 8 rows (8 values per column), `b` one of 24.
/// Accumulating continues each entry's fused multiply-add chain exactly
/// where the previous columns left it. The epilogue is applied in registers
/// before the store (the same IEEE operations as [`Epilogue::apply`]; the
/// maximum and minimum keep NaN, as `f64::clamp` does).
///
/// # Safety
/// AVX-512F must be available; `a` must hold `8·kc`, `b` `24·kc` values and
/// `c` 8 rows of 24 values at row stride `ldc`; with a Euclidean epilogue its
/// `sq` must hold 8 values and `sq_j` 24.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx512(
    kc: usize,
    a: *const f64,
    b: *const f64,
    c: *mut f64,
    ldc: usize,
    accumulate: bool,
    epilogue: Epilogue<'_, f64>,
    sq_j: *const f64,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_pd(); 3]; MR];
    if accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            for (v, reg) in row.iter_mut().enumerate() {
                *reg = _mm512_loadu_pd(c.add(i * ldc + 8 * v));
            }
        }
    }
    for k in 0..kc {
        let bp = b.add(k * NR);
        let b0 = _mm512_loadu_pd(bp);
        let b1 = _mm512_loadu_pd(bp.add(8));
        let b2 = _mm512_loadu_pd(bp.add(16));
        let ap = a.add(k * MR);
        for (i, row) in acc.iter_mut().enumerate() {
            let ai = _mm512_set1_pd(*ap.add(i));
            row[0] = _mm512_fmadd_pd(ai, b0, row[0]);
            row[1] = _mm512_fmadd_pd(ai, b1, row[1]);
            row[2] = _mm512_fmadd_pd(ai, b2, row[2]);
        }
    }
    let one = _mm512_set1_pd(1.0);
    match epilogue {
        Epilogue::Raw => {}
        Epilogue::Correlation { distance } => {
            let lo = _mm512_set1_pd(-1.0);
            for reg in acc.iter_mut().flatten() {
                // max(lo, v) and min(one, v) return v when v is NaN
                let c = _mm512_min_pd(one, _mm512_max_pd(lo, *reg));
                *reg = if distance { _mm512_sub_pd(one, c) } else { c };
            }
        }
        Epilogue::Euclidean { sq, similarity } => {
            let two = _mm512_set1_pd(2.0);
            let zero = _mm512_setzero_pd();
            let sqj = [
                _mm512_loadu_pd(sq_j),
                _mm512_loadu_pd(sq_j.add(8)),
                _mm512_loadu_pd(sq_j.add(16)),
            ];
            for (i, row) in acc.iter_mut().enumerate() {
                let sqi = _mm512_set1_pd(*sq.as_ptr().add(i));
                for (reg, &sj) in row.iter_mut().zip(&sqj) {
                    let t = _mm512_sub_pd(_mm512_add_pd(sqi, sj), _mm512_mul_pd(two, *reg));
                    // max(t, zero) is zero for a NaN t, as f64::max is
                    let d = _mm512_sqrt_pd(_mm512_max_pd(t, zero));
                    *reg = if similarity {
                        _mm512_div_pd(one, _mm512_add_pd(one, d))
                    } else {
                        d
                    };
                }
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, reg) in row.iter().enumerate() {
            _mm512_storeu_pd(c.add(i * ldc + 8 * v), *reg);
        }
    }
}

/// [`kernel_avx2`] in `f32`: a 6 × 16 block, each row two ymm vectors of 8
/// values (the same 12 accumulators, 2 right-factor registers and one
/// broadcast), so one instruction does twice the work.
///
/// # Safety
/// AVX2 and FMA must be available; `a` must hold `6·kc`, `b` `16·kc` values
/// and `c` 6 rows of 16 values at row stride `ldc`; with a Euclidean
/// epilogue its `sq` must hold 6 values and `sq_j` 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx2_f32(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
    epilogue: Epilogue<'_, f32>,
    sq_j: *const f32,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm256_setzero_ps(); 2]; MR2];
    if accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            for (v, reg) in row.iter_mut().enumerate() {
                *reg = _mm256_loadu_ps(c.add(i * ldc + 8 * v));
            }
        }
    }
    for k in 0..kc {
        let bp = b.add(k * NR2_F32);
        let b0 = _mm256_loadu_ps(bp);
        let b1 = _mm256_loadu_ps(bp.add(8));
        let ap = a.add(k * MR2);
        for (i, row) in acc.iter_mut().enumerate() {
            let ai = _mm256_broadcast_ss(&*ap.add(i));
            row[0] = _mm256_fmadd_ps(ai, b0, row[0]);
            row[1] = _mm256_fmadd_ps(ai, b1, row[1]);
        }
    }
    let one = _mm256_set1_ps(1.0);
    match epilogue {
        Epilogue::Raw => {}
        Epilogue::Correlation { distance } => {
            let lo = _mm256_set1_ps(-1.0);
            for reg in acc.iter_mut().flatten() {
                // max(lo, v) and min(one, v) return v when v is NaN
                let c = _mm256_min_ps(one, _mm256_max_ps(lo, *reg));
                *reg = if distance { _mm256_sub_ps(one, c) } else { c };
            }
        }
        Epilogue::Euclidean { sq, similarity } => {
            let two = _mm256_set1_ps(2.0);
            let zero = _mm256_setzero_ps();
            let sqj = [_mm256_loadu_ps(sq_j), _mm256_loadu_ps(sq_j.add(8))];
            for (i, row) in acc.iter_mut().enumerate() {
                let sqi = _mm256_set1_ps(*sq.as_ptr().add(i));
                for (reg, &sj) in row.iter_mut().zip(&sqj) {
                    let t = _mm256_sub_ps(_mm256_add_ps(sqi, sj), _mm256_mul_ps(two, *reg));
                    // max(t, zero) is zero for a NaN t, as f32::max is
                    let d = _mm256_sqrt_ps(_mm256_max_ps(t, zero));
                    *reg = if similarity {
                        _mm256_div_ps(one, _mm256_add_ps(one, d))
                    } else {
                        d
                    };
                }
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, reg) in row.iter().enumerate() {
            _mm256_storeu_ps(c.add(i * ldc + 8 * v), *reg);
        }
    }
}

/// [`kernel_avx512`] in `f32`: an 8 × 48 block, each row three zmm vectors
/// of 16 values.
///
/// # Safety
/// AVX-512F must be available; `a` must hold `8·kc`, `b` `48·kc` values and
/// `c` 8 rows of 48 values at row stride `ldc`; with a Euclidean epilogue
/// its `sq` must hold 8 values and `sq_j` 48.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx512_f32(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
    epilogue: Epilogue<'_, f32>,
    sq_j: *const f32,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 3]; MR];
    if accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            for (v, reg) in row.iter_mut().enumerate() {
                *reg = _mm512_loadu_ps(c.add(i * ldc + 16 * v));
            }
        }
    }
    for k in 0..kc {
        let bp = b.add(k * NR_F32);
        let b0 = _mm512_loadu_ps(bp);
        let b1 = _mm512_loadu_ps(bp.add(16));
        let b2 = _mm512_loadu_ps(bp.add(32));
        let ap = a.add(k * MR);
        for (i, row) in acc.iter_mut().enumerate() {
            let ai = _mm512_set1_ps(*ap.add(i));
            row[0] = _mm512_fmadd_ps(ai, b0, row[0]);
            row[1] = _mm512_fmadd_ps(ai, b1, row[1]);
            row[2] = _mm512_fmadd_ps(ai, b2, row[2]);
        }
    }
    let one = _mm512_set1_ps(1.0);
    match epilogue {
        Epilogue::Raw => {}
        Epilogue::Correlation { distance } => {
            let lo = _mm512_set1_ps(-1.0);
            for reg in acc.iter_mut().flatten() {
                // max(lo, v) and min(one, v) return v when v is NaN
                let c = _mm512_min_ps(one, _mm512_max_ps(lo, *reg));
                *reg = if distance { _mm512_sub_ps(one, c) } else { c };
            }
        }
        Epilogue::Euclidean { sq, similarity } => {
            let two = _mm512_set1_ps(2.0);
            let zero = _mm512_setzero_ps();
            let sqj = [
                _mm512_loadu_ps(sq_j),
                _mm512_loadu_ps(sq_j.add(16)),
                _mm512_loadu_ps(sq_j.add(32)),
            ];
            for (i, row) in acc.iter_mut().enumerate() {
                let sqi = _mm512_set1_ps(*sq.as_ptr().add(i));
                for (reg, &sj) in row.iter_mut().zip(&sqj) {
                    let t = _mm512_sub_ps(_mm512_add_ps(sqi, sj), _mm512_mul_ps(two, *reg));
                    // max(t, zero) is zero for a NaN t, as f32::max is
                    let d = _mm512_sqrt_ps(_mm512_max_ps(t, zero));
                    *reg = if similarity {
                        _mm512_div_ps(one, _mm512_add_ps(one, d))
                    } else {
                        d
                    };
                }
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, reg) in row.iter().enumerate() {
            _mm512_storeu_ps(c.add(i * ldc + 16 * v), *reg);
        }
    }
}

/// The output, shared by the tiles: each writes only its own block and the
/// transposed block, which no other tile touches.
struct SharedOut<T> {
    ptr: *mut T,
    n: usize,
    /// The instruction set the writes use (the kernels' path when the CPU
    /// has it, plain stores otherwise).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    writes: Option<SimdPath>,
}

// SAFETY: tiles write disjoint entries (see `tiled_symmetric`), and the
// buffer outlives the parallel loop that uses it.
unsafe impl<T: Send> Send for SharedOut<T> {}
// SAFETY: as for Send: shared between the tiles, which write disjoint
// entries only.
unsafe impl<T: Send> Sync for SharedOut<T> {}

impl<T: MatrixElement> SharedOut<T> {
    /// Writes the tile at rows `i0..`, columns `j0..` from `buf` (row stride
    /// `ld`), and unless it is on the diagonal its transpose at rows `j0..`,
    /// columns `i0..`.
    ///
    /// # Safety
    /// The blocks must lie inside the n × n output, no other thread may
    /// touch them meanwhile, and `buf` must hold `rows` rows of `ld ≥ cols`.
    unsafe fn write_tile<S: Real>(
        &self,
        (i0, rows): (usize, usize),
        (j0, cols): (usize, usize),
        buf: &[S],
        ld: usize,
    ) {
        let n = self.n;
        #[cfg(target_arch = "x86_64")]
        if let Some(buf) = S::as_f64(buf) {
            match self.writes {
                Some(SimdPath::Avx512) => {
                    // SAFETY: as for the caller; `writes` names AVX-512 only
                    // where AVX-512F is available.
                    unsafe { self.write_tile_avx512((i0, rows), (j0, cols), buf, ld) };
                    return;
                }
                Some(SimdPath::Avx2) => {
                    // SAFETY: as for the caller; `writes` names AVX2 only
                    // where AVX2 and FMA are available.
                    unsafe { self.write_tile_avx2((i0, rows), (j0, cols), buf, ld) };
                    return;
                }
                _ => {}
            }
        }
        for a in 0..rows {
            let dst = std::slice::from_raw_parts_mut(self.ptr.add((i0 + a) * n + j0), cols);
            for (d, &v) in dst.iter_mut().zip(&buf[a * ld..a * ld + cols]) {
                *d = T::from_f64(v.to_f64());
            }
        }
        if i0 == j0 {
            return;
        }
        // the transpose, 8 source rows at a time: each destination row gets
        // 8 values from 8 buffer rows that stay in L1
        for a0 in (0..rows).step_by(8) {
            let a1 = (a0 + 8).min(rows);
            for b in 0..cols {
                let dst =
                    std::slice::from_raw_parts_mut(self.ptr.add((j0 + b) * n + i0 + a0), a1 - a0);
                for (d, a) in dst.iter_mut().zip(a0..a1) {
                    *d = T::from_f64(buf[a * ld + b].to_f64());
                }
            }
        }
    }

    /// [`SharedOut::write_tile`] with AVX-512: vectors of 8 values, stored
    /// with non-temporal stores where the destination is aligned (the
    /// output is far larger than the caches and written once: streaming
    /// stores skip reading each line before overwriting it), the transpose
    /// by gathers of 8 values down a buffer column.
    ///
    /// # Safety
    /// As [`SharedOut::write_tile`], with AVX-512F available.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn write_tile_avx512(
        &self,
        (i0, rows): (usize, usize),
        (j0, cols): (usize, usize),
        buf: &[f64],
        ld: usize,
    ) {
        use std::arch::x86_64::*;
        let n = self.n;
        let src = buf.as_ptr();
        for a in 0..rows {
            let dst = self.ptr.add((i0 + a) * n + j0);
            let row = src.add(a * ld);
            // scalar up to the first 64-byte boundary, then whole vectors
            let head = (dst.align_offset(64)).min(cols);
            for b in 0..head {
                *dst.add(b) = T::from_f64(*row.add(b));
            }
            let mut b = head;
            while b + 8 <= cols {
                store8::<T>(dst.add(b), _mm512_loadu_pd(row.add(b)));
                b += 8;
            }
            for b in b..cols {
                *dst.add(b) = T::from_f64(*row.add(b));
            }
        }
        if i0 != j0 {
            let step = ld as i64;
            let idx = _mm512_setr_epi64(
                0,
                step,
                2 * step,
                3 * step,
                4 * step,
                5 * step,
                6 * step,
                7 * step,
            );
            let whole = rows - rows % 8;
            for a0 in (0..whole).step_by(8) {
                let col0 = src.add(a0 * ld);
                for b in 0..cols {
                    let v = _mm512_i64gather_pd::<8>(idx, col0.add(b));
                    store8::<T>(self.ptr.add((j0 + b) * n + i0 + a0), v);
                }
            }
            for a in whole..rows {
                for b in 0..cols {
                    *self.ptr.add((j0 + b) * n + i0 + a) = T::from_f64(*src.add(a * ld + b));
                }
            }
        }
        // streaming stores are weakly ordered: complete them before the
        // tile counts as written
        _mm_sfence();
    }

    /// [`SharedOut::write_tile`] with AVX2: vectors of 4 values, stored with
    /// non-temporal stores where the destination is aligned (as
    /// [`SharedOut::write_tile_avx512`]: the output is written once and is
    /// far larger than the caches, so a plain store would first read each
    /// line it overwrites). The transpose goes by 8 × 4 blocks of the
    /// buffer, turned in registers (two 4 × 4 transposes) into 4
    /// destination rows of 8 values, one whole cache line each when the
    /// output's rows are.
    ///
    /// # Safety
    /// As [`SharedOut::write_tile`], with AVX2 available.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn write_tile_avx2(
        &self,
        (i0, rows): (usize, usize),
        (j0, cols): (usize, usize),
        buf: &[f64],
        ld: usize,
    ) {
        use std::arch::x86_64::*;
        let n = self.n;
        let src = buf.as_ptr();
        for a in 0..rows {
            let dst = self.ptr.add((i0 + a) * n + j0);
            let row = src.add(a * ld);
            // scalar up to the first 32-byte boundary, then whole vectors
            let head = (dst.align_offset(32)).min(cols);
            for b in 0..head {
                *dst.add(b) = T::from_f64(*row.add(b));
            }
            let mut b = head;
            while b + 4 <= cols {
                store4::<T>(dst.add(b), _mm256_loadu_pd(row.add(b)));
                b += 4;
            }
            for b in b..cols {
                *dst.add(b) = T::from_f64(*row.add(b));
            }
        }
        if i0 != j0 {
            let rows8 = rows - rows % 8;
            let cols4 = cols - cols % 4;
            for b0 in (0..cols4).step_by(4) {
                for a0 in (0..rows8).step_by(8) {
                    let blk = src.add(a0 * ld + b0);
                    let upper = transpose4(
                        _mm256_loadu_pd(blk),
                        _mm256_loadu_pd(blk.add(ld)),
                        _mm256_loadu_pd(blk.add(2 * ld)),
                        _mm256_loadu_pd(blk.add(3 * ld)),
                    );
                    let blk = blk.add(4 * ld);
                    let lower = transpose4(
                        _mm256_loadu_pd(blk),
                        _mm256_loadu_pd(blk.add(ld)),
                        _mm256_loadu_pd(blk.add(2 * ld)),
                        _mm256_loadu_pd(blk.add(3 * ld)),
                    );
                    for (c, (&u, &l)) in upper.iter().zip(&lower).enumerate() {
                        let dst = self.ptr.add((j0 + b0 + c) * n + i0 + a0);
                        store4::<T>(dst, u);
                        store4::<T>(dst.add(4), l);
                    }
                }
            }
            // the edges: rows past the last 8, columns past the last 4
            for b in 0..cols {
                let first = if b < cols4 { rows8 } else { 0 };
                for a in first..rows {
                    *self.ptr.add((j0 + b) * n + i0 + a) = T::from_f64(*src.add(a * ld + b));
                }
            }
        }
        // streaming stores are weakly ordered: complete them before the
        // tile counts as written
        _mm_sfence();
    }
}

/// Stores 4 values at `dst` as `T`: streaming when `dst` is aligned to the
/// store's width, a plain store otherwise.
///
/// # Safety
/// AVX; `dst` valid for 4 values of `T`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn store4<T: MatrixElement>(dst: *mut T, v: std::arch::x86_64::__m256d) {
    use std::arch::x86_64::*;
    if T::SINGLE {
        let d = dst.cast::<f32>();
        let w = _mm256_cvtpd_ps(v);
        if d.align_offset(16) == 0 {
            _mm_stream_ps(d, w);
        } else {
            _mm_storeu_ps(d, w);
        }
    } else {
        let d = dst.cast::<f64>();
        if d.align_offset(32) == 0 {
            _mm256_stream_pd(d, v);
        } else {
            _mm256_storeu_pd(d, v);
        }
    }
}

/// The 4 × 4 transpose of the rows `r0..r3`: element `j` of row `i` becomes
/// element `i` of row `j`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn transpose4(
    r0: std::arch::x86_64::__m256d,
    r1: std::arch::x86_64::__m256d,
    r2: std::arch::x86_64::__m256d,
    r3: std::arch::x86_64::__m256d,
) -> [std::arch::x86_64::__m256d; 4] {
    use std::arch::x86_64::*;
    // pairs within each 128-bit half, then the halves swapped across
    let t0 = _mm256_unpacklo_pd(r0, r1);
    let t1 = _mm256_unpackhi_pd(r0, r1);
    let t2 = _mm256_unpacklo_pd(r2, r3);
    let t3 = _mm256_unpackhi_pd(r2, r3);
    [
        _mm256_permute2f128_pd::<0x20>(t0, t2),
        _mm256_permute2f128_pd::<0x20>(t1, t3),
        _mm256_permute2f128_pd::<0x31>(t0, t2),
        _mm256_permute2f128_pd::<0x31>(t1, t3),
    ]
}

/// Stores 8 values at `dst` as `T`: streaming when `dst` is aligned to the
/// store's width, a plain store otherwise.
///
/// # Safety
/// AVX-512F; `dst` valid for 8 values of `T`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store8<T: MatrixElement>(dst: *mut T, v: std::arch::x86_64::__m512d) {
    use std::arch::x86_64::*;
    if T::SINGLE {
        let d = dst.cast::<f32>();
        let w = _mm512_cvtpd_ps(v);
        if d.align_offset(32) == 0 {
            _mm256_stream_ps(d, w);
        } else {
            _mm256_storeu_ps(d, w);
        }
    } else {
        let d = dst.cast::<f64>();
        if d.align_offset(64) == 0 {
            _mm512_stream_pd(d, v);
        } else {
            _mm512_storeu_pd(d, v);
        }
    }
}

/// The side of the tiles [`tiled_symmetric`] makes when asked for `tile`:
/// a multiple of both kernel block sizes.
pub(crate) fn tile_side<S: Real>(tile: usize) -> usize {
    tile.max(1).div_ceil(S::BLOCK_LCM) * S::BLOCK_LCM
}

/// Fills the n × n row-major `out` tile by tile over the upper triangle.
///
/// For each tile (rows `i0..i0+rows`, columns `j0..j0+cols`, `i0 ≤ j0`),
/// every pair `(a, b)` of `products` is multiplied into its own buffer
/// (`a[i0..]·b[j0..]ᵀ`, row stride `tile`; the first with `epilogue`
/// applied), `scratch` more buffers follow them (for sums `finish` makes
/// itself), then `finish` turns the buffers into the metric's values in the
/// first one; the tile is written with its transpose. Tiles on the diagonal
/// are made exactly symmetric from their upper part.
#[allow(clippy::too_many_arguments)]
pub(crate) fn tiled_symmetric<T, S, F>(
    n: usize,
    tile: usize,
    products: &[(&Operand<'_, S>, &Operand<'_, S>)],
    scratch: usize,
    epilogue: Epilogue<'_, S>,
    out: &mut [T],
    control: &super::Control,
    finish: F,
) where
    T: MatrixElement,
    S: Real,
    F: Fn((usize, usize), (usize, usize), &mut [Aligned<S>], usize) + Sync,
{
    if n == 0 || products.is_empty() {
        return;
    }
    // every caller passes an n × n matrix: anything else is a bug here, and
    // the writes below rely on it
    assert!(
        n.checked_mul(n).is_some_and(|len| out.len() >= len),
        "tiled_symmetric: output of {} values for n = {n}",
        out.len()
    );
    debug_assert!(tile > 0, "tile size 0");
    let tile = tile_side::<S>(tile);
    let blocks = n.div_ceil(tile);
    let tiles: Vec<(usize, usize)> = (0..blocks)
        .flat_map(|bi| (bi..blocks).map(move |bj| (bi, bj)))
        .collect();
    // SIMD writes go with the SIMD kernels, when every product is packed
    // for one path (of f64 buffers: write_tile writes f32 buffers value by
    // value)
    let writes = products.first().and_then(|(a, _)| a.path).filter(|&p| {
        p != SimdPath::Portable
            && p.is_available()
            && products
                .iter()
                .all(|(a, b)| a.path == Some(p) && b.path == Some(p))
    });
    let shared = SharedOut {
        ptr: out.as_mut_ptr(),
        n,
        writes,
    };
    let shared = &shared;
    control.start(tiles.len());
    tiles.par_iter().for_each_init(
        || {
            (0..products.len() + scratch)
                .map(|_| Aligned::zeroed(tile * tile))
                .collect::<Vec<_>>()
        },
        |bufs, &(bi, bj)| {
            if control.cancelled() {
                return;
            }
            let (i0, j0) = (bi * tile, bj * tile);
            let rows = tile.min(n - i0);
            let cols = tile.min(n - j0);
            for (p, (buf, (a, b))) in bufs.iter_mut().zip(products).enumerate() {
                let epi = if p == 0 { epilogue } else { Epilogue::Raw };
                product(a, b, (i0, rows), (j0, cols), buf, tile, epi);
            }
            finish((i0, rows), (j0, cols), bufs, tile);
            let buf = &mut bufs[0];
            if bi == bj {
                for a in 0..rows {
                    for b in 0..a {
                        buf[a * tile + b] = buf[b * tile + a];
                    }
                }
            }
            // SAFETY: the tiles (bi ≤ bj) are distinct pairs of blocks, and
            // tile (bi, bj) alone writes blocks (bi, bj) and (bj, bi), both
            // inside the n × n output (rows and cols are clipped to n).
            unsafe { shared.write_tile((i0, rows), (j0, cols), buf, tile) };
            control.advance(1);
        },
    );
}

/// The full matrix of a dense product: rows already normalised (or
/// centred), one product per tile, finished in the kernel by `epilogue`.
pub(crate) fn dense_symmetric<T: MatrixElement, S: Real>(
    z: &Array2<S>,
    path: SimdPath,
    tile: usize,
    epilogue: Epilogue<'_, S>,
    out: &mut [T],
    control: &super::Control,
) {
    let op = Operand::new(z.view(), path);
    tiled_symmetric(
        z.nrows(),
        tile,
        &[(&op, &op)],
        0,
        epilogue,
        out,
        control,
        |_, _, _, _| {},
    );
}

/// Squared norms zero-padded to whole panels, for [`Epilogue::Euclidean`]:
/// summed in `f64` and rounded once to `S`.
pub(crate) fn padded_norms<S: Real>(z: &Array2<f64>) -> Vec<S> {
    let mut sq: Vec<S> = z
        .rows()
        .into_iter()
        .map(|r| S::from_f64(r.dot(&r)))
        .collect();
    let whole = MR * NR_F32;
    sq.resize(z.nrows().div_ceil(whole) * whole, S::zero());
    sq
}

/// Runs `f` in a function compiled for `path`'s instruction set, so that
/// loops in `f` (inlined into it) are vectorised with that path's vectors:
/// the branch-free finishing loops of the pairwise-complete tiles.
#[inline]
pub(crate) fn vectorised<R>(path: SimdPath, f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn on_avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        #[target_feature(enable = "avx2,fma")]
        fn on_avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        match path {
            SimdPath::Avx512 if path.is_available() => {
                // SAFETY: the CPU has AVX-512F.
                return unsafe { on_avx512(f) };
            }
            SimdPath::Avx2 if path.is_available() => {
                // SAFETY: the CPU has AVX2 and FMA.
                return unsafe { on_avx2(f) };
            }
            _ => {}
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = path;
    f()
}

/// A loop nest to compile once per instruction set ([`multiversion`]); its
/// `run` is `#[inline(always)]` so that it is compiled inside the
/// path's function, whatever its size.
pub(crate) trait Kernel {
    type Output;
    fn run(self) -> Self::Output;
}

/// Runs `kernel` compiled for `path`'s instruction set (as [`vectorised`],
/// for loop nests too large for LLVM to inline on its own).
#[inline]
pub(crate) fn multiversion<K: Kernel>(path: SimdPath, kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,popcnt")]
        fn on_avx512<K: Kernel>(kernel: K) -> K::Output {
            kernel.run()
        }
        #[target_feature(enable = "avx2,fma,popcnt")]
        fn on_avx2<K: Kernel>(kernel: K) -> K::Output {
            kernel.run()
        }
        match path {
            SimdPath::Avx512 if path.is_available() => {
                // SAFETY: the CPU has AVX-512F and popcnt (`is_available`).
                return unsafe { on_avx512(kernel) };
            }
            SimdPath::Avx2 if path.is_available() => {
                // SAFETY: the CPU has AVX2, FMA and popcnt (`is_available`).
                return unsafe { on_avx2(kernel) };
            }
            _ => {}
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = path;
    kernel.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn data(n: usize, k: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        Array2::from_shape_fn((n, k), |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
    }

    /// `rows` packed for every path this CPU has, then unpacked
    /// (`matrixmultiply`); the paths it lacks are reported, not tested.
    fn every_kernel(rows: &Array2<f64>) -> Vec<(&'static str, Operand<'_>)> {
        let mut ops: Vec<_> = SimdPath::ALL
            .into_iter()
            .filter(|p| {
                let ok = p.is_available();
                if !ok {
                    eprintln!("skipped: this CPU cannot run the {p} kernel");
                }
                ok
            })
            .map(|p| (p.name(), Operand::new(rows.view(), p)))
            .collect();
        ops.push(("matrixmultiply", Operand::unpacked(rows.view())));
        ops
    }

    /// Every tile, edge and K-block of the products equals the plain
    /// product (and the matrix is exactly symmetric).
    #[test]
    fn tiled_products_match_the_plain_product() {
        let shapes = [
            (1, 3),
            (25, 0),
            (50, 7),
            (211, 40),
            (100, 300),
            (97, 513),
            (97, 1),
            (193, 17),
            (192, 8),
            (2, 257),
        ];
        // every kernel the CPU has, and matrixmultiply
        for &(n, k) in &shapes {
            let z = data(n, k, (n * 1000 + k) as u64);
            let want = z.dot(&z.t());
            for (name, op) in every_kernel(&z) {
                let mut out = vec![f64::NAN; n * n];
                tiled_symmetric(
                    n,
                    48,
                    &[(&op, &op)],
                    0,
                    Epilogue::Raw,
                    &mut out,
                    &super::super::Control::default(),
                    |_, _, _, _| {},
                );
                for i in 0..n {
                    for j in 0..n {
                        let (got, w) = (out[i * n + j], want[[i, j]]);
                        assert!(
                            (got - w).abs() <= 1e-12 * (1.0 + w.abs()),
                            "{name} {n}×{k} at ({i},{j})"
                        );
                        assert_eq!(got.to_bits(), out[j * n + i].to_bits());
                    }
                }
            }
        }
    }

    /// Products of two different operands (the pairwise-complete sums),
    /// through the packed kernel (where the CPU has it) and through
    /// `matrixmultiply`.
    #[test]
    fn mixed_products_match_the_plain_product() {
        let (n, k) = (130, 29);
        let a = data(n, k, 1);
        let b = data(n, k, 2);
        let want = a.dot(&b.t());
        for ((name, pa), (_, pb)) in every_kernel(&a).into_iter().zip(every_kernel(&b)) {
            let mut out = vec![0.0f64; n * n];
            tiled_symmetric(
                n,
                24,
                &[(&pa, &pb)],
                0,
                Epilogue::Raw,
                &mut out,
                &super::super::Control::default(),
                |_, _, _, _| {},
            );
            for i in 0..n {
                for j in i..n {
                    assert!((out[i * n + j] - want[[i, j]]).abs() < 1e-12, "{name}");
                    assert_eq!(out[i * n + j].to_bits(), out[j * n + i].to_bits());
                }
            }
            // the f32 writes (streamed or not) round the same values
            let mut narrow = vec![0.0f32; n * n];
            let pair = [(&pa, &pb)];
            let ctl = super::super::Control::default();
            tiled_symmetric(
                n,
                24,
                &pair,
                0,
                Epilogue::Raw,
                &mut narrow,
                &ctl,
                |_, _, _, _| {},
            );
            assert!(out.iter().zip(&narrow).all(|(&w, &s)| w as f32 == s));
        }
    }

    /// The epilogues give the same values in the kernel's registers as
    /// entry by entry after `matrixmultiply`, NaN included.
    #[test]
    fn epilogues_agree_between_the_kernel_and_the_fallback() {
        let (n, k) = (77, 13);
        let mut z = data(n, k, 4);
        z.row_mut(5).fill(f64::NAN);
        let sq = padded_norms(&z);
        let epilogues = [
            Epilogue::Correlation { distance: false },
            Epilogue::Correlation { distance: true },
            Epilogue::Euclidean {
                sq: &sq,
                similarity: false,
            },
            Epilogue::Euclidean {
                sq: &sq,
                similarity: true,
            },
        ];
        for epilogue in epilogues {
            let mut got = Vec::new();
            for (name, op) in every_kernel(&z) {
                let mut out = vec![0.0f64; n * n];
                let ctl = super::super::Control::default();
                tiled_symmetric(
                    n,
                    24,
                    &[(&op, &op)],
                    0,
                    epilogue,
                    &mut out,
                    &ctl,
                    |_, _, _, _| {},
                );
                got.push((name, out));
            }
            // every kernel against matrixmultiply (the last)
            let Some(((_, reference), kernels)) = got.split_last() else {
                continue;
            };
            for (name, kernel) in kernels {
                for (e, (a, b)) in kernel.iter().zip(reference).enumerate() {
                    let (i, j) = (e / n, e % n);
                    assert_eq!(a.is_nan(), b.is_nan(), "{a} {b} at ({i},{j})");
                    // a NaN row (a constant row under Pearson) stays NaN; the
                    // Euclidean path never sees one (its rows are finite)
                    if matches!(epilogue, Epilogue::Correlation { .. }) {
                        assert_eq!(a.is_nan(), i == 5 || j == 5, "({i},{j})");
                    }
                    // a distance near zero is the square root of a cancelled
                    // sum: rounding of 1e-15 there (portable's separate multiply
                    // and add against fused ones) is 3e-8 of distance
                    let tol = match epilogue {
                        Epilogue::Euclidean { .. } => 1e-7,
                        _ => 1e-12,
                    };
                    assert!(
                        a.is_nan() || (a - b).abs() < tol,
                        "{name} {epilogue:?} at ({i},{j})"
                    );
                }
            }
        }
    }

    /// The FMA kernels' entries are each one fused multiply-add chain over
    /// the columns in order, bit for bit, however the product is blocked:
    /// passes of K (continued through the tile buffer), chunks of row
    /// panels, tiles, and the AVX2 writes with their transposes (rows and
    /// columns past whole vectors, rows of the output not aligned).
    #[test]
    fn fma_kernels_give_the_ordered_fused_chain() {
        for (n, k, tile) in [(250, 600, 192), (211, 1100, 48), (97, 513, 96)] {
            let z = data(n, k, (n + k) as u64);
            let chain = |i: usize, j: usize| {
                z.row(i)
                    .iter()
                    .zip(z.row(j))
                    .fold(0.0f64, |acc, (&a, &b)| a.mul_add(b, acc))
            };
            for path in [SimdPath::Avx512, SimdPath::Avx2] {
                if !path.is_available() {
                    eprintln!("skipped: this CPU cannot run the {path} kernel");
                    continue;
                }
                let mut out = vec![f64::NAN; n * n];
                let ctl = super::super::Control::default();
                dense_symmetric(&z, path, tile, Epilogue::Raw, &mut out, &ctl);
                for i in 0..n {
                    for j in i..n {
                        let want = chain(i, j).to_bits();
                        assert_eq!(out[i * n + j].to_bits(), want, "{path} {n}×{k} ({i},{j})");
                        assert_eq!(out[j * n + i].to_bits(), want, "{path} {n}×{k} ({j},{i})");
                    }
                }
            }
        }
    }

    #[test]
    fn float32_output_is_the_rounded_float64_one() {
        let z = data(70, 11, 3);
        for path in SimdPath::available() {
            let mut wide = vec![0.0f64; 70 * 70];
            let mut narrow = vec![0.0f32; 70 * 70];
            let ctl = super::super::Control::default();
            dense_symmetric(&z, path, 24, Epilogue::Raw, &mut wide, &ctl);
            dense_symmetric(&z, path, 24, Epilogue::Raw, &mut narrow, &ctl);
            assert!(
                wide.iter().zip(&narrow).all(|(&w, &s)| w as f32 == s),
                "{path}"
            );
        }
    }
}
