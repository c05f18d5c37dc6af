"""The one exception type scan raises for problems a user can fix."""

from __future__ import annotations


class ScanError(Exception):
    """A problem with input, configuration or the index, with the fix in the message.

    >>> str(ScanError("index not found: idx/", "run: scan ingest corpus/ --index idx/"))
    'index not found: idx/ (run: scan ingest corpus/ --index idx/)'
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)
