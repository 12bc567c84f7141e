"""Run the examples in every public docstring of the package as tests."""

import doctest
import importlib

import pytest

MODULES = [
    "skillsmap",
    "skillsmap._compare",
    "skillsmap._core",  # the binding's classes (Scale) carry examples too
    "skillsmap._demo",
    "skillsmap._exports",
    "skillsmap._files",
    "skillsmap._gaps",
    "skillsmap._i18n",
    "skillsmap._ingest",
    "skillsmap._map",
    "skillsmap._matches",
    "skillsmap._model",
    "skillsmap._output",
    "skillsmap._multitest",
    "skillsmap._network",
    "skillsmap._paired",
    "skillsmap._priorities",
    "skillsmap._profiles",
    "skillsmap._provenance",
    "skillsmap._questionnaire",
    "skillsmap._relatedness",
    "skillsmap._reliability",
    "skillsmap._similarity",
    "skillsmap._summary",
    "skillsmap._survey",
    "skillsmap._weights",
    "skillsmap.dask",
    "skillsmap.errors",
    "skillsmap.frameworks",
    "skillsmap.plot",
    # the helpers' own examples (sm.plot re-exports wrappers, which doctest
    # does not look into), each drawing in another language
    "skillsmap.plot._difference",
    "skillsmap.plot._gaps",
    "skillsmap.plot._network",
    "skillsmap.plot._priorities",
    "skillsmap.plot._similarity",
    "skillsmap.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"no examples found in {name}"
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"


def test_every_module_with_examples_is_listed():
    import pkgutil

    import skillsmap

    found = {
        f"skillsmap.{m.name}"
        for m in pkgutil.iter_modules(skillsmap.__path__)
        if m.name not in {"__main__", "cli", "_core"}
    }
    with_examples = {
        name
        for name in found
        if doctest.DocTestFinder().find(importlib.import_module(name))
        and any(t.examples for t in doctest.DocTestFinder().find(importlib.import_module(name)))
    }
    assert with_examples <= set(MODULES)
