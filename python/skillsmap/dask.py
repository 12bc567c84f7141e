"""The same analyses over partitioned data, on Dask (the optional extra
``skillsmap[dask]``): gap tables with Borich MWDS (:func:`gaps`), their
Poisson bootstrap, validation (:func:`validate`), top-k neighbours
(:func:`top_k`) and relatedness (:func:`rca`, :func:`proximity`,
:func:`density`).

Each partition of a dask DataFrame of long answers is validated and turned
into mergeable partial sums by the Rust core (:class:`GapPartial`); the
partials are merged in a tree of fixed shape (neighbouring partitions
first, ``split_every`` at a time) and finished once, on the client, by the
code that finishes :meth:`Survey.gaps`. The result equals the
single-process table whatever the partitioning: counts exactly, statistics
to the last bits of floating-point addition (≤ 1e-12 relative).

What runs where: reading, validating and summing partitions runs on the
workers; merging partials runs on the workers as a tree of tasks; only the
finished table (groups × items) and, for :func:`validate`, the issues and
one row per respondent reach the client. Any Dask scheduler works — the
default threaded one, ``dask.config.set(scheduler="synchronous")``, or a
``distributed.Client`` on a ``LocalCluster``, dask-jobqueue or Kubernetes.

``import skillsmap`` never imports this module nor Dask.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _gaps
from ._checks import count, keys, number
from ._checks import seed as check_seed
from ._ingest import as_framework, as_region_set, as_typology, validated_columns
from ._model import Regions, Typology
from ._provenance import Provenance, attach
from ._survey import Survey
from .errors import ConfigurationError, FormatError, ValidationError

try:
    import dask
    import dask.dataframe as dd
    from dask import delayed
except ImportError as err:  # pragma: no cover - the extra is missing
    raise ImportError("skillsmap.dask needs Dask: pip install 'skillsmap[dask]'") from err

__all__ = [
    "GapPartial",
    "PartitionInvalidError",
    "density",
    "entity_item_matrix",
    "gaps",
    "proximity",
    "rca",
    "read_parquet",
    "top_k",
    "validate",
]

#: Mergeable partial statistics of a gap table (from the Rust core):
#: ``GapPartial.from_survey``, ``merge``, ``finish``; picklable.
GapPartial = _core.GapPartial

_BUILT_IN = {"region", "stakeholder_type", "sector"}

# What Survey.from_frame takes besides the data.
_FRAME_OPTIONS = {
    "respondent",
    "region",
    "stakeholder_type",
    "competence",
    "current",
    "required",
    "importance",
    "weight",
    "attributes",
    "framework",
    "scale",
    "importance_scale",
    "regions",
    "typology",
    "source",
}


class PartitionInvalidError(Exception):
    """A partition failed validation: its position and its issues, with
    rows numbered within the partition. Raised on a worker; :func:`gaps`
    turns it into a :class:`ValidationError` with rows numbered in the whole
    table.

    See Also
    --------
    validate : All partitions' issues as one table.

    Examples
    --------
    >>> from skillsmap.dask import PartitionInvalidError
    >>> err = PartitionInvalidError(3, [], None)
    >>> err.partition, err.rows
    (3, [])
    """

    def __init__(self, partition: int, rows: list[Any], source: str | None) -> None:
        super().__init__(partition, rows, source)
        self.partition = partition
        self.rows = rows
        self.source = source


def _columns(columns: dict[str, Any], by: list[str]) -> dict[str, Any]:
    """``from_frame`` options, with the grouping attributes added."""
    unknown = sorted(set(columns) - _FRAME_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"unknown option(s) {', '.join(map(repr, unknown))}; "
            f"the column options are those of Survey.from_frame"
        )
    out = dict(columns)
    attrs = list(out.get("attributes", ()))
    for key in by:
        if key not in _BUILT_IN and key not in attrs:
            attrs.append(key)
    out["attributes"] = tuple(attrs)
    return out


def _project(ddf: dd.DataFrame, columns: dict[str, Any]) -> dd.DataFrame:
    """The columns :meth:`Survey.from_frame` reads, and no others: the
    projection reaches the reader (Parquet reads only these columns) and
    keeps unused columns out of every task. Columns that are not there stay
    out, for ``from_frame`` to report them missing."""
    names = [
        columns.get("respondent", "respondent"),
        columns.get("region", "region"),
        columns.get("stakeholder_type", "stakeholder_type"),
        columns.get("competence", "competence"),
        columns.get("current", "current"),
        columns.get("required", "required"),
        columns.get("importance"),
        columns.get("weight"),
        *columns.get("attributes", ()),
    ]
    present = set(ddf.columns)
    wanted = list(dict.fromkeys(n for n in names if n is not None and n in present))
    if len(wanted) == len(ddf.columns):
        return ddf
    return ddf[wanted]


def _partial(
    pdf: pd.DataFrame, partition: int, columns: dict[str, Any], spec: dict[str, Any]
) -> Any:
    """One partition's partial statistics (a task on a worker).

    The partition is validated as :meth:`Survey.from_frame` validates a
    table, and summed by the core straight from its columns: no survey is
    assembled, so the level columns are read in place rather than copied
    (``GapPartial.from_columns``)."""
    opts = {
        "level": spec["level"],
        "weights": spec["weights"],
        "borich": spec["borich"],
        "n_boot": spec["n_boot"],
        "seed": spec["seed"],
    }
    if len(pdf) == 0:
        return GapPartial.empty(spec["framework"], spec["n_items"], spec["by"], **opts)

    make = functools.partial(GapPartial.from_columns, by=spec["by"], partition=partition, **opts)
    try:
        return validated_columns(make, pdf.reset_index(drop=True), **columns)[0]
    except ValidationError as err:
        raise PartitionInvalidError(
            partition, list(err._rows), columns.get("source") or None
        ) from None


def _merge(*parts: Any) -> Any:
    """Merges partials left to right (a task of the reduction tree)."""
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p)
    return out


def _tree(nodes: list[Any], split_every: int, merge: Callable[..., Any] = _merge) -> Any:
    """A reduction tree of fixed shape: neighbours first, ``split_every``
    at a time, so that a partitioning always adds its sums in one order."""
    # keys are tokens of the inputs (pure=True): a fixed name would make
    # two computations on one scheduler share each other's results
    while len(nodes) > 1:
        nodes = [
            delayed(merge, pure=True)(*nodes[i : i + split_every])
            for i in range(0, len(nodes), split_every)
        ]
    return nodes[0]


def _global_rows(ddf: dd.DataFrame, err: PartitionInvalidError) -> ValidationError:
    """The validation error of a partition with its rows numbered in the
    whole table (the lengths of the partitions before it are computed)."""
    before = 0
    if err.partition > 0:
        lengths = ddf.map_partitions(len).compute()
        before = int(np.sum(np.asarray(lengths)[: err.partition]))
    rows = [_renumber(r, before, {}) for r in err.rows]
    return ValidationError(rows, source=err.source)


def _n_items(framework: Any, level: str) -> int:
    if level == "area":
        return len(framework.areas)
    if level == "competence":
        return len(framework.competences)
    raise ConfigurationError(f"level must be 'competence' or 'area', got {level!r}")


def _group_names(by: list[str], columns: dict[str, Any]) -> dict[str, str]:
    """Display names of the values of the grouping keys (for provenance)."""
    names: dict[str, str] = {}
    region_set = as_region_set(columns.get("regions", "resees"))
    typology = as_typology(columns.get("typology", "se-default"))
    for key in by:
        if key == "region" and region_set is not None:
            t = Regions(region_set).table
            names.update(zip(t["id"], t["name"], strict=True))
        elif key in {"stakeholder_type", "sector"} and typology is not None:
            t = Typology(typology).types
            if key == "sector":
                names.update(zip(t["sector"], t["sector_label"], strict=True))
            else:
                names.update(zip(t["id"], t["label"], strict=True))
    return {str(k): str(v) for k, v in names.items()}


def _key_column(ddf: dd.DataFrame, key: str, labels: list[str], columns: dict[str, Any]) -> Any:
    """Group key values as the data gave them: an attribute whose column is
    numeric comes back as numbers, as in :meth:`Survey.gaps`."""
    col = columns.get(key, key) if key in _BUILT_IN else key
    values = np.asarray(labels, dtype=object)
    if key not in _BUILT_IN and col in ddf.columns:
        dtype = ddf.dtypes[col]
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            try:
                return pd.to_numeric(pd.Series(labels)).to_numpy(dtype=object)
            except (ValueError, TypeError):
                return values
    return values


def gaps(
    ddf: dd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    importance_mean: str = "complete",
    borich: str = "importance",
    ci: float | None = None,
    n_boot: int = 2000,
    seed: int | None = None,
    top_k: int = 5,
    split_every: int = 8,
    **columns: Any,
) -> pd.DataFrame:
    """:meth:`Survey.gaps` of a dask DataFrame of long answers.

    Every partition is validated (as :meth:`Survey.from_frame` would) and
    summed by the Rust core into a :class:`GapPartial`; the partials are
    merged in a tree of fixed shape and the table is finished once. The
    result equals ``Survey.from_frame(ddf.compute(), **columns).gaps(by,
    …)`` whatever the partitioning — counts, suppression and ranks exactly,
    statistics to 1e-12 — including respondents whose answers are split
    across partitions (counted once in each group) and empty partitions.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per respondent × competence, with the columns
        :meth:`Survey.from_frame` reads. Partitions must be in table order
        (they number the rows of issues and order attribute levels by first
        appearance).
    by, level, weights, min_n, importance_mean, borich
        As in :meth:`Survey.gaps`. At ``level="area"`` each respondent's
        answers must be averaged together, so the data are first shuffled
        by respondent.
    ci : float, optional
        Adds Poisson-bootstrap percentile intervals (``mean_gap_lo/hi``,
        ``mwds_lo/hi``) and ``p_top_k``, the distributed counterpart of the
        multinomial bootstrap of :meth:`Survey.gaps`: each respondent enters
        replicate b with weight w·m, m ~ Poisson(1) drawn from a hash of
        (seed, respondent, b), so replicates depend on neither the
        partitioning nor the number of workers.
    n_boot, seed, top_k
        Replicates, seed (drawn at random when None and recorded in the
        provenance) and k of ``p_top_k``.
    split_every : int, default 8
        Fan-in of the reduction tree.
    **columns
        The column and model options of :meth:`Survey.from_frame`
        (``respondent=``, ``importance=``, ``weight=``, ``framework=``,
        ``regions=``, …). Grouping keys that are not built in are read as
        attributes.

    Returns
    -------
    pandas.DataFrame
        The table of :meth:`Survey.gaps`, with its provenance.

    Raises
    ------
    ValidationError
        The issues of the first partition found invalid, with rows numbered
        in the whole table (run :func:`validate` for every issue, including
        those that only show across partitions).

    Notes
    -----
    ``gaps`` does not check what only shows across partitions (a
    respondent with two regions in two partitions, an answer repeated in
    another partition); :func:`validate` does. A partition whose weights
    are all zero is invalid on its own, as a whole survey would be.

    See Also
    --------
    skillsmap.Survey.gaps : The single-process table this equals.
    validate : The located issues of every partition.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import skillsmap as sm
    >>> from skillsmap import dask as smd
    >>> df = sm.demo_survey(60, seed=1).to_frame()
    >>> ddf = dd.from_pandas(df, npartitions=3)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     g = smd.gaps(ddf, by="region", importance="importance", weight="weight")
    >>> whole = sm.Survey.from_frame(df, importance="importance", weight="weight")
    >>> ref = whole.gaps(by="region")
    >>> bool((g["n"] == ref["n"]).all()), bool(((g["mwds"] - ref["mwds"]).abs().max() < 1e-12))
    (True, True)
    """
    by = keys(by)
    min_n = count("min_n", min_n, 0)
    split_every = count("split_every", split_every, 2)
    columns = _columns(columns, by)
    framework = as_framework(columns.get("framework", "se-core"))
    n_items = _n_items(framework, level)
    boot = ci is not None
    if boot:
        n_boot = count("n_boot", n_boot, 1)
        top_k = count("top_k", top_k, 1)
        seed = check_seed(secrets.randbits(63) if seed is None else seed)
        ci = number("ci", ci)
    spec = {
        "framework": framework.id,
        "n_items": n_items,
        "by": by,
        "level": level,
        "weights": bool(weights),
        "borich": borich,
        "n_boot": n_boot if boot else 0,
        "seed": seed if boot else 0,
    }
    # options the core parses: rejected here, before any task runs
    GapPartial.empty(framework.id, n_items, by, level=level, weights=bool(weights), borich=borich)
    data = _project(ddf, columns)
    if level == "area":
        # a respondent's area mean needs all of their answers in one place
        data = ddf.shuffle(on=columns.get("respondent", "respondent"))
    leaves = [
        delayed(_partial, pure=True)(part, i, columns, spec)
        for i, part in enumerate(data.to_delayed())
    ]
    try:
        (partial,) = dask.compute(_tree(leaves, split_every))
    except PartitionInvalidError as err:
        raise _global_rows(data, err) from None
    res = partial.finish(
        level=level,
        weights=bool(weights),
        min_n=min_n,
        importance_mean=importance_mean,
        borich=borich,
    )
    n_groups = len(res["group_sizes"])
    data_cols: dict[str, Any] = {}
    for key, labels in zip(res["keys"], res["group_labels"], strict=True):
        data_cols[key] = np.repeat(_key_column(ddf, key, labels, columns), n_items)
    if level == "area":
        data_cols["area"] = np.tile(framework.areas["id"].to_numpy(dtype=object), n_groups)
    else:
        comp = framework.competences
        data_cols["competence"] = np.tile(comp["id"].to_numpy(dtype=object), n_groups)
        data_cols["area"] = np.tile(comp["area"].to_numpy(dtype=object), n_groups)
    has_importance = columns.get("importance") is not None
    has_required = columns.get("required", "required") is not None
    skip = set()
    if not has_importance or not res["borich_uses_importance"]:
        skip.add("mean_importance")
    if not has_required:
        skip.add("mean_required")
    # the columns of Survey.gaps, in its order and with its core names
    for col in _gaps._STATS:
        if col not in skip:
            data_cols[col] = res[_gaps._CORE_NAMES.get(col, col)]
    rank = np.asarray(res["rank"], dtype=np.int64)
    data_cols["rank"] = pd.arrays.IntegerArray(rank, rank == 0)
    df = pd.DataFrame(data_cols)
    prov = Provenance(
        kind="gaps",
        framework=framework,
        synthetic=False,
        source=str(columns.get("source", "")),
        by=tuple(by),
        group_names=_group_names(by, columns),
        level=level,
        weights=bool(weights and columns.get("weight") is not None),
        min_n=min_n,
        importance_mean=importance_mean,
        borich=borich,
        borich_variable="importance" if res["borich_uses_importance"] else "required",
        gap_target="required" if res["target_is_required"] else "importance",
    )
    if not boot:
        return attach(df, prov)
    b = partial.finish_bootstrap(
        level=level,
        weights=bool(weights),
        min_n=min_n,
        importance_mean=importance_mean,
        borich=borich,
        ci=ci,
        top_k=top_k,
    )
    pos = df.columns.get_loc("mean_gap") + 1
    df.insert(pos, "mean_gap_lo", b["mean_gap_lo"])
    df.insert(pos + 1, "mean_gap_hi", b["mean_gap_hi"])
    pos = df.columns.get_loc("mwds") + 1
    df.insert(pos, "mwds_lo", b["mwds_lo"])
    df.insert(pos + 1, "mwds_hi", b["mwds_hi"])
    df["p_top_k"] = b["p_top_k"]
    return attach(df, prov.replace(ci=ci, n_boot=n_boot, seed=seed, stratify=(), top_k=top_k))


def _parquet_files(path: Any) -> list[str]:
    """The files of a path: a file, a folder (its ``*.parquet`` files,
    recursively, sorted), a glob pattern (sorted) or a list (as given)."""
    import glob
    import os

    if isinstance(path, (list, tuple)):
        out = [os.fspath(p) for p in path]
    else:
        text = os.fspath(path)
        if os.path.isdir(text):
            out = sorted(glob.glob(os.path.join(text, "**", "*.parquet"), recursive=True))
        elif glob.has_magic(text):
            out = sorted(glob.glob(text, recursive=True))
        else:
            out = [text]
    missing = [p for p in out if not os.path.isfile(p)]
    if missing or not out:
        raise FileNotFoundError(
            f"no Parquet file at {missing[0]!r}" if missing else f"no Parquet files under {path!r}"
        )
    return out


def _dictionary_columns(meta: Any, names: list[str]) -> list[str]:
    """Text columns of a file stored dictionary-encoded (in its first row
    group): the keys of long survey data, which Parquet writers encode so."""
    if meta.num_row_groups == 0:
        return []
    rg = meta.row_group(0)
    out = []
    for i in range(rg.num_columns):
        col = rg.column(i)
        if (
            col.path_in_schema in names
            and col.physical_type == "BYTE_ARRAY"
            and col.has_dictionary_page
        ):
            out.append(col.path_in_schema)
    return out


def _read_piece(
    piece: tuple[str, tuple[int, ...]], keys: Any, names: Any, columns: Any = None
) -> pd.DataFrame:
    """Row groups of one Parquet file as pandas, the key columns as
    categoricals (a task on a worker; ``columns`` is Dask's projection of
    ``names``)."""
    import pyarrow.parquet as pq

    path, groups = piece
    names = list(names if columns is None else columns)
    wanted = [k for k in keys if k in names]
    pf = pq.ParquetFile(path, read_dictionary=wanted)
    missing = [n for n in names if n not in pf.schema_arrow.names]
    if missing:
        # files of one table must share its columns
        raise FormatError(
            f"{path}: no column {', '.join(map(repr, missing))}, which the first file has"
        )
    # one block per column: numbers stay the Arrow buffers (no copy into a
    # 2-D block), which halves the conversion
    return pf.read_row_groups(list(groups), columns=names).to_pandas(split_blocks=True)


def read_parquet(
    path: Any,
    columns: Sequence[str] | None = None,
    *,
    keys: Sequence[str] | None = None,
    rows_per_partition: int = 2_000_000,
) -> dd.DataFrame:
    """Long answers in Parquet files as a dask DataFrame whose key columns
    are categoricals.

    Survey keys (respondent, region, stakeholder type, competence) repeat on
    every row, and Parquet stores them dictionary-encoded. ``read_parquet``
    reads them as dictionaries: each partition holds a few distinct labels
    and small integer codes instead of millions of strings, which
    :func:`gaps` and :func:`validate` then take as they are (no string is
    hashed). On the project's benchmark a partition takes about a third
    less time, and a worker a quarter less memory, than on
    ``dask.dataframe.read_parquet`` (BENCHMARKS.md).

    Parameters
    ----------
    path : str, path or list of them
        A Parquet file, a folder (its ``*.parquet`` files, recursively, in
        sorted order), a glob pattern (sorted) or a list of files (in the
        order given). Files are the table in that order. Local or mounted
        paths; for object stores use ``dask.dataframe.read_parquet``.
    columns : sequence of str, optional
        Columns to read (default all). :func:`gaps` and :func:`validate`
        narrow them to the ones they use.
    keys : sequence of str, optional
        Text columns to read as categoricals. Default: those the first file
        stores dictionary-encoded.
    rows_per_partition : int, default 2,000,000
        Consecutive row groups of a file are joined into partitions of up
        to this many rows (a row group larger than that is one partition);
        partitions never span files.

    Returns
    -------
    dask.dataframe.DataFrame
        One partition per run of row groups, in table order; categoricals
        with categories unknown until computed (each partition has its own).

    Raises
    ------
    FileNotFoundError
        When a file is not there or a folder or pattern holds none.
    ConfigurationError
        When ``columns`` names a column the first file does not have.
    FormatError
        When computed, for a file without a column the first file has.

    See Also
    --------
    gaps : The gap table of the answers.
    validate : Their located issues.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import dask
    >>> import skillsmap as sm
    >>> from skillsmap import dask as smd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = tmp.name
    >>> df = sm.demo_survey(50, seed=4).to_frame()
    >>> df.iloc[:800].to_parquet(os.path.join(folder, "a.parquet"))
    >>> df.iloc[800:].to_parquet(os.path.join(folder, "b.parquet"))
    >>> ddf = smd.read_parquet(folder)
    >>> ddf.npartitions, str(ddf.dtypes["region"])
    (2, 'category')
    >>> with dask.config.set(scheduler="synchronous"):
    ...     g = smd.gaps(ddf, by="region", importance="importance", weight="weight")
    >>> int(g["n"].sum()) == int(sm.Survey.from_frame(df, importance="importance",
    ...     weight="weight").gaps(by="region")["n"].sum())
    True
    >>> tmp.cleanup()
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from dask.dataframe.utils import clear_known_categories

    rows_per_partition = count("rows_per_partition", rows_per_partition, 1)
    files = _parquet_files(path)
    first = pq.ParquetFile(files[0])
    names = list(first.schema_arrow.names) if columns is None else list(columns)
    unknown = [c for c in names if c not in first.schema_arrow.names]
    if unknown:
        raise ConfigurationError(
            f"column(s) {', '.join(map(repr, unknown))} not in {files[0]!r}; "
            f"it has {', '.join(map(repr, first.schema_arrow.names))}"
        )
    key_cols = (
        _dictionary_columns(first.metadata, names) if keys is None else list(dict.fromkeys(keys))
    )
    pieces: list[tuple[str, tuple[int, ...]]] = []
    for f in files:
        meta = pq.ParquetFile(f).metadata
        run: list[int] = []
        rows = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if run and rows + n > rows_per_partition:
                pieces.append((f, tuple(run)))
                run, rows = [], 0
            run.append(g)
            rows += n
        # a file without row groups is an empty partition
        pieces.append((f, tuple(run)))
    # the empty frame each partition matches: keys as categoricals whose
    # categories are unknown (every partition has its own)
    schema = pa.schema(
        [
            f.with_type(pa.dictionary(pa.int32(), f.type)) if f.name in key_cols else f
            for f in (first.schema_arrow.field(n) for n in names)
        ]
    )
    meta_frame = clear_known_categories(schema.empty_table().to_pandas())
    return dd.from_map(
        _read_piece,
        pieces,
        args=[tuple(key_cols), tuple(names)],
        meta=meta_frame,
        label="skillsmap-read-parquet",
        enforce_metadata=False,
    )


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value).strip())


def _rid(text: str) -> str:
    """A respondent id as the core quotes it in issues."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_partition(pdf: pd.DataFrame, partition: int, columns: dict[str, Any]) -> Any:
    """One partition's own issues (rows within it) and, when it is valid on
    its own, one row per respondent: its key, first row and values."""
    if len(pdf) == 0:
        return 0, [], None
    pdf = pdf.reset_index(drop=True)
    key = pdf[columns.get("respondent", "respondent")].map(_nfc)
    first = key.drop_duplicates()
    summary = pd.DataFrame({"key": first.to_numpy(dtype=object), "first": first.index})
    try:
        survey = Survey.from_frame(pdf, **columns)
    except ValidationError as err:
        # its respondents still take part in the duplicate check; their
        # values are not known (resolved) here
        return len(pdf), list(err._rows), summary.assign(valid=False)
    resp = survey.respondents
    summary["valid"] = True
    # respondents in the survey come in order of first appearance: aligned
    for col in ("region", "stakeholder_type", "weight", *columns.get("attributes", ())):
        if col in resp.columns:
            values = resp[col].to_numpy(dtype=object)
            summary[col] = [None if pd.isna(v) else v for v in values]
    return len(pdf), [], summary


def _split_rows(
    pdf: pd.DataFrame, partition: int, columns: dict[str, Any], split: frozenset[str]
) -> pd.DataFrame:
    """Rows (positions within the partition) of respondents that also
    answer in other partitions, with their respondent key and competence."""
    pdf = pdf.reset_index(drop=True)
    key = pdf[columns.get("respondent", "respondent")].map(_nfc)
    mask = key.isin(split).to_numpy()
    comp = pdf[columns.get("competence", "competence")][mask]
    return pd.DataFrame(
        {
            "row": np.flatnonzero(mask),
            "key": key[mask].to_numpy(dtype=object),
            "competence": comp.map(_nfc).to_numpy(dtype=object),
            "partition": partition,
        }
    )


def validate(ddf: dd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Every located issue of a dask DataFrame of long answers, as
    :meth:`Survey.from_frame` reports them for the whole table.

    Each partition is validated on the workers (rows renumbered in the whole
    table); then the checks that span partitions are made for the
    respondents whose answers are split across partitions: one region,
    stakeholder type, weight and attribute value per respondent, and no
    answer to a competence given twice.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long answers, partitions in table order.
    **columns
        The column and model options of :meth:`Survey.from_frame`.

    Returns
    -------
    pandas.DataFrame
        The issues table of :class:`ValidationError` (``row``, ``column``,
        ``value``, ``reason``, ``code``), ordered by row; empty when the
        data are valid.

    Notes
    -----
    A region, type, weight or attribute that differs across partitions is
    found between partitions that are valid on their own; repeated answers
    in every partition. One row per respondent (key, first row and values) reaches
    the client, then the rows of the respondents split across partitions.

    See Also
    --------
    skillsmap.Survey.from_frame : The same checks on one table.
    gaps : Raises on the first partition with issues.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import skillsmap as sm
    >>> from skillsmap import dask as smd
    >>> df = sm.demo_survey(20, seed=0).to_frame()
    >>> df.loc[100, "current"] = 7.0
    >>> with dask.config.set(scheduler="synchronous"):
    ...     issues = smd.validate(dd.from_pandas(df, npartitions=4), importance="importance")
    >>> issues[["row", "column", "code"]].to_string(index=False)
    ' row  column         code\\n 100 current out_of_scale'
    """
    columns = _columns(columns, [])
    parts = _project(ddf, columns).to_delayed()
    checks = [delayed(_check_partition, pure=True)(p, i, columns) for i, p in enumerate(parts)]
    results = dask.compute(*checks)
    offsets = np.concatenate([[0], np.cumsum([r[0] for r in results])])
    summaries = [
        s.assign(partition=i, first=s["first"] + offsets[i])
        for i, (_, _, s) in enumerate(results)
        if s is not None and len(s)
    ]
    first_row: dict[str, int] = {}
    if summaries:
        every = pd.concat(summaries, ignore_index=True)
        first_row = every.groupby("key")["first"].min().to_dict()
    rows: list[Any] = []
    for off, (_, issues, _) in zip(offsets, results, strict=False):
        rows.extend(_renumber(r, int(off), first_row) for r in issues)
    if summaries:
        rows.extend(_across(ddf, parts, summaries, offsets, columns))
    if not rows:
        return _no_issues()
    return ValidationError(rows).issues


_INCONSISTENT = re.compile(r'^respondent "((?:[^"\\]|\\.)*)" has a different (.*) in row (\d+)$')
_FIRST_IN_ROW = re.compile(r"\(first in row (\d+)\)$")


def _renumber(issue: Any, offset: int, first_row: dict[str, int]) -> Any:
    """A partition's issue with its row, and the rows its reason names,
    numbered in the whole table: a respondent's first row is their first
    row in any partition."""
    row, column, value, reason, *code = issue
    if row is not None:
        row = int(row) + offset
    text = str(reason)
    m = _INCONSISTENT.match(text)
    if m is not None:
        key = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
        first = first_row.get(key, int(m.group(3)) + offset)
        text = f"{text[: m.start(3)]}{first}"
    else:
        m = _FIRST_IN_ROW.search(text)
        if m is not None:
            text = f"{text[: m.start(1)]}{int(m.group(1)) + offset})"
    return (row, column, value, text, *code)


def _no_issues() -> pd.DataFrame:
    return ValidationError([(None, "", "", "", "")]).issues.iloc[:0]


def _across(
    ddf: dd.DataFrame,
    parts: list[Any],
    summaries: list[pd.DataFrame],
    offsets: np.ndarray,
    columns: dict[str, Any],
) -> list[Any]:
    """Issues of respondents split across partitions."""
    resp = pd.concat(summaries, ignore_index=True)
    counts = resp["key"].value_counts()
    split = frozenset(counts.index[counts > 1])
    if not split:
        return []
    resp = resp[resp["key"].isin(split)].sort_values("first", kind="stable")
    wanted = sorted({int(p) for p in resp["partition"]})
    tasks = [delayed(_split_rows, pure=True)(parts[i], i, columns, split) for i in wanted]
    rows_of = pd.concat(dask.compute(*tasks), ignore_index=True)
    rows_of["row"] = rows_of["row"] + offsets[rows_of["partition"].to_numpy()]
    rows_of = rows_of.sort_values("row", kind="stable")
    first = resp.drop_duplicates("key").set_index("key")
    out: list[Any] = []
    checked = [
        ("region", columns.get("region", "region"), "region"),
        (
            "stakeholder_type",
            columns.get("stakeholder_type", "stakeholder_type"),
            "stakeholder type",
        ),
    ]
    if columns.get("weight") is not None:
        checked.append(("weight", columns["weight"], "weight"))
    for name in columns.get("attributes", ()):
        checked.append((name, name, repr(name).replace("'", '"')))
    # each later partition of a respondent whose value differs from the
    # respondent's first: every row there is reported, as the core does
    later = resp[resp.duplicated("key")]
    raw_cache: dict[int, pd.DataFrame] = {}
    for _, rec in later.iterrows():
        ref = first.loc[rec["key"]]
        if not (rec["valid"] and ref["valid"]):
            continue
        differing = [
            (col, what)
            for field, col, what in checked
            if field in rec.index and not _equal(rec[field], ref[field])
        ]
        if not differing:
            continue
        p = int(rec["partition"])
        if p not in raw_cache:
            raw_cache[p] = parts[p].compute().reset_index(drop=True)
        pdf = raw_cache[p]
        key = pdf[columns.get("respondent", "respondent")].map(_nfc)
        for local in np.flatnonzero((key == rec["key"]).to_numpy()):
            for col, what in differing:
                value = pdf[col].iloc[local]
                text = "" if pd.isna(value) else _nfc(value)
                if col == columns.get("weight"):
                    text = _level_text(value)
                out.append(
                    (
                        int(local + offsets[p]),
                        col,
                        text,
                        f"respondent {_rid(rec['key'])} has a different {what} "
                        f"in row {int(ref['first'])}",
                        "inconsistent_respondent",
                    )
                )
    # an answer repeated in another partition
    fw = as_framework(columns.get("framework", "se-core"))
    rows_of["item"] = [fw._inner.resolve(c) for c in rows_of["competence"]]
    known = rows_of[rows_of["item"].notna()]
    seen: dict[tuple[str, int], int] = {}
    comp_col = columns.get("competence", "competence")
    for row, key, comp, part, item in known[
        ["row", "key", "competence", "partition", "item"]
    ].itertuples(index=False):
        pair = (key, int(item))
        prev = seen.get(pair)
        if prev is None:
            seen[pair] = int(row)
        elif int(row) - int(offsets[part]) >= 0 and _partition_of(prev, offsets) != part:
            out.append(
                (
                    int(row),
                    comp_col,
                    comp,
                    f"duplicate answer of respondent {_rid(key)} to this competence "
                    f"(first in row {prev})",
                    "duplicate_answer",
                )
            )
    return out


def _partition_of(row: int, offsets: np.ndarray) -> int:
    return int(np.searchsorted(offsets, row, side="right") - 1)


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _level_text(v: Any) -> str:
    """A number as the core prints a level (no ``.0`` for whole numbers)."""
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


# -- similarity: top-k neighbours over row blocks ---------------------------


def _row_blocks(X: Any) -> tuple[list[Any], list[Any], list[int]]:
    """Row blocks of a dask array or DataFrame as delayed numpy arrays, their
    index labels (None for an array) and sizes."""
    import dask.array as da

    if isinstance(X, dd.DataFrame):
        parts = X.to_delayed()
        blocks = [delayed(_values_of, pure=True)(p) for p in parts]
        labels = [delayed(_index_of, pure=True)(p) for p in parts]
        sizes = list(dask.compute(*[delayed(len)(p) for p in parts]))
        return blocks, labels, [int(n) for n in sizes]
    if isinstance(X, da.Array):
        if X.ndim != 2:
            raise ConfigurationError(f"X must be 2-D (entities × items), got shape {X.shape}")
        X = X.rechunk({1: -1})
        blocks = list(X.to_delayed()[:, 0])
        return blocks, [None] * len(blocks), [int(n) for n in X.chunks[0]]
    raise ConfigurationError("X must be a dask array or a dask DataFrame")


def _values_of(pdf: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(pdf.to_numpy(dtype=np.float64, na_value=np.nan))


def _index_of(pdf: pd.DataFrame) -> pd.Index:
    return pdf.index


def _pair_top(
    a: np.ndarray,
    b: np.ndarray,
    a0: int,
    b0: int,
    k: int,
    metric: str,
    options: dict[str, Any],
) -> pd.DataFrame:
    """The k best neighbours within block b of every row of block a (global
    row positions), from the similarity matrix of the two blocks stacked."""
    from ._similarity import similarity

    same = a0 == b0
    stacked = a if same else np.vstack([a, b])
    sim = np.asarray(similarity(stacked, metric=metric, **options))
    block = sim if same else sim[: len(a), len(a) :]
    out = []
    for i in range(len(a)):
        row = block[i].copy()
        if same:
            row[i] = np.nan
        ok = np.flatnonzero(~np.isnan(row))
        # best first; ties by target position, as the core orders them
        order = ok[np.lexsort((ok, -row[ok]))][:k]
        out.append(pd.DataFrame({"source": a0 + i, "target": b0 + order, "similarity": row[order]}))
    if not out:
        return pd.DataFrame({"source": [], "target": [], "similarity": []})
    return pd.concat(out, ignore_index=True)


def _best(k: int, *candidates: pd.DataFrame) -> pd.DataFrame:
    """The k best of every source's candidates from all column blocks."""
    c = pd.concat(candidates, ignore_index=True)
    c = c.sort_values(
        ["source", "similarity", "target"], ascending=[True, False, True], kind="stable"
    )
    return c.groupby("source", sort=True).head(k).reset_index(drop=True)


def top_k(
    X: Any,
    k: int = 10,
    metric: str = "cosine",
    *,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    threshold: float | None = None,
) -> pd.DataFrame:
    """:func:`skillsmap.top_k` of a matrix whose rows are split in blocks:
    every pair of row blocks is a task (the similarity of the two blocks and
    each row's k best neighbours among the other block's rows), merged per
    row block into the k best overall.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
        Rows = entities, columns = items; a DataFrame's index labels name
        the rows. Each row block must fit in a worker's memory, and each
        pair of blocks' similarity matrix too.
    k, metric, pairwise_complete, min_overlap, threshold
        As in :func:`skillsmap.top_k`.

    Returns
    -------
    pandas.DataFrame
        ``source``, ``target``, ``similarity``, equal to
        :func:`skillsmap.top_k` of the whole matrix.

    See Also
    --------
    skillsmap.top_k : The single-process neighbours this equals.

    Examples
    --------
    >>> import dask
    >>> import dask.array as da
    >>> import numpy as np
    >>> import skillsmap as sm
    >>> from skillsmap import dask as smd
    >>> x = np.random.default_rng(0).random((30, 8))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     t = smd.top_k(da.from_array(x, chunks=(7, 8)), k=3)
    >>> t.equals(sm.top_k(x, k=3))
    True
    """
    k = count("k", k, 1)
    options = {"pairwise_complete": pairwise_complete, "min_overlap": min_overlap}
    if threshold is not None:
        options["threshold"] = threshold
    blocks, labels, sizes = _row_blocks(X)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    merged = []
    for i, a in enumerate(blocks):
        if sizes[i] == 0:
            continue
        pairs = [
            delayed(_pair_top, pure=True)(a, b, int(starts[i]), int(starts[j]), k, metric, options)
            for j, b in enumerate(blocks)
            if sizes[j] > 0
        ]
        merged.append(delayed(_best, pure=True)(k, *pairs))
    if not merged:
        return pd.DataFrame({"source": [], "target": [], "similarity": []})
    parts = dask.compute(*merged)
    out = pd.concat(parts, ignore_index=True)
    out["source"] = out["source"].astype(np.int64)
    out["target"] = out["target"].astype(np.int64)
    out["similarity"] = out["similarity"].astype(np.float64)
    if labels[0] is not None:
        # the partitions' own index, dtype kept
        first, *rest = dask.compute(*labels)
        index = first.append(rest) if rest else first
        out = pd.DataFrame(
            {
                "source": index[out["source"].to_numpy()],
                "target": index[out["target"].to_numpy()],
                "similarity": out["similarity"].to_numpy(),
            }
        )
    return out


# -- relatedness of an entity × item matrix from partitioned long data -------


def entity_item_matrix(
    ddf: dd.DataFrame, *, entity: str, item: str, value: str | None = None
) -> pd.DataFrame:
    """The entity × item matrix of partitioned long data: the rows counted
    (or ``value`` summed) per entity and item in each partition on the
    workers, the partial counts summed in a tree, pivoted once.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long data, e.g. one row per job ad × skill.
    entity, item : str
        Columns of the rows and columns of the matrix (e.g. occupation,
        skill).
    value : str, optional
        Column summed; without it rows are counted.

    Returns
    -------
    pandas.DataFrame
        Entities (sorted) × items (sorted), zeros where nothing occurs.

    See Also
    --------
    rca, proximity, density : Relatedness of the matrix.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from skillsmap import dask as smd
    >>> ads = pd.DataFrame({"occupation": ["a", "a", "b"], "skill": ["x", "y", "x"]})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     m = smd.entity_item_matrix(dd.from_pandas(ads, npartitions=2),
    ...                               entity="occupation", item="skill")
    >>> m.to_numpy().tolist()
    [[1.0, 1.0], [1.0, 0.0]]
    """
    for col in (entity, item, value):
        if col is not None and col not in ddf.columns:
            raise ConfigurationError(f"no column {col!r} in the data")
    if value is None:
        counts = ddf.groupby([entity, item]).size()
    else:
        counts = ddf.groupby([entity, item])[value].sum()
    s = counts.compute()
    m = s.unstack(item, fill_value=0).astype(np.float64)
    m = m.sort_index(axis=0).sort_index(axis=1)
    m.index.name, m.columns.name = entity, item
    return m


def rca(ddf: dd.DataFrame, *, entity: str, item: str, value: str | None = None) -> pd.DataFrame:
    """:func:`skillsmap.rca` of :func:`entity_item_matrix` (the counts summed
    across partitions; the matrix itself is small).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long data, e.g. one row per job ad × skill.
    entity, item : str
        Columns of the rows and columns of the matrix.
    value : str, optional
        Column summed; without it rows are counted.

    Returns
    -------
    pandas.DataFrame
        Entities × items, Balassa's revealed comparative advantage.

    See Also
    --------
    skillsmap.rca : The single-process function.
    entity_item_matrix : The summed matrix it starts from.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from skillsmap import dask as smd
    >>> ads = pd.DataFrame({"occupation": ["a", "a", "b"], "skill": ["x", "y", "x"]})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     r = smd.rca(dd.from_pandas(ads, npartitions=2), entity="occupation", item="skill")
    >>> r.round(2).to_numpy().tolist()
    [[0.75, 1.5], [1.5, 0.0]]
    """
    from ._relatedness import rca as _rca

    return _rca(entity_item_matrix(ddf, entity=entity, item=item, value=value))


def proximity(
    ddf: dd.DataFrame,
    *,
    entity: str,
    item: str,
    value: str | None = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    """:func:`skillsmap.proximity` of :func:`entity_item_matrix`.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long data, e.g. one row per job ad × skill.
    entity, item : str
        Columns of the rows and columns of the matrix.
    value : str, optional
        Column summed; without it rows are counted.
    threshold : float
        RCA at or above which an entity counts as specialised in an item.

    Returns
    -------
    pandas.DataFrame
        Items × items, Hidalgo et al.'s (2007) proximity.

    See Also
    --------
    skillsmap.proximity : The single-process function.
    density : The density of each entity around each item.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from skillsmap import dask as smd
    >>> ads = pd.DataFrame({"occupation": ["a", "a", "b"], "skill": ["x", "y", "x"]})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     p = smd.proximity(dd.from_pandas(ads, npartitions=2), entity="occupation", item="skill")
    >>> p.shape
    (2, 2)
    """
    from ._relatedness import proximity as _proximity

    return _proximity(entity_item_matrix(ddf, entity=entity, item=item, value=value), threshold)


def density(
    ddf: dd.DataFrame,
    *,
    entity: str,
    item: str,
    value: str | None = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    """:func:`skillsmap.density` of :func:`entity_item_matrix`.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long data, e.g. one row per job ad × skill.
    entity, item : str
        Columns of the rows and columns of the matrix.
    value : str, optional
        Column summed; without it rows are counted.
    threshold : float
        RCA at or above which an entity counts as specialised in an item.

    Returns
    -------
    pandas.DataFrame
        Entities × items, the proximity-weighted share of related items
        the entity is specialised in.

    See Also
    --------
    skillsmap.density : The single-process function.
    proximity : The item proximities it weighs by.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from skillsmap import dask as smd
    >>> ads = pd.DataFrame({"occupation": ["a", "a", "b"], "skill": ["x", "y", "x"]})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     d = smd.density(dd.from_pandas(ads, npartitions=2), entity="occupation", item="skill")
    >>> d.shape
    (2, 2)
    """
    from ._relatedness import density as _density

    return _density(entity_item_matrix(ddf, entity=entity, item=item, value=value), threshold)
