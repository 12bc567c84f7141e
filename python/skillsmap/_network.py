"""The co-gap network of competences (``Survey.cogap_network``): which gaps
occur together among respondents, its disparity backbone, communities and
centrality."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _core
from ._checks import number, optional_number
from ._provenance import Provenance, attach
from .errors import ConfigurationError

if TYPE_CHECKING:
    import networkx as nx

    from ._survey import Survey

__all__ = ["CoGapNetwork", "cogap_network"]


def cogap_network(
    survey: Survey, threshold: float = 1.0, *, backbone_alpha: float | None = None
) -> CoGapNetwork:
    """The co-gap network: competences linked by how many respondents
    report a gap (target − current ≥ ``threshold``) on both; with
    ``backbone_alpha`` (e.g. 0.05) only the disparity-filter backbone.
    See :class:`CoGapNetwork` for communities and centrality."""
    return CoGapNetwork(survey, threshold, backbone_alpha)


class CoGapNetwork:
    """Competences linked by how many respondents report a gap on both.

    A respondent has a gap on a competence when target − current ≥
    ``threshold`` (target: required level, or importance without one).
    ``edges`` holds ``count`` (respondents with both gaps, unweighted) and
    ``phi`` = count / max(ubiquity of the two). With ``backbone_alpha`` only
    the edges kept by the disparity filter (Serrano, Boguñá & Vespignani
    2009) on the counts remain.

    Examples
    --------
    >>> import skillsmap as sm
    >>> net = sm.demo_survey(400, seed=2).cogap_network(threshold=2)
    >>> list(net.edges.columns)
    ['source', 'target', 'count', 'phi']
    >>> net.centrality().columns.tolist()
    ['competence', 'degree', 'strength', 'betweenness', 'eigenvector']
    """

    def __init__(self, survey: Survey, threshold: float, backbone_alpha: float | None) -> None:
        res = _core.cogap_network(
            survey._inner,
            threshold=number("threshold", threshold),
            backbone_alpha=optional_number("backbone_alpha", backbone_alpha),
        )
        self.threshold = float(threshold)
        self.backbone_alpha = backbone_alpha
        self.synthetic = survey.synthetic
        self._survey = survey
        ids = list(res["competences"])
        self._ids = np.asarray(ids, dtype=object)
        comp = survey.framework.competences.set_index("id")
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
        prefix = "backbone_" if backbone_alpha is not None else "count_"
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

    def _weights(self, weight: str) -> np.ndarray:
        if weight not in {"count", "phi"}:
            raise ConfigurationError(f"weight must be 'count' or 'phi', got {weight!r}")
        return np.ascontiguousarray(self.edges[weight].to_numpy(dtype=np.float64))

    def communities(self, seed: int = 0, *, weight: str = "count") -> pd.DataFrame:
        """Louvain communities (modularity, resolution 1), deterministic for a
        seed; the provenance (``df.attrs["provenance"]``) holds the partition's
        ``modularity``."""
        labels, q = _core.louvain(
            len(self._ids), self._i, self._j, self._weights(weight), seed=int(seed)
        )
        df = pd.DataFrame({"competence": self._ids, "community": labels.astype(np.int64)})
        prov = Provenance(
            kind="communities",
            framework=self._survey.framework,
            synthetic=self.synthetic,
            source=self._survey.source,
            modularity=q,
            seed=int(seed),
            weight=weight,
        )
        return attach(df, prov)

    def centrality(self, *, weight: str = "count") -> pd.DataFrame:
        """Degree (neighbours), strength (sum of weights), betweenness
        (normalised, shortest paths with length 1/weight) and eigenvector
        centrality (weighted, unit Euclidean norm) of every competence."""
        c = _core.centrality(len(self._ids), self._i, self._j, self._weights(weight))
        return pd.DataFrame({"competence": self._ids, **c})

    def to_networkx(self) -> nx.Graph:
        """The network as an undirected ``networkx.Graph`` (edge attributes
        ``count``, ``phi``; node attributes ``label``, ``area``, ``ubiquity``)."""
        import networkx as nx

        g = nx.Graph(threshold=self.threshold, synthetic=self.synthetic)
        for rec in self.competences.to_dict("records"):
            g.add_node(rec["competence"], **{k: v for k, v in rec.items() if k != "competence"})
        for rec in self.edges.to_dict("records"):
            g.add_edge(rec["source"], rec["target"], count=rec["count"], phi=rec["phi"])
        return g

    def __repr__(self) -> str:
        bb = f", backbone_alpha={self.backbone_alpha}" if self.backbone_alpha is not None else ""
        return (
            f"CoGapNetwork({len(self._ids)} competences, {len(self.edges)} edges, "
            f"threshold={self.threshold}{bb})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.edges.head(20).to_html(index=False)
