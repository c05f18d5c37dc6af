"""Every `sources.toml` of an ingested folder tree, not only the one at its top.

A library is often a folder of folders, each with its own `sources.toml` (the analysis in
`analys/`, the reports in `rapporter/`): `scan ingest bibliotek/` reads them all. A file's
metadata comes from the nearest `sources.toml` that has an entry for it, looking in the file's
own folder first and then in each folder above it, up to the folder given to ingest; an entry is
keyed by the file's path relative to the `sources.toml` that names it (`[documents."plan.pdf"]` in
`rapporter/sources.toml`, or `[documents."rapporter/plan.pdf"]` at the top). Each folder's
`analysis` is linked to its own reference list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from scan.sources import FILENAME, Source, SourceList, load_sources


class SourceTree:
    """The `sources.toml` files above the documents of one ingested folder (`root`).

    All of them are read when the tree is made, so that a malformed one stops a command before
    it writes anything.
    """

    def __init__(self, root: Path, doc_ids: Iterable[str] = ()) -> None:
        self.root = root
        self._lists: dict[str, SourceList] = {}  # folder relative to root ("" = root) -> its list
        self._list("")
        for doc_id in doc_ids:
            for folder in _folders(doc_id):
                self._list(folder)

    def _list(self, folder: str) -> SourceList | None:
        if folder not in self._lists:
            where = self.root / folder if folder else self.root
            if folder and not (where / FILENAME).is_file():
                return None
            self._lists[folder] = load_sources(where)
        return self._lists[folder]

    def document_metadata(self, doc_id: str) -> dict[str, Any]:
        """The metadata of the nearest `sources.toml` entry for `doc_id` (a path relative to root)."""
        for folder in _folders(doc_id):
            source_list = self._list(folder)
            if source_list is None:
                continue
            found = source_list.document_metadata(doc_id[len(folder) + 1 :] if folder else doc_id)
            if found:
                return found
        return {}

    def analyses(self) -> Iterator[tuple[str, tuple[Source, ...]]]:
        """(doc_id of a folder's analysis, that folder's reference list) for every folder naming one."""
        for folder, source_list in self._lists.items():
            if source_list.analysis:
                yield (f"{folder}/{source_list.analysis}" if folder else source_list.analysis), source_list.sources


def _folders(doc_id: str) -> list[str]:
    """The folders of `doc_id` from its own up to the root: 'a/b/c.md' -> ['a/b', 'a', '']."""
    parents = [str(p) for p in PurePosixPath(doc_id).parents]
    return [("" if p == "." else p) for p in parents]
