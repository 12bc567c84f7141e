"""Writing a file so that it is never overwritten in place or left half-written.

The new content goes to a temporary file in the target's folder (the same
file system, so the final rename is atomic), is flushed and fsynced, and is
renamed over the target with :func:`os.replace`. Readers see the old file or
the new one, never a mix; a failure at any step, Ctrl-C included, removes the
temporary file and leaves the target as it was. :meth:`SkillsMap.save`, the
GraphML and GEXF writers and every file of the report write through here.

A new file gets the permissions ``open()`` would give it (0o666 less the
umask); a replaced file keeps its permission bits (not its owner or group,
which only root could keep). A symbolic link is written through, as
``open()`` would, and stays a link.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["replacing", "sync_folder", "write_bytes", "write_text"]

# room for ".", ".", 8 hex digits and ".tmp" within the usual 255-byte name limit
_NAME_ROOM = 200


@contextlib.contextmanager
def replacing(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on a clean exit,
    flush it to disk and rename it over ``path``.

    ``mode`` is ``"wb"`` or ``"w"``; ``encoding`` and ``newline`` are those
    of :func:`open` in text mode. If the block raises, the temporary file is
    removed and ``path`` is left as it was.
    """
    if mode not in {"w", "wb"}:
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    target = _resolve(Path(path))
    fd, tmp = _create_beside(target)
    try:
        fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        _discard(tmp)
        raise
    try:
        with fh:
            _keep_mode(target, fh.fileno(), tmp)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        _discard(tmp)
        raise
    sync_folder(target.parent)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace the content of ``path`` with ``data``."""
    with replacing(path, "wb") as fh:
        fh.write(data)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Atomically replace the content of ``path`` with ``text``, written as
    is (no newline translation, so the bytes are the same on every system)."""
    with replacing(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the system
    allows it; a no-op on Windows, which cannot open a folder."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flag)
    except OSError:
        return
    try:
        # some file systems refuse to fsync a folder; the rename stands anyway
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _resolve(path: Path) -> Path:
    # replacing a link would cut it from the file it names: write that file
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _create_beside(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    stem = target.name[:_NAME_ROOM]
    for _ in range(100):
        tmp = target.with_name(f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            # mkstemp would make it 0o600; 0o666 less the umask is what open() gives
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _keep_mode(target: Path, fd: int, tmp: Path) -> None:
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        return  # os.replace will refuse a folder; nothing to keep
    mode = stat.S_IMODE(st.st_mode)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows
        os.chmod(tmp, mode)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
