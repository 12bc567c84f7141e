"""The notebooks of ``notebooks/`` as pages, in ``_generated/notebooks/``.

The test suite executes every notebook (tests/python/test_notebooks.py)
and saves the executed copy in ``target/notebooks/`` with the SHA-256 of
the committed source in its metadata. When that hash matches the source,
the executed copy is used, marked for myst-nb not to execute it again
(``mystnb.execution_mode = "off"`` in its metadata: ``auto`` mode alone
would re-run a notebook with one cell that prints nothing); otherwise the
stripped source is copied and myst-nb executes it. Either way the pages
show outputs and CI runs each notebook once.
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
        target = out / src.name
        nb = json.loads(executed.read_text(encoding="utf-8")) if executed.exists() else {}
        if nb.get("metadata", {}).get(KEY) == source_hash(src):
            nb["metadata"]["mystnb"] = {"execution_mode": "off"}
            target.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"notebook {src.name}: executed by the tests")
        else:
            shutil.copyfile(src, target)
            print(f"notebook {src.name}: to execute")
