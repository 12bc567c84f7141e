"""The checks of option values that only Python can make.

Ranges and names of options are checked once, by the core, and its errors
are mapped by the binding. What stays here is what the core never sees:
a Python value of the wrong type (a bool is not an int), a negative number
that could not even become the core's unsigned integer, and the shape of a
grouping argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigurationError


def keys(by: Any) -> list[str]:
    """A grouping argument (None, a name or a list of names) as a list."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    names = list(by)
    if not all(isinstance(k, str) for k in names):
        raise TypeError(f"by must be None, a column name or a list of names, got {by!r}")
    return names


def count(name: str, value: Any, minimum: int) -> int:
    """An integer option of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigurationError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def seed(value: Any) -> int:
    """A seed the core can take (an unsigned 64-bit integer)."""
    if not 0 <= int(value) < 2**64:
        raise ConfigurationError(f"seed must be in [0, 2**64), got {value}")
    return int(value)
