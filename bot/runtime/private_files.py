"""Files that hold secrets or customer data (the secret key, tokens, the endpoints file, the
SQLite database, logs, exports), readable by their owner only from their first byte.

A file written and then chmod'ed is readable by everyone in between; one written in place is
half-written for a moment. So a file is created by `os.open` with mode 0600 (a temporary
file in the same folder), written, fsynced, and renamed over the old one (or, for a secret
generated once, linked into place so two processes racing agree). Folders are 0700. An
existing file or folder that is looser and ours is tightened: checkouts from before this
kept them at the umask's 0644/0755.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077  # for the processes `csbot run` starts: what they create is private too


def tighten(path: Path, mode: int = FILE_MODE) -> None:
    """Take group and other permissions off `path` if it is ours and has any."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(info.st_mode) & mode)


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter (created 0700, or tightened)."""
    _parent_of(path)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        tighten(path, DIR_MODE)
    return path


def _parent_of(path: Path) -> None:
    """Create `path`'s folder if missing, 0700; an existing one is left as it is (it may be
    anybody's, /tmp say)."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)


def _temp_beside(path: Path) -> tuple[int, Path]:
    temp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), temp


def _write(fd: int, data: str | bytes) -> None:
    with os.fdopen(fd, "wb") as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
        out.flush()
        os.fsync(out.fileno())


def write_private(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data`: mode 0600 from creation, never seen half-written."""
    _parent_of(path)
    fd, temp = _temp_beside(path)
    try:
        _write(fd, data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def create_private_once(path: Path, data: str | bytes) -> bool:
    """Write `path` only if it does not exist: of two processes creating it together, one
    wins and the other reads the winner's content. True when this call created it."""
    _parent_of(path)
    fd, temp = _temp_beside(path)
    try:
        _write(fd, data)
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)


def open_private(path: Path, append: bool = False, newline: str | None = None) -> IO[str]:
    """A log file (or another that is written as it goes) opened for writing as text:
    created 0600, an existing one tightened; `append` keeps what it holds."""
    _parent_of(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    tighten(path)
    return os.fdopen(fd, "a" if append else "w", encoding="utf-8", newline=newline)


def private_file(path: Path) -> None:
    """Make sure `path` exists as a 0600 file, leaving its content alone: for a file another
    library writes, like SQLite's database (which gives its -wal and -shm files the
    database's mode)."""
    _parent_of(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path)  # never opened for writing here: it may be someone else's, read-only
