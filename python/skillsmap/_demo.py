"""The synthetic demonstration survey (:func:`skillsmap.demo_survey`): the
core's seeded generator of RESEES-shaped data, labelled synthetic wherever
it appears."""

from __future__ import annotations

import os
from typing import Any

from . import _core
from ._checks import count, number
from ._checks import seed as check_seed
from ._ingest import as_framework, as_region_set, as_typology
from ._model import Framework
from ._survey import Survey

__all__ = ["demo_survey"]


def demo_survey(
    n_respondents: int = 1200,
    seed: int = 0,
    *,
    missing_rate: float = 0.07,
    importance: bool = True,
    weights: bool = True,
    framework: str | os.PathLike[str] | Framework = "se-core",
    regions: Any = "resees",
    typology: Any = "se-default",
) -> Survey:
    """A seeded synthetic RESEES-shaped survey (labelled synthetic).

    The six RESEES regions, the default stakeholder typology and the
    illustrative ``se-core`` framework, with region and stakeholder-type
    effects, correlated competence areas and about 7 % missing answers.
    Identical for a seed whatever the number of threads.

    Parameters
    ----------
    n_respondents : int
        Number of respondents; each answers every competence.
    seed : int
        Random seed.
    missing_rate : float
        Mean share of missing levels, in ``[0, 0.5)``.
    importance, weights : bool
        Whether to generate importance ratings and survey weights.
    framework, regions, typology
        What to generate answers for (defaults: ``se-core``, the six RESEES
        regions, the default typology); any :class:`Framework`,
        :class:`Regions` or :class:`Typology` (or what :meth:`Survey.from_frame`
        accepts for them) makes surveys of other shapes, e.g. for benchmarks.

    Returns
    -------
    Survey
        Marked synthetic (:attr:`Survey.synthetic`), as every table and
        figure made from it says.

    Raises
    ------
    ConfigurationError
        For ``n_respondents < 1`` or a ``missing_rate`` outside ``[0, 0.5)``.

    See Also
    --------
    Survey.from_frame : A survey from your own data.
    read_survey : A survey from a file.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(100, seed=3)
    >>> s.synthetic, s.n_respondents, s.n_answers
    (True, 100, 3200)
    """
    n_respondents = count("n_respondents", n_respondents, 0)  # the core refuses 0
    fw = as_framework(framework)
    inner = _core.Survey.generate(
        int(n_respondents),
        check_seed(seed),
        missing_rate=number("missing_rate", missing_rate),
        importance=importance,
        weights=weights,
        framework=fw._inner,
        regions=as_region_set(regions),
        typology=as_typology(typology),
    )
    return Survey(inner)
