"""Conversion of user tables into the columns the Rust core validates.

Accepts pandas and polars DataFrames, anything exposing the Arrow PyCapsule
stream interface (``__arrow_c_stream__``), and mappings of columns. String
keys are factorised once here, and made comparable here (trimmed, Unicode
NFC, blank ones missing, ones holding control characters reported); the
core resolves each distinct value once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _core

# (row, column, value, reason, code): the code as the core names it
# (skillsmap.ingest::IssueCode), for programs.
Issue = tuple["int | None", str, str, str, str]


def to_pandas(data: Any) -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame without copying where possible."""
    if isinstance(data, pd.DataFrame):
        return data
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.to_pandas()
    if hasattr(data, "__arrow_c_stream__"):
        import pyarrow as pa

        return pa.table(data).to_pandas()
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    raise TypeError(
        "expected a pandas or polars DataFrame, an object with __arrow_c_stream__ "
        f"or a mapping of columns, got {type(data).__name__}"
    )


def _arrow_strings(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """Offsets, data and validity of an Arrow-backed string column, zero-copy;
    None for any other column."""
    dtype = series.dtype
    is_arrow_str = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype) in {"string", "large_string"}
    )
    if not is_arrow_str:
        return None
    import pyarrow as pa

    chunked = pa.chunked_array(series.array.__arrow_array__())
    arr = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
    if arr.type == pa.string():
        width = np.int32
    elif arr.type == pa.large_string():
        width = np.int64
    else:
        return None
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    valid = None
    if arr.null_count:
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return offsets, data, valid


def categorical(
    series: pd.Series,
    column: str | None = None,
    issues: list[Issue] | None = None,
    *,
    in_order: bool = True,
) -> tuple[np.ndarray, list[str], pd.Index]:
    """Codes (-1 = missing), their labels as text, and the uniques.

    With ``in_order`` (the default) the codes are int64 (int32 for integer
    ids) and the uniques in order of first appearance, as
    :func:`pandas.factorize` gives them.
    Without it, a categorical's own codes are returned as they are (int8
    for up to 127 categories, no copy) with its categories as labels: for
    the keys whose label order nothing depends on (region, stakeholder
    type, competence; the core orders open registries by first
    appearance itself).

    Arrow-backed string columns (pandas' default string dtype with pyarrow)
    are factorised by the core in parallel, categoricals renumbered from
    their codes, integer columns factorised by pandas with their texts made
    in one cast; other columns by pandas. Keys
    are then made comparable (see :func:`_clean_keys`): trimmed and in
    Unicode NFC, so that values which print alike are one value, and blank
    ones are missing. Where ``issues`` is given, values holding control
    characters are reported there (under ``column``) and become missing."""
    arrow = _arrow_strings(series)
    codes: np.ndarray | None = None
    if arrow is not None:
        try:
            codes, labels = _core.factorize_utf8(*arrow)
        except ValueError:
            pass  # malformed buffers: let pandas handle the column
        else:
            uniques = pd.Index(labels, dtype=object)
            all_text = True
    if codes is None and not in_order and isinstance(series.dtype, pd.CategoricalDtype):
        # a dictionary's codes and categories as they are: the core reads
        # the narrow codes in place
        uniques = pd.Index(series.cat.categories)
        labels = [_text(u) for u in uniques]
        all_text = all(isinstance(u, str) for u in uniques)
        narrow = np.ascontiguousarray(series.cat.codes.to_numpy())
        return _clean_keys(narrow, labels, uniques, series, column, issues, all_text=all_text)
    if codes is None and isinstance(series.dtype, pd.CategoricalDtype):
        # dictionary-encoded (a Parquet key read as dictionary, a pandas
        # category): its codes renumbered in order of first appearance, in
        # one pass, as pandas.factorize would give them
        cat_codes = np.ascontiguousarray(series.cat.codes)  # int8/16/32, as pandas keeps them
        codes, order = _core.first_appearance(cat_codes, len(series.cat.categories))
        uniques = pd.Index(pd.Categorical.from_codes(order, dtype=series.dtype))
        labels = [_text(u) for u in uniques]
        all_text = all(isinstance(u, str) for u in uniques)
    if codes is None and _is_integer(series.dtype):
        # integer ids (the usual respondent column): factorised by the core
        # in parallel, which also writes their decimal texts; those are
        # distinct, trimmed, NFC and free of control characters, so they
        # need no cleaning
        valid = None
        if isinstance(series.dtype, np.dtype):
            values = np.ascontiguousarray(series.to_numpy(), dtype=np.int64)
        else:  # nullable (Int64, int64[pyarrow]): missing ids are code -1
            missing = np.asarray(series.isna(), dtype=bool)
            values = np.ascontiguousarray(series.to_numpy(dtype=np.int64, na_value=0))
            valid = ~missing if missing.any() else None
        codes, raw, labels = _core.factorize_i64(values, valid)
        return codes, labels, pd.Index(pd.array(raw, dtype=series.dtype))
    if codes is None:
        codes, raw = pd.factorize(series, use_na_sentinel=True)
        uniques = pd.Index(raw)
        labels = [_text(u) for u in uniques]
        all_text = all(isinstance(u, str) for u in uniques)
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    return _clean_keys(codes, labels, uniques, series, column, issues, all_text=all_text)


def _is_integer(dtype: Any) -> bool:
    """Signed or unsigned integers up to 64 bits that fit int64 (numpy or
    pandas' nullable ones); not booleans."""
    if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    return str(dtype).lower() not in {"uint64", "uint64[pyarrow]"}


def _clean_keys(
    codes: np.ndarray,
    labels: list[str],
    uniques: pd.Index,
    series: pd.Series,
    column: str | None,
    issues: list[Issue] | None,
    *,
    all_text: bool,
) -> tuple[np.ndarray, list[str], pd.Index]:
    """Trim and NFC-normalise the distinct labels, then merge the labels
    that became equal (and ``1`` with ``"1"``: values whose text is equal
    are one value, as they print). Blank labels become missing.

    The work is on the distinct values, vectorised with Arrow, so its cost
    does not grow with the rows: a million answers of 20 000 respondents
    normalise 20 000 ids. ``all_text`` says every unique is a str: its
    labels are then distinct already (1 and "1" cannot meet)."""
    if not labels:
        return codes, labels, uniques
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(labels, type=pa.string())
    clean = pc.utf8_normalize(pc.utf8_trim_whitespace(raw), form="NFC")
    changed = pc.any(pc.not_equal(clean, raw)).as_py()
    # C0 and C1 controls (category Cc); tab and newline inside a key are
    # as wrong as NUL: no id, region or competence name holds one
    control = np.zeros(len(labels), dtype=bool)
    if _has_control_bytes(clean):  # rare: find the labels
        hits = pc.match_substring_regex(clean, _CONTROL)
        control = hits.to_numpy(zero_copy_only=False)
    blank = pc.equal(clean, "").to_numpy(zero_copy_only=False)
    drop = blank | control if issues is not None else blank
    if control.any() and issues is not None:
        values = series.to_numpy(dtype=object)
        for row in np.flatnonzero(control[codes] & (codes >= 0)):
            text = str(values[row])
            chars = sorted({c for c in text if unicodedata.category(c) == "Cc"})
            names = ", ".join(f"U+{ord(c):04X}" for c in chars)
            issues.append(
                (
                    int(row),
                    column or str(series.name),
                    _escape(text),
                    f"control character {names} in a key (a damaged or binary cell?)",
                    "control_character",
                )
            )
    if not changed and not drop.any() and all_text:
        return codes, labels, uniques
    # distinct cleaned texts in order of first appearance (Arrow keeps it)
    encoded = clean.dictionary_encode()
    distinct = len(encoded.dictionary)
    if not changed and not drop.any() and distinct == len(labels):
        return codes, labels, uniques
    # label i -> its cleaned text's position; drop blanks and bad keys, then
    # number the texts still used in order of first appearance
    to_text = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    used = np.zeros(distinct, dtype=bool)
    used[to_text[~drop]] = True
    position = np.cumsum(used) - 1
    remap = np.empty(len(labels) + 1, dtype=np.int64)
    remap[:-1] = np.where(drop, -1, position[to_text])
    remap[-1] = -1  # the missing code, -1, indexes this last slot
    codes = np.ascontiguousarray(remap[codes])
    texts = encoded.dictionary.filter(pa.array(used)).to_pylist()
    # the first label of each text, for the raw uniques
    kept = np.flatnonzero(~drop)
    _, first = np.unique(remap[kept], return_index=True)
    keep = kept[first]
    if all_text:
        uniques = pd.Index(texts, dtype=object)
    else:
        # what was given as text is kept as cleaned text; numbers stay numbers
        raw_kept = uniques[keep]
        uniques = pd.Index(
            [t if isinstance(u, str) else u for u, t in zip(raw_kept, texts, strict=True)],
            dtype=object,
        )
    return codes, texts, uniques


def _has_control_bytes(strings: Any) -> bool:
    """Whether an Arrow string array holds a C0 or C1 control character,
    from its UTF-8 bytes: C0 and DEL are the bytes 00-1F and 7F, which
    UTF-8 uses for nothing else; C1 (U+0080-U+009F) is C2 80 to C2 9F."""
    _, offsets_buf, data_buf = strings.buffers()
    if data_buf is None:
        return False
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)
    lo, hi = offsets[strings.offset], offsets[strings.offset + len(strings)]
    data = np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]
    if ((data < 0x20) | (data == 0x7F)).any():
        return True
    return bool(((data[:-1] == 0xC2) & (data[1:] >= 0x80) & (data[1:] <= 0x9F)).any())


#: Characters of Unicode category Cc, as an RE2 class.
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"


def _escape(text: str) -> str:
    """A value with its control characters shown as ``\\xNN``."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numeric(series: pd.Series, column: str, issues: list[Issue]) -> np.ndarray:
    """Float64 values with NaN for missing; non-numeric cells become issues."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_complex_dtype(series.dtype):
        for row in range(len(series)):
            issues.append((row, column, str(series.iloc[row]), "not a number", "invalid_type"))
        return np.full(len(series), np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.ascontiguousarray(values)
    raw = series.to_numpy()
    # True would become 1.0 and 2+1j would lose its imaginary part: neither
    # is a level
    odd = np.fromiter(
        (isinstance(v, bool | np.bool_ | complex | np.complexfloating) for v in raw),
        dtype=bool,
        count=len(raw),
    )
    if odd.any():
        series = series.where(~odd, "not a number")
    coerced = pd.to_numeric(series, errors="coerce")
    bad = coerced.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        for row in np.flatnonzero(bad):
            text = str(raw[row])
            if text.strip() == "":
                continue  # an empty cell is a missing answer
            issues.append((int(row), column, text, "not a number", "invalid_type"))
    return np.ascontiguousarray(coerced.to_numpy(dtype=np.float64, na_value=np.nan))
