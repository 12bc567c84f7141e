"""Conversion of user tables into the columns the Rust core validates.

Accepts pandas and polars DataFrames, anything exposing the Arrow PyCapsule
stream interface (``__arrow_c_stream__``), and mappings of columns. String
keys are factorised once here; the core resolves each distinct value once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

Issue = tuple["int | None", str, str, str]


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


def categorical(series: pd.Series) -> tuple[np.ndarray, list[str], pd.Index]:
    """Codes (int64, -1 = missing), their labels as text, and the raw uniques."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = pd.Index(uniques)
    labels = [_text(u) for u in uniques]
    return np.ascontiguousarray(codes, dtype=np.int64), labels, uniques


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numeric(series: pd.Series, column: str, issues: list[Issue]) -> np.ndarray:
    """Float64 values with NaN for missing; non-numeric cells become issues."""
    if pd.api.types.is_bool_dtype(series.dtype):
        for row in range(len(series)):
            issues.append((row, column, str(series.iloc[row]), "not a number"))
        return np.full(len(series), np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.ascontiguousarray(values)
    coerced = pd.to_numeric(series, errors="coerce")
    bad = coerced.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        raw = series.to_numpy()
        for row in np.flatnonzero(bad):
            text = str(raw[row])
            if text.strip() == "":
                continue  # an empty cell is a missing answer
            issues.append((int(row), column, text, "not a number"))
    return np.ascontiguousarray(coerced.to_numpy(dtype=np.float64, na_value=np.nan))
