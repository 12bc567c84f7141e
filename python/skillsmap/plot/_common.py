"""Shared pieces of the plot helpers: palettes, labels, axes, label placement.

Nothing here imports matplotlib at module import time; the helpers call
:func:`pyplot` when they run.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import N_, Lang, lang_of
from .._model import Framework
from .._provenance import read
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe & Ito (2008) colour-blind-safe categorical palette (black last).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

#: The words every figure drawn from synthetic data carries in its title
#: (in the figure's language).
SYNTHETIC_NOTE = N_("synthetic demonstration data")

#: Diverging palette for signed gaps (ColorBrewer RdBu, colour-blind safe),
#: sequential palette for levels and similarities.
DIVERGING = "RdBu_r"
SEQUENTIAL = "cividis"


def pyplot() -> Any:
    """matplotlib.pyplot, imported on first use, with a clear error without it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("skillsmap.plot needs matplotlib: pip install 'skillsmap[plot]'") from err
    return plt


def new_axes(ax: Axes | None, figsize: tuple[float, float], *, polar: bool = False) -> Axes:
    """``ax`` itself, or the axes of a new constrained-layout figure."""
    if ax is not None:
        if polar and getattr(ax, "name", "") != "polar":
            raise ConfigurationError(
                "this plot needs polar axes: subplot_kw={'projection': 'polar'}"
            )
        return ax
    plt = pyplot()
    fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(projection="polar" if polar else None)


def colormap(name: str) -> Any:
    """A matplotlib colormap by name, with a clear error for unknown names."""
    plt = pyplot()
    try:
        return plt.get_cmap(name)
    except ValueError as err:
        raise ConfigurationError(f"unknown colormap {name!r}") from err


def annotate_cells(
    ax: Axes, image: Any, fmt: str = "{:.2f}", fontsize: float = 7.0, lang: Lang | None = None
) -> None:
    """Write each finite value of an ``imshow`` image in its cell, white on
    dark colours and black on light ones (two decimals in ``lang``'s format
    when given)."""
    mat = np.ma.filled(np.ma.asarray(image.get_array(), dtype=np.float64), np.nan)
    for i, j in zip(*np.nonzero(np.isfinite(mat)), strict=True):
        v = mat[i, j]
        r, g, b, _ = image.cmap(image.norm(v))
        dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45
        ax.text(
            j,
            i,
            fmt.format(v) if lang is None else lang.num(v, 2),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if dark else "black",
            zorder=4,
        )


def number_axis(axis: Any, lang: Lang) -> None:
    """Tick labels of a numeric axis in the language's number format
    (decimal comma where the language writes one)."""
    from matplotlib.ticker import FuncFormatter

    dec = lang.num(0.5, 1)[1]

    def fmt(value: float, _pos: Any) -> str:
        text = lang.num(value, 2)
        # no trailing zeros, as matplotlib's default ticks
        if dec in text:
            text = text.rstrip("0").rstrip(dec)
        return "0" if text in ("-0", "−0") else text

    axis.set_major_formatter(FuncFormatter(fmt))


def is_synthetic(*objs: Any) -> bool:
    """Whether any of the inputs comes from synthetic data (its provenance,
    or a ``synthetic`` attribute)."""
    for obj in objs:
        if read(obj).synthetic:
            return True
        if getattr(obj, "synthetic", False) is True:
            return True
    return False


def titled(
    ax: Axes, title: str | None, default: str, synthetic: bool, lang: Lang | None = None
) -> None:
    """Set the title; figures from synthetic data say so on a second line,
    in the figure's language."""
    text = default if title is None else title
    note = (lang or Lang()).gettext(SYNTHETIC_NOTE)
    if synthetic and note.lower() not in text.lower():
        text = f"{text}\n({note})" if text else f"({note})"
    ax.set_title(text, fontsize=10)


def category_colours(keys: Iterable[Any]) -> dict[Any, str]:
    """Okabe–Ito colours for categories in first-seen order (cycling after 8)."""
    out: dict[Any, str] = {}
    for key in keys:
        if key not in out:
            out[key] = OKABE_ITO[len(out) % len(OKABE_ITO)]
    return out


_DOLLAR = re.compile(r"(?<!\\)\$")


def literal(text: Any) -> str:
    """``text`` as matplotlib draws it literally: a ``$`` in a label is a
    dollar, never the start of mathtext (idempotent)."""
    return _DOLLAR.sub(r"\\$", str(text))


def short(text: Any, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis, drawn literally."""
    text = str(text)
    if len(text) > width:
        text = text[: max(width - 1, 1)].rstrip().rstrip("\\") + "…"
    return literal(text)


def wrap(text: Any, width: int) -> str:
    """``text`` wrapped at ``width`` characters, drawn literally."""
    return literal("\n".join(textwrap.wrap(str(text), width)) or str(text))


@dataclass
class Items:
    """Display data of a framework's items (competences or areas)."""

    labels: dict[str, str]
    codes: dict[str, str]
    area_of: dict[str, str]
    area_labels: dict[str, str]
    order: list[str]
    area_order: list[str]

    def label(self, item: Any) -> str:
        return self.labels.get(str(item), str(item))

    def area(self, item: Any) -> str:
        return self.area_of.get(str(item), str(item))

    def areas_in(self, keys: Sequence[str]) -> list[str]:
        """The distinct ``keys`` in framework area order, unknown ones after
        in first-seen order."""
        present = set(keys)
        known = set(self.area_order)
        return [a for a in self.area_order if a in present] + [
            a for a in dict.fromkeys(keys) if a not in known
        ]


def resolve_framework(framework: Framework | str | None, *objs: Any) -> Framework | None:
    """The framework to label items with: the argument (an id names the
    framework of an input's provenance, else the embedded one), or the
    framework in the first input's provenance that has one; None if
    nothing resolves."""
    if isinstance(framework, Framework):
        return framework
    from .. import frameworks

    found = [p.framework for p in map(read, objs) if p.framework is not None]
    if isinstance(framework, str):
        return next((f for f in found if f.id == framework), None) or frameworks.load(framework)
    if framework is not None:
        raise ConfigurationError(
            f"framework must be a Framework or an id, got {type(framework).__name__}"
        )
    return found[0] if found else None


def items(framework: Framework | None, lang: Lang | str | None = None) -> Items:
    """Labels, codes and order of a framework's items, in ``lang`` when the
    framework has labels in that language (else in English)."""
    if framework is None:
        return Items({}, {}, {}, {}, [], [])
    comp = framework.competences
    areas = framework.areas
    code = lang_of(lang).code
    column = f"label_{code}"
    comp_label = comp[column] if column in comp.columns else comp["label"]
    area_label = areas[column] if column in areas.columns else areas["label"]
    labels = dict(zip(comp["id"], comp_label, strict=True))
    labels.update(zip(areas["id"], area_label, strict=True))
    codes = dict(zip(comp["id"], comp["code"].fillna(""), strict=True))
    codes.update(zip(areas["id"], areas["code"].fillna(""), strict=True))
    area_order = [str(x) for x in areas["id"]]
    area_of = {str(k): str(v) for k, v in zip(comp["id"], comp["area"], strict=True)}
    rank = {a: i for i, a in enumerate(area_order)}
    # competences area by area (framework order within an area), so that
    # figures can group them even when the framework lists them interleaved
    order = sorted(
        (str(x) for x in comp["id"]),
        key=lambda c: rank.get(area_of.get(c, ""), len(rank)),
    )
    return Items(
        labels={str(k): str(v) for k, v in labels.items()},
        codes={str(k): str(v) for k, v in codes.items() if v},
        area_of=area_of,
        area_labels={str(k): str(v) for k, v in zip(areas["id"], area_label, strict=True)},
        order=order,
        area_order=area_order,
    )


def group_names(obj: Any, names: Mapping[Any, str] | None) -> dict[str, str]:
    """Display names of groups: ``names`` if given, else those of the
    input's provenance."""
    if names is not None:
        return {str(k): str(v) for k, v in names.items()}
    return read(obj).names()


def entity_label(key: Any, names: Mapping[str, str]) -> str:
    """Display name of a group value (or of a tuple of values), drawn literally."""
    if isinstance(key, tuple):
        return literal(" · ".join(names.get(str(k), str(k)) for k in key))
    return literal(names.get(str(key), str(key)))


def group_title(base: str, table: pd.DataFrame, source: Any) -> str:
    """``base``, followed by the display name of the table's group when the
    table (one group of a grouped table) has one."""
    keys = list(read(table).by)
    if not keys or not len(table):
        return base
    key = tuple(table.iloc[0][k] for k in keys)
    return f"{base} — {entity_label(key if len(key) > 1 else key[0], group_names(source, None))}"


def select_group(table: pd.DataFrame, group: Any, what: str) -> pd.DataFrame:
    """The rows of one group of a grouped table (the ``by`` of its provenance)."""
    keys = list(read(table).by)
    if not keys:
        if group is not None:
            raise ConfigurationError(f"{what}: the table is not grouped; leave group=None")
        return table
    values = list(dict.fromkeys(map(tuple, table[keys].to_numpy())))
    if group is None:
        if len(values) == 1:
            return table
        shown = ", ".join(repr(v[0] if len(v) == 1 else v) for v in values[:6])
        raise ConfigurationError(
            f"{what}: the table has {len(values)} groups by {', '.join(keys)}; "
            f"choose one with group= (e.g. {shown})"
        )
    want = group if isinstance(group, tuple) else (group,)
    if len(want) != len(keys):
        raise ConfigurationError(f"{what}: group= needs {len(keys)} value(s) ({', '.join(keys)})")
    mask = np.ones(len(table), dtype=bool)
    for k, v in zip(keys, want, strict=True):
        mask &= (table[k] == v).to_numpy()
    if not mask.any():
        raise ConfigurationError(f"{what}: no group {group!r} in the table")
    return table[mask]


def renderer(fig: Figure) -> Any:
    """A renderer for measuring text, once the layout has settled."""
    fig.draw_without_rendering()
    get = getattr(fig.canvas, "get_renderer", None)
    # a bare Figure (no pyplot, no backend) has a canvas without renderer
    return get() if get is not None else fig._get_renderer()


def _overlaps(box: np.ndarray, boxes: list[np.ndarray], pad: float) -> bool:
    for b in boxes:
        if (
            box[0] < b[2] + pad
            and b[0] < box[2] + pad
            and box[1] < b[3] + pad
            and b[1] < box[3] + pad
        ):
            return True
    return False


def place_labels(
    ax: Axes,
    x: Sequence[float],
    y: Sequence[float],
    texts: Sequence[str],
    order: Sequence[int],
    *,
    fontsize: float = 7.0,
    avoid: Sequence[Any] = (),
    vlines: Sequence[float] = (),
    hlines: Sequence[float] = (),
) -> int:
    """Label points without overlaps: each label (in ``order``) takes the
    first free spot on rings of growing radius around its point, inside the
    axes and clear of the points, the ``avoid`` artists, the vertical and
    horizontal lines at ``vlines`` / ``hlines`` and the labels already
    placed; a leader line joins far labels to their point. Labels that find
    no spot are left out. Returns how many were placed.

    Call it once the axes limits and the figure size are final.
    """
    fig = ax.figure
    rend = renderer(fig)
    scale = fig.dpi / 72.0
    frame = ax.get_window_extent(rend)
    limit = np.array([frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2])
    pts = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    r = 3.5 * scale
    taken: list[np.ndarray] = [
        np.array([px - r, py - r, px + r, py + r]) for px, py in pts if np.isfinite(px + py)
    ]
    for artist in avoid:
        bb = artist.get_window_extent(rend)
        taken.append(np.array([bb.x0, bb.y0, bb.x1, bb.y1]))
    for x_line in vlines:
        px = ax.transData.transform((x_line, 0.0))[0]
        taken.append(np.array([px - 1.0, frame.y0, px + 1.0, frame.y1]))
    for y_line in hlines:
        py = ax.transData.transform((0.0, y_line))[1]
        taken.append(np.array([frame.x0, py - 1.0, frame.x1, py + 1.0]))
    angles = np.deg2rad(
        [0, 180, 45, 135, 315, 225, 90, 270, 22.5, 157.5, 337.5, 202.5, 67.5, 112.5]
    )
    radii = [5, 10, 16, 24, 34, 46, 60]
    placed = 0
    for i in order:
        px, py = pts[i]
        if not np.isfinite(px + py):
            continue
        ann = ax.annotate(
            texts[i],
            (x[i], y[i]),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=fontsize,
            annotation_clip=False,
        )
        done = False
        for rad in radii:
            for a in angles:
                dx, dy = rad * np.cos(a), rad * np.sin(a)
                ha = "left" if dx > 1 else ("right" if dx < -1 else "center")
                va = "bottom" if dy > 1 else ("top" if dy < -1 else "center")
                ann.set_position((dx, dy))
                ann.set_ha(ha)
                ann.set_va(va)
                bb = ann.get_window_extent(rend)
                box = np.array([bb.x0, bb.y0, bb.x1, bb.y1])
                if (box[:2] < limit[:2]).any() or (box[2:] > limit[2:]).any():
                    continue
                if _overlaps(box, taken, 1.0):
                    continue
                taken.append(box)
                if rad > 12:
                    # a far label gets a leader line: redraw it with one
                    ann.remove()
                    ann = ax.annotate(
                        texts[i],
                        (x[i], y[i]),
                        xytext=(dx, dy),
                        textcoords="offset points",
                        fontsize=fontsize,
                        ha=ha,
                        va=va,
                        arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.5, "shrinkB": 3},
                        annotation_clip=False,
                    )
                done = True
                break
            if done:
                break
        if done:
            placed += 1
        else:
            ann.remove()
    return placed


def as_frame(obj: Any, what: str) -> pd.DataFrame:
    """A result table as pandas: pandas as is; polars (or any Arrow table) as
    :func:`skillsmap._output.labelled_frame` reads it."""
    from .._output import labelled_frame

    obj = labelled_frame(obj)
    if not isinstance(obj, pd.DataFrame):
        raise ConfigurationError(
            f"{what} takes a pandas or polars DataFrame, got {type(obj).__name__}"
        )
    if obj.empty:
        raise ConfigurationError(f"{what}: the table is empty")
    return obj
