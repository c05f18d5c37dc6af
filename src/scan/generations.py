"""Which generations of an index folder scan made, and which of them it may delete.

scan deletes only folders it recorded itself in `generations.json` (never a folder merely named
like a generation, such as `gen-ai-rapporter/` or a hand-made `gen-000001.bak/`), writes only into
an empty folder or one that is already a scan index, and keeps the previous generation until the
next commit so that a reader that read `CURRENT` just before a switch can still open what it named.

`generations.json`::

    {"owned": ["gen-000006", "gen-000007"], "previous": "gen-000006", "next": 8}

`owned`: generations scan created here (live, previous, and any begun but never committed);
`previous`: the generation `CURRENT` named before the last commit; `next`: the next number to use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from scan.errors import ScanError

CURRENT = "CURRENT"
LOCK = ".lock"
REGISTRY = "generations.json"
NAME = re.compile(r"gen-(\d{6})\Z")
_NUMBERED = re.compile(r"gen-(\d+)")
# what a folder may hold and still count as empty (scan's own leftovers from a killed first ingest)
_SCRATCH = {LOCK, CURRENT + ".tmp", REGISTRY + ".tmp"}
# any of these marks a folder as a scan index (the last two: format 1, refused with the rebuild command)
_MARKS = {CURRENT, REGISTRY, "manifest.json", "index.faiss"}


def rebuild_fix(root: Path) -> str:
    return f"rebuild it from your documents: scan ingest corpus/ --index {root} --rebuild"


def damaged(root: Path, detail: str) -> ScanError:
    """The one error for an index that cannot be trusted: names the index, what is wrong, and the fix."""
    return ScanError(f"the index at {root} is damaged: {detail}", rebuild_fix(root))


def read_pointer(root: Path) -> str | None:
    """The generation `CURRENT` names; None when there is no `CURRENT` (no index)."""
    pointer = root / CURRENT
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise ScanError(f"{root} is a file, not an index folder", "choose another --index") from None
    except IsADirectoryError:
        raise damaged(root, f"{CURRENT} is a folder, not a file") from None
    except OSError as exc:
        raise ScanError(f"cannot read the index at {root}: {exc.strerror}", "check the folder's permissions") from None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if not NAME.match(name):
        raise damaged(root, f"{CURRENT} does not name a generation")
    return name


def live_generation(root: Path) -> Path | None:
    """The folder of the live generation; None when there is no index; damaged if it is missing."""
    name = read_pointer(root)
    if name is None:
        return None
    generation = root / name
    if not generation.is_dir():
        raise damaged(root, f"{CURRENT} names {name}, which does not exist")
    return generation


def live_or_none(root: Path) -> Path | None:
    """Like live_generation, but a damaged pointer counts as no live generation (for --rebuild)."""
    try:
        return live_generation(root)
    except ScanError:
        return None


def refuse_foreign_folder(root: Path) -> None:
    """Refuse to write an index into a folder that holds other things and is not a scan index."""
    try:
        entries = {p.name for p in root.iterdir()}
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise ScanError(f"{root} is a file, not an index folder", "choose another --index") from None
    except OSError as exc:
        raise ScanError(f"cannot read the index folder {root}: {exc.strerror}", "choose a readable --index") from None
    if not entries - _SCRATCH or entries & _MARKS:
        return
    raise ScanError(
        f"{root} is not a scan index and holds other files ({', '.join(sorted(entries)[:3])}"
        f"{', …' if len(entries) > 3 else ''}); scan writes an index only into an empty or new folder",
        f"choose a new folder, e.g. --index {root / 'index'}",
    )


@dataclass
class Registry:
    owned: list[str] = field(default_factory=list)
    previous: str | None = None
    next: int = 1


def load(root: Path) -> Registry:
    """The registry; an unreadable one counts as empty (scan then deletes nothing but the live pointer's)."""
    try:
        data = json.loads((root / REGISTRY).read_text(encoding="utf-8"))
        owned = [n for n in data["owned"] if isinstance(n, str) and NAME.match(n)]
        previous = data.get("previous")
        return Registry(owned, previous if previous in owned else None, max(1, int(data.get("next", 1))))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return Registry()


def save(root: Path, registry: Registry) -> None:
    tmp = root / (REGISTRY + ".tmp")
    data = {"owned": registry.owned, "previous": registry.previous, "next": registry.next}
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / REGISTRY)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)


def _adopt(root: Path, registry: Registry, live: Path | None) -> None:
    """An index written before generations.json existed: its live generation is scan's (CURRENT names it)."""
    if live is not None and live.name not in registry.owned and (live / "manifest.json").is_file():
        registry.owned.insert(0, live.name)


def begin(root: Path, live: Path | None) -> str:
    """Remove partial generations scan left behind, then record and return the name of a new one.

    Keeps the live and the previous generation; the caller creates the folder (it must not exist)."""
    registry = load(root)
    _adopt(root, registry, live)
    keep = {live.name if live else None, registry.previous}
    for name in registry.owned:
        if name not in keep:
            _remove(root / name)
    registry.owned = [n for n in registry.owned if n in keep and (root / n).exists()]
    taken = [int(m.group(1)) for p in root.iterdir() if (m := _NUMBERED.match(p.name))]
    number = max([registry.next, *(n + 1 for n in taken)])
    name = f"gen-{number:06d}"
    registry.owned.append(name)
    registry.next = number + 1
    save(root, registry)
    return name


def committed(root: Path, old: Path | None, new: Path) -> None:
    """After `CURRENT` switched from `old` to `new`: keep both, delete every other generation scan made."""
    registry = load(root)
    _adopt(root, registry, old)
    keep = [n for n in (old.name if old else None, new.name) if n in registry.owned or n == new.name]
    for name in registry.owned:
        if name not in keep:
            _remove(root / name)  # deleted before the registry forgets them: a crash here leaks nothing
    registry.owned = list(dict.fromkeys(keep))
    registry.previous = old.name if old is not None and old.name in keep and old != new else None
    save(root, registry)


def clear_pointer_folder(root: Path) -> None:
    """For --rebuild: an empty folder named CURRENT (not scan's) is removed; one holding files is refused."""
    pointer = root / CURRENT
    if pointer.is_dir() and not pointer.is_symlink():
        try:
            pointer.rmdir()
        except OSError:
            raise ScanError(
                f"{pointer} is a folder holding files, where scan keeps the name of the live generation",
                f"move {pointer} elsewhere, then run again",
            ) from None


def discard(root: Path, work: Path) -> None:
    """Remove a generation that was begun but will not be committed, and forget it."""
    _remove(work)
    try:
        registry = load(root)
        if work.name in registry.owned and not work.exists():
            registry.owned.remove(work.name)
            save(root, registry)
    except OSError:
        pass  # a full disk: the next ingest forgets it
