"""Embedded competence frameworks.

EntreComp, GreenComp, DigComp 2.2 and LifeComp are EU content whose structure
and names are reused under CC BY 4.0 with attribution (see each framework's
``citation`` and ``licence``); ``se-core`` is an illustrative social-economy
set assembled for skillsmap, not an official framework.

Examples
--------
>>> import skillsmap as sm
>>> sm.frameworks.available()
['se-core', 'entrecomp', 'digcomp', 'greencomp', 'lifecomp']
>>> len(sm.frameworks.load("digcomp"))
21
"""

from __future__ import annotations

import os

from . import _core
from ._model import Framework

__all__ = ["Framework", "available", "load"]


def available() -> list[str]:
    """Ids of the embedded frameworks, the default ``se-core`` first.

    Returns
    -------
    list of str

    See Also
    --------
    load : Load one.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.frameworks.available()
    ['se-core', 'entrecomp', 'digcomp', 'greencomp', 'lifecomp']
    """
    return list(_core.Framework.available())


def load(id: str | os.PathLike[str] = "se-core") -> Framework:
    """An embedded framework by id, or a framework file (``.json`` or ``.csv``).

    Parameters
    ----------
    id : str or path
        ``"se-core"``, ``"entrecomp"``, ``"digcomp"`` (or ``"digcomp-2.2"``),
        ``"greencomp"``, ``"lifecomp"``; or a path to a JSON or CSV file.

    Raises
    ------
    UnknownNameError
        No embedded framework has this id.
    FileNotFoundError
        ``id`` names a file (it ends in ``.json`` or ``.csv``, or is a path)
        that does not exist.

    Returns
    -------
    Framework

    See Also
    --------
    available : The embedded ids.
    Framework.from_frame : A framework of your own.

    Examples
    --------
    >>> import skillsmap as sm
    >>> fw = sm.frameworks.load("digcomp")
    >>> fw.id, len(fw.areas), len(fw.competences)
    ('digcomp', 5, 21)
    """
    text = os.fspath(id)
    looks_like_a_file = text.lower().endswith((".json", ".csv")) or os.sep in text
    if looks_like_a_file or isinstance(id, os.PathLike):
        if not os.path.exists(text):
            raise FileNotFoundError(f"no framework file {text!r}")
        if text.lower().endswith(".csv"):
            return Framework.from_csv(text)
        return Framework.from_json(text)
    return Framework(_core.Framework.embedded(text))
