"""The notebooks of ``notebooks/`` as pages, in ``_generated/notebooks/``.

The test suite executes every notebook (tests/python/test_notebooks.py)
and saves the executed copy in ``target/notebooks/`` with the SHA-256 of
the committed source in its metadata. When that hash matches the source,
the executed copy is used and myst-nb, in its ``auto`` mode, leaves it as
it is; otherwise the stripped source is copied and myst-nb executes it.
Either way the pages show outputs and CI runs each notebook once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

#: The metadata key under which the tests record the source's hash.
KEY = "skillsmap_source_sha256"


def source_hash(path: Path) -> str:
    """SHA-256 of a committed notebook's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect(docs: Path) -> None:
    """Copy each notebook, executed when the tests left a current copy."""
    root = docs.parent
    out = docs / "_generated" / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((root / "notebooks").glob("*.ipynb")):
        executed = root / "target" / "notebooks" / src.name
        use = src
        if executed.exists():
            meta = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {})
            if meta.get(KEY) == source_hash(src):
                use = executed
        target = out / src.name
        if not target.exists() or target.read_bytes() != use.read_bytes():
            shutil.copyfile(use, target)
        print(f"notebook {src.name}: {'executed by the tests' if use != src else 'to execute'}")
