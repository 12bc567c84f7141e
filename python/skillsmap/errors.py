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
    """Base class of all skillsmap errors.

    Catch it to handle anything skillsmap raises on purpose; each subclass
    also derives from the built-in exception of its kind.

    See Also
    --------
    ValidationError : Invalid survey data, every problem located.
    ConfigurationError : A bad option.

    Examples
    --------
    >>> import skillsmap as sm
    >>> try:
    ...     sm.frameworks.load("no-such-framework")
    ... except sm.SkillsMapError as err:
    ...     print(type(err).__name__)
    UnknownNameError
    """


class DefinitionError(SkillsMapError, ValueError):
    """A scale, framework, typology or region set is malformed.

    Also a ``ValueError``.

    See Also
    --------
    Framework.from_frame : Raises it for duplicate or empty ids.

    Examples
    --------
    >>> import skillsmap as sm
    >>> try:
    ...     sm.Scale(5, 1)
    ... except sm.DefinitionError as err:
    ...     print(err)
    invalid scale: min must be below max, got min=5 max=1
    """


class UnknownNameError(SkillsMapError, KeyError):
    """An unknown name: no embedded framework, typology or region set has
    this id, or a skills map has no such node.

    Also a ``KeyError``.

    See Also
    --------
    skillsmap.frameworks.available : The ids that exist.

    Examples
    --------
    >>> import skillsmap as sm
    >>> try:
    ...     sm.frameworks.load("nope")
    ... except KeyError as err:
    ...     print(err)
    unknown framework "nope"; available: se-core, entrecomp, digcomp, greencomp, lifecomp
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigurationError(SkillsMapError, ValueError):
    """A parameter is out of range or not one of its allowed values (a
    generator setting, an unknown metric or grouping key, a bad option).

    Also a ``ValueError``. Raised before any work is done.

    See Also
    --------
    ValidationError : For bad data rather than bad options.

    Examples
    --------
    >>> import skillsmap as sm
    >>> try:
    ...     sm.demo_survey(50, seed=0).gaps(by="planet")
    ... except sm.ConfigurationError as err:
    ...     print(str(err)[:50])
    invalid grouping: no respondent attribute "planet"
    """


class FormatError(SkillsMapError, ValueError):
    """A file or text is not in the expected format: a corrupt or foreign
    skills-map file, a malformed framework, typology or region-set file, a
    survey file that cannot be read.

    Also a ``ValueError``.

    See Also
    --------
    read_survey : Raises it for a file it cannot read.
    SkillsMap.load : Raises it for a file that is not a map.

    Examples
    --------
    >>> import skillsmap as sm
    >>> try:
    ...     sm.SkillsMap.from_json("not json")
    ... except sm.FormatError as err:
    ...     print(err)
    cannot read skills map JSON: expected a JSON object at line 1
    """


class ConvergenceError(SkillsMapError, RuntimeError):
    """An iterative method did not converge (raking, eigenvector centrality).

    Also a ``RuntimeError``.

    See Also
    --------
    Survey.rake : Raises it when the margins are not met in ``max_iter``.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(500, seed=0)
    >>> pop = {"ES22": 100, "ES62": 150, "FRI": 300, "SI032": 80, "FI1D7": 70, "ITH5": 300}
    >>> size = {"micro": 600, "small": 300, "medium": 70, "large": 30}
    >>> try:
    ...     s.rake({"region": pop, "organisation_size": size}, max_iter=1)
    ... except sm.ConvergenceError:
    ...     print("not converged")
    not converged
    """


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

    See Also
    --------
    read_survey : Reading a file validates it.
    Survey.from_frame : Building a survey validates it.

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
