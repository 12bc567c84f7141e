"""Similarity and distance of profiles (rows = entities, columns =
competences), NaN-aware, full matrix or streamed top-k neighbours."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import count, optional_number
from ._output import labelled_frame, returns_table
from ._progress import progress_bar as _progress
from ._provenance import Provenance, attach, read
from .errors import ConfigurationError

__all__ = ["distance", "simd_path", "similarity", "top_k"]


def simd_path() -> str:
    """The kernel path the similarity functions run on this machine.

    ``"avx512"`` (x86-64 with AVX-512F), ``"avx2"`` (AVX2 + FMA) or
    ``"portable"`` (any CPU): the best the CPU has, chosen once per process,
    unless the environment variable ``SKILLSMAP_SIMD`` (``avx512``,
    ``avx2``, ``portable`` or ``auto``) was set before the first call. A
    path the CPU cannot run, or an unknown name, is an error of every
    similarity call (raised here too), never a silent fallback.

    Returns
    -------
    str

    Raises
    ------
    ConfigurationError
        ``SKILLSMAP_SIMD`` names an unknown path or one this CPU lacks.

    See Also
    --------
    similarity, top_k : The calls that run on this path.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.simd_path() in ("avx512", "avx2", "portable")
    True
    """
    return _core.simd_path()


def _matrix(X: Any) -> tuple[np.ndarray, pd.Index | None]:
    X = labelled_frame(X)
    if isinstance(X, pd.DataFrame):
        values = X.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.ascontiguousarray(values), X.index
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigurationError(f"X must be 2-D (rows × columns), got shape {arr.shape}")
    return np.ascontiguousarray(arr), None


def _check(min_overlap: int) -> None:
    # The core checks the metric, the threshold's value, the dtype and a
    # min_overlap of 0; what cannot reach it (a float, a negative or huge
    # count) stops here.
    count("min_overlap", min_overlap, 0)


def _full(
    X: Any,
    metric: str,
    distance: bool,
    pairwise_complete: bool,
    min_overlap: int,
    dtype: str,
    threshold: float | None,
    progress: bool | None,
) -> Any:
    _check(min_overlap)
    threshold = optional_number("threshold", threshold)
    values, index = _matrix(X)
    n, k = values.shape
    with _progress(progress, n * n * max(k, 1) / 2, metric) as update:
        out = _core.similarity_matrix(
            values,
            metric=metric,
            threshold=threshold,
            distance=distance,
            pairwise_complete=pairwise_complete,
            min_overlap=int(min_overlap),
            dtype=dtype,
            progress=update,
        )
    if index is None:
        return out
    # the array is ours alone: wrap it (pandas would copy the N × N matrix)
    frame = pd.DataFrame(out, index=index, columns=index.copy(), copy=False)
    # where the profiles came from, and the display names of their labels
    prov = read(X)
    return attach(
        frame,
        Provenance(
            kind="distance" if distance else "similarity",
            framework=prov.framework,
            synthetic=prov.synthetic,
            source=prov.source,
            by=prov.by,
            group_names=prov.group_names,
            metric=metric,
        ),
    )


@returns_table
def similarity(
    X: Any,
    metric: str = "cosine",
    *,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    dtype: str = "float64",
    threshold: float | None = None,
    progress: bool | None = None,
) -> Any:
    """Similarity of every pair of rows (profiles).

    Parameters
    ----------
    X : DataFrame or 2-D array
        Rows are entities (regions, types, respondents, …), columns are
        competences; NaN is a missing value.
    metric : {"cosine", "pearson", "spearman", "euclidean", "manhattan", "jaccard"}
        Cosine, Pearson and Spearman (average ranks for ties) are
        similarities in [-1, 1]. Euclidean and Manhattan are distances d,
        turned into similarities ``1 / (1 + d)``; use :func:`distance` for
        the raw distances. Jaccard compares the sets of columns with values
        ``≥ threshold``.
    pairwise_complete : bool
        With NaN, each pair uses only the columns both rows answered (as
        ``DataFrame.corr``). If False, any NaN in a row makes its
        similarities NaN.
    min_overlap : int
        Pairs sharing fewer columns are NaN.
    dtype : {"float64", "float32"}
        Precision of the computation and of the result. With float32 the
        profiles are normalised (or centred) in float64, rounded once to
        float32, and the products, the clamp to [-1, 1] and ``1 - s`` run
        in float32 with kernels twice as wide (8 values per AVX2 register,
        16 per AVX-512 one): about twice as fast where the product
        dominates, half the memory. The error against float64 for K
        columns is at most ``4 * K * 2**-24`` for cosine and Pearson (the
        rounding of the unit rows, ``2u``; one fused multiply-add chain
        over the K columns, or multiply and add on the portable path,
        ``1.07 K u``; ``1 - s``, ``u``; with
        ``u = 2**-24`` and K ≤ 2**20), typically nearer ``sqrt(K) * u``.
        For Euclidean the bound holds for ``d**2`` relative to
        ``|x|**2 + |y|**2`` of the column-centred rows, so small distances
        between long rows lose digits. Data with missing values (the
        pairwise-complete path), Spearman on NaN, Manhattan and Jaccard are
        computed in float64 and rounded once as they are stored.
    threshold : float, optional
        Binarisation threshold, required for Jaccard.
    progress : bool, optional
        Show a tqdm progress bar (default: when tqdm is installed and the
        call is long). The call releases the GIL and stops on Ctrl-C
        (KeyboardInterrupt within a tile of work; no partial result).

    Returns
    -------
    DataFrame or numpy.ndarray
        Labelled with ``X``'s index on both axes, or an array for an array
        input. Symmetric; 1 on the diagonal except for rows with no defined
        similarity (e.g. a constant profile under Pearson). The DataFrame's
        provenance names the metric and keeps the display names and
        synthetic flag of ``X``'s.

    Raises
    ------
    ConfigurationError
        For an unknown metric, Jaccard without ``threshold``, or a bad
        ``min_overlap`` or ``dtype``.

    See Also
    --------
    distance : The distances themselves.
    top_k : The nearest rows only, in O(N·k) memory.
    Survey.profiles : Entity × competence profiles to compare.
    skillsmap.plot.similarity_clustermap : Draw the matrix with its dendrogram.

    Examples
    --------
    >>> import skillsmap as sm
    >>> prof = sm.demo_survey(600, seed=0).profiles(by="region")
    >>> s = sm.similarity(prof, "pearson")
    >>> s.shape, bool((s.to_numpy().diagonal() == 1).all())
    ((6, 6), True)
    """
    return _full(X, metric, False, pairwise_complete, min_overlap, dtype, threshold, progress)


@returns_table
def distance(
    X: Any,
    metric: str = "euclidean",
    *,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    dtype: str = "float64",
    threshold: float | None = None,
    progress: bool | None = None,
) -> Any:
    """Distance between every pair of rows: Euclidean and Manhattan as
    such, ``1 − s`` for cosine, Pearson, Spearman and Jaccard (the
    conventions of ``scipy.spatial.distance``).

    Parameters
    ----------
    X : DataFrame or 2-D array
        Rows are entities, columns are competences; NaN is a missing value.
    metric : {"euclidean", "manhattan", "cosine", "pearson", "spearman", "jaccard"}
        As in :func:`similarity`.
    pairwise_complete : bool
        With NaN, each pair uses only the columns both rows answered.
    min_overlap : int
        Pairs sharing fewer columns are NaN.
    dtype : {"float64", "float32"}
        Precision of the computation and of the result; float32 computes
        in single precision, with the error bound given in
        :func:`similarity` (``1 - s`` included in it).
    threshold : float, optional
        Binarisation threshold, required for Jaccard.
    progress : bool, optional
        A tqdm bar; default: when tqdm is installed and the call is long.

    Returns
    -------
    DataFrame or numpy.ndarray
        Symmetric, 0 on the diagonal, labelled with ``X``'s index on both
        axes (an array for an array input).

    Raises
    ------
    ConfigurationError
        For an unknown metric or a bad option.

    See Also
    --------
    similarity : Similarities in [-1, 1], or 1 / (1 + d) for distances.

    Examples
    --------
    >>> import numpy as np, skillsmap as sm
    >>> sm.distance(np.array([[0.0, 0.0], [3.0, 4.0]]))
    array([[0., 5.],
           [5., 0.]])
    """
    return _full(X, metric, True, pairwise_complete, min_overlap, dtype, threshold, progress)


@returns_table
def top_k(
    X: Any,
    k: int = 10,
    metric: str = "cosine",
    *,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    dtype: str = "float64",
    threshold: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The ``k`` most similar other rows of every row, streamed in blocks so
    that memory stays O(N·k) even for hundreds of thousands of rows.

    Complete data take one tiled product over the upper triangle: each
    tile's neighbours are selected while the tile is in cache, no row of the
    N × N matrix is ever held. Ctrl-C stops the call.

    Parameters
    ----------
    X : DataFrame or 2-D array
        Rows are entities (often respondents), columns are competences; NaN
        is a missing value.
    k : int
        Neighbours per row.
    metric : {"cosine", "pearson", "spearman", "euclidean", "manhattan", "jaccard"}
        As in :func:`similarity`.
    pairwise_complete : bool
        With NaN, each pair uses only the columns both rows answered.
    min_overlap : int
        Pairs sharing fewer columns are left out.
    dtype : {"float64", "float32"}
        Precision of the products and of the ``similarity`` column. float32
        computes complete data in single precision, within
        ``4 * K * 2**-24`` of float64 for cosine and Pearson (see
        :func:`similarity`), about twice as fast: the neighbours are those
        of float64 except where two candidates' similarities lie within
        that bound of each other. Data with missing values are computed in
        float64 and the scores rounded. Memory stays O(N·k) either way.
    threshold : float, optional
        Binarisation threshold, required for Jaccard.
    progress : bool, optional
        A tqdm bar; default: when tqdm is installed and the call is long.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target`` (X's index labels, or row positions for
        an array) and ``similarity`` (as in :func:`similarity`), sorted by
        source and then similarity descending; a row is never its own
        neighbour; pairs with undefined similarity are left out.

    Raises
    ------
    ConfigurationError
        For ``k < 1``, an unknown metric or a bad option.

    See Also
    --------
    similarity : The full matrix, for a few hundred rows.

    Examples
    --------
    >>> import skillsmap as sm
    >>> prof = sm.demo_survey(600, seed=0).profiles(by="region")
    >>> sm.top_k(prof, k=2).groupby("source").size().tolist()
    [2, 2, 2, 2, 2, 2]
    """
    k = count("k", k, 1)
    _check(min_overlap)
    threshold = optional_number("threshold", threshold)
    values, index = _matrix(X)
    n, dim = values.shape
    with _progress(progress, n * n * max(dim, 1) / 2, f"top-{k} {metric}") as update:
        res = _core.top_k(
            values,
            int(k),
            metric=metric,
            threshold=threshold,
            distance=False,
            pairwise_complete=pairwise_complete,
            min_overlap=int(min_overlap),
            dtype=dtype,
            progress=update,
        )
    source, target = res["source"].astype(np.int64), res["target"].astype(np.int64)
    if index is not None:
        return pd.DataFrame(
            {"source": index[source], "target": index[target], "similarity": res["score"]}
        )
    return pd.DataFrame({"source": source, "target": target, "similarity": res["score"]})
