"""The Survey class itself: what it stores, and the one internal interface
that the analysis modules, the figures and the report may use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


# -- the summary in a language ------------------------------------------------------


def _hand_built(target: str) -> sm.Survey:
    """Eight weighted respondents in four of the six regions; the first area
    complete with a mean gap of 3/40 = 0.075, a tie whose float (0.07499…)
    rounds down where its repr would round up; two competences of each
    middle area with missing current and target levels; the last area
    unanswered (a NaN mean); ``target`` is ``required`` or ``importance``."""
    import numpy as np
    import pandas as pd

    fw = sm.frameworks.load("se-core").competences
    by_area = fw.groupby("area", sort=False)["id"].apply(list)
    first, middle = by_area.iloc[0], [c for cs in by_area.iloc[1:-1] for c in cs[:2]]
    people = [
        ("a", "ES22", "cooperative", 0.5),
        ("b", "ES22", "wise", 2.0),
        ("c", "FI1D7", "wise", 1.0),
        ("d", "FI1D7", "public_authority", 3.25),
        ("e", "ITH5", "association", 1.0),
        ("f", "SI032", "finance_provider", 0.75),
        ("g", "FI1D7", "cooperative", 1.5),
        ("h", "ITH5", "cooperative", 1.0),
    ]
    rows = []
    for i, (rid, region, stype, w) in enumerate(people):
        for j, comp in enumerate(first):
            gap = 1.0 if (i, j) in {(0, 0), (3, 2), (6, 4)} else 0.0
            rows.append((rid, region, stype, comp, 2.0 + j % 3, 2.0 + j % 3 + gap, w))
        for j, comp in enumerate(middle):
            cur = 1.0 + (i * 3 + j) % 5
            rows.append((rid, region, stype, comp, cur, min(5.0, cur + (i + 2 * j) % 3), w))
    columns = ["respondent", "region", "stakeholder_type", "competence", "current", target]
    df = pd.DataFrame(rows, columns=[*columns, "weight"])
    later = df["competence"].isin(middle)
    df.loc[df.index[later][[1, 10, 20]], "current"] = np.nan
    df.loc[df.index[later][[2, 10, 33, 40]], target] = np.nan
    if target == "required":
        return sm.Survey.from_frame(df, weight="weight")
    return sm.Survey.from_frame(df, required=None, importance="importance", weight="weight")


def _tokens(line: str) -> list[str]:
    """A line's words and numbers, English grouping commas and the dash of a
    missing number read as the core prints them."""
    line = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", line).replace("–", "NaN")
    return line.split()


@pytest.fixture(scope="module", params=["demo", "required", "importance"])
def summarised(request) -> sm.Survey:
    if request.param == "demo":
        return sm.demo_survey(1200, seed=0)
    return _hand_built(request.param)


def test_summary_without_a_language_is_the_cores_text(summarised):
    assert summarised.summary() == summarised._inner.summary()
    assert summarised.summary(lang=None) == summarised._inner.summary()


def test_the_english_summary_has_the_cores_words_and_numbers_line_by_line(summarised):
    # two formatters of one summary (the core's and _summary.py's): they
    # must not drift apart, in a count, a mean's rounding or a label
    core = summarised.summary().splitlines()
    english = summarised.summary(lang="en").splitlines()
    assert len(english) == len(core)
    for ours, theirs in zip(english, core, strict=True):
        assert _tokens(ours) == _tokens(theirs), (ours, theirs)


def test_the_hand_built_survey_exercises_what_the_comparison_is_for():
    text = _hand_built("required").summary()
    assert "(3 missing current, 4 missing target)" in text  # one answer misses both
    assert "0.07  (n = 40)" in text  # 0.075 as a float is below the tie
    assert "NaN  (n = 0)" in text  # the area nobody answered
    assert "Murcia" not in text  # regions without respondents are left out
    assert "SYNTHETIC" not in text


def _numbers(text: str, code: str) -> list[float]:
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

    text = text.replace("–", " nan ")
    text = text.replace(get_group_symbol(code), "").replace(get_minus_sign_symbol(code), "-")
    text = text.replace(get_decimal_symbol(code), ".")
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?|\bnan\b", text)]


@pytest.mark.parametrize("code", ["es", "fr", "sl", "fi", "it"])
def test_a_translated_summary_has_the_english_numbers_in_the_language(summarised, code):
    import numpy as np

    english = summarised.summary(lang="en")
    text = summarised.summary(lang=code)
    assert len(text.splitlines()) == len(english.splitlines())
    # the numbers of every line, in the language's format, are the English ones
    for ours, theirs in zip(text.splitlines(), english.splitlines(), strict=True):
        np.testing.assert_array_equal(_numbers(ours, code), _numbers(theirs, "en"))
    assert "Mean gap" not in text and "Respondents per region" not in text


def test_the_finnish_summary_of_the_demo():
    s = sm.demo_survey(200, seed=3)
    text = s.summary(lang="fi")
    lines = text.splitlines()
    assert lines[0] == "SYNTEETTINEN ESITTELYAINEISTO — ei todellisia kyselyvastauksia"
    assert lines[1].startswith("Kysely: 200 vastaajaa, 6\xa0400 vastausta (")
    assert "Vastaajat alueittain × sidosryhmätyypeittäin:" in lines
    assert "(sarakkeet: Osuusk = Osuuskunta; " in text
    # area names from the framework's Finnish labels, means with a decimal comma
    areas = sm.frameworks.load("se-core").areas
    start = lines.index("Keskimääräinen puute (tavoite − nyky) osaamisalueittain:")
    for line, label in zip(lines[start + 1 :], areas["label_fi"], strict=True):
        assert line.strip().startswith(label)
        assert re.search(r"  -?\d+,\d\d  \(n = [\d\xa0]+\)$", line), line
    # the column of totals is as wide as the Finnish word
    header = next(x for x in lines if x.endswith("yhteensä"))
    assert all(len(x) == len(header) for x in lines if x.startswith(("Navarra", "Lapland")))


def test_summary_refuses_an_unknown_language():
    with pytest.raises(sm.ConfigurationError, match="supported: en, es, fr, sl, fi, it"):
        sm.demo_survey(20, seed=0).summary(lang="de")
