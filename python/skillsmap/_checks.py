"""Checks of option values shared by the analysis modules."""

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


def level(value: str) -> str:
    """The item level: ``"competence"`` or ``"area"``."""
    if value not in {"competence", "area"}:
        raise ConfigurationError(f"level must be 'competence' or 'area', got {value!r}")
    return value


def seed(value: Any) -> int:
    """A seed the core can take (an unsigned 64-bit integer)."""
    if not 0 <= int(value) < 2**64:
        raise ConfigurationError(f"seed must be in [0, 2**64), got {value}")
    return int(value)
