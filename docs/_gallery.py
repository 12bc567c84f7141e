"""The figures gallery: every drawing helper of :mod:`skillsmap.plot`, run on
the synthetic demo survey when the docs are built, saved as PNG into
``_generated/figures/`` with the page ``_generated/gallery.md`` that shows
each figure under the code that drew it (the code shown is the code run).

A helper added to ``skillsmap.plot.__all__`` without an entry here fails
the build, so the gallery cannot fall behind the package.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

# Names in skillsmap.plot.__all__ that draw nothing.
NOT_FIGURES = {"OKABE_ITO", "SYNTHETIC_NOTE", "leaf_order"}

SETUP = """\
import skillsmap as sm

survey = sm.demo_survey(600, seed=0)      # synthetic
profiles = survey.profiles(by="region")   # region × competence mean gaps
"""

# (helper, title, what it shows, code) — the code leaves the Axes in `ax`.
FIGURES = [
    (
        "gap_heatmap",
        "Gap heatmap",
        "Mean gap (required − current) per region and competence; a diverging "
        "palette centred on 0, competences grouped by area.",
        "ax = sm.plot.gap_heatmap(profiles)",
    ),
    (
        "radar",
        "Radar of profiles",
        "Gap profiles of a few regions over the competence areas' items.",
        'ax = sm.plot.radar(profiles, entities=["ES22", "FI1D7", "ITH5"])',
    ),
    (
        "borich_bars",
        "Borich priorities with intervals",
        "The competences with the highest mean weighted discrepancy score (MWDS), "
        "with percentile-bootstrap 95 % intervals.",
        "gaps = survey.gaps(ci=0.95, n_boot=200, seed=0)\nax = sm.plot.borich_bars(gaps, top=12)",
    ),
    (
        "ipa",
        "Importance–performance analysis",
        "Mean current level (performance) against importance, crosshair at the means "
        "(Martilla & James 1977).",
        "ax = sm.plot.ipa(survey.priorities())",
    ),
    (
        "locus_for_focus",
        "Locus for Focus",
        "Importance against mean gap; the upper-right quadrant (HH) is the first "
        "training priority.",
        "ax = sm.plot.locus_for_focus(survey.priorities())",
    ),
    (
        "similarity_clustermap",
        "Similarity clustermap",
        "Cosine similarity of the regions' gap profiles, ordered by average-linkage "
        "clustering, with the dendrogram.",
        'ax = sm.plot.similarity_clustermap(sm.similarity(profiles, "cosine"))',
    ),
    (
        "learning_matches",
        "Learning matches",
        "Who could learn what from whom: per competence, regions with the largest "
        "gaps paired with those that master it best.",
        "ax = sm.plot.learning_matches(survey.learning_matches(n_boot=200))",
    ),
    (
        "gap_difference",
        "A region against the others",
        "From a regional diagnosis ({doc}`/diagnoses`): per competence, Lapland's mean "
        "gap minus the other regions' with its Welch interval; dark bars differ after "
        "Holm's adjustment. In Finnish, the region's language.",
        "import tempfile\n"
        "import pandas as pd\n"
        'rep = sm.diagnosis(survey, "FI1D7", tempfile.mkdtemp(), n_boot=100, progress=False)\n'
        'diff = pd.read_csv(rep.tables["differences"])\n'
        'ax = sm.plot.gap_difference(diff, framework=survey.framework, region="Lappi", lang="fi")',
    ),
    (
        "skills_network",
        "Co-gap network",
        "Competences linked when respondents have gaps on both, noise-corrected "
        "backbone (Coscia & Neffke 2017); node size is the mean gap.",
        'net = survey.cogap_network(1.0, backbone="noise_corrected")\n'
        "ax = sm.plot.skills_network(net)",
    ),
]


def draw(docs: Path) -> None:
    """Draw every figure and write the gallery page."""
    import matplotlib.pyplot as plt
    import skillsmap as sm

    helpers = set(sm.plot.__all__) - NOT_FIGURES
    listed = {name for name, *_ in FIGURES}
    if helpers != listed:
        raise RuntimeError(
            f"docs/_gallery.py lists {sorted(listed)} but skillsmap.plot draws "
            f"{sorted(helpers)}: add or remove gallery entries"
        )
    out = docs / "_generated"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    namespace: dict = {}
    exec(SETUP, namespace)
    page = [
        "# Figures gallery",
        "",
        "Every drawing helper of `skillsmap.plot`, drawn from the synthetic demo survey "
        "when this site was built (the titles say the data are synthetic). Each helper "
        "takes a result table, an optional `ax=`, returns the Axes and never calls "
        "`plt.show()`; see {doc}`/api` for their options.",
        "",
        "All figures below start from:",
        "",
        "```python",
        SETUP.rstrip(),
        "```",
        "",
    ]
    for name, title, what, code in FIGURES:
        exec(code, namespace)
        fig = namespace["ax"].figure
        fig.savefig(out / "figures" / f"{name}.png", dpi=90, bbox_inches="tight")
        plt.close("all")
        page += [
            f"(gallery-{name})=",
            f"## {title}",
            "",
            f"{what} — {{func}}`skillsmap.plot.{name}`",
            "",
            "```python",
            code,
            "```",
            "",
            f"```{{image}} figures/{name}.png",
            f":alt: {title} of the synthetic demo survey",
            "```",
            "",
        ]
    (out / "gallery.md").write_text("\n".join(page), encoding="utf-8")
    print(f"gallery: {len(FIGURES)} figures in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    draw(Path(__file__).resolve().parent)
    print(textwrap.shorten(str(sorted(n for n, *_ in FIGURES)), 200))
