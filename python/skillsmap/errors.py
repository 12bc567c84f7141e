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
    "ConvergenceError",
    "DefinitionError",
    "FormatError",
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
    """A parameter is out of range or not one of its allowed values (a
    generator setting, an unknown metric or grouping key, a bad option)."""


class FormatError(SkillsMapError, ValueError):
    """A file or text is not in the expected format: a corrupt or foreign
    skills-map file, a malformed framework, typology or region-set file."""


class ConvergenceError(SkillsMapError, RuntimeError):
    """An iterative method did not converge (e.g. eigenvector centrality)."""


Row = tuple["int | None", str, str, str, str]

#: The code of an issue made without one.
_NO_CODE = "invalid_value"


class ValidationError(SkillsMapError, ValueError):
    """Survey data failed validation.

    Every problem in the input is collected, not only the first.

    Attributes
    ----------
    issues : pandas.DataFrame
        One row per problem with columns ``row`` (0-based position of the
        data row in the table; ``<NA>`` for problems of the whole table such
        as a missing column), ``column``, ``value``, ``reason`` (for people)
        and ``code`` (for programs: a stable snake_case name such as
        ``unknown_region``, ``out_of_scale``, ``missing_value``,
        ``duplicate_answer``, ``inconsistent_respondent``, ``not_finite``,
        ``missing_column``, ``duplicate_column``, ``invalid_type``,
        ``control_character``).

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> bad = pd.DataFrame({"respondent": ["r1"], "region": ["Atlantis"],
    ...     "stakeholder_type": ["cooperative"], "competence": ["se.impact.measurement"],
    ...     "current": [2], "required": [9]})
    >>> try:
    ...     sm.Survey.from_frame(bad)
    ... except sm.ValidationError as err:
    ...     print(err.issues[["row", "column", "value", "code"]].to_string(index=False))
    row   column    value           code
      0   region Atlantis unknown_region
      0 required        9   out_of_scale
    """

    def __init__(
        self,
        issues: Iterable[Sequence[Any]],
        *,
        source: str | None = None,
        what: str = "survey data",
    ):
        rows: list[Row] = []
        for issue in issues:
            row, column, value, reason, *rest = issue
            code = str(rest[0]) if rest else _NO_CODE
            rows.append(
                (None if row is None else int(row), str(column), str(value), str(reason), code)
            )
        rows.sort(key=lambda r: -1 if r[0] is None else r[0])
        self._rows = rows
        self.source = source
        self.what = what
        super().__init__(self._message())

    @property
    def issues(self) -> pd.DataFrame:
        """Every problem: ``row`` (Int64, <NA> for the whole table),
        ``column``, ``value``, ``reason`` and ``code``, ordered by row."""
        import pandas as pd

        df = pd.DataFrame(self._rows, columns=["row", "column", "value", "reason", "code"])
        df["row"] = df["row"].astype("Int64")
        return df

    def __len__(self) -> int:
        return len(self._rows)

    def _message(self) -> str:
        n = len(self._rows)
        where = f" in {self.source}" if self.source else ""
        head = f"{n} problem{'s' if n != 1 else ''} in the {self.what}{where}"
        shown = self._rows[:_SHOWN]
        cells = [("row", "column", "value", "reason")] + [
            ("-" if r is None else str(r), c, _clip(v), reason) for r, c, v, reason, _ in shown
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(3)]
        lines = [
            "  " + "  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in cells
        ]
        more = [f"  … and {n - _SHOWN} more (see .issues)"] if n > _SHOWN else []
        return "\n".join([head, *lines, *more])

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_validation_error, (self._rows, self.source, self.what))


def _rebuild_validation_error(
    rows: list[Row], source: str | None, what: str = "survey data"
) -> ValidationError:
    return ValidationError(rows, source=source, what=what)


def _clip(value: str, width: int = 30) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
