"""Publication-ready skills-mapping figures (matplotlib).

Every helper takes the library's own results (gap tables, priorities,
profiles, similarity matrices, the co-gap network), accepts ``ax=None``
(a new figure) or an existing Axes, returns the Axes and never calls
``plt.show()``. matplotlib is imported only when a helper runs
(``pip install 'skillsmap[plot]'``). Palettes are colour-blind safe:
cividis for levels and similarities, ColorBrewer RdBu centred on 0 for
signed gaps, Okabe–Ito for categories. Figures drawn from synthetic data say
"synthetic demonstration data" in their title.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import skillsmap as sm
>>> survey = sm.demo_survey(300, seed=0)
>>> ax = sm.plot.gap_heatmap(survey.profiles(by="region"))
>>> "synthetic demonstration data" in ax.get_title()
True
>>> ax = sm.plot.borich_bars(survey.gaps(ci=0.95, n_boot=200, seed=0), top=10)
>>> len(ax.patches)
10
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .._output import labelled_frame, pandas_inside
from ._common import OKABE_ITO, SYNTHETIC_NOTE
from ._difference import gap_difference
from ._gaps import borich_bars, gap_heatmap, radar
from ._network import skills_network
from ._priorities import ipa, locus_for_focus
from ._similarity import leaf_order, learning_matches, similarity_clustermap


def _tables_in(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The helper taking pandas or polars tables (polars ones, as skillsmap
    returns them, are read back as pandas with their provenance) and,
    inside, working on pandas whatever sm.set_output says."""

    @functools.wraps(fn)
    def helper(*args: Any, **kwargs: Any) -> Any:
        args = tuple(labelled_frame(a) for a in args)
        kwargs = {k: labelled_frame(v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    return pandas_inside(helper)


borich_bars = _tables_in(borich_bars)
gap_difference = _tables_in(gap_difference)
gap_heatmap = _tables_in(gap_heatmap)
radar = _tables_in(radar)
skills_network = _tables_in(skills_network)
ipa = _tables_in(ipa)
locus_for_focus = _tables_in(locus_for_focus)
learning_matches = _tables_in(learning_matches)
similarity_clustermap = _tables_in(similarity_clustermap)

__all__ = [
    "OKABE_ITO",
    "SYNTHETIC_NOTE",
    "borich_bars",
    "gap_difference",
    "gap_heatmap",
    "ipa",
    "leaf_order",
    "learning_matches",
    "locus_for_focus",
    "radar",
    "similarity_clustermap",
    "skills_network",
]
