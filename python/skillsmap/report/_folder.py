"""The report's output folder: which files in it are the report's own, and
how a new report replaces the previous one without touching anything else.

The report writes only into a folder it owns: a new folder, an empty one, or
one holding an earlier report, recognised by the marker file
``.skillsmap-report`` that lists every file that report wrote with the
SHA-256 of its content::

    {"format": "skillsmap.report", "version": 1,
     "files": {"index.html": "<sha256>", "tables/gaps.csv": "<sha256>", ...}}

A file is the report's own only while the marker lists it and its content
still has that hash. Anything else in the folder (a survey file kept in
``tables/``, notes, a table edited by hand) is the user's: it is never moved,
replaced or deleted. ``force=True`` lets the report write into a non-empty
folder without a marker, beside what is there; a file of the user's where
the report writes one is refused even then.

The new report is first written completely into a staging folder. A new
output folder is that staging folder renamed in one step. In an existing one
the swap (1) records the new files as ``pending`` in the marker, (2) moves the
previous report's files aside into a hidden folder, (3) moves the new files
in, (4) writes the final marker, and only then deletes the moved-aside files.
Any failure before (4), Ctrl-C included, moves everything back, so the
previous report stays byte for byte as it was. If the process is killed
mid-swap, the ``pending`` entries let the next run recognise both the old
and the new files as the report's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _atomic
from ..errors import ConfigurationError

MARKER = ".skillsmap-report"
_FORMAT = "skillsmap.report"
_VERSION = 1
_MAX_MARKER_BYTES = 1 << 20
# the hidden staging and moved-aside folders of a run, inside the output folder
_NEW = f"{MARKER}.new-"
_OLD = f"{MARKER}.old-"
_SHOWN = 5


@dataclass(frozen=True)
class Folder:
    """The output folder as found before the report is computed."""

    path: Path  # absolute
    exists: bool


def claim(out: str | os.PathLike[str], *, force: bool) -> Folder:
    """Check, before anything is computed or written, that the report may
    write into ``out``; raise :class:`ConfigurationError` saying what to do
    if it may not."""
    try:
        text = os.fsdecode(out)
    except TypeError:
        raise ConfigurationError(f"out must be a folder path, got {type(out).__name__}") from None
    if not text.strip():
        # Path("") is the current folder: never a place to write by accident
        raise ConfigurationError(
            "the output folder is an empty path: name a folder, e.g. out='report' (--out report)"
        )
    path = Path(os.path.abspath(text))
    if not path.exists():
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise ConfigurationError(
                        f"cannot create the output folder {path}: {parent} is a file"
                    )
                break
        return Folder(path, exists=False)
    if not path.is_dir():
        raise ConfigurationError(f"cannot create the output folder {path}: a file is in the way")
    marker = _read_marker(path)
    if marker is None and not force and not _empty(path):
        why = (
            f"its {MARKER} file is not one skillsmap wrote"
            if os.path.lexists(path / MARKER)
            else "it holds no earlier report"
        )
        raise ConfigurationError(
            f"{path} is not empty and {why}: the report writes only into a new or empty folder "
            "or over an earlier report, so that nothing of yours is replaced. Choose another "
            f"output folder (e.g. {path / 'skillsmap-report'}), or pass --force (force=True) to "
            "write the report beside the files already there; none of them is changed or deleted."
        )
    own = _own_files(path, marker)
    # fail before the work on the files every report writes
    _refuse_in_the_way(path, ["index.html", MARKER], own, marker is not None)
    return Folder(path, exists=True)


def stage(folder: Folder) -> Path:
    """A new, empty staging folder on the output folder's file system."""
    if folder.exists:
        return _new_folder(folder.path, _NEW)
    parent = folder.path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigurationError(f"cannot create the output folder {folder.path}: {err}") from err
    return _new_folder(parent, f".{folder.path.name}{_NEW}")


def publish(folder: Folder, staged: Path) -> None:
    """Put the complete report in ``staged`` in place of the previous one."""
    files = {rel: _sha256(staged / rel) for rel in _listing(staged)}
    if not folder.exists:
        _atomic.write_text(staged / MARKER, _marker_text(files))
        os.rename(staged, folder.path)
        _atomic.sync_folder(folder.path.parent)
        return
    _swap(folder.path, staged, files)


def _swap(out: Path, staged: Path, files: dict[str, str]) -> None:
    marker = _read_marker(out)
    own = _own_files(out, marker)
    _refuse_in_the_way(out, [*files, MARKER], own, marker is not None)
    old_marker = (out / MARKER).read_bytes() if marker is not None else None
    replaced = [rel for rel in files if rel in own]
    stale = [rel for rel in own if rel not in files]
    aside = _new_folder(out, _OLD)
    moved_aside: list[str] = []
    moved_in: list[str] = []
    made: list[Path] = []
    pending = False
    try:
        # from here a killed run leaves a marker that knows both old and new files
        _atomic.write_text(out / MARKER, _marker_text(own, pending=files))
        pending = True
        for rel in [*replaced, *stale]:
            (aside / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / rel, aside / rel)
            moved_aside.append(rel)
        for rel in files:
            made += _make_parents(out, (out / rel).parent)
            os.replace(staged / rel, out / rel)
            moved_in.append(rel)
        _atomic.write_text(out / MARKER, _marker_text(files))
    except BaseException as err:
        restored = _undo(out, staged, aside, moved_aside, moved_in, made, pending, old_marker)
        if restored:
            shutil.rmtree(aside, ignore_errors=True)
        else:
            warnings.warn(
                f"skillsmap report: {err!r} while replacing the report in {out}, and the "
                f"previous report could not be fully restored; its files are in {aside}",
                RuntimeWarning,
                stacklevel=3,
            )
        raise
    # the previous report's files, and only they, were moved there
    shutil.rmtree(aside, ignore_errors=True)
    for parent in sorted({(out / rel).parent for rel in files}):
        _atomic.sync_folder(parent)


def _undo(
    out: Path,
    staged: Path,
    aside: Path,
    moved_aside: list[str],
    moved_in: list[str],
    made: list[Path],
    pending: bool,
    old_marker: bytes | None,
) -> bool:
    """Move everything back; False if something could not be."""
    ok = True
    back = set(moved_aside)
    for rel in reversed(moved_in):
        if rel in back:
            continue  # the old file is moved back over it below
        try:
            os.replace(out / rel, staged / rel)
        except OSError:
            ok = False
    for rel in reversed(moved_aside):
        try:
            os.replace(aside / rel, out / rel)
        except OSError:
            ok = False
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty: a folder we made
    if pending:
        try:
            if old_marker is None:
                os.unlink(out / MARKER)
            else:
                _atomic.write_bytes(out / MARKER, old_marker)
        except OSError:
            ok = False
    return ok


def _refuse_in_the_way(out: Path, paths: Iterable[str], own: dict[str, str], marked: bool) -> None:
    blocked = []
    for rel in paths:
        mine = marked if rel == MARKER else rel in own
        if mine:
            continue
        target = out / rel
        # a file where a folder of the report goes blocks too
        parents = [p for p in target.parents if p != out and out in p.parents]
        if os.path.lexists(target) or any(os.path.lexists(p) and not p.is_dir() for p in parents):
            blocked.append(rel)
    if blocked:
        shown = ", ".join(blocked[:_SHOWN]) + (
            f" and {len(blocked) - _SHOWN} more" if len(blocked) > _SHOWN else ""
        )
        n = len(blocked)
        raise ConfigurationError(
            f"cannot write the report into {out}: {n} path{'s' if n != 1 else ''} where it "
            f"writes {'hold' if n != 1 else 'holds'} files it did not write, or that were "
            f"changed since ({shown}). The report never replaces a file of yours, even with "
            "--force: move or rename them, or choose another output folder."
        )


def _read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of an earlier report, or None if there is none or it is
    not one skillsmap wrote."""
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > _MAX_MARKER_BYTES:
            return None
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT or doc.get("version") != _VERSION:
        return None
    for key in ("files", "pending"):
        table = doc.get(key, {})
        if not isinstance(table, dict):
            return None
        # a path outside the folder would let a marker name any file for removal
        if not all(_safe(rel) and isinstance(d, str) for rel, d in table.items()):
            return None
    return doc


def _safe(rel: object) -> bool:
    if not isinstance(rel, str) or not rel or rel == MARKER:
        return False
    if any(c in rel for c in "\\:\0") or rel.startswith("/"):
        return False
    return all(part not in {"", ".", ".."} for part in rel.split("/"))


def _own_files(folder: Path, marker: dict[str, Any] | None) -> dict[str, str]:
    """The files the marker lists whose content is still what was written:
    relative path → SHA-256."""
    if marker is None:
        return {}
    listed: dict[str, set[str]] = {}
    for key in ("files", "pending"):
        for rel, digest in marker.get(key, {}).items():
            listed.setdefault(rel, set()).add(digest)
    own = {}
    for rel, digests in sorted(listed.items()):
        path = folder / rel
        if path.is_symlink() or not path.is_file():
            continue
        digest = _sha256(path)
        if digest in digests:
            own[rel] = digest
    return own


def _marker_text(files: dict[str, str], *, pending: dict[str, str] | None = None) -> str:
    doc: dict[str, Any] = {
        "format": _FORMAT,
        "version": _VERSION,
        "files": dict(sorted(files.items())),
    }
    if pending is not None:
        doc["pending"] = dict(sorted(pending.items()))
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _listing(staged: Path) -> list[str]:
    rels = []
    for root, _dirs, names in os.walk(staged):
        for name in names:
            rel = (Path(root) / name).relative_to(staged).as_posix()
            if rel != MARKER:
                rels.append(rel)
    return sorted(rels)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _empty(folder: Path) -> bool:
    # the hidden folders of a killed run are ours: they do not make a folder foreign
    with os.scandir(folder) as entries:
        return all(e.name.startswith((_NEW, _OLD)) for e in entries)


def _new_folder(parent: Path, prefix: str) -> Path:
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            # mkdtemp would make it 0o700; renamed into place it must look like any folder
            path.mkdir(0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name in {parent}")


def _make_parents(out: Path, folder: Path) -> list[Path]:
    made = []
    for p in [*reversed(folder.relative_to(out).parents), folder.relative_to(out)]:
        if str(p) == ".":
            continue
        path = out / p
        if not path.is_dir():
            path.mkdir()
            made.append(path)
    return made
