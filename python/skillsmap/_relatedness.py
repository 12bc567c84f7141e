"""Relatedness in the economic-complexity style: Balassa RCA, item
proximity and density, for any entity × item matrix (regions ×
competences, or countries × products)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import number
from ._output import labelled_frame, returns_table
from ._progress import progress_bar
from .errors import ConfigurationError

__all__ = ["density", "proximity", "rca"]


def _values(X: Any) -> tuple[np.ndarray, pd.Index | None, pd.Index | None]:
    X = labelled_frame(X)
    if isinstance(X, pd.DataFrame):
        return (
            np.ascontiguousarray(X.to_numpy(dtype=np.float64, na_value=np.nan)),
            X.index,
            X.columns,
        )
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigurationError(f"X must be 2-D (entities × items), got shape {arr.shape}")
    return np.ascontiguousarray(arr), None, None


@returns_table
def rca(X: Any) -> Any:
    """Balassa's revealed comparative advantage.

    ``RCA_cp = (x_cp / Σ_p x_cp) / (Σ_c x_cp / Σ x)``: how much more of its
    total entity c puts in item p than all entities together. Entities or
    items with a zero total get NaN.

    Parameters
    ----------
    X : DataFrame or 2-D array
        Non-negative values, rows = entities (regions, types, …), columns =
        items (competences, products).

    Returns
    -------
    DataFrame or numpy.ndarray
        Labelled like ``X`` (an array for an array input).

    Raises
    ------
    ConfigurationError
        For a negative, infinite or NaN value, with its row and column.

    See Also
    --------
    proximity : Proximity of items from the presence ``RCA ≥ threshold``.
    density : How much of an item's related items an entity has.
    Survey.profiles : Entity × competence matrices to use as ``X``.

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> x = pd.DataFrame([[10, 0, 10], [0, 10, 10]], index=["ES22", "ITH5"],
    ...                  columns=["a", "b", "c"])
    >>> sm.rca(x)
            a    b    c
    ES22  2.0  0.0  1.0
    ITH5  0.0  2.0  1.0
    """
    values, index, columns = _values(X)
    out = _core.rca(values)
    return out if index is None else pd.DataFrame(out, index=index, columns=columns)


@returns_table
def proximity(X: Any, threshold: float = 1.0, *, progress: bool | None = None) -> Any:
    """Proximity between items: ``φ_pq = Σ_c M_cp M_cq / max(k_p, k_q)``,
    with presence ``M = [RCA ≥ threshold]`` and ubiquity ``k_p = Σ_c M_cp``
    (Hidalgo et al. 2007; the discrete, symmetric proximity of the
    ``ecomplexity`` package). Items present nowhere get NaN.

    Parameters
    ----------
    X : DataFrame or 2-D array
        Non-negative values, rows = entities, columns = items (as in
        :func:`rca`).
    threshold : float
        An entity has an item when its RCA is at least this.
    progress : bool, optional
        A tqdm bar (default: when tqdm is installed and the call is long,
        e.g. at ESCO scale). The call releases the GIL and stops on Ctrl-C
        (KeyboardInterrupt within one row of the result; no partial
        result).

    Returns
    -------
    DataFrame or numpy.ndarray
        Item × item, labelled with ``X``'s columns (an array for an array
        input).

    Raises
    ------
    ConfigurationError
        For a negative, infinite or NaN value, with its row and column.
    MemoryError
        When the item × item result cannot be allocated (raised before any
        work, naming the size).

    See Also
    --------
    rca : The revealed comparative advantage behind the presence matrix.
    density : Proximity summed over what each entity has.

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> x = pd.DataFrame([[10, 0, 10], [0, 10, 10]], columns=["a", "b", "c"])
    >>> sm.proximity(x)
         a    b    c
    a  1.0  0.0  0.5
    b  0.0  1.0  0.5
    c  0.5  0.5  1.0
    """
    values, _, columns = _values(X)
    threshold = number("threshold", threshold)
    n_c, n_p = values.shape
    with progress_bar(progress, n_c * n_p * n_p / 2, "proximity", unit="row") as update:
        out = _core.proximity(values, threshold=threshold, progress=update)
    return out if columns is None else pd.DataFrame(out, index=columns, columns=columns.copy())


@returns_table
def density(X: Any, threshold: float = 1.0, *, progress: bool | None = None) -> Any:
    """Density of every entity around every item:
    ``ω_cp = Σ_q M_cq φ_pq / Σ_q φ_pq`` — the share of item p's proximity
    mass that entity c already has (Hidalgo et al. 2007; as ``ecomplexity``).

    Parameters
    ----------
    X : DataFrame or 2-D array
        Non-negative values, rows = entities, columns = items (as in
        :func:`rca`).
    threshold : float
        An entity has an item when its RCA is at least this.
    progress : bool, optional
        A tqdm bar (default: when tqdm is installed and the call is long,
        e.g. at ESCO scale). The call releases the GIL and stops on Ctrl-C
        (KeyboardInterrupt within one row of the result; no partial
        result).

    Returns
    -------
    DataFrame or numpy.ndarray
        Entity × item, labelled like ``X`` (an array for an array input).

    Raises
    ------
    ConfigurationError
        For a negative, infinite or NaN value, with its row and column.
    MemoryError
        When the item × item proximity or the result cannot be allocated
        (raised before any work, naming the size).

    See Also
    --------
    rca : Revealed comparative advantage.
    proximity : The item × item proximity used as weights.

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> x = pd.DataFrame([[10, 0, 10], [0, 10, 10]], columns=["a", "b", "c"])
    >>> sm.density(x).round(3)
           a      b     c
    0  1.000  0.333  0.75
    1  0.333  1.000  0.75
    """
    values, index, columns = _values(X)
    threshold = number("threshold", threshold)
    n_c, n_p = values.shape
    with progress_bar(progress, n_c * n_p * n_p, "density", unit="block") as update:
        out = _core.density(values, threshold=threshold, progress=update)
    return out if index is None else pd.DataFrame(out, index=index, columns=columns)
