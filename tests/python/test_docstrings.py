"""Every public callable of skillsmap has a numpydoc docstring with the
sections a reader needs: Parameters (each one documented, none unknown),
Returns when it returns something, See Also and Examples (which
test_docs.py runs). Checked with numpydoc's own validator, the one the
docs build renders with.

Properties are attributes, not callables: they need a summary only.
Classes built by the library (a Survey from ``from_frame``, a map from
``skills_map``) take internal constructor arguments, which are not
documented as parameters.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest
import skillsmap
from numpydoc.validate import validate

# The checks of numpydoc.validate that this test enforces.
CALLABLE_CHECKS = {"GL08", "SS01", "PR01", "PR02", "RT01", "SA01", "EX01"}
CLASS_CHECKS = {"GL08", "SS01", "PR01", "PR02", "SA01", "EX01"}
PROPERTY_CHECKS = {"GL08", "SS01"}

# Classes whose instances the library makes (their constructor arguments
# are internal) and exceptions (raised by the library, caught by users).
LIBRARY_MADE = {
    "skillsmap.CoGapNetwork",
    # made by its from_survey, empty and from_bytes (a Rust binding)
    "skillsmap.dask.GapPartial",
    "skillsmap.Framework",
    # a dataclass whose fields are documented as Attributes
    "skillsmap.Provenance",
    "skillsmap.Regions",
    "skillsmap.SkillsMap",
    "skillsmap.Survey",
    "skillsmap.Typology",
    "skillsmap.frameworks.Framework",
}

# Survey methods are functions of their analysis module taking the survey
# first (ARCHITECTURE.md); that parameter is `self` to the reader.
SELF_NAMES = {"survey"}


def _members(qualname: str, cls: type) -> list[tuple[str, str]]:
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property) or inspect.isdatadescriptor(value):
            out.append((f"{qualname}.{name}", "property"))
        elif callable(value) or isinstance(value, classmethod | staticmethod):
            out.append((f"{qualname}.{name}", "callable"))
    # sorted: a compiled class's attribute order can differ between
    # processes, and pytest-xdist's workers must collect the same tests
    return sorted(out)


def public_objects() -> list[tuple[str, str]]:
    """(qualified name, kind) of every public object to check."""
    found: list[tuple[str, str]] = []
    for name in skillsmap.__all__:
        obj = getattr(skillsmap, name)
        qual = f"skillsmap.{name}"
        if inspect.ismodule(obj):
            for sub in getattr(obj, "__all__", []):
                member = getattr(obj, sub)
                if inspect.isclass(member):
                    found.append((f"{qual}.{sub}", "class"))
                    found += _members(f"{qual}.{sub}", member)
                elif callable(member):
                    found.append((f"{qual}.{sub}", "callable"))
        elif inspect.isclass(obj):
            kind = "exception" if issubclass(obj, BaseException) else "class"
            found.append((qual, kind))
            if kind == "class":
                found += _members(qual, obj)
        elif callable(obj):
            found.append((qual, "callable"))
    # skillsmap.dask is not imported by skillsmap (the dask extra)
    dask_module = importlib.import_module("skillsmap.dask")
    for sub in dask_module.__all__:
        member = getattr(dask_module, sub)
        qual = f"skillsmap.dask.{sub}"
        if inspect.isclass(member) and issubclass(member, BaseException):
            found.append((qual, "exception"))
        elif inspect.isclass(member):
            found.append((qual, "class"))
            found += _members(qual, member)
        else:
            found.append((qual, "callable"))
    return found


def problems(qualname: str, kind: str) -> list[str]:
    checks = {
        "callable": CALLABLE_CHECKS,
        "class": CLASS_CHECKS,
        "exception": CLASS_CHECKS - {"PR01", "PR02"},
        "property": PROPERTY_CHECKS,
    }[kind]
    if qualname in LIBRARY_MADE:
        checks = checks - {"PR01", "PR02"}
    out = []
    for code, message in validate(qualname)["errors"]:
        if code not in checks:
            continue
        if code == "PR01":
            missing = ast.literal_eval(message[message.index("{") : message.index("}") + 1])
            if not set(missing) - SELF_NAMES:
                continue
        out.append(f"{code} {message}")
    return out


OBJECTS = public_objects()


def test_the_check_covers_the_api():
    names = {q for q, _ in OBJECTS}
    assert {"skillsmap.Survey.gaps", "skillsmap.read_survey", "skillsmap.SkillsMap.save"} <= names
    assert len(OBJECTS) > 100


@pytest.mark.parametrize(("qualname", "kind"), OBJECTS, ids=[q for q, _ in OBJECTS])
def test_numpydoc_sections(qualname, kind):
    assert problems(qualname, kind) == []
