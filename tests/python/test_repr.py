"""Every object a notebook shows has a one-line ``repr`` and a bounded
``_repr_html_`` that shows what a researcher needs first: counts, the
framework, and a banner when the data are synthetic (STYLE.md, 8)."""

from __future__ import annotations

import html

import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey() -> sm.Survey:
    # the default demo size: what a notebook shows first
    return sm.demo_survey(seed=0)


POPULATION = {"ES22": 100, "ES62": 150, "FRI": 300, "SI032": 80, "FI1D7": 70, "ITH5": 300}

OBJECTS = {
    "survey": lambda s: s,
    "skills_map": lambda s: s.skills_map(),
    "cogap_network": lambda s: s.cogap_network(1.0),
    "backbone": lambda s: s.cogap_network(1.0, backbone="noise_corrected"),
    "framework": lambda s: s.framework,
    "regions": lambda s: s.regions,
    "typology": lambda s: s.typology,
    "scale": lambda s: s.scale,
    "provenance": lambda s: sm.Provenance.of(s.gaps()),
    "questionnaire": lambda s: sm.Questionnaire(languages=("en", "es")),
    "weighting": lambda s: s.rake({"region": POPULATION}).weighting,
}
# objects made from the survey's data say when it is synthetic
SURVEY_DATA = {"survey", "skills_map", "cogap_network", "backbone", "provenance"}


@pytest.mark.parametrize("name", OBJECTS)
def test_repr_is_one_readable_line(survey, name):
    obj = OBJECTS[name](survey)
    text = repr(obj)
    assert "\n" not in text
    assert text.startswith(type(obj).__name__ + "(")
    assert " object at 0x" not in text
    assert len(text) < 400


@pytest.mark.parametrize("name", OBJECTS)
def test_html_is_bounded_and_says_what_it_shows(survey, name):
    obj = OBJECTS[name](survey)
    shown = obj._repr_html_()
    assert isinstance(shown, str) and shown.startswith("<")
    # bounded: a 1,200-respondent survey or a 496-edge network shows a summary
    assert len(shown) < 20_000, len(shown)
    if name in SURVEY_DATA:
        assert "ynthetic" in shown
        assert "se-core" in shown


def test_survey_html_shows_counts(survey):
    shown = survey._repr_html_()
    assert "1200 respondents" in shown and "38400 answers" in shown


def test_map_and_network_html_show_counts(survey):
    m = survey.skills_map()
    assert f"{m.node_count} nodes" in m._repr_html_()
    net = survey.cogap_network(1.0)
    assert f"{len(net.edges)} edges" in net._repr_html_()
    assert "more edges" in net._repr_html_()


def test_html_escapes_user_text():
    regions = sm.Regions.from_frame({"id": ["<b>X</b>"], "name": ["<script>"]}, id="<i>r</i>")
    shown = regions._repr_html_()
    assert "<script>" not in shown and html.escape("<script>") in shown
