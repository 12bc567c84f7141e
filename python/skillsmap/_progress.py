"""The tqdm progress bar of the long core calls (similarity, top-k,
proximity and density, centrality, Louvain): the core reports
``(increment, total)`` through the control object of ``python/src/control.rs``
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
def progress_bar(show: bool | None, work: float, desc: str, unit: str = "tile") -> Iterator[Any]:
    """A tqdm bar when asked for (by default: when tqdm is installed and the
    call is long); yields the core's callback ``(increment, total)`` or
    None."""
    if show is None and work < LONG_WORK:
        show = False
    bar = None
    if show or show is None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if show:
                raise ConfigurationError("progress=True needs tqdm installed") from None
        else:
            bar = tqdm(total=None, desc=desc, unit=unit, leave=False)
    if bar is None:
        yield None
        return

    def update(n: int, total: int) -> None:
        # a total of 0 means the core does not know it (Louvain's passes)
        if total and bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(n)

    try:
        yield update
    finally:
        bar.close()
