"""Atomic file writing (skillsmap._atomic): the target is replaced whole or
not at all, no temporary file is left behind, permissions are kept."""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

import pytest
from skillsmap import _atomic

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_new_and_replaces_old(tmp_path):
    path = tmp_path / "map.json"
    _atomic.write_text(path, "first\n")
    assert path.read_bytes() == b"first\n"
    _atomic.write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert _names(tmp_path) == ["map.json"]


def test_text_is_written_without_newline_translation(tmp_path):
    path = tmp_path / "t.txt"
    _atomic.write_text(path, "a\nb\r\nc")
    assert path.read_bytes() == b"a\nb\r\nc"


def _no_space(fd):
    raise OSError(errno.ENOSPC, "No space left on device")


def _held_open(src, dst):
    raise PermissionError(errno.EACCES, "held open by another program", str(dst))


@pytest.mark.parametrize(
    ("fail", "error"),
    [
        ("encode", UnicodeEncodeError),
        ("interrupt", KeyboardInterrupt),
        ("fsync", OSError),
        ("replace", PermissionError),
    ],
)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, fail, error):
    path = tmp_path / "map.json"
    path.write_bytes(b"the good old content")
    if fail == "fsync":
        monkeypatch.setattr(os, "fsync", _no_space)
    if fail == "replace":
        monkeypatch.setattr(os, "replace", _held_open)
    with pytest.raises(error):
        with _atomic.replacing(path, "w", encoding="utf-8") as fh:
            fh.write("x" * 100_000)  # past the buffer: part of it is on disk
            if fail == "encode":
                fh.write("\ud800")  # a lone surrogate cannot be encoded
                fh.flush()
            if fail == "interrupt":
                raise KeyboardInterrupt
    assert path.read_bytes() == b"the good old content"
    assert _names(tmp_path) == ["map.json"]


def test_a_folder_in_the_way_is_an_error_and_stays(tmp_path):
    (tmp_path / "map.json").mkdir()
    (tmp_path / "map.json" / "keep.txt").write_text("mine")
    with pytest.raises(OSError):
        _atomic.write_text(tmp_path / "map.json", "{}")
    assert (tmp_path / "map.json" / "keep.txt").read_text() == "mine"
    assert _names(tmp_path) == ["map.json"]


def test_a_missing_folder_is_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        _atomic.write_text(tmp_path / "nowhere" / "map.json", "{}")
    assert _names(tmp_path) == []


@posix_only
def test_a_new_file_gets_the_umask_permissions(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    _atomic.write_text(tmp_path / "atomic", "x")
    assert stat.S_IMODE((tmp_path / "atomic").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


@posix_only
def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "shared.json"
    path.write_text("old")
    path.chmod(0o640)
    _atomic.write_text(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "new"


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_symbolic_link_is_written_through(tmp_path):
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "map.json"
    real.write_text("old")
    link = tmp_path / "map.json"
    link.symlink_to(real)
    _atomic.write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert _names(tmp_path / "data") == ["map.json"]


def test_a_long_name_leaves_room_for_the_temporary_suffix(tmp_path):
    path = tmp_path / ("n" * 250)
    _atomic.write_text(path, "x")
    assert path.read_text() == "x"
