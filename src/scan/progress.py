"""Progress on stderr with rate and time left: a bar on a terminal, plain lines elsewhere.

In a log file or a CI job a redrawn bar is noise, so when stderr is not a terminal a plain line
is written every EVERY seconds (and once at the end if anything was written):

    Embedding: 128/458 passages, 9.6 passages/s, about 34 s left
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

EVERY = 5.0  # seconds between plain lines


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class Progress:
    """`with Progress(total, "Embedding", "passages") as bar: ... bar.update(n)`."""

    def __init__(
        self,
        total: int,
        desc: str,
        unit: str,
        enabled: bool = True,
        stream: TextIO | None = None,
        every: float = EVERY,
    ) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.every = every
        self.done = 0
        self.start = self.last = time.monotonic()
        self.written = -1  # `done` when a line was last written
        self._bar = None
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit.rstrip("s"), file=self.stream, leave=False)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed
        text = f"{self.desc}: {self.done}/{self.total} {self.unit}, {rate:.3g} {self.unit}/s"
        if self.done < self.total and rate > 0:
            text += f", about {_duration((self.total - self.done) / rate)} left"
        elif self.done >= self.total:
            text += f", {_duration(elapsed)} in all"
        return text

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.written = self.done  # before printing: close() in the other thread must not print it again
            print(self.line(), file=self.stream, flush=True)

    def set_postfix_str(self, text: str) -> None:
        """What is being worked on (shown on a terminal only)."""
        if self._bar is not None:
            self._bar.set_postfix_str(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled and 0 <= self.written < self.done:  # the final count, once
            self.written = self.done
            print(self.line(), file=self.stream, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
