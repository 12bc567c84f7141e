"""Where a result table comes from: the one documented place for it.

Every DataFrame an analysis returns carries a :class:`Provenance` in
``df.attrs["provenance"]`` — the kind of table, the survey's framework, the
grouping and every option that shaped the numbers. Figures and the report
read it to label a table (competence names of a custom framework, display
names of groups, "synthetic demonstration data"); nothing is kept anywhere
else, so a table drawn in another process, or after a second survey, is
labelled from its own provenance.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._model import Framework

__all__ = ["ATTRS_KEY", "Provenance"]

#: The ``DataFrame.attrs`` key holding a table's :class:`Provenance`.
ATTRS_KEY = "provenance"


@dataclass(frozen=True, repr=False)
class Provenance:
    """The provenance of a result table, stored in ``df.attrs["provenance"]``.

    Immutable, picklable and compared by value (pandas keeps ``attrs``
    through ``concat`` only when the inputs' are equal). Fields that do not
    apply to a kind of table are None (or empty).

    Attributes
    ----------
    kind : str
        What the table is: ``"gaps"`` (:meth:`Survey.gaps`), ``"profiles"``
        (:meth:`Survey.profiles`), ``"priorities"``, ``"paired_test"``,
        ``"learning_matches"``, ``"similarity"`` or ``"distance"``
        (:func:`skillsmap.similarity`, :func:`skillsmap.distance`),
        ``"communities"`` (:meth:`CoGapNetwork.communities`),
        ``"reliability"`` and ``"reliability_items"``
        (:meth:`Survey.reliability`), ``"compare"``, ``"posthoc"``; ``""``
        when unknown.
    framework : Framework or None
        The framework of the survey the table comes from (the object, so
        that custom frameworks label figures too).
    synthetic : bool
        The survey is synthetic demonstration data.
    source : str
        The survey's source (file name or description; may be empty).
    by : tuple of str
        The grouping keys (``()`` for a pooled table). For learning matches,
        the one grouping that learners and mentors belong to.
    group_names : tuple of (str, str)
        Display names of the group values, e.g. ``("FI1D7", "Lapland")``;
        :meth:`names` gives them as a dict.
    level : {"competence", "area"} or None
        The item dimension.
    weights : bool or None
        Whether survey weights were used (False when asked for but the
        survey has none).
    min_n : int or None
        The suppression threshold.
    importance_mean : {"complete", "all"} or None
        How Ī of the Borich score was averaged.
    borich : {"importance", "required"} or None
        The Borich variable asked for.
    borich_variable : {"importance", "required"} or None
        The Borich variable used (``"required"`` for a survey without
        importance).
    gap_target : {"required", "importance"} or None
        The target level of the gaps.
    ci, n_boot, seed, stratify, top_k
        The bootstrap: confidence level, replicates, seed (the one drawn
        when none was given), strata keys and the k of ``p_top_k``; None
        without a bootstrap. ``seed`` is also the seed of the Louvain
        communities.
    crosshair : {"mean", "median", "scale"} or None
        The crosshair of the priority quadrants.
    value : str or None
        The gap statistic held by profiles.
    test : str or None
        The paired test, as the equivalent scipy call.
    p_adjust : str or None
        The multiplicity control of the table's p-values (``"holm"``,
        ``"fdr_bh"``, ``"bonferroni"`` or ``"none"``).
    top : int or None
        The number of learners and mentors per competence in learning
        matches.
    metric : str or None
        The similarity or distance metric.
    modularity : float or None
        The modularity of a community partition.
    weight : str or None
        The edge weight of a community partition (``"count"`` or ``"phi"``).

    See Also
    --------
    Survey.gaps : One of the analyses whose tables carry a provenance.
    set_output : Polars output, whose tables carry none.

    Examples
    --------
    >>> import skillsmap as sm
    >>> g = sm.demo_survey(300, seed=0).gaps(by="region")
    >>> p = sm.Provenance.of(g)
    >>> p.kind, p.by, p.level, p.framework.id, p.synthetic
    ('gaps', ('region',), 'competence', 'se-core', True)
    >>> p.borich_variable, p.importance_mean, p.names()["FI1D7"]
    ('importance', 'complete', 'Lapland')
    """

    kind: str = ""
    framework: Framework | None = None
    synthetic: bool = False
    source: str = ""
    by: tuple[str, ...] = ()
    group_names: tuple[tuple[str, str], ...] = ()
    level: str | None = None
    weights: bool | None = None
    min_n: int | None = None
    importance_mean: str | None = None
    borich: str | None = None
    borich_variable: str | None = None
    gap_target: str | None = None
    ci: float | None = None
    n_boot: int | None = None
    seed: int | None = None
    stratify: tuple[str, ...] | None = None
    top_k: int | None = None
    crosshair: str | None = None
    value: str | None = None
    test: str | None = None
    top: int | None = None
    metric: str | None = None
    modularity: float | None = None
    weight: str | None = None
    p_adjust: str | None = None

    def __post_init__(self) -> None:
        # sequences and mappings are frozen, so that a shared instance stays
        # what it was (see __deepcopy__)
        set_ = object.__setattr__
        set_(self, "by", _strings(self.by))
        if self.stratify is not None:
            set_(self, "stratify", _strings(self.stratify))
        names = self.group_names
        pairs = names.items() if isinstance(names, Mapping) else names
        set_(self, "group_names", tuple((str(k), str(v)) for k, v in pairs))

    @classmethod
    def of(cls, table: Any) -> Provenance | None:
        """The provenance of a table (``table.attrs["provenance"]``).

        Parameters
        ----------
        table : pandas.DataFrame or any
            A result table (anything else has none).

        Returns
        -------
        Provenance or None
            None for a table that has none (e.g. one built by hand).

        See Also
        --------
        Provenance.names : The display names of its groups.

        Examples
        --------
        >>> import pandas as pd, skillsmap as sm
        >>> sm.Provenance.of(sm.demo_survey(50, seed=0).gaps()).kind
        'gaps'
        >>> sm.Provenance.of(pd.DataFrame()) is None
        True
        """
        attrs = getattr(table, "attrs", None)
        found = attrs.get(ATTRS_KEY) if isinstance(attrs, Mapping) else None
        return found if isinstance(found, Provenance) else None

    def names(self) -> dict[str, str]:
        """The display names of the group values as a dict.

        Returns
        -------
        dict of str to str
            Group value → display name (empty for a pooled table or for
            attributes, which have none).

        See Also
        --------
        Provenance.of : The provenance of a table.

        Examples
        --------
        >>> import skillsmap as sm
        >>> p = sm.Provenance.of(sm.demo_survey(50, seed=0).gaps(by="region"))
        >>> p.names()["ES22"]
        'Navarra'
        """
        return dict(self.group_names)

    def replace(self, **changes: Any) -> Provenance:
        """A copy with some fields changed (a provenance is immutable).

        Parameters
        ----------
        **changes
            New values of fields, by name.

        Returns
        -------
        Provenance

        Raises
        ------
        TypeError
            For a name that is not a field.

        See Also
        --------
        dataclasses.replace : What it calls.

        Examples
        --------
        >>> import skillsmap as sm
        >>> p = sm.Provenance(kind="gaps", min_n=5)
        >>> p.replace(min_n=10).min_n, p.min_n
        (10, 5)
        """
        return dataclasses.replace(self, **changes)

    def _shown(self) -> list[tuple[str, str]]:
        """The fields that are set, as (name, text)."""
        out = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v == f.default and f.name != "kind":
                continue
            if f.name == "framework":
                text = repr(v.id)
            elif f.name == "group_names":
                text = f"<{len(v)} names>"
            else:
                text = repr(v)
            out.append((f.name, text))
        return out

    def __repr__(self) -> str:
        return f"Provenance({', '.join(f'{k}={v}' for k, v in self._shown())})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self._shown()
        )
        return f"<table><caption>Provenance</caption>{rows}</table>"

    def __deepcopy__(self, memo: dict[int, Any]) -> Provenance:
        # immutable: pandas deep-copies attrs on every operation, and copying
        # the framework each time would cost more than the operation
        return self


def _strings(values: Iterable[str] | str) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


def read(table: Any) -> Provenance:
    """The provenance of ``table``, or an empty one (kind ``""``) when it
    has none: the plot helpers also draw tables users built themselves."""
    return Provenance.of(table) or _EMPTY


def attach(table: Any, provenance: Provenance) -> Any:
    """Store ``provenance`` in ``table.attrs`` and return the table."""
    table.attrs[ATTRS_KEY] = provenance
    return table


_EMPTY = Provenance()
