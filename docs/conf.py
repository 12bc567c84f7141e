"""Sphinx configuration of the skillsmap documentation (``make docs``).

Sphinx rather than MkDocs: the docstrings are numpydoc (STYLE.md), and the
numpydoc extension both renders them and validates them
(tests/python/test_docstrings.py uses the same ``numpydoc.validate``);
autodoc/autosummary import the real package, so the API pages document the
objects users get, including those defined in the compiled extension; and
myst-nb renders the notebooks of notebooks/ as pages.

Notebooks are not executed here when the test suite already executed them:
tests/python/test_notebooks.py saves each executed copy into
target/notebooks/ with the hash of its source, and ``_notebooks.py`` uses
that copy when the hash matches. Otherwise (``make docs`` alone) myst-nb
executes the stripped notebook itself, so the pages always show outputs.
The figures gallery is drawn once per build by ``_gallery.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import _gallery  # noqa: E402
import _notebooks  # noqa: E402
import skillsmap  # noqa: E402

project = "skillsmap"
author = "The skillsmap contributors"
copyright = "the skillsmap contributors, MIT licence"
release = skillsmap.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "README.md", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc sections give the types
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False  # autosummary lists them
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- notebooks ----------------------------------------------------------------
# "auto": run a notebook only when it has no outputs (none from the tests).
nb_execution_mode = "auto"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skillsmap {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []


def _check_api_pages() -> None:
    """Every name of skillsmap.__all__ is on the API page (or said to be)."""
    text = (HERE / "api.rst").read_text(encoding="utf-8")
    missing = [n for n in skillsmap.__all__ if n not in text]
    if missing:
        raise RuntimeError(f"docs/api.rst does not document {missing}")


def setup(app):
    _check_api_pages()
    _notebooks.collect(HERE)
    _gallery.draw(HERE)
