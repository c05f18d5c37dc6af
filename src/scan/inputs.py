"""Which input files scan reads, and reading them safely.

- Only regular files are read. A pipe (FIFO), a device (e.g. a link to /dev/zero) or a socket is
  refused with its reason and never read: the file is opened without blocking and checked with
  fstat on the open descriptor, so a file swapped for a pipe after the check cannot hang a run.
- Each file may be at most `max_bytes` long (default 200 MB; `--max-file-mb` or $SCAN_MAX_FILE_MB).
- Folders are walked without recursion (a tree thousands of levels deep is fine); links to folders
  are not followed, hidden files and folders (a name starting with '.') are left out, and a file
  name that is not valid UTF-8 is skipped with its reason (the index stores names as text).
- Names are printed with `printable`, which escapes newlines and undecodable bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from scan.errors import ScanError

DEFAULT_MAX_FILE_MB = 200.0
ENV_MAX_FILE_MB = "SCAN_MAX_FILE_MB"
_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def printable(text: object) -> str:
    """`text` safe to print on one line: undecodable bytes as \\xff, newlines as \\n."""
    s = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return s.translate(_CONTROL)


def as_text(path: Path | str) -> str:
    """A path as text that can be stored and printed: undecodable bytes as \\xff (newlines stay)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def max_file_bytes(mb: float | None = None) -> int:
    """The per-file size limit in bytes: `mb`, else $SCAN_MAX_FILE_MB, else 200 MB."""
    if mb is None:
        raw = os.environ.get(ENV_MAX_FILE_MB, "").strip()
        try:
            mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
        except ValueError:
            raise ScanError(
                f"{ENV_MAX_FILE_MB}={printable(raw)} is not a number",
                f"set it to a size in MB, e.g. {ENV_MAX_FILE_MB}=200",
            ) from None
    if not mb > 0 or mb == float("inf"):
        raise ScanError(f"the file size limit must be a positive number of MB, not {mb}", "e.g. --max-file-mb 200")
    return int(mb * 1024 * 1024)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_input(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file no larger than `max_bytes`; else a ScanError naming the file and fix."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    name = printable(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ScanError(f"{name}: no such file", "check the path") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ScanError(f"{name}: the path is too long to open", "move the file to a shorter path") from None
        if exc.errno == errno.ELOOP:
            raise ScanError(f"{name}: a link that points to itself", "fix or remove the link") from None
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket
            raise ScanError(f"{name}: not a regular file (a socket)", "name a regular file") from None
        raise ScanError(f"{name}: cannot be read ({exc.strerror})", "check its permissions") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScanError(f"{name}: is a folder", "pass the folder to 'scan ingest' instead")
        if not stat.S_ISREG(info.st_mode):
            raise ScanError(
                f"{name}: not a regular file ({_kind(info.st_mode)}); not read",
                "name a regular file; scan never reads pipes, devices or sockets",
            )
        if info.st_size > limit:
            raise ScanError(
                f"{name}: {_mb(info.st_size)}, over the limit of {_mb(limit)} per file",
                f"raise the limit with --max-file-mb (or ${ENV_MAX_FILE_MB}), or split the file",
            )
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size) or 1):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while it was read
                raise ScanError(
                    f"{name}: grew past the limit of {_mb(limit)} while read", "try again when it is written"
                )
        return b"".join(chunks)
    except OSError as exc:
        raise ScanError(f"{name}: cannot be read ({exc.strerror})", "check the file") from None
    finally:
        os.close(fd)


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def collect_files(
    paths: Iterable[Path], supported: Callable[[Path], bool]
) -> tuple[list[tuple[Path, str, Path]], list[tuple[str, str]]]:
    """(file, doc_id, root) for every supported file under `paths`, and (name, reason) of those skipped.

    A path named on the command line is taken whatever its kind (reading it checks it); a missing
    one is an error. Folders are walked with an explicit stack, not recursion.
    """
    found: list[tuple[Path, str, Path]] = []
    skipped: list[tuple[str, str]] = []
    bad_name = "the file name is not valid UTF-8; rename it (e.g. convmv -f latin1 -t utf8)"
    for path in paths:
        if not os.path.lexists(path):
            raise ScanError(f"{printable(path)}: no such file or folder", "check the path")
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            if not _valid_name(path.name):
                skipped.append((printable(path), bad_name))
            else:
                found.append((path, path.name, path.parent))
            continue
        in_folder: list[tuple[Path, str, Path]] = []
        stack: list[tuple[Path, str]] = [(path, "")]
        while stack:
            folder, rel = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError as exc:
                why = "the path is too long" if exc.errno == errno.ENAMETOOLONG else exc.strerror
                skipped.append((printable(folder), f"folder not read ({why})"))
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                child = folder / entry.name
                child_rel = f"{rel}/{entry.name}" if rel else entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((child, child_rel))
                        continue
                    if not supported(child) or entry.is_dir():  # a link to a folder is not followed
                        continue
                    if not entry.is_file():  # a pipe, device or socket named like a document
                        mode = entry.stat().st_mode
                        skipped.append((printable(child), f"not a regular file ({_kind(mode)}); not read"))
                        continue
                except OSError as exc:
                    skipped.append((printable(child), f"cannot be read ({exc.strerror})"))
                    continue
                if not _valid_name(child_rel):
                    skipped.append((printable(child), bad_name))
                    continue
                in_folder.append((child, child_rel, path))
        in_folder.sort(key=lambda item: item[1].split("/"))
        found.extend(in_folder)
    return found, skipped
