"""The Survey class itself: what it stores, and the one internal interface
that the analysis modules, the figures and the report may use."""

from __future__ import annotations

import re
from pathlib import Path

import skillsmap as sm

# The internal interface documented on Survey (see its Notes section).
INTERFACE = {
    "_inner",
    "_item_ids",
    "_key_values",
    "_group_names",
    "_cache",
    "_with_weights",
    "_from_rows",
}


def test_modules_reach_a_survey_only_through_its_documented_interface():
    package = Path(sm.__file__).parent
    used: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        if path.name == "_survey.py":
            continue
        names = set(re.findall(r"survey\.(_\w+)", path.read_text(encoding="utf-8")))
        if names - INTERFACE:
            used[str(path.relative_to(package))] = names - INTERFACE
    assert used == {}


def test_the_internal_interface_is_documented_on_the_class():
    doc = sm.Survey.__doc__ or ""
    for name in INTERFACE:
        assert f"``{name}" in doc, name


def test_len_is_the_number_of_answers():
    s = sm.demo_survey(20, seed=0)
    assert len(s) == s.n_answers == len(s.to_frame())


def test_analyses_are_the_functions_of_their_modules():
    from skillsmap import _gaps, _ingest, _matches, _paired, _priorities, _profiles

    # bound as they are, or wrapped only to return the chosen table type
    # (sm.set_output), the wrapper keeping the module's function
    def unwrapped(f):
        return getattr(f, "__wrapped__", f)

    assert unwrapped(sm.Survey.gaps) is _gaps.gaps
    assert unwrapped(sm.Survey.profiles) is _profiles.profiles
    assert unwrapped(sm.Survey.priorities) is _priorities.priorities
    assert unwrapped(sm.Survey.paired_test) is _paired.paired_test
    assert unwrapped(sm.Survey.learning_matches) is _matches.learning_matches
    assert sm.Survey.from_frame.__func__ is _ingest.from_frame
    assert sm.Survey.from_wide.__func__ is _ingest.from_wide
    # their documentation is the method's
    assert "Borich" in (sm.Survey.gaps.__doc__ or "")
