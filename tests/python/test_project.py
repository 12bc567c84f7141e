"""The project's own files: citation metadata, changelog, declared minimum versions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import skillsmap as sm

ROOT = Path(__file__).resolve().parents[2]


def test_citation_file_is_valid_cff_of_this_version():
    exe = shutil.which("cffconvert") or str(Path(sys.executable).parent / "cffconvert")
    done = subprocess.run(
        [exe, "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (ROOT / "CITATION.cff").read_text().splitlines()
    assert [ln for ln in lines if ln.startswith("version:")] == [f"version: {sm.__version__}"]


def test_changelog_has_an_unreleased_section_and_this_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    assert f"## [{sm.__version__}]" in text


def test_the_oldest_versions_tested_are_the_ones_declared():
    # `make min-versions` installs MIN_PINS; each must be the declared
    # lower bound's release (or a patch release of it), so that the
    # declaration in pyproject.toml is what CI tests.
    import re

    tomllib = __import__("pytest").importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["plot"]:
        name, bound = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", spec.split(";")[0]).groups()
        declared[name] = tuple(int(x) for x in bound.split("."))
    makefile = (ROOT / "Makefile").read_text()
    pins = dict(
        p.split("==") for p in re.search(r"^MIN_PINS := (.*)$", makefile, re.M).group(1).split()
    )
    assert set(pins) == set(declared)
    for name, version in pins.items():
        tested = tuple(int(x) for x in version.split("."))
        bound = declared[name]
        assert tested[: len(bound)] == bound, (
            f"{name}: pyproject declares >={bound}, make min-versions tests {version}"
        )


def test_classifiers_are_known_to_pypi():
    tomllib = __import__("pytest").importorskip("tomllib")
    from trove_classifiers import classifiers

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["classifiers"]
    assert [c for c in declared if c not in classifiers] == []
    assert not any(c.startswith("License ::") for c in declared)  # PEP 639: `license` says it
