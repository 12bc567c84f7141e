"""Gap scoring on a :class:`~skillsmap.Survey`: the gap table with Borich
MWDS, bootstrap intervals and rank stability, priority quadrants and paired
signed-rank tests. All heavy work runs in the Rust core without the GIL."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from ._frames import _text
from ._provenance import Provenance, attach, read
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._survey import Survey

_STATS = [
    "n",
    "n_missing",
    "mean_importance",
    "mean_required",
    "mean_current",
    "mean_gap",
    "mean_positive_gap",
    "relative_gap",
    "attainment",
    "normalised_gap",
    "mwds",
    "rank",
    "suppressed",
]


def _by(by: Any) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    keys = list(by)
    if not all(isinstance(k, str) for k in keys):
        raise TypeError(f"by must be None, a column name or a list of names, got {by!r}")
    return keys


def _count(name: str, value: Any, minimum: int) -> int:
    """An integer option, checked."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigurationError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_level(level: str) -> str:
    if level not in {"competence", "area"}:
        raise ConfigurationError(f"level must be 'competence' or 'area', got {level!r}")
    return level


def _frame_keys(survey: Survey, res: dict[str, Any], n_items: int) -> dict[str, np.ndarray]:
    """Group key columns repeated over items (cells are group-major).
    Attribute values come back as given (the core keeps their text)."""
    out = {}
    for key, values in zip(res["keys"], res["group_labels"], strict=True):
        original = survey._attribute_values.get(key)
        if original is not None:
            text = dict(zip((_text(v) for v in original), original, strict=True))
            values = [text.get(v, v) for v in values]
        out[key] = np.repeat(np.asarray(values, dtype=object), n_items)
    return out


def _items(survey: Survey, level: str, n_groups: int) -> dict[str, np.ndarray]:
    ids = survey._item_ids(level)
    return {name: np.tile(values, n_groups) for name, values in ids.items()}


@contextlib.contextmanager
def _progress_bar(total: int, show: bool | None, desc: str) -> Iterator[Any]:
    """A tqdm bar when asked for (or, by default, when tqdm is installed and
    the run is long); yields the update callback or None."""
    bar = None
    if show or show is None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if show:
                raise ConfigurationError("progress=True needs tqdm installed") from None
        else:
            bar = tqdm(total=total, desc=desc, unit="replicate", leave=False)
    try:
        yield None if bar is None else bar.update
    finally:
        if bar is not None:
            bar.close()


def _gap_frame(
    survey: Survey,
    by: Any,
    level: str,
    weights: bool,
    min_n: int,
    importance_mean: str,
    borich: str = "importance",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The gap table with its provenance, and the core's columns."""
    level = _check_level(level)
    keys = _by(by)
    min_n = _count("min_n", min_n, 0)
    res = _core.gap_table(
        survey._inner,
        keys,
        level=level,
        weights=weights,
        min_n=int(min_n),
        importance_mean=importance_mean,
        borich=borich,
    )
    n_items = res["n_items"]
    n_groups = len(res["group_sizes"])
    data: dict[str, Any] = {**_frame_keys(survey, res, n_items), **_items(survey, level, n_groups)}
    skip = set()
    if not survey._inner.has_importance or not res["borich_uses_importance"]:
        # the core's Ī is the mean of the Borich variable: it is a mean
        # importance only when importance is that variable
        skip.add("mean_importance")
    if not survey._inner.has_required:
        skip.add("mean_required")
    for col in _STATS:
        if col not in skip:
            data[col] = res[col]
    rank = np.asarray(res["rank"], dtype=np.int64)
    data["rank"] = pd.arrays.IntegerArray(rank, rank == 0)
    df = pd.DataFrame(data)
    # display names of the group values (all keys merged), for figures and reports
    names = {str(k): str(v) for key in keys for k, v in survey._group_names(key).items()}
    attach(
        df,
        Provenance(
            kind="gaps",
            framework=survey.framework,
            synthetic=survey.synthetic,
            source=survey.source,
            by=tuple(keys),
            group_names=names,
            level=level,
            weights=bool(weights and survey.has_weights),
            min_n=int(min_n),
            importance_mean=importance_mean,
            borich=borich,
            borich_variable="importance" if res["borich_uses_importance"] else "required",
            gap_target="required" if res["target_is_required"] else "importance",
        ),
    )
    return df, res


def gaps(
    survey: Survey,
    by: Any = None,
    *,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    ci: float | None = None,
    n_boot: int = 2000,
    seed: int | None = None,
    stratify: Any = None,
    top_k: int = 5,
    importance_mean: str = "complete",
    progress: bool | None = None,
    borich: str = "importance",
) -> pd.DataFrame:
    df, _ = _gap_frame(survey, by, level, weights, min_n, importance_mean, borich)
    if ci is None:
        return df
    if not 0 < ci < 1:
        raise ConfigurationError(f"ci must be in (0, 1), got {ci}")
    n_boot = _count("n_boot", n_boot, 1)
    top_k = _count("top_k", top_k, 1)
    if seed is None:
        seed = secrets.randbits(63)
    if not 0 <= int(seed) < 2**64:
        raise ConfigurationError(f"seed must be in [0, 2**64), got {seed}")
    strata = _by(stratify)
    if progress is None and n_boot * survey.n_answers < 2e8:
        progress = False  # short runs: no bar
    with _progress_bar(n_boot, progress, "bootstrap") as update:
        boot = _core.bootstrap(
            survey._inner,
            _by(by),
            level=level,
            weights=weights,
            min_n=int(min_n),
            importance_mean=importance_mean,
            n_boot=int(n_boot),
            seed=int(seed),
            ci=float(ci),
            top_k=int(top_k),
            stratify=strata or None,
            progress=update,
            borich=borich,
        )
    pos = df.columns.get_loc("mean_gap") + 1
    df.insert(pos, "mean_gap_lo", boot["mean_gap_lo"])
    df.insert(pos + 1, "mean_gap_hi", boot["mean_gap_hi"])
    pos = df.columns.get_loc("mwds") + 1
    df.insert(pos, "mwds_lo", boot["mwds_lo"])
    df.insert(pos + 1, "mwds_hi", boot["mwds_hi"])
    df["p_top_k"] = boot["p_top_k"]
    prov = read(df).replace(
        ci=ci, n_boot=int(n_boot), seed=int(seed), stratify=tuple(strata), top_k=top_k
    )
    return attach(df, prov)


def pivot(table: pd.DataFrame, value: str, *, mask_suppressed: bool = False) -> pd.DataFrame:
    """Group × item matrix of one column of a gap table: rows the groups in
    the table's order (a single row "all respondents" for a pooled table,
    a MultiIndex for several keys), columns the items in the table's order,
    ``attrs`` those of the table with the provenance of profiles of
    ``value``. With ``mask_suppressed`` suppressed cells are NaN whatever
    the column."""
    prov = read(table)
    keys = list(prov.by)
    item = "area" if prov.level == "area" else "competence"
    values = table[value].astype("float64")
    if mask_suppressed:
        values = values.where(~table["suppressed"].astype(bool))
    items = list(dict.fromkeys(table[item]))
    if not keys:
        wide = pd.DataFrame(
            [values.to_numpy()], index=pd.Index(["all respondents"]), columns=table[item]
        )
    else:
        groups = list(dict.fromkeys(map(tuple, table[keys].to_numpy())))
        wide = table.assign(_value=values).pivot(index=keys, columns=item, values="_value")
        index: Any = (
            [g[0] for g in groups]
            if len(keys) == 1
            else pd.MultiIndex.from_tuples(groups, names=keys)
        )
        wide = wide.reindex(index=index, columns=items)
    wide = wide.astype("float64")
    wide.columns.name = item
    wide.attrs.update(table.attrs)
    return attach(wide, prov.replace(kind="profiles", value=value))


def priorities(
    survey: Survey,
    by: Any = None,
    *,
    crosshair: str = "mean",
    top_k: int | None = None,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    importance_mean: str = "complete",
    borich: str = "importance",
) -> pd.DataFrame:
    if top_k is not None:
        top_k = _count("top_k", top_k, 1)
    table, res = _gap_frame(survey, by, level, weights, min_n, importance_mean, borich)
    prov = read(table)
    keys = list(prov.by)
    item = "area" if level == "area" else "competence"
    # x of both plots: the Borich variable (importance, else required)
    importance = np.asarray(res["mean_importance"], dtype=np.float64)
    n_items = res["n_items"]
    imp_scale = survey.importance_scale if prov.borich_variable == "importance" else survey.scale
    parts = []
    for g in range(len(res["group_sizes"])):
        sl = slice(g * n_items, (g + 1) * n_items)
        rank = np.ascontiguousarray(res["rank"][sl], dtype=np.uint32)
        q = _core.quadrants(
            np.ascontiguousarray(importance[sl]),
            np.ascontiguousarray(res["mean_gap"][sl]),
            np.ascontiguousarray(res["mean_current"][sl]),
            rank,
            crosshair=crosshair,
            current_scale=(survey.scale.min, survey.scale.max),
            importance_scale=(imp_scale.min, imp_scale.max),
            top_k=top_k,
        )
        part = table.iloc[sl][[*keys, item]].copy()
        part["importance"] = importance[sl]
        part["mean_current"] = res["mean_current"][sl]
        part["mean_gap"] = res["mean_gap"][sl]
        part["mwds"] = res["mwds"][sl]
        part["rank"] = table["rank"].iloc[sl].to_numpy()
        part["lff_quadrant"] = q["lff"]
        part["ipa_quadrant"] = q["ipa"]
        part["priority"] = pd.array(q["priority"], dtype="Int64")
        part["top_k"] = q["top_k"]
        part["lff_crosshair_importance"], part["lff_crosshair_gap"] = q["lff_crosshair"]
        part["ipa_crosshair_performance"], part["ipa_crosshair_importance"] = q["ipa_crosshair"]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.loc[table["suppressed"].to_numpy(), ["importance", "mean_current", "mean_gap", "mwds"]] = (
        np.nan
    )
    return attach(out, prov.replace(kind="priorities", crosshair=crosshair))


def paired_test(
    survey: Survey,
    by: Any = None,
    *,
    level: str = "competence",
    correction: bool = False,
) -> pd.DataFrame:
    level = _check_level(level)
    keys = _by(by)
    res = _core.paired_tests(survey._inner, keys, level=level, correction=bool(correction))
    fw = survey.framework
    n_items = len(fw.areas) if level == "area" else len(fw)
    n_groups = len(res["group_sizes"])
    data: dict[str, Any] = {**_frame_keys(survey, res, n_items), **_items(survey, level, n_groups)}
    for col in ("n", "n_nonzero", "r_plus", "r_minus", "statistic", "z", "p_value"):
        data[col] = res[col]
    df = pd.DataFrame(data)
    variable = "importance" if survey._inner.has_importance else "required"
    test = (
        f"scipy.stats.wilcoxon({variable}, current, zero_method='wilcox', "
        f"correction={bool(correction)}, method='asymptotic'), two-sided"
    )
    names = {str(k): str(v) for key in keys for k, v in survey._group_names(key).items()}
    return attach(
        df,
        Provenance(
            kind="paired_test",
            framework=fw,
            synthetic=survey.synthetic,
            source=survey.source,
            by=tuple(keys),
            group_names=names,
            level=level,
            test=test,
        ),
    )
