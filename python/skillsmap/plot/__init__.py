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

from ._common import OKABE_ITO, SYNTHETIC_NOTE
from ._gaps import borich_bars, gap_heatmap, radar
from ._network import skills_network
from ._priorities import ipa, locus_for_focus
from ._similarity import leaf_order, learning_matches, similarity_clustermap

__all__ = [
    "OKABE_ITO",
    "SYNTHETIC_NOTE",
    "borich_bars",
    "gap_heatmap",
    "ipa",
    "leaf_order",
    "learning_matches",
    "locus_for_focus",
    "radar",
    "similarity_clustermap",
    "skills_network",
]
