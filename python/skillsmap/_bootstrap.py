"""Bootstrap intervals and rank stability of a gap table: the percentile
bootstrap over respondents that ``Survey.gaps(ci=…)`` adds. The core runs
it with the GIL released, reports progress to a tqdm bar and stops on
Ctrl-C; each replicate has its own seeded stream, so a seed gives the same
intervals whatever the thread count.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import _core
from ._checks import count, keys, number
from ._checks import seed as check_seed
from ._progress import progress_bar
from ._provenance import Provenance, attach

if TYPE_CHECKING:
    from ._survey import Survey


def add_intervals(
    survey: Survey,
    table: pd.DataFrame,
    *,
    ci: float,
    n_boot: int,
    seed: int | None,
    stratify: Any,
    top_k: int,
    progress: bool | None,
) -> pd.DataFrame:
    """``table`` (a gap table of ``survey``, changed in place) with the
    columns ``mean_gap_lo/hi``, ``mwds_lo/hi`` and ``p_top_k``, computed
    with the options of its provenance; the provenance records the run."""
    prov = Provenance.of(table)
    assert prov is not None and prov.kind == "gaps"
    n_boot = count("n_boot", n_boot, 0)  # the core wants at least one
    top_k = count("top_k", top_k, 1)
    seed = check_seed(secrets.randbits(63) if seed is None else seed)
    strata = keys(stratify)
    # short runs (under 2e8 answer-replicates) show no bar by default
    with progress_bar(
        progress, n_boot * survey.n_answers, "bootstrap", "replicate", total=n_boot, long_work=2e8
    ) as update:
        boot = _core.bootstrap(
            survey._inner,
            list(prov.by),
            level=prov.level,
            weights=bool(prov.weights),
            min_n=prov.min_n,
            importance_mean=prov.importance_mean,
            n_boot=n_boot,
            seed=seed,
            ci=number("ci", ci),
            top_k=top_k,
            stratify=strata or None,
            progress=update,
            borich=prov.borich,
        )
    pos = table.columns.get_loc("mean_gap") + 1
    table.insert(pos, "mean_gap_lo", boot["mean_gap_lo"])
    table.insert(pos + 1, "mean_gap_hi", boot["mean_gap_hi"])
    pos = table.columns.get_loc("mwds") + 1
    table.insert(pos, "mwds_lo", boot["mwds_lo"])
    table.insert(pos + 1, "mwds_hi", boot["mwds_hi"])
    table["p_top_k"] = boot["p_top_k"]
    return attach(
        table,
        prov.replace(ci=ci, n_boot=n_boot, seed=seed, stratify=tuple(strata), top_k=top_k),
    )
