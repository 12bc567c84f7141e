"""Python faces of the core's frameworks, typologies and region sets."""

from __future__ import annotations

import copyreg
import html
import os
from pathlib import Path
from typing import Any

import pandas as pd

from . import _core
from ._frames import to_pandas
from .errors import DefinitionError

__all__ = ["Framework", "Regions", "Scale", "Typology"]

Scale = _core.Scale


def _rebuild_scale(lo: float, hi: float, labels: list[str], id: str, name: str) -> Scale:
    return _core.Scale(lo, hi, labels=labels or None, id=id, name=name)


def _reduce_scale(s: Scale) -> tuple[Any, ...]:
    return (_rebuild_scale, (s.min, s.max, s.labels, s.id, s.name))


copyreg.pickle(_core.Scale, _reduce_scale)


def _read_text(source: str | os.PathLike[str]) -> str:
    """JSON given inline or as a path."""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return source
    return Path(source).read_text(encoding="utf-8")


def _cell(v: Any) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return str(v)


class Framework:
    """A competence framework: areas → competences, with provenance.

    Load an embedded one with :func:`skillsmap.frameworks.load` (``"se-core"``,
    ``"entrecomp"``, ``"digcomp"``, ``"greencomp"``, ``"lifecomp"``), or build
    your own with :meth:`from_frame`, :meth:`from_csv` or :meth:`from_json`.

    See Also
    --------
    skillsmap.frameworks.load : Load an embedded framework.
    Questionnaire : The survey instrument for a framework.

    Examples
    --------
    >>> import skillsmap as sm
    >>> fw = sm.frameworks.load("entrecomp")
    >>> fw
    Framework(id='entrecomp', version='2016', 3 areas, 15 competences)
    >>> fw.competences["label"].head(3).tolist()
    ['Spotting opportunities', 'Creativity', 'Vision']
    """

    def __init__(self, inner: _core.Framework) -> None:
        self._inner = inner

    # -- construction -------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        data: Any,
        *,
        id: str,
        name: str = "",
        version: str = "",
        citation: str = "",
        licence: str = "",
        url: str | None = None,
        scale: Scale | tuple[float, float] | None = None,
    ) -> Framework:
        """Build a framework from a table with one row per competence.

        Parameters
        ----------
        data : DataFrame-like
            Columns ``id``, ``label`` and ``area`` are required; ``area_label``,
            ``description``, ``code``, ``parent`` (for sub-competences),
            ``esco_uri`` and ``label_<lang>`` (e.g. ``label_es``) are optional.
        id, name, version, citation, licence, url : str
            Metadata recorded with the framework.
        scale : Scale or (min, max), optional
            The framework's proficiency scale.

        Returns
        -------
        Framework

        Raises
        ------
        DefinitionError
            Missing columns, empty or duplicate ids, unknown parents.

        See Also
        --------
        Framework.from_csv : The same table from a CSV file.
        Framework.from_json : The JSON format a framework saves to.

        Examples
        --------
        >>> import pandas as pd, skillsmap as sm
        >>> table = pd.DataFrame({
        ...     "id": ["fin.budget", "fin.grants", "gov.board"],
        ...     "label": ["Budgeting", "Grant writing", "Board work"],
        ...     "area": ["fin", "fin", "gov"],
        ...     "area_label": ["Finance", "Finance", "Governance"],
        ... })
        >>> fw = sm.Framework.from_frame(table, id="mine", scale=(1, 5))
        >>> fw
        Framework(id='mine', version='', 2 areas, 3 competences)
        """
        df = to_pandas(data)
        missing = [c for c in ("id", "area") if c not in df.columns]
        if missing:
            raise DefinitionError(f"framework table lacks column(s) {missing}")
        cols = {
            str(c): [_cell(v) for v in df[c].tolist()]
            for c in df.columns
            if c
            in {"id", "label", "area", "area_label", "description", "code", "parent", "esco_uri"}
            or str(c).startswith("label_")
        }
        return cls(
            _core.Framework.from_columns(
                cols,
                id=id,
                name=name,
                version=version,
                citation=citation,
                licence=licence,
                url=url,
                scale=_as_scale(scale),
            )
        )

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], **kwargs: Any) -> Framework:
        """Read a framework table from CSV.

        Parameters
        ----------
        path : str or os.PathLike
            A CSV file with the columns of :meth:`from_frame`.
        **kwargs
            The metadata of :meth:`from_frame`; ``id`` defaults to the
            file's stem.

        Returns
        -------
        Framework

        Raises
        ------
        DefinitionError
            Missing columns, empty or duplicate ids, unknown parents.

        See Also
        --------
        Framework.from_frame : The same from a DataFrame.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> text = "id,label,area\\nfin.budget,Budgeting,fin\\ngov.board,Board work,gov\\n"
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "mine.csv"
        ...     _ = path.write_text(text)
        ...     sm.Framework.from_csv(path).id
        'mine'
        """
        kwargs.setdefault("id", Path(path).stem)
        return cls.from_frame(
            pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]), **kwargs
        )

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> Framework:
        """Read a framework in the ``skillsmap.framework/1`` JSON format.

        Parameters
        ----------
        source : str or os.PathLike
            The JSON text, or the path of a file holding it.

        Returns
        -------
        Framework

        Raises
        ------
        FormatError
            For text that is not this format.
        DefinitionError
            For a framework that is not consistent (duplicate ids, …).

        See Also
        --------
        Framework.to_json : The inverse.

        Examples
        --------
        >>> import skillsmap as sm
        >>> fw = sm.frameworks.load("greencomp")
        >>> sm.Framework.from_json(fw.to_json()) == fw
        True
        """
        return cls(_core.Framework.from_json(_read_text(source)))

    def to_json(self) -> str:
        """The framework in the ``skillsmap.framework/1`` JSON format.

        Returns
        -------
        str
            JSON text, with ``"schema": "skillsmap.framework/1"``.

        See Also
        --------
        Framework.from_json : The inverse.

        Examples
        --------
        >>> import json, skillsmap as sm
        >>> json.loads(sm.frameworks.load("lifecomp").to_json())["schema"]
        'skillsmap.framework/1'
        """
        return self._inner.to_json()

    # -- content --------------------------------------------------------------
    @property
    def id(self) -> str:
        """Stable id."""
        return self._inner.id

    @property
    def name(self) -> str:
        """Full name."""
        return self._inner.name

    @property
    def version(self) -> str:
        """Edition or version."""
        return self._inner.version

    @property
    def illustrative(self) -> bool:
        """True for demonstration sets such as ``se-core``."""
        return self._inner.illustrative

    @property
    def citation(self) -> str:
        """Bibliographic citation."""
        return self._inner.citation

    @property
    def licence(self) -> str:
        """Licence and attribution note."""
        return self._inner.licence

    @property
    def url(self) -> str | None:
        """Link to the source."""
        return self._inner.url

    @property
    def scale(self) -> Scale | None:
        """The framework's proficiency scale, if it defines one."""
        return self._inner.scale

    @property
    def languages(self) -> list[str]:
        """Languages with a label for every competence, besides English."""
        return self._inner.languages

    @property
    def translations(self) -> dict[str, str]:
        """Where the labels of each other language come from, by language
        code: an official translation with its reference, or a working
        translation still to be checked (empty when the framework does not
        say).

        Examples
        --------
        >>> import skillsmap as sm
        >>> note = sm.frameworks.load("entrecomp").translations["fi"]
        >>> note.startswith("working translation"), "to be checked" in note
        (True, True)
        """
        return dict(self._inner.translations)

    @property
    def competences(self) -> pd.DataFrame:
        """One row per competence: ``id, label, area, area_label, code,
        description, parent, source_framework, source_code, esco_uri`` and a
        ``label_<lang>`` column per language."""
        cols = self._inner.competence_columns()
        order = [
            "id",
            "label",
            "area",
            "area_label",
            "code",
            "description",
            "parent",
            "source_framework",
            "source_code",
            "esco_uri",
        ]
        order += sorted(c for c in cols if c.startswith("label_"))
        return pd.DataFrame({c: cols[c] for c in order})

    @property
    def areas(self) -> pd.DataFrame:
        """One row per area: ``id, label, code, n_competences`` and a
        ``label_<lang>`` column per language of :attr:`languages` (the
        English label where an area has none in that language)."""
        cols = self._inner.area_columns()
        names = ["id", "label", "code", *sorted(c for c in cols if c.startswith("label_"))]
        df = pd.DataFrame({c: cols[c] for c in names})
        counts = self.competences["area"].value_counts()
        df.insert(3, "n_competences", df["id"].map(counts).astype("int64"))
        return df

    @property
    def attribution(self) -> str:
        """Citation and licence, ready to print under a figure."""
        return f"{self.citation} {self.licence}".strip()

    def __len__(self) -> int:
        return len(self._inner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Framework) and self._inner == other._inner

    def __hash__(self) -> int:
        return hash(self._inner)

    def __repr__(self) -> str:
        return repr(self._inner)

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{html.escape(self.name)}</b> ({html.escape(self.id)}, version "
            f"{html.escape(self.version)}): {len(self.areas)} areas, {len(self)} competences"
            + (" — <i>illustrative, not an official framework</i>" if self.illustrative else "")
            + "</p>"
        )
        table = self.competences[["id", "label", "area_label"]].head(40).to_html(index=False)
        more = f"<p>… {len(self) - 40} more</p>" if len(self) > 40 else ""
        return head + table + more + f"<p><small>{html.escape(self.attribution)}</small></p>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Framework.from_json, (self.to_json(),))


class Typology:
    """Stakeholder types grouped by sector.

    ``Typology.default()`` is the default social-economy typology; build your
    own with :meth:`from_frame` (columns ``sector`` and ``stakeholder_type``)
    or :meth:`from_json`.

    See Also
    --------
    Regions : The regions respondents belong to.
    Survey.typology : The typology of a survey.

    Examples
    --------
    >>> import skillsmap as sm
    >>> t = sm.Typology.default()
    >>> t.types.loc[t.types["id"] == "wise", "sector_label"].item()
    'Social economy entities'
    """

    def __init__(self, inner: _core.Typology) -> None:
        self._inner = inner

    @classmethod
    def default(cls) -> Typology:
        """The default social-economy stakeholder typology (``se-default``).

        Returns
        -------
        Typology
            SE entities (cooperatives, mutuals, associations, foundations,
            social enterprises, work-integration social enterprises), public
            authorities, support and representative bodies, education and
            training providers, finance providers.

        See Also
        --------
        Typology.from_frame : A typology of your own.

        Examples
        --------
        >>> import skillsmap as sm
        >>> sm.Typology.default().id
        'se-default'
        """
        return cls(_core.Typology.default())

    @classmethod
    def from_frame(
        cls,
        data: Any,
        *,
        id: str = "custom",
        sector: str = "sector",
        stakeholder_type: str = "stakeholder_type",
    ) -> Typology:
        """Build a typology from a table of (sector, stakeholder type) rows.

        Parameters
        ----------
        data : DataFrame-like
            One row per stakeholder type.
        id : str
            Id of the typology.
        sector, stakeholder_type : str
            The columns holding the sector and the type.

        Returns
        -------
        Typology

        Raises
        ------
        DefinitionError
            A missing column, or an empty or duplicate type.

        See Also
        --------
        Typology.default : The default social-economy typology.

        Examples
        --------
        >>> import pandas as pd, skillsmap as sm
        >>> rows = pd.DataFrame({"sector": ["Public", "Public"],
        ...                      "stakeholder_type": ["Municipality", "Region"]})
        >>> sm.Typology.from_frame(rows, id="public").types["id"].tolist()
        ['Municipality', 'Region']
        """
        df = to_pandas(data)
        for c in (sector, stakeholder_type):
            if c not in df.columns:
                raise DefinitionError(f"typology table lacks column {c!r}")
        pairs = [(str(s), str(t)) for s, t in zip(df[sector], df[stakeholder_type], strict=True)]
        return cls(_core.Typology.from_pairs(id, pairs))

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], **kwargs: Any) -> Typology:
        """Read a typology table from CSV.

        Parameters
        ----------
        path : str or os.PathLike
            A CSV file with the columns of :meth:`from_frame`.
        **kwargs
            The options of :meth:`from_frame`; ``id`` defaults to the file's
            stem.

        Returns
        -------
        Typology

        Raises
        ------
        DefinitionError
            A missing column, or an empty or duplicate type.

        See Also
        --------
        Typology.from_frame : The same from a DataFrame.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "public.csv"
        ...     _ = path.write_text("sector,stakeholder_type\\nPublic,Municipality\\n")
        ...     sm.Typology.from_csv(path).id
        'public'
        """
        kwargs.setdefault("id", Path(path).stem)
        return cls.from_frame(pd.read_csv(path, dtype=str), **kwargs)

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> Typology:
        """Read the ``skillsmap.typology/1`` JSON format.

        Parameters
        ----------
        source : str or os.PathLike
            The JSON text, or the path of a file holding it.

        Returns
        -------
        Typology

        Raises
        ------
        FormatError
            For text that is not this format.

        See Also
        --------
        Typology.to_json : The inverse.

        Examples
        --------
        >>> import skillsmap as sm
        >>> t = sm.Typology.default()
        >>> sm.Typology.from_json(t.to_json()) == t
        True
        """
        return cls(_core.Typology.from_json(_read_text(source)))

    def to_json(self) -> str:
        """The typology as ``skillsmap.typology/1`` JSON.

        Returns
        -------
        str
            JSON text, with ``"schema": "skillsmap.typology/1"``.

        See Also
        --------
        Typology.from_json : The inverse.

        Examples
        --------
        >>> import json, skillsmap as sm
        >>> json.loads(sm.Typology.default().to_json())["schema"]
        'skillsmap.typology/1'
        """
        return self._inner.to_json()

    @property
    def id(self) -> str:
        """Stable id."""
        return self._inner.id

    @property
    def types(self) -> pd.DataFrame:
        """One row per type: ``id, label, sector, sector_label``."""
        cols = self._inner.type_columns()
        return pd.DataFrame({c: cols[c] for c in ("id", "label", "sector", "sector_label")})

    def __len__(self) -> int:
        return len(self._inner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Typology) and self._inner == other._inner

    def __hash__(self) -> int:
        return hash(self._inner)

    def __repr__(self) -> str:
        return repr(self._inner)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.types.head(40).to_html(index=False)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Typology.from_json, (self.to_json(),))


class Regions:
    """An ordered set of regions (id = NUTS code where one exists).

    ``Regions.resees()`` gives the six RESEES partner regions; build your own
    with :meth:`from_frame` (columns ``id``, optional ``name``, ``country``,
    ``nuts_level``, ``aliases`` separated by ``;``) or :meth:`from_json`.

    See Also
    --------
    Typology : The stakeholder types respondents belong to.
    Survey.regions : The regions of a survey.

    Examples
    --------
    >>> import skillsmap as sm
    >>> sm.Regions.resees().table["id"].tolist()
    ['ES22', 'ES62', 'FRI', 'SI032', 'FI1D7', 'ITH5']
    """

    def __init__(self, inner: _core.RegionSet) -> None:
        self._inner = inner

    @classmethod
    def resees(cls) -> Regions:
        """The six regions of the Interreg Europe project RESEES.

        Returns
        -------
        Regions
            Navarra (ES22), Región de Murcia (ES62), Nouvelle-Aquitaine
            (FRI), Podravje (SI032), Lapland (FI1D7) and Emilia-Romagna
            (ITH5).

        See Also
        --------
        Regions.from_frame : A region set of your own.

        Examples
        --------
        >>> import skillsmap as sm
        >>> len(sm.Regions.resees())
        6
        """
        return cls(_core.RegionSet.resees())

    @classmethod
    def from_frame(cls, data: Any, *, id: str = "custom", name: str = "") -> Regions:
        """Build a region set from a table with one row per region.

        Parameters
        ----------
        data : DataFrame-like
            Column ``id``; optional ``name``, ``country``, ``nuts_level`` and
            ``aliases`` (separated by ``;``), by which survey data may name
            a region too.
        id, name : str
            Id and name of the region set.

        Returns
        -------
        Regions

        Raises
        ------
        DefinitionError
            A missing ``id`` column, or an empty or duplicate region id.

        See Also
        --------
        Regions.resees : The six RESEES regions.

        Examples
        --------
        >>> import pandas as pd, skillsmap as sm
        >>> rows = pd.DataFrame({"id": ["PT11", "PT16"], "name": ["Norte", "Centro"],
        ...                      "country": ["PT", "PT"], "aliases": ["North", ""]})
        >>> sm.Regions.from_frame(rows, id="pt").table["name"].tolist()
        ['Norte', 'Centro']
        """
        df = to_pandas(data)
        if "id" not in df.columns:
            raise DefinitionError("region table lacks column 'id'")
        rows = []
        for rec in df.to_dict("records"):
            aliases = _cell(rec.get("aliases"))
            level = rec.get("nuts_level")
            rows.append(
                (
                    str(rec["id"]),
                    _cell(rec.get("name")) or str(rec["id"]),
                    _cell(rec.get("country")) or "",
                    None if level is None or pd.isna(level) else int(level),
                    [a.strip() for a in aliases.split(";") if a.strip()] if aliases else [],
                )
            )
        return cls(_core.RegionSet.from_rows(rows, id=id, name=name))

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], **kwargs: Any) -> Regions:
        """Read a region table from CSV.

        Parameters
        ----------
        path : str or os.PathLike
            A CSV file with the columns of :meth:`from_frame`.
        **kwargs
            The options of :meth:`from_frame`; ``id`` defaults to the file's
            stem.

        Returns
        -------
        Regions

        Raises
        ------
        DefinitionError
            A missing ``id`` column, or an empty or duplicate region id.

        See Also
        --------
        Regions.from_frame : The same from a DataFrame.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "pt.csv"
        ...     _ = path.write_text("id,name\\nPT11,Norte\\nPT16,Centro\\n")
        ...     len(sm.Regions.from_csv(path))
        2
        """
        kwargs.setdefault("id", Path(path).stem)
        return cls.from_frame(pd.read_csv(path, dtype={"id": str, "name": str}), **kwargs)

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> Regions:
        """Read the ``skillsmap.regions/1`` JSON format.

        Parameters
        ----------
        source : str or os.PathLike
            The JSON text, or the path of a file holding it.

        Returns
        -------
        Regions

        Raises
        ------
        FormatError
            For text that is not this format.

        See Also
        --------
        Regions.to_json : The inverse.

        Examples
        --------
        >>> import skillsmap as sm
        >>> r = sm.Regions.resees()
        >>> sm.Regions.from_json(r.to_json()) == r
        True
        """
        return cls(_core.RegionSet.from_json(_read_text(source)))

    def to_json(self) -> str:
        """The region set as ``skillsmap.regions/1`` JSON.

        Returns
        -------
        str
            JSON text, with ``"schema": "skillsmap.regions/1"``.

        See Also
        --------
        Regions.from_json : The inverse.

        Examples
        --------
        >>> import json, skillsmap as sm
        >>> json.loads(sm.Regions.resees().to_json())["schema"]
        'skillsmap.regions/1'
        """
        return self._inner.to_json()

    @property
    def id(self) -> str:
        """Stable id."""
        return self._inner.id

    @property
    def table(self) -> pd.DataFrame:
        """One row per region: ``id, name, country, nuts_level``."""
        df = pd.DataFrame(self._inner.rows(), columns=["id", "name", "country", "nuts_level"])
        df["nuts_level"] = df["nuts_level"].astype("Int64")
        return df

    def __len__(self) -> int:
        return len(self._inner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regions) and self._inner == other._inner

    def __hash__(self) -> int:
        return hash(self._inner)

    def __repr__(self) -> str:
        return repr(self._inner).replace("RegionSet(", "Regions(", 1)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.table.head(40).to_html(index=False)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Regions.from_json, (self.to_json(),))


def _as_scale(scale: Scale | tuple[float, float] | None) -> Scale | None:
    if scale is None or isinstance(scale, _core.Scale):
        return scale
    try:
        lo, hi = scale
    except (TypeError, ValueError):
        raise TypeError(f"scale must be a Scale or a (min, max) pair, got {scale!r}") from None
    return _core.Scale(float(lo), float(hi))
