"""A trend taxonomy as data (default: corpus/trends/vff4.toml). Another file works without code
changes: a later SKR edition, or a municipality's own trends."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scan.errors import ScanError

DEFAULT_TAXONOMY = "corpus/trends/vff4.toml"


@dataclass(frozen=True)
class Trend:
    id: int
    name: str
    name_en: str
    description: str
    headings: tuple[str, ...] = ()

    @property
    def query(self) -> str:
        """The trend as one text: what quotes and the classifier compare against."""
        return f"{self.name}. {self.description}"


@dataclass(frozen=True)
class Taxonomy:
    name: str
    trends: tuple[Trend, ...]
    analysis: str = ""
    path: str = ""

    def get(self, trend_id: int) -> Trend:
        for trend in self.trends:
            if trend.id == trend_id:
                return trend
        valid = ", ".join(f"{t.id} ({t.name})" for t in self.trends)
        raise ScanError(f"no trend {trend_id} in {self.name}", f"valid trend ids: {valid}")

    def analysis_in(self, doc_ids: Iterable[str]) -> str:
        """The analysis's doc_id in an index of `doc_ids`: `analysis` itself, else the one document
        ingested from a folder above the analysis's own (`scan ingest bibliotek/` with the analysis
        in `bibliotek/analys/` gives it the id `analys/<analysis>`); `analysis` when neither is there.

        >>> Taxonomy("t", (), "a.md").analysis_in(["lib/analys/a.md", "b.md"])
        'lib/analys/a.md'
        """
        ids = list(doc_ids)
        if not self.analysis or self.analysis in ids:
            return self.analysis
        below = [d for d in ids if d.endswith("/" + self.analysis)]
        return below[0] if len(below) == 1 else self.analysis

    def trend_of(self, heading: tuple[str, ...]) -> int | None:
        """The trend of the most specific heading in the path that a trend lists."""
        folded = {h.casefold(): t.id for t in self.trends for h in t.headings}
        for title in reversed(heading):
            if title.casefold() in folded:
                return folded[title.casefold()]
        return None


def _line(text: str, nth: int) -> int:
    pos = -1
    for _ in range(nth + 1):
        pos = text.find("[[trend]]", pos + 1)
    return text.count("\n", 0, max(pos, 0)) + 1


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read a taxonomy file; errors name the file and line.

    >>> [t.id for t in load_taxonomy().trends]  # doctest: +SKIP
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    """
    from scan.config import project_file

    path = path or project_file(DEFAULT_TAXONOMY)
    from scan.inputs import read_input

    try:
        text = read_input(path, 10 * 1024 * 1024).decode("utf-8-sig")
    except ScanError as exc:  # missing, not a regular file, too large
        hint = "pass --trends FILE, or run from the project folder" if "no such file" in exc.message else exc.hint
        raise ScanError(exc.message.replace("no such file", "no such taxonomy file"), hint) from None
    except UnicodeDecodeError as exc:
        raise ScanError(
            f"{path}: not a UTF-8 text file (byte {exc.start} is 0x{exc.object[exc.start]:02x})",
            "pass a taxonomy TOML file saved as UTF-8 (see corpus/trends/vff4.toml)",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    trends: list[Trend] = []
    for i, entry in enumerate(data.get("trend", [])):
        where = f"{path}, line {_line(text, i)}"
        missing = [key for key in ("id", "name", "description") if key not in entry]
        if missing:
            raise ScanError(f"{where}: the [[trend]] there has no {', '.join(missing)}", "add it")
        if not isinstance(entry["id"], int) or isinstance(entry["id"], bool):
            raise ScanError(f"{where}: id must be a whole number, not {entry['id']!r}", "write e.g. id = 3")
        if any(t.id == entry["id"] for t in trends):
            raise ScanError(f"{where}: trend id {entry['id']} is used twice", "give each trend its own id")
        headings = entry.get("headings", [])
        if not isinstance(headings, list) or not all(isinstance(h, str) for h in headings):
            raise ScanError(f"{where}: headings must be a list of strings", 'write e.g. headings = ["Rubrik"]')
        trends.append(
            Trend(
                id=entry["id"],
                name=str(entry["name"]),
                name_en=str(entry.get("name_en", entry["name"])),
                description=str(entry["description"]),
                headings=tuple(headings),
            )
        )
    if len(trends) < 2:
        raise ScanError(f"{path}: a taxonomy needs at least two [[trend]] entries", "add trends")
    return Taxonomy(str(data.get("name", path.stem)), tuple(trends), str(data.get("analysis", "")), str(path))
