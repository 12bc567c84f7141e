"""The provenance of result tables: one documented place
(``df.attrs["provenance"]``), immutable, cheap to copy, picklable, equal by
value, and enough for a figure to label a table without any global state."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey() -> sm.Survey:
    return sm.demo_survey(300, seed=0)


def _tables(survey: sm.Survey) -> dict[str, pd.DataFrame]:
    prof = survey.profiles("region")
    return {
        "gaps": survey.gaps("region", ci=0.9, n_boot=30, seed=1),
        "profiles": prof,
        "priorities": survey.priorities(),
        "paired_test": survey.paired_test(),
        "learning_matches": survey.learning_matches(n_boot=30),
        "similarity": sm.similarity(prof),
        "distance": sm.distance(prof),
        "communities": survey.cogap_network().communities(),
    }


def test_every_table_carries_its_provenance_and_nothing_else(survey):
    for kind, table in _tables(survey).items():
        assert set(table.attrs) == {"provenance"}, kind
        prov = sm.Provenance.of(table)
        assert prov is not None and prov.kind == kind
        assert prov.synthetic is True
        assert prov.framework == survey.framework


def test_fields_record_the_options(survey):
    p = sm.Provenance.of(survey.gaps("region", ci=0.9, n_boot=30, seed=5, stratify="region"))
    assert (p.by, p.level, p.ci, p.n_boot, p.seed, p.stratify) == (
        ("region",),
        "competence",
        0.9,
        30,
        5,
        ("region",),
    )
    assert p.names()["FI1D7"] == "Lapland"
    assert sm.Provenance.of(survey.profiles("region", "mwds")).value == "mwds"
    assert sm.Provenance.of(survey.priorities(crosshair="median")).crosshair == "median"
    m = survey.learning_matches(top=2, n_boot=30)
    assert sm.Provenance.of(m).top == 2 and sm.Provenance.of(m).by == ("region",)
    assert sm.Provenance.of(sm.similarity(survey.profiles("region"), "pearson")).metric == "pearson"


def test_immutable_shared_on_copy_picklable_and_equal_by_value(survey):
    g = survey.gaps("region")
    p = sm.Provenance.of(g)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.min_n = 3  # type: ignore[misc]
    # pandas deep-copies attrs on every operation: the provenance is shared
    assert copy.deepcopy(p) is p
    assert sm.Provenance.of(g[g["n"] > 0]) is p
    back = pickle.loads(pickle.dumps(g))
    assert sm.Provenance.of(back) == p and sm.Provenance.of(back) is not p
    assert hash(sm.Provenance.of(back)) == hash(p)
    assert p.replace(min_n=3) != p
    # concat keeps attrs only when the inputs' are equal
    assert sm.Provenance.of(pd.concat([g, back])) == p
    assert "provenance" not in pd.concat([g, survey.gaps("region", min_n=3)]).attrs


def test_sequences_and_names_are_frozen():
    p = sm.Provenance(kind="gaps", by=["region"], group_names={"ES22": "Navarra"})
    assert p.by == ("region",)
    assert p.group_names == (("ES22", "Navarra"),)
    assert sm.Provenance(by="region").by == ("region",)


def test_a_table_without_provenance_has_none():
    assert sm.Provenance.of(pd.DataFrame({"x": [1]})) is None
    assert sm.Provenance.of([1, 2]) is None


def test_repr_is_one_line_and_html_is_bounded(survey):
    p = sm.Provenance.of(survey.gaps("region"))
    text = repr(p)
    assert "\n" not in text and "framework='se-core'" in text and "<6 names>" in text
    assert p._repr_html_().count("<tr>") == len(p._shown())


def _custom(label: str) -> sm.Survey:
    """A small survey on a custom framework called "mine" whose competence
    labels start with ``label``."""
    rows = [{"id": f"k{i}", "label": f"{label}{i}", "area": f"a{i % 2}"} for i in range(4)]
    fw = sm.Framework.from_frame(pd.DataFrame(rows), id="mine")
    rng = np.random.default_rng(1)
    answers = [
        {
            "respondent": f"r{r}",
            "region": "ES22",
            "stakeholder_type": "cooperative",
            "competence": c,
            "current": 2,
            "required": int(rng.integers(2, 6)),
        }
        for r in range(12)
        for c in fw.competences["id"]
    ]
    return sm.Survey.from_frame(pd.DataFrame(answers), framework=fw)


def test_each_table_is_labelled_by_its_own_framework_whatever_ran_since():
    # two frameworks share an id: a process-wide registry by id would label
    # the first survey's table with the second's names
    first = _custom("First ").gaps()
    second = _custom("Second ").gaps()
    try:
        for table, word in ((first, "First "), (second, "Second ")):
            ax = sm.plot.borich_bars(table)
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert labels and all(t.startswith(word) for t in labels)
            ax = sm.plot.borich_bars(table, framework="mine")
            assert all(t.get_text().startswith(word) for t in ax.get_yticklabels())
        # and through a pickle, in a process that never saw the survey
        again = pickle.loads(pickle.dumps(first))
        ax = sm.plot.borich_bars(again)
        assert all(t.get_text().startswith("First ") for t in ax.get_yticklabels())
    finally:
        plt.close("all")
