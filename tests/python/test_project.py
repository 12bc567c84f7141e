"""The project's own files: citation metadata, changelog."""

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
