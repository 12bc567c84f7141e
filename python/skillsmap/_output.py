"""The kind of table skillsmap returns: pandas (default) or polars.

``sm.set_output("polars")`` makes every function and method that returns a
table return a :class:`polars.DataFrame` instead; ``with
sm.output_context("polars"):`` does so for a block. Like scikit-learn's
``set_output``, the setting is process-wide (per thread inside the context
manager) and never changes what is computed, only the container.

Only the outermost call converts: skillsmap's own code (the figures, the
report, one analysis calling another) always works on pandas, so polars
output never changes a figure or a report.

A pandas table with a meaningful index (the labelled matrices of
:func:`similarity`, :func:`rca`, …) becomes a polars table whose first
column holds the index (polars has no index). Polars tables carry no
``attrs``, so the :class:`Provenance` of a result is in pandas output only.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

import pandas as pd

from .errors import ConfigurationError

__all__ = [
    "convert",
    "get_output",
    "output_context",
    "pandas_inside",
    "returns_table",
    "set_output",
]

Kind = Literal["pandas", "polars"]
_KINDS = ("pandas", "polars")
_global: dict[str, str] = {"output": "pandas"}
_local = threading.local()
# Provenance of the polars tables convert() made (polars tables have no
# attrs): id → (weak reference, attrs), so that a figure drawn from such a
# table still says where its numbers came from (e.g. synthetic data).
_attrs: dict[int, tuple[weakref.ref[Any], dict[str, Any]]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def _check(kind: object) -> str:
    if kind not in _KINDS:
        raise ConfigurationError(f"output must be 'pandas' or 'polars', got {kind!r}")
    if kind == "polars":
        try:
            import polars  # noqa: F401
        except ImportError as err:  # pragma: no cover - polars is in the dev group
            raise ImportError(
                "polars output needs polars: pip install 'skillsmap[polars]'"
            ) from err
    return str(kind)


def set_output(kind: Kind = "pandas") -> None:
    """Choose the table type every skillsmap result is returned as.

    Parameters
    ----------
    kind : {"pandas", "polars"}
        ``"pandas"`` (default) or ``"polars"``.

    Raises
    ------
    ConfigurationError
        For any other value.

    See Also
    --------
    output_context : the same for a block of code.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.set_output("polars")
    >>> type(sm.demo_survey(20, seed=0).gaps()).__module__.split(".")[0]
    'polars'
    >>> sm.set_output("pandas")
    """
    _global["output"] = _check(kind)


def get_output() -> str:
    """The table type results are returned as now: ``"pandas"`` or ``"polars"``.

    Returns
    -------
    str
        ``"pandas"`` or ``"polars"``: the kind of :func:`output_context` in
        this thread inside one, else that of :func:`set_output`.

    See Also
    --------
    set_output : Choose the table type.
    output_context : Choose it for a block.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.get_output()
    'pandas'
    """
    return getattr(_local, "output", None) or _global["output"]


@contextlib.contextmanager
def output_context(kind: Kind) -> Iterator[None]:
    """Return results as ``kind`` inside a ``with`` block (this thread only).

    Parameters
    ----------
    kind : {"pandas", "polars"}
        The table type inside the block; the previous one is restored on
        leaving it, even on an error.

    Yields
    ------
    None

    Raises
    ------
    ConfigurationError
        For any other value.

    See Also
    --------
    set_output : The same for the whole process.
    get_output : The table type in force.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(20, seed=0)
    >>> with sm.output_context("polars"):
    ...     print(type(s.respondents).__module__.split(".")[0])
    polars
    >>> type(s.respondents).__module__.split(".")[0]
    'pandas'
    """
    kind = _check(kind)
    before = getattr(_local, "output", None)
    _local.output = kind
    try:
        yield
    finally:
        _local.output = before


def convert(result: Any) -> Any:
    """A pandas DataFrame result (or a tuple of them) as the chosen table
    type; anything else as is."""
    if isinstance(result, tuple):
        return tuple(convert(r) for r in result)
    if get_output() == "pandas" or not isinstance(result, pd.DataFrame):
        return result
    import polars as pl

    frame = result
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        name = index.name if index.name is not None else "index"
        frame = frame.reset_index(names=[name] if index.nlevels == 1 else None)
    # labels of a matrix's columns may be non-strings; polars needs strings
    # (set_axis: a new frame, never the caller's relabelled in place)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    out = pl.from_pandas(frame)
    if result.attrs:
        key = id(out)
        _attrs[key] = (weakref.ref(out, lambda _: _attrs.pop(key, None)), dict(result.attrs))
    return out


def labelled_frame(obj: Any) -> Any:
    """A polars DataFrame or pyarrow Table as pandas, the way :func:`convert`
    writes a labelled matrix: a leading text column followed by numbers only
    becomes the index. Anything else (pandas, arrays, a Survey) is returned
    as is."""
    if type(obj).__name__ not in {"DataFrame", "Table"} or type(obj).__module__.split(".")[
        0
    ] not in {"polars", "pyarrow"}:
        return obj
    from ._frames import to_pandas

    frame = to_pandas(obj)
    known = _attrs.get(id(obj))
    if known is not None and known[0]() is obj:
        frame.attrs.update(known[1])
    if frame.shape[1] > 1:
        first, rest = frame.columns[0], frame.columns[1:]
        numeric = all(pd.api.types.is_numeric_dtype(frame[c]) for c in rest)
        if numeric and not pd.api.types.is_numeric_dtype(frame[first]):
            frame = frame.set_index(first)
            if first == "index":
                frame.index.name = None
    return frame


def _call(fn: Callable[..., Any], args: Any, kwargs: Any) -> tuple[bool, Any]:
    """Run ``fn`` one level deeper; whether this was the outermost call."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        return depth == 0, fn(*args, **kwargs)
    finally:
        _local.depth = depth


def returns_table(fn: F) -> F:
    """Decorate a public function or method that returns a pandas DataFrame
    so that, called by the user, it returns the chosen table type."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outermost, result = _call(fn, args, kwargs)
        return convert(result) if outermost else result

    return wrapper  # type: ignore[return-value]


def pandas_inside(fn: F) -> F:
    """Decorate a public entry point that uses skillsmap's tables itself (a
    figure, the report): inside it, every result stays pandas."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _call(fn, args, kwargs)[1]

    return wrapper  # type: ignore[return-value]
