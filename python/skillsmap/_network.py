"""The co-gap network of competences (``Survey.cogap_network``): which gaps
occur together among respondents, its backbone (noise-corrected,
hypergeometric or disparity filter, computed by the Rust core), communities
and centrality."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core, _gaps
from ._checks import number, optional_number
from ._multitest import check_method
from ._output import returns_table
from ._progress import progress_bar
from ._provenance import Provenance, attach
from .errors import ConfigurationError

if TYPE_CHECKING:
    import networkx as nx

    from ._survey import Survey

__all__ = ["BACKBONES", "CoGapNetwork", "cogap_network"]

#: The backbone methods of :meth:`Survey.cogap_network`.
BACKBONES = ("noise_corrected", "hypergeometric", "disparity")


def cogap_network(
    survey: Survey,
    threshold: float = 1.0,
    *,
    backbone: str | None = None,
    alpha: float | None = None,
    p_adjust: str = "holm",
    backbone_alpha: float | None = None,
) -> CoGapNetwork:
    """The co-gap network: competences linked by how many respondents
    report a gap (target − current ≥ ``threshold``) on both.

    Parameters
    ----------
    threshold : float
        The gap that counts.
    backbone : {"noise_corrected", "hypergeometric", "disparity"}, optional
        Keep only the edges of this backbone. Co-occurrence counts grow with
        how often each competence has a gap, so the two backbones made for
        them test a count against those marginal frequencies:
        ``"noise_corrected"`` (Coscia & Neffke 2017; the default when only
        ``alpha`` is given) and ``"hypergeometric"`` (an exact test of each
        pair, p-values adjusted over all pairs by ``p_adjust``).
        ``"disparity"`` is the disparity filter (Serrano et al. 2009), made
        for weights that do not follow the nodes' frequencies.
    alpha : float, optional
        Significance level of the backbone (default 0.05 with a backbone).
    p_adjust : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiplicity control of the hypergeometric backbone.
    backbone_alpha : float, optional
        Older spelling of ``backbone="disparity", alpha=backbone_alpha``.

    Returns
    -------
    CoGapNetwork
        Its ``edges``, ``competences``, communities and centrality; the
        class documents each backbone's test.

    Raises
    ------
    ConfigurationError
        For an unknown backbone or p-value adjustment, an ``alpha`` outside
        (0, 1), or both ``backbone_alpha`` and ``backbone``/``alpha``.

    See Also
    --------
    CoGapNetwork : The network's tables and methods.
    skillsmap.plot.skills_network : Draw the network.
    SkillsMap.add_relatedness : Put its edges into the skills map.

    Examples
    --------
    >>> import skillsmap as sm
    >>> net = sm.demo_survey(600, seed=0).cogap_network(1.0, alpha=0.05)
    >>> net.backbone, net.alpha
    ('noise_corrected', 0.05)
    """
    if backbone_alpha is not None:
        if backbone is not None or alpha is not None:
            raise ConfigurationError(
                "backbone_alpha is the older spelling of backbone='disparity', alpha=…; "
                "give one or the other"
            )
        backbone, alpha = "disparity", backbone_alpha
    if backbone is None and alpha is not None:
        backbone = "noise_corrected"
    if backbone is not None and (not isinstance(backbone, str) or backbone not in BACKBONES):
        raise ConfigurationError(
            f"backbone must be one of {', '.join(BACKBONES)} or None, got {backbone!r}"
        )
    if backbone is not None and alpha is None:
        alpha = 0.05
    return CoGapNetwork(survey, threshold, backbone, alpha, check_method(p_adjust))


class CoGapNetwork:
    """Competences linked by how many respondents report a gap on both.

    A respondent has a gap on a competence when target − current ≥
    ``threshold`` (target: required level, or importance without one).
    ``edges`` holds ``count`` (respondents with both gaps, unweighted) and
    ``phi`` = count / max(ubiquity of the two). With a ``backbone`` only its
    edges remain, with ``score`` and ``p_value``:

    - noise-corrected (Coscia & Neffke 2017): with n_ij the count, n_i the
      strength of i and n = Σᵢ n_i, the lift L = n·n_ij/(n_i n_j) is
      transformed to ``score`` L̃ = (L − 1)/(L + 1); its standard deviation
      comes from a Beta prior with the mean n_i n_j/n² and variance
      n_i n_j (n − n_i)(n − n_j)/(n⁴(n − 1)) of the hypergeometric null,
      updated by the observed count, and the delta method. The edge is
      kept when the one-sided ``p_value`` 1 − Φ(L̃/sd) < α.
    - hypergeometric: with N respondents and ubiquities k_i, k_j, the
      count of common respondents is hypergeometric under independence;
      ``p_value`` = P(X ≥ count), adjusted over every pair of competences
      with a gap (``p_adjust``); kept when below α; ``score`` is the lift
      count·N/(k_i k_j).
    - disparity filter (Serrano, Boguñá & Vespignani 2009) on the counts;
      ``score`` and ``p_value`` are NaN.

    A network keeps its own tables, the survey's framework, source and
    pooled gap table (what its figure needs), not the survey: it pickles
    in tens of kilobytes, and ``==`` compares that content.

    Attributes
    ----------
    edges : pandas.DataFrame
        ``source``, ``target``, ``count``, ``phi`` (and ``score``,
        ``p_value`` with a backbone).
    competences : pandas.DataFrame
        ``competence``, ``label``, ``area``, ``ubiquity`` (respondents with
        a gap on it).
    threshold : float
        The gap that counts.
    backbone : str or None
        The backbone method, or None for the full network.
    alpha : float or None
        Significance level of the backbone.
    p_adjust : str or None
        Multiplicity control of the hypergeometric backbone.
    synthetic : bool
        Whether the survey was synthetic.
    framework : Framework
        The survey's competence framework.
    source : str
        The survey's provenance text.

    See Also
    --------
    Survey.cogap_network : Build one.
    skillsmap.plot.skills_network : Draw it.

    Examples
    --------
    >>> import skillsmap as sm
    >>> net = sm.demo_survey(400, seed=2).cogap_network(threshold=2)
    >>> list(net.edges.columns)
    ['source', 'target', 'count', 'phi']
    >>> net.centrality().columns.tolist()
    ['competence', 'degree', 'strength', 'betweenness', 'eigenvector']
    >>> bb = sm.demo_survey(1200, seed=0).cogap_network(1, backbone="noise_corrected")
    >>> len(bb.edges) > 0, list(bb.edges.columns)[-2:]
    (True, ['score', 'p_value'])
    """

    def __init__(
        self,
        survey: Survey,
        threshold: float,
        backbone: str | None,
        alpha: float | None,
        p_adjust: str = "holm",
    ) -> None:
        kwargs: dict[str, Any] = {}
        if backbone is not None:
            kwargs = {
                "backbone": backbone,
                "alpha": optional_number("alpha", alpha),
                "p_adjust": p_adjust,
            }
        res = _core.cogap_network(survey._inner, threshold=number("threshold", threshold), **kwargs)
        self.threshold = float(threshold)
        self.backbone = backbone
        self.alpha = alpha if backbone is not None else None
        self.p_adjust = p_adjust if backbone == "hypergeometric" else None
        self.synthetic = survey.synthetic
        self.source = survey.source
        # What the figure needs from the survey (node sizes, labels), kept
        # instead of the survey so that a network pickles small. The
        # framework is the gap table's own, so it is pickled once.
        self._pooled_gaps = _gaps.gaps(survey)
        self.framework = Provenance.of(self._pooled_gaps).framework
        ids = list(res["competences"])
        self._ids = np.asarray(ids, dtype=object)
        comp = self.framework.competences.set_index("id")
        self.competences = pd.DataFrame(
            {
                "competence": ids,
                "label": comp.loc[ids, "label"].to_numpy(),
                "area": comp.loc[ids, "area"].to_numpy(),
                "ubiquity": res["ubiquity"].astype(np.int64),
            }
        )
        phi = {
            (int(a), int(b)): w
            for a, b, w in zip(res["phi_i"], res["phi_j"], res["phi_w"], strict=True)
        }
        prefix = "backbone_" if backbone is not None else "count_"
        i, j, w = res[prefix + "i"], res[prefix + "j"], res[prefix + "w"]
        self._i = np.ascontiguousarray(i, dtype=np.uint32)
        self._j = np.ascontiguousarray(j, dtype=np.uint32)
        self.edges = pd.DataFrame(
            {
                "source": self._ids[i.astype(np.int64)],
                "target": self._ids[j.astype(np.int64)],
                "count": w.astype(np.int64),
                "phi": [phi[(int(a), int(b))] for a, b in zip(i, j, strict=True)],
            }
        )
        if backbone is not None:
            self.edges["score"] = res["backbone_score"]
            self.edges["p_value"] = res["backbone_p"]

    @property
    @returns_table
    def pooled_gaps(self) -> pd.DataFrame:
        """The survey's pooled gap table (``survey.gaps()``, defaults), whose
        mean gaps size the nodes of :func:`skillsmap.plot.skills_network`."""
        return self._pooled_gaps

    @property
    def backbone_alpha(self) -> float | None:
        """α of the backbone (None for the full network); older name of
        :attr:`alpha`."""
        return self.alpha

    def describe_backbone(self, lang: Any = None) -> str:
        """The backbone in words, for captions.

        Parameters
        ----------
        lang : {"en", "es", "fr", "sl", "fi", "it"}, optional
            Language of the words and of α's decimal mark (default English).

        Returns
        -------
        str
            E.g. ``"noise-corrected backbone (Coscia & Neffke 2017), α =
            0.05"``; empty for the full network.

        See Also
        --------
        Survey.cogap_network : Where the backbone is chosen.

        Examples
        --------
        >>> import skillsmap as sm
        >>> net = sm.demo_survey(300, seed=0).cogap_network(1, backbone="hypergeometric")
        >>> net.describe_backbone()
        'hypergeometric backbone (holm-adjusted), α = 0.05'
        >>> net.describe_backbone(lang="fi")
        'hypergeometrinen runko (holm-korjattu), α = 0,05'
        """
        from ._i18n import N_, lang_of

        if self.backbone is None:
            return ""
        tr = lang_of(lang)
        name = {
            "noise_corrected": N_("noise-corrected backbone (Coscia & Neffke 2017)"),
            "hypergeometric": N_("hypergeometric backbone ({method}-adjusted)"),
            "disparity": N_("disparity-filter backbone (Serrano et al. 2009)"),
        }[self.backbone]
        text = tr.gettext(name).format(method=self.p_adjust)
        alpha = f"{self.alpha:g}".replace(".", tr.num(0.5, 1)[1])
        return tr.gettext("{backbone}, α = {alpha}").format(backbone=text, alpha=alpha)

    def _weights(self, weight: str) -> np.ndarray:
        if weight not in {"count", "phi"}:
            raise ConfigurationError(f"weight must be 'count' or 'phi', got {weight!r}")
        return np.ascontiguousarray(self.edges[weight].to_numpy(dtype=np.float64))

    @returns_table
    def communities(
        self, seed: int = 0, *, weight: str = "count", progress: bool | None = None
    ) -> pd.DataFrame:
        """Louvain communities (modularity, resolution 1), deterministic for a
        seed.

        Parameters
        ----------
        seed : int
            Seed of the node order Louvain visits.
        weight : {"count", "phi"}
            The edge weight.
        progress : bool, optional
            A tqdm bar counting passes over the nodes (default: when tqdm
            is installed and the graph is large). The call releases the GIL
            and stops on Ctrl-C (KeyboardInterrupt within about a
            thousand node moves; no partial result).

        Returns
        -------
        pandas.DataFrame
            ``competence`` and ``community`` (0-based); the provenance
            (``df.attrs["provenance"]``) holds the partition's
            ``modularity``.

        Raises
        ------
        ConfigurationError
            For another weight.

        See Also
        --------
        CoGapNetwork.centrality : Which competences are central.
        skillsmap.plot.skills_network : ``colour_by="community"`` draws them.

        Examples
        --------
        >>> import skillsmap as sm
        >>> net = sm.demo_survey(400, seed=2).cogap_network(threshold=2)
        >>> c = net.communities(seed=0)
        >>> list(c.columns), sm.Provenance.of(c).modularity >= 0
        (['competence', 'community'], True)
        """
        weights = self._weights(weight)
        # a pass is O(m); graphs of ten million edges take seconds
        with progress_bar(progress, len(self._i) * 1e4, "louvain", unit="pass") as update:
            labels, q = _core.louvain(
                len(self._ids), self._i, self._j, weights, seed=int(seed), progress=update
            )
        df = pd.DataFrame({"competence": self._ids, "community": labels.astype(np.int64)})
        prov = Provenance(
            kind="communities",
            framework=self.framework,
            synthetic=self.synthetic,
            source=self.source,
            modularity=q,
            seed=int(seed),
            weight=weight,
        )
        return attach(df, prov)

    @returns_table
    def centrality(self, *, weight: str = "count", progress: bool | None = None) -> pd.DataFrame:
        """Degree, strength, betweenness and eigenvector centrality of every
        competence.

        Parameters
        ----------
        weight : {"count", "phi"}
            The edge weight.
        progress : bool, optional
            A tqdm bar counting the betweenness sources (one shortest-path
            search each; default: when tqdm is installed and the graph is
            large). The call releases the GIL and stops on Ctrl-C
            (KeyboardInterrupt within one source; no partial result).

        Returns
        -------
        pandas.DataFrame
            ``competence``, ``degree`` (neighbours), ``strength`` (sum of
            weights), ``betweenness`` (normalised, shortest paths with
            length 1/weight) and ``eigenvector`` (weighted, unit Euclidean
            norm).

        Raises
        ------
        ConfigurationError
            For another weight.

        See Also
        --------
        CoGapNetwork.communities : Groups of competences.
        CoGapNetwork.to_networkx : For other measures.

        Examples
        --------
        >>> import skillsmap as sm
        >>> net = sm.demo_survey(400, seed=2).cogap_network(threshold=2)
        >>> net.centrality(weight="phi").columns.tolist()[1:3]
        ['degree', 'strength']
        """
        weights = self._weights(weight)
        n = len(self._ids)
        # betweenness: one Dijkstra of O(m log n) per node
        work = n * (len(self._i) + n) * max(np.log2(n + 1), 1.0) * 100
        with progress_bar(progress, work, "centrality", unit="source") as update:
            c = _core.centrality(n, self._i, self._j, weights, progress=update)
        return pd.DataFrame({"competence": self._ids, **c})

    def to_networkx(self) -> nx.Graph:
        """The network as an undirected networkx graph.

        Returns
        -------
        networkx.Graph
            Edge attributes ``count`` and ``phi``; node attributes
            ``label``, ``area`` and ``ubiquity``; graph attributes
            ``threshold`` and ``synthetic``.

        See Also
        --------
        SkillsMap.to_networkx : The skills map as a graph.

        Examples
        --------
        >>> import skillsmap as sm
        >>> net = sm.demo_survey(400, seed=2).cogap_network(threshold=2)
        >>> g = net.to_networkx()
        >>> g.number_of_edges() == len(net.edges)
        True
        """
        import networkx as nx

        g = nx.Graph(threshold=self.threshold, synthetic=self.synthetic)
        for rec in self.competences.to_dict("records"):
            g.add_node(rec["competence"], **{k: v for k, v in rec.items() if k != "competence"})
        for rec in self.edges.to_dict("records"):
            g.add_edge(rec["source"], rec["target"], count=rec["count"], phi=rec["phi"])
        return g

    def __repr__(self) -> str:
        bb = f", backbone={self.backbone!r}, alpha={self.alpha}" if self.backbone else ""
        return (
            f"CoGapNetwork({len(self._ids)} competences, {len(self.edges)} edges, "
            f"threshold={self.threshold}{bb})"
        )

    def _repr_html_(self) -> str:
        banner = (
            "<p><b>Synthetic demonstration data</b> — not real survey responses.</p>"
            if self.synthetic
            else ""
        )
        what = self.describe_backbone() or "full network"
        more = f"<p>… {len(self.edges) - 10} more edges</p>" if len(self.edges) > 10 else ""
        return (
            f"{banner}<p><b>CoGapNetwork</b>: {len(self._ids)} competences, "
            f"{len(self.edges)} edges (gap ≥ {self.threshold:g}; {html.escape(what)}), "
            f"framework <code>{html.escape(self.framework.id)}</code></p>"
            + self.edges.head(10).to_html(index=False)
            + more
        )

    def __eq__(self, other: object) -> bool:
        """Equal content: options, framework, source and every table."""
        if not isinstance(other, CoGapNetwork):
            return NotImplemented
        same = (self.threshold, self.backbone, self.alpha, self.p_adjust, self.synthetic) == (
            other.threshold,
            other.backbone,
            other.alpha,
            other.p_adjust,
            other.synthetic,
        )
        return (
            same
            and self.source == other.source
            and self.framework == other.framework
            and self.edges.equals(other.edges)
            and self.competences.equals(other.competences)
            and self._pooled_gaps.equals(other._pooled_gaps)
        )

    # mutable tables, equality by content: not hashable
    __hash__ = None  # type: ignore[assignment]

    # -- pickling: the edge ends as node indices, not 2 × edges strings --------
    def _edge_ends(self) -> tuple[np.ndarray, np.ndarray]:
        return self._ids[self._i.astype(np.int64)], self._ids[self._j.astype(np.int64)]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        source, target = self._edge_ends()
        edges = self.edges
        # only while the table is still the one built here (not edited)
        if (
            list(edges.columns[:2]) == ["source", "target"]
            and len(edges) == len(source)
            and (edges["source"].to_numpy(dtype=object) == source).all()
            and (edges["target"].to_numpy(dtype=object) == target).all()
        ):
            state["edges"] = edges.drop(columns=["source", "target"])
            state["_ends_dropped"] = True
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        dropped = state.pop("_ends_dropped", False)
        self.__dict__.update(state)
        if dropped:
            source, target = self._edge_ends()
            ends = pd.DataFrame({"source": source, "target": target}, index=self.edges.index)
            self.edges = pd.concat([ends, self.edges], axis=1)
