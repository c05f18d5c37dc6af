"""The live index of a running server: reopened when an ingest makes a newer generation live.

Each use stats the index's CURRENT file (microseconds); when it was replaced, the new generation
is opened and used by every request from then on. The old one is closed once no request holds
it any more (its connection is closed when the last reference goes). A newer generation that
cannot be opened, or was built with another encoder, is logged and the old one kept.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path

from scan.store import CURRENT, Index

logger = logging.getLogger(__name__)


class LiveIndex:
    """`get()` the index's live generation; `generation` names it."""

    def __init__(self, root: Path, index: Index):
        self.root = Path(root)
        self._index = index
        self._stamp = self._read_stamp()
        self._lock = threading.Lock()
        weakref.finalize(index, index.db.close)

    def _read_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.root / CURRENT)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def generation(self) -> Path:
        return self._index.generation

    def get(self) -> Index:
        stamp = self._read_stamp()
        if stamp is not None and stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._reopen()
        return self._index

    def _reopen(self) -> None:
        old = self._index
        try:
            if Index.live_generation(self.root) == old.generation:
                return
            new = Index.open(self.root)
        except Exception as exc:  # a damaged or half-made index: keep serving the one we have
            logger.error("keeping %s: the newer index at %s cannot be opened (%s)", old.generation.name, self.root, exc)
            return
        if new.encoder_name != old.encoder_name:
            logger.error(
                "keeping %s: the newer index at %s was built with '%s', not '%s'; restart scan serve to use it",
                old.generation.name,
                self.root,
                new.encoder_name,
                old.encoder_name,
            )
            new.close()
            return
        weakref.finalize(new, new.db.close)
        self._index = new
        logger.info("now serving %s of %s", new.generation.name, self.root)
