"""The interregional skills map as a Python object: built from a survey
(``Survey.skills_map``), with tables, queries, subgraphs, networkx
conversion and files (GraphML, GEXF, node-link JSON and the versioned
skillsmap JSON)."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import _atomic, _core
from ._checks import count
from ._output import pandas_inside, returns_table
from .errors import FormatError

if TYPE_CHECKING:
    import networkx as nx

    from ._survey import Survey

__all__ = ["SkillsMap", "skills_map"]

#: Largest file :meth:`SkillsMap.load` reads unless told otherwise.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class SkillsMap:
    """The skills map: a graph of regions, stakeholder types, competence
    areas and competences.

    Edges: region → stakeholder type (respondents), region → competence and
    type → competence (gap statistics from :meth:`Survey.gaps`), area →
    competence (membership) and competence — competence (relatedness, once
    added). Node ids are prefixed by kind: ``region:ES22``,
    ``type:cooperative``, ``area:se.found``, ``competence:se.impact.measurement``.

    Build one with :meth:`Survey.skills_map`; save with :meth:`save` and read
    back with :meth:`SkillsMap.load`.

    See Also
    --------
    Survey.skills_map : Build the map of a survey.
    CoGapNetwork : The network of competences whose gaps co-occur.

    Examples
    --------
    >>> import skillsmap as sm
    >>> m = sm.demo_survey(300, seed=1).skills_map()
    >>> m.nodes["kind"].value_counts().to_dict()["region"]
    6
    >>> m.gap_stats("region:ES22").shape[1]
    9
    """

    def __init__(self, inner: _core.SkillsMap) -> None:
        self._inner = inner

    # -- value semantics: pickle, copy and == go through the versioned JSON --
    def __getstate__(self) -> dict[str, Any]:
        return {"json": self._inner.to_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._inner = _core.SkillsMap.from_json(
            state["json"], max_bytes=4 * len(state["json"])
        )  # UTF-8 bytes ≤ 4 per char

    def __copy__(self) -> SkillsMap:
        # a map is mutable (add_relatedness): a copy never shares the Rust graph
        return SkillsMap(_core.SkillsMap.from_json(self.to_json(), max_bytes=DEFAULT_MAX_BYTES))

    def __deepcopy__(self, memo: dict[int, Any]) -> SkillsMap:
        return self.__copy__()

    # -- files ----------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the map in the versioned JSON format (``skillsmap.map``, v1).

        The map goes to a temporary file beside ``path``, is flushed to disk
        and then renamed over ``path``: a failed or interrupted save leaves
        the file that was there as it was, and no temporary file behind.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (its folder must exist).

        Raises
        ------
        OSError
            When the file cannot be written (no such folder, no permission,
            disk full); ``path`` is then unchanged.

        See Also
        --------
        SkillsMap.load : Read it back.
        SkillsMap.to_json : The same text, in memory.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     m.save(pathlib.Path(tmp) / "map.json")
        ...     sm.SkillsMap.load(pathlib.Path(tmp) / "map.json") == m
        True
        """
        _atomic.write_text(path, self._inner.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> SkillsMap:
        """Read a map saved by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        max_bytes : int
            Refuse a larger file before reading it (a guard against
            untrusted input); raise it for a trusted, larger map.

        Returns
        -------
        SkillsMap

        Raises
        ------
        FormatError
            For another format or version, unknown fields, inconsistent
            content, or a file larger than ``max_bytes``.
        OSError
            When the file cannot be read.

        See Also
        --------
        SkillsMap.save : Write a map.
        SkillsMap.from_json : Parse the same format from text.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "map.json"
        ...     sm.demo_survey(100, seed=0).skills_map().save(path)
        ...     sm.SkillsMap.load(path).node_count
        55
        """
        p = Path(path)
        size = p.stat().st_size
        # checked before reading, so that a huge file is never read in
        if size > max_bytes:
            raise FormatError(
                f"{p} is {size} bytes, more than max_bytes={max_bytes}; raise the limit "
                "if the file is trusted"
            )
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise FormatError(
                f"{p} is not a skills map file: not UTF-8 text ({e.reason})"
            ) from None
        return cls(_core.SkillsMap.from_json(text, max_bytes=max_bytes))

    @classmethod
    def from_json(cls, text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SkillsMap:
        """Parse the versioned JSON format from text.

        Parameters
        ----------
        text : str
            What :meth:`to_json` wrote.
        max_bytes : int
            Refuse longer text (a guard against untrusted input).

        Returns
        -------
        SkillsMap

        Raises
        ------
        FormatError
            For another format or version, unknown fields or inconsistent
            content.

        See Also
        --------
        SkillsMap.to_json : The inverse.
        SkillsMap.load : Read from a file.

        Examples
        --------
        >>> import skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> sm.SkillsMap.from_json(m.to_json()) == m
        True
        """
        return cls(_core.SkillsMap.from_json(text, max_bytes=max_bytes))

    def to_json(self) -> str:
        """The map in the versioned JSON format.

        Returns
        -------
        str
            JSON text with ``"format": "skillsmap.map"`` and its version.

        See Also
        --------
        SkillsMap.from_json : The inverse.
        SkillsMap.save : Write it to a file atomically.

        Examples
        --------
        >>> import json, skillsmap as sm
        >>> text = sm.demo_survey(100, seed=0).skills_map().to_json()
        >>> json.loads(text)["format"]
        'skillsmap.map'
        """
        return self._inner.to_json()

    def write_graphml(self, path: str | os.PathLike[str]) -> None:
        """Write GraphML (typed attributes; readable by networkx, Gephi, yEd),
        atomically like :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.

        Raises
        ------
        OSError
            When the file cannot be written; ``path`` is then unchanged.

        See Also
        --------
        SkillsMap.write_gexf : The same for Gephi's own format.
        SkillsMap.to_networkx : The graph in memory.

        Examples
        --------
        >>> import pathlib, tempfile, networkx as nx, skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     m.write_graphml(pathlib.Path(tmp) / "map.graphml")
        ...     nx.read_graphml(pathlib.Path(tmp) / "map.graphml").number_of_nodes()
        55
        """
        _atomic.write_text(path, self._inner.to_graphml())

    def write_gexf(self, path: str | os.PathLike[str]) -> None:
        """Write GEXF 1.3 (for Gephi), atomically like :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.

        Raises
        ------
        OSError
            When the file cannot be written; ``path`` is then unchanged.

        See Also
        --------
        SkillsMap.write_graphml : GraphML, read by more tools.

        Examples
        --------
        >>> import pathlib, tempfile, skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     m.write_gexf(pathlib.Path(tmp) / "map.gexf")
        ...     (pathlib.Path(tmp) / "map.gexf").read_text()[:5]
        '<?xml'
        """
        _atomic.write_text(path, self._inner.to_gexf())

    def to_node_link(self) -> dict[str, Any]:
        """networkx node-link data, with an explicit ``"edges"`` key
        (``networkx.node_link_graph(data, edges="edges")`` reads it).

        Returns
        -------
        dict
            ``directed``, ``multigraph``, ``graph``, ``nodes`` and ``edges``.

        See Also
        --------
        SkillsMap.to_networkx : The graph itself.

        Examples
        --------
        >>> import skillsmap as sm
        >>> data = sm.demo_survey(100, seed=0).skills_map().to_node_link()
        >>> sorted(data)
        ['directed', 'edges', 'graph', 'multigraph', 'nodes']
        """
        data: dict[str, Any] = json.loads(self._inner.node_link_json())
        return data

    def to_networkx(self) -> nx.DiGraph:
        """The map as a ``networkx.DiGraph`` with every attribute.

        Returns
        -------
        networkx.DiGraph
            Nodes by id (``region:ES22``…) with ``kind``, ``label`` and
            attributes; edges with ``kind`` and their statistics.

        See Also
        --------
        SkillsMap.to_node_link : The same as plain data.

        Examples
        --------
        >>> import skillsmap as sm
        >>> g = sm.demo_survey(100, seed=0).skills_map().to_networkx()
        >>> g.nodes["region:ES22"]["kind"]
        'region'
        """
        import networkx as nx

        data = self.to_node_link()
        if data.get("multigraph"):
            return nx.node_link_graph(data, edges="edges")
        return nx.node_link_graph(data, edges="edges", multigraph=False)

    # -- content --------------------------------------------------------------
    @property
    @returns_table
    def nodes(self) -> pd.DataFrame:
        """One row per node: ``id``, ``kind``, ``label`` and attributes."""
        return pd.DataFrame(self.to_node_link()["nodes"])

    @property
    @returns_table
    def edges(self) -> pd.DataFrame:
        """One row per edge: ``source``, ``target``, ``kind`` and attributes."""
        return pd.DataFrame(self.to_node_link()["edges"])

    @returns_table
    def gap_stats(self, node: str) -> pd.DataFrame:
        """Gap statistics on the edges of a region, type or competence node.

        Parameters
        ----------
        node : str
            A node id, e.g. ``"region:ES22"`` or
            ``"competence:se.impact.measurement"``.

        Returns
        -------
        pandas.DataFrame
            One row per neighbour: ``neighbour, n, n_missing, mean_current,
            mean_gap, mean_positive_gap, mwds, rank, suppressed``.

        Raises
        ------
        UnknownNameError
            For a node the map does not have.

        See Also
        --------
        Survey.gaps : The same statistics as one long table.

        Examples
        --------
        >>> import skillsmap as sm
        >>> m = sm.demo_survey(300, seed=1).skills_map()
        >>> m.gap_stats("region:ES22")["neighbour"].str.startswith("competence:").all()
        np.True_
        """
        rows = self._inner.gap_stats(node)
        return pd.DataFrame([{"neighbour": nb, **stats} for nb, stats in rows])

    def neighbours(self, node: str, kind: str) -> list[str]:
        """Neighbour ids of a node through edges of one kind.

        Parameters
        ----------
        node : str
            A node id, e.g. ``"area:se.found"``.
        kind : {"region_type", "type_competence", "region_competence", \
"area_competence", "competence_competence"}
            The edges to follow (relatedness edges added with
            :meth:`add_relatedness` have their own kind).

        Returns
        -------
        list of str
            Node ids.

        Raises
        ------
        UnknownNameError
            For a node the map does not have.
        ConfigurationError
            For an unknown edge kind.

        See Also
        --------
        SkillsMap.subgraph : The map around some nodes.

        Examples
        --------
        >>> import skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> m.neighbours("area:se.found", "area_competence")[:2]
        ['competence:se.found.principles', 'competence:se.found.legal-forms']
        """
        return list(self._inner.neighbours(node, kind))

    def subgraph(
        self,
        *,
        regions: list[str] | None = None,
        types: list[str] | None = None,
        areas: list[str] | None = None,
    ) -> SkillsMap:
        """The map around some regions, stakeholder types or areas.

        The chosen nodes, every node one edge away and the areas of the kept
        competences, with every edge between kept nodes.

        Parameters
        ----------
        regions, types, areas : list of str, optional
            Ids without the kind prefix (``["FI1D7", "ITH5"]``); give exactly
            one of them.

        Returns
        -------
        SkillsMap
            A new map; this one is unchanged.

        Raises
        ------
        ConfigurationError
            When none or more than one of them is given.
        UnknownNameError
            For an id the map does not have.

        See Also
        --------
        SkillsMap.neighbours : The neighbours of one node.

        Examples
        --------
        >>> import skillsmap as sm
        >>> m = sm.demo_survey(100, seed=0).skills_map()
        >>> sub = m.subgraph(regions=["FI1D7"])
        >>> int((sub.nodes["kind"] == "region").sum())
        1
        """
        return SkillsMap(self._inner.subgraph(regions=regions, types=types, areas=areas))

    def add_relatedness(
        self,
        edges: pd.DataFrame,
        *,
        kind: str,
        weight: str = "weight",
        source: str = "source",
        target: str = "target",
    ) -> SkillsMap:
        """Add competence–competence relatedness edges from a table.

        Parameters
        ----------
        edges : pandas.DataFrame
            One row per edge, e.g. the ``edges`` of
            :meth:`Survey.cogap_network` or a long table of
            :func:`proximity`.
        kind : str
            The kind of the new edges (e.g. ``"cogap"``, ``"proximity"``).
        weight, source, target : str
            The columns holding the weight and the two competence ids.

        Returns
        -------
        SkillsMap
            This map, changed in place (so that calls chain).

        Raises
        ------
        UnknownNameError
            For a competence the map does not have.

        See Also
        --------
        SkillsMap.neighbours : Follow the new edges.

        Examples
        --------
        >>> import skillsmap as sm
        >>> s = sm.demo_survey(300, seed=0)
        >>> m = s.skills_map()
        >>> before = m.edge_count
        >>> edges = s.cogap_network(2).edges
        >>> m.add_relatedness(edges, kind="cogap", weight="phi").edge_count - before == len(edges)
        True
        """
        for a, b, w in zip(edges[source], edges[target], edges[weight], strict=True):
            self._inner.add_relatedness(str(a), str(b), kind, float(w))
        return self

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self._inner.node_count

    @property
    def edge_count(self) -> int:
        """Number of edges."""
        return self._inner.edge_count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SkillsMap) and self._inner == other._inner

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._inner)

    @pandas_inside
    def _repr_html_(self) -> str:
        data = self.to_node_link()
        graph = data.get("graph", {})
        banner = (
            "<p><b>Synthetic demonstration data</b> — not real survey responses.</p>"
            if graph.get("synthetic")
            else ""
        )
        nodes = pd.Series([n.get("kind") for n in data["nodes"]]).value_counts().to_dict()
        edges = pd.Series([e.get("kind") for e in data["edges"]]).value_counts().to_dict()
        parts = ", ".join(f"{v} {html.escape(str(k))}" for k, v in nodes.items())
        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{v}</td></tr>" for k, v in edges.items()
        )
        respondents = graph.get("n_respondents")
        who = f", {respondents} respondents" if respondents is not None else ""
        return (
            f"{banner}<p><b>SkillsMap</b>: {self.node_count} nodes ({parts}), "
            f"{self.edge_count} edges; framework "
            f"<code>{html.escape(str(graph.get('framework', '')))}</code>{who}</p>"
            f"<table><thead><tr><th>edge kind</th><th>edges</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def skills_map(
    survey: Survey, *, min_n: int = 5, weights: bool = True, importance_mean: str = "complete"
) -> SkillsMap:
    """The skills map of this survey: regions, stakeholder types, areas and
    competences, with the gap statistics of :meth:`Survey.gaps` on the
    region → competence and type → competence edges.

    Parameters
    ----------
    min_n, weights, importance_mean
        As in :meth:`Survey.gaps`: edges of cells with fewer respondents
        carry suppressed (NaN) statistics.

    Returns
    -------
    SkillsMap
        The graph, with its node and edge tables.

    See Also
    --------
    SkillsMap : The map's tables, queries and files.
    Survey.cogap_network : The network of competences with co-occurring gaps.

    Examples
    --------
    >>> import skillsmap as sm
    >>> m = sm.demo_survey(300, seed=1).skills_map()
    >>> m.neighbours("region:ES22", "region_competence")[:1]
    ['competence:se.found.principles']
    """
    return SkillsMap(
        _core.SkillsMap.from_survey(
            survey._inner,
            min_n=count("min_n", min_n, 0),
            weights=weights,
            importance_mean=importance_mean,
        )
    )
