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


#: The largest value of the core's unsigned integers (usize/u64 here).
_U64_MAX = 2**64 - 1


def count(name: str, value: Any, minimum: int, maximum: int = _U64_MAX) -> int:
    """An integer option in ``[minimum, maximum]``, named in every error.

    A bool, a float (even ``2.0``: an option that counts takes no
    fractions), a string or an integer beyond the core's 64 bits is refused
    here, so that no value is truncated or overflows on its way in.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigurationError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, got {value}")
    return int(value)


def number(name: str, value: Any) -> float:
    """A real-valued option as a float, named in the error (``ci="95%"``,
    a complex number or None are not numbers; ranges are the core's)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigurationError(f"{name} must be a number, got {value!r}")
    return float(value)


def optional_number(name: str, value: Any) -> float | None:
    """:func:`number`, or None."""
    return None if value is None else number(name, value)


def seed(value: Any) -> int:
    """A seed the core can take: an integer in [0, 2**64)."""
    return count("seed", value, 0)
