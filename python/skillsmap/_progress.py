"""The tqdm progress bar of the long core calls (the bootstrap, similarity,
top-k, proximity and density, centrality, Louvain): the core reports
``(increment[, total])`` through the control object of ``python/src/control.rs``
while it runs with the GIL released; this turns those reports into a bar."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .errors import ConfigurationError

# Multiply-adds above which a call shows a progress bar by default (a few
# seconds on a laptop core).
LONG_WORK = 1e11


@contextlib.contextmanager
def progress_bar(
    show: bool | None,
    work: float,
    desc: str,
    unit: str = "tile",
    *,
    total: int | None = None,
    long_work: float = LONG_WORK,
) -> Iterator[Any]:
    """A tqdm bar when asked for (by default: when tqdm is installed and the
    call's ``work`` reaches ``long_work``), of ``total`` units when known
    before the call; yields the core's callback ``(increment[, total])`` or
    None."""
    if show is None and work < long_work:
        show = False
    bar = None
    if show or show is None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if show:
                raise ConfigurationError("progress=True needs tqdm installed") from None
        else:
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
    if bar is None:
        yield None
        return

    def update(n: int, total: int = 0) -> None:
        # a total of 0 (or none) means the core does not report it: the
        # caller gave it, or nobody knows it (Louvain's passes)
        if total and bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(n)

    try:
        yield update
    finally:
        bar.close()
