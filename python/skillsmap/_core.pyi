"""Type stubs of the compiled core module ``skillsmap._core`` (private API)."""

from collections.abc import Callable
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "MISSING_CODE",
    "Framework",
    "GapPartial",
    "RegionSet",
    "Scale",
    "SkillsMap",
    "Survey",
    "Typology",
    "__version__",
    "bootstrap",
    "centrality",
    "cogap_network",
    "density",
    "factorize_i64",
    "factorize_utf8",
    "first_appearance",
    "gap_table",
    "learning_matches",
    "louvain",
    "paired_tests",
    "proximity",
    "quadrants",
    "rank_sums",
    "rating_matrix",
    "rating_rank_sums",
    "rca",
    "reliability",
    "simd_path",
    "simd_paths_available",
    "similarity_matrix",
    "top_k",
]
__version__: str
MISSING_CODE: int

_Codes = npt.NDArray[np.int64]
# codes the core reads in place, in any of the widths pandas keeps them
_AnyCodes = (
    npt.NDArray[np.int8] | npt.NDArray[np.int16] | npt.NDArray[np.int32] | npt.NDArray[np.int64]
)
_Floats = npt.NDArray[np.float64]
_Cat = tuple[_AnyCodes, list[str]]

@final
class Scale:
    def __new__(
        cls,
        min: float,
        max: float,
        *,
        labels: list[str] | None = None,
        id: str = ...,
        name: str = ...,
    ) -> Scale: ...
    @staticmethod
    def likert5() -> Scale: ...
    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    def contains(self, value: float) -> bool: ...
    def _repr_html_(self) -> str: ...

@final
class Framework:
    @staticmethod
    def available() -> list[str]: ...
    @staticmethod
    def embedded(id: str) -> Framework: ...
    @staticmethod
    def from_json(text: str) -> Framework: ...
    @staticmethod
    def from_columns(
        columns: dict[str, list[str | None]],
        *,
        id: str,
        name: str = ...,
        version: str = ...,
        citation: str = ...,
        licence: str = ...,
        url: str | None = None,
        scale: Scale | None = None,
    ) -> Framework: ...
    def to_json(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def illustrative(self) -> bool: ...
    @property
    def citation(self) -> str: ...
    @property
    def licence(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def scale(self) -> Scale | None: ...
    @property
    def languages(self) -> list[str]: ...
    @property
    def translations(self) -> dict[str, str]: ...
    def competence_columns(self) -> dict[str, list[str | None]]: ...
    def area_columns(self) -> dict[str, list[str | None]]: ...
    def resolve(self, name: str) -> int | None: ...
    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Typology:
    @staticmethod
    def default() -> Typology: ...
    @staticmethod
    def from_json(text: str) -> Typology: ...
    @staticmethod
    def from_pairs(id: str, pairs: list[tuple[str, str]]) -> Typology: ...
    def to_json(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    def type_columns(self) -> dict[str, list[str]]: ...
    def resolve(self, name: str) -> int | None: ...
    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class RegionSet:
    @staticmethod
    def resees() -> RegionSet: ...
    @staticmethod
    def from_json(text: str) -> RegionSet: ...
    @staticmethod
    def from_rows(
        rows: list[tuple[str, str, str, int | None, list[str]]],
        *,
        id: str = ...,
        name: str = ...,
    ) -> RegionSet: ...
    def to_json(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    def rows(self) -> list[tuple[str, str, str, int | None]]: ...
    def resolve(self, name: str) -> int | None: ...
    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Survey:
    @staticmethod
    def from_columns(
        respondent: _Cat,
        region: _Cat,
        stakeholder_type: _Cat,
        competence: _Cat,
        current: _Floats,
        *,
        required: _Floats | None = None,
        importance: _Floats | None = None,
        weight: _Floats | None = None,
        attributes: list[tuple[str, _AnyCodes, list[str]]] = ...,
        names: dict[str, str] = ...,
        framework: Framework,
        scale: Scale,
        importance_scale: Scale | None = None,
        regions: RegionSet | None = None,
        typology: Typology | None = None,
        source: str = ...,
        synthetic: bool = False,
        seed: int | None = None,
    ) -> Survey: ...
    @staticmethod
    def generate(
        n_respondents: int,
        seed: int,
        *,
        missing_rate: float = 0.07,
        importance: bool = True,
        weights: bool = True,
        framework: Framework | None = None,
        scale: Scale | None = None,
        regions: RegionSet | None = None,
        typology: Typology | None = None,
    ) -> Survey: ...
    @property
    def n_respondents(self) -> int: ...
    @property
    def n_answers(self) -> int: ...
    @property
    def has_weights(self) -> bool: ...
    @property
    def has_required(self) -> bool: ...
    @property
    def has_importance(self) -> bool: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def source(self) -> str: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def framework(self) -> Framework: ...
    @property
    def scale(self) -> Scale: ...
    @property
    def importance_scale(self) -> Scale: ...
    @property
    def regions(self) -> RegionSet: ...
    @property
    def typology(self) -> Typology: ...
    def answer_columns(self) -> dict[str, Any]: ...
    def respondent_columns(self) -> dict[str, Any]: ...
    def with_weights(self, weights: _Floats) -> Survey: ...
    def summary(self) -> str: ...

@final
class GapPartial:
    @staticmethod
    def from_columns(
        respondent: _Cat,
        region: _Cat,
        stakeholder_type: _Cat,
        competence: _Cat,
        current: _Floats,
        *,
        required: _Floats | None = None,
        importance: _Floats | None = None,
        weight: _Floats | None = None,
        attributes: list[tuple[str, _AnyCodes, list[str]]] = ...,
        names: dict[str, str] = ...,
        framework: Framework,
        scale: Scale,
        importance_scale: Scale | None = None,
        regions: RegionSet | None = None,
        typology: Typology | None = None,
        source: str = ...,
        by: list[str],
        level: str,
        weights: bool,
        borich: str,
        partition: int,
        n_boot: int = 0,
        seed: int = 0,
    ) -> GapPartial: ...
    @staticmethod
    def from_survey(
        survey: Survey,
        by: list[str],
        *,
        level: str,
        weights: bool,
        borich: str,
        partition: int,
        n_boot: int = 0,
        seed: int = 0,
    ) -> GapPartial: ...
    @staticmethod
    def empty(
        framework: str,
        n_items: int,
        by: list[str],
        *,
        level: str,
        weights: bool,
        borich: str,
        n_boot: int = 0,
        seed: int = 0,
    ) -> GapPartial: ...
    def merge(self, other: GapPartial) -> GapPartial: ...
    def finish(
        self, *, level: str, weights: bool, min_n: int, importance_mean: str, borich: str
    ) -> dict[str, Any]: ...
    def finish_bootstrap(
        self,
        *,
        level: str,
        weights: bool,
        min_n: int,
        importance_mean: str,
        borich: str,
        ci: float,
        top_k: int,
    ) -> dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> GapPartial: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
    @property
    def n_groups(self) -> int: ...
    @property
    def n_respondents(self) -> int: ...
    @property
    def n_boot(self) -> int: ...
    @property
    def keys(self) -> list[str]: ...

@final
class SkillsMap:
    @staticmethod
    def from_survey(
        survey: Survey, *, min_n: int, weights: bool, importance_mean: str
    ) -> SkillsMap: ...
    @staticmethod
    def from_json(text: str, *, max_bytes: int) -> SkillsMap: ...
    def to_json(self) -> str: ...
    def to_graphml(self) -> str: ...
    def to_gexf(self) -> str: ...
    def node_link_json(self) -> str: ...
    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...
    def gap_stats(self, node_id: str) -> list[tuple[str, dict[str, Any]]]: ...
    def neighbours(self, node_id: str, kind: str) -> list[str]: ...
    def subgraph(
        self,
        *,
        regions: list[str] | None = None,
        types: list[str] | None = None,
        areas: list[str] | None = None,
    ) -> SkillsMap: ...
    def add_relatedness(self, a: str, b: str, kind: str, weight: float) -> None: ...
    def __eq__(self, value: object, /) -> bool: ...

def factorize_i64(
    values: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_] | None = None
) -> tuple[npt.NDArray[np.int32] | npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]: ...
def factorize_utf8(
    offsets: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    data: npt.NDArray[np.uint8],
    valid: npt.NDArray[np.bool_] | None = None,
) -> tuple[_Codes, list[str]]: ...
def first_appearance(
    codes: npt.NDArray[np.int8]
    | npt.NDArray[np.int16]
    | npt.NDArray[np.int32]
    | npt.NDArray[np.int64],
    n_labels: int,
) -> tuple[_Codes, list[int]]: ...
def gap_table(
    survey: Survey,
    by: list[str],
    *,
    level: str,
    weights: bool,
    min_n: int,
    importance_mean: str,
    borich: str = "importance",
) -> dict[str, Any]: ...
def learning_matches(
    survey: Survey,
    by: list[str],
    *,
    weights: bool,
    min_n: int,
    top: int,
) -> dict[str, Any]: ...
def quadrants(
    importance: _Floats,
    gap: _Floats,
    current: _Floats,
    rank: npt.NDArray[np.uint32],
    *,
    crosshair: str,
    current_scale: tuple[float, float],
    importance_scale: tuple[float, float],
    top_k: int | None = None,
) -> dict[str, Any]: ...
def bootstrap(
    survey: Survey,
    by: list[str],
    *,
    level: str,
    weights: bool,
    min_n: int,
    importance_mean: str,
    n_boot: int,
    seed: int,
    ci: float,
    top_k: int,
    stratify: list[str] | None = None,
    keep_replicates: bool = False,
    progress: Callable[[int], object] | None = None,
    borich: str = "importance",
) -> dict[str, Any]: ...
def paired_tests(
    survey: Survey,
    by: list[str],
    *,
    level: str,
    correction: bool,
) -> dict[str, Any]: ...
def rating_matrix(survey: Survey, rating: str) -> npt.NDArray[np.float64]: ...
def reliability(survey: Survey, rating: str, scales: list[list[int]]) -> dict[str, Any]: ...
def rank_sums(x: npt.NDArray[np.float64], groups: _Codes, *, n_groups: int) -> dict[str, Any]: ...
def rating_rank_sums(
    survey: Survey, rating: str, groups: _Codes, *, n_groups: int
) -> dict[str, Any] | None: ...
def similarity_matrix(
    x: npt.NDArray[np.float64],
    *,
    metric: str,
    threshold: float | None = None,
    distance: bool = False,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    dtype: str = "float64",
    progress: Callable[[int, int], None] | None = None,
) -> npt.NDArray[np.float64] | npt.NDArray[np.float32]: ...
def top_k(
    x: npt.NDArray[np.float64],
    k: int,
    *,
    metric: str,
    threshold: float | None = None,
    distance: bool = False,
    pairwise_complete: bool = True,
    min_overlap: int = 1,
    dtype: str = "float64",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]: ...
def simd_path() -> str: ...
def simd_paths_available() -> list[str]: ...
def rca(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def proximity(
    x: npt.NDArray[np.float64],
    *,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
) -> npt.NDArray[np.float64]: ...
def density(
    x: npt.NDArray[np.float64],
    *,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
) -> npt.NDArray[np.float64]: ...
def cogap_network(
    survey: Survey,
    *,
    threshold: float,
    backbone: str | None = None,
    alpha: float = 0.05,
    p_adjust: str = "holm",
) -> dict[str, Any]: ...
def louvain(
    n_nodes: int,
    i: npt.NDArray[np.uint32],
    j: npt.NDArray[np.uint32],
    w: npt.NDArray[np.float64],
    *,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[npt.NDArray[np.uint32], float]: ...
def centrality(
    n_nodes: int,
    i: npt.NDArray[np.uint32],
    j: npt.NDArray[np.uint32],
    w: npt.NDArray[np.float64],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]: ...
