"""The skillsmap exception tree.

Every error skillsmap raises derives from :class:`SkillsMapError`; each also
derives from the built-in exception a caller would expect (``ValueError`` for
bad data, ``KeyError`` for unknown names), so generic handlers keep working.
The Rust core raises these same classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ConfigurationError",
    "DefinitionError",
    "SkillsMapError",
    "UnknownNameError",
    "ValidationError",
]

_SHOWN = 10


class SkillsMapError(Exception):
    """Base class of all skillsmap errors."""


class DefinitionError(SkillsMapError, ValueError):
    """A scale, framework, typology or region set is malformed."""


class UnknownNameError(SkillsMapError, KeyError):
    """No embedded framework, typology or region set has this id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigurationError(SkillsMapError, ValueError):
    """A parameter is out of range (e.g. a generator setting)."""


Row = tuple["int | None", str, str, str]


class ValidationError(SkillsMapError, ValueError):
    """Survey data failed validation.

    Every problem in the input is collected, not only the first.

    Attributes
    ----------
    issues : pandas.DataFrame
        One row per problem with columns ``row`` (0-based position of the
        data row in the table; ``<NA>`` for problems of the whole table such
        as a missing column), ``column``, ``value`` and ``reason``.

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> bad = pd.DataFrame({"respondent": ["r1"], "region": ["Atlantis"],
    ...     "stakeholder_type": ["cooperative"], "competence": ["se.impact.measurement"],
    ...     "current": [2], "required": [9]})
    >>> try:
    ...     sm.Survey.from_frame(bad)
    ... except sm.ValidationError as err:
    ...     print(err.issues[["row", "column", "value"]].to_string(index=False))
    row   column    value
      0   region Atlantis
      0 required        9
    """

    def __init__(self, issues: Iterable[Sequence[Any]], *, source: str | None = None):
        rows: list[Row] = []
        for issue in issues:
            row, column, value, reason = issue
            rows.append((None if row is None else int(row), str(column), str(value), str(reason)))
        rows.sort(key=lambda r: -1 if r[0] is None else r[0])
        self._rows = rows
        self.source = source
        super().__init__(self._message())

    @property
    def issues(self) -> pd.DataFrame:
        """Every problem: ``row`` (Int64, <NA> for the whole table),
        ``column``, ``value`` and ``reason``, ordered by row."""
        import pandas as pd

        df = pd.DataFrame(self._rows, columns=["row", "column", "value", "reason"])
        df["row"] = df["row"].astype("Int64")
        return df

    def __len__(self) -> int:
        return len(self._rows)

    def _message(self) -> str:
        n = len(self._rows)
        where = f" in {self.source}" if self.source else ""
        head = f"{n} problem{'s' if n != 1 else ''} in the survey data{where}"
        shown = self._rows[:_SHOWN]
        cells = [("row", "column", "value", "reason")] + [
            ("-" if r is None else str(r), c, _clip(v), reason) for r, c, v, reason in shown
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(3)]
        lines = [
            "  " + "  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in cells
        ]
        more = [f"  … and {n - _SHOWN} more (see .issues)"] if n > _SHOWN else []
        return "\n".join([head, *lines, *more])

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_validation_error, (self._rows, self.source))


def _rebuild_validation_error(rows: list[Row], source: str | None) -> ValidationError:
    return ValidationError(rows, source=source)


def _clip(value: str, width: int = 30) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
