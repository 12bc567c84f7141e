"""skillsmap — skills-mapping analytics for the social economy.

A Rust core (validated survey model, competence frameworks, synthetic data,
gap scoring) with a pandas-first Python API.

Examples
--------
>>> import skillsmap as sm
>>> survey = sm.demo_survey(n_respondents=200, seed=0)
>>> survey.synthetic
True
>>> sm.frameworks.load("entrecomp").competences.shape[0]
15
"""

from __future__ import annotations

from . import frameworks, plot
from ._core import __version__
from ._demo import demo_survey
from ._ingest import read_survey
from ._map import SkillsMap
from ._model import Framework, Regions, Scale, Typology
from ._multitest import p_adjust
from ._network import CoGapNetwork
from ._output import get_output, output_context, set_output
from ._provenance import Provenance
from ._questionnaire import MissingTranslationWarning, Questionnaire
from ._relatedness import density, proximity, rca
from ._similarity import distance, simd_path, similarity, top_k
from ._survey import Survey
from .errors import (
    ConfigurationError,
    ConvergenceError,
    DefinitionError,
    FormatError,
    SkillsMapError,
    UnknownNameError,
    ValidationError,
)
from .report import diagnoses, diagnosis, report

__all__ = [
    "CoGapNetwork",
    "ConfigurationError",
    "ConvergenceError",
    "DefinitionError",
    "FormatError",
    "Framework",
    "MissingTranslationWarning",
    "Provenance",
    "Questionnaire",
    "Regions",
    "Scale",
    "SkillsMap",
    "SkillsMapError",
    "Survey",
    "Typology",
    "UnknownNameError",
    "ValidationError",
    "__version__",
    "demo_survey",
    "density",
    "diagnoses",
    "diagnosis",
    "distance",
    "frameworks",
    "get_output",
    "output_context",
    "p_adjust",
    "plot",
    "proximity",
    "rca",
    "read_survey",
    "report",
    "set_output",
    "simd_path",
    "similarity",
    "top_k",
]
