"""The web page's guards: security headers, Swedish error pages, and uploads read with a limit.

- Every response carries a Content-Security-Policy (scripts only by the hash of the page's one
  inline script, nothing from elsewhere, no framing, no <base>, forms only to this server),
  `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`.
- Every error status (404, 405, 413, 422, 500, 503, ...) is a Swedish page, never raw JSON; under
  /api/ it is JSON with the same Swedish message (scan.webapi).
- A request body is counted as it arrives and refused with 413 once past the limit, whether it
  has a Content-Length or is chunked; files in a form are spooled to disk, not held in memory.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scan.errors import ScanError

logger = logging.getLogger(__name__)

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields, beyond the file itself
HEAD = 200_000  # bytes of an upload looked at to decide its type


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def security_headers(script: str) -> dict[str, str]:
    """The headers every response carries; `script` is the page's one inline script."""
    csp = "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_hash(script)}",
            "style-src 'self' 'unsafe-inline'",  # the page's <style> block and SVG/inline style attributes
            "img-src 'self' data:",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


class SecurityHeaders:
    """ASGI middleware adding the headers to every response that passes through it."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.headers if k not in present
                ]
                if message["status"] == 413:  # the rest of the body is not wanted: the client may stop sending
                    message["headers"].append((b"connection", b"close"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---- Swedish error pages --------------------------------------------------------------------
STATUS_TEXT = {  # status: (heading, message, hint)
    400: ("Felaktig begäran", "begäran kunde inte läsas", "gå tillbaka och försök igen"),
    404: ("Sidan finns inte", "det finns ingen sida med den adressen", "använd menyn ovan"),
    405: (
        "Fel sorts begäran",
        "den här adressen tar inte emot den sortens begäran",
        "använd formulären på sidan i stället för att skriva adressen själv",
    ),
    413: ("För stor fil", "filen eller texten är för stor", "dela upp den eller använd kommandot scan classify"),
    422: ("Ogiltigt värde", "ett värde i adressen är ogiltigt", "rätta värdet och försök igen"),
    500: (
        "Fel",
        "något gick fel i scan; felet är loggat på servern",
        "försök igen, eller kontakta den som driver sidan",
    ),
    503: (
        "Upptaget",
        "scan är upptaget med andra klassificeringar just nu",
        "vänta en stund och försök igen",
    ),
}
API_HINTS = {  # the JSON API's hints name no page: its caller is a program (scan.webapi)
    400: "rätta begäran efter /openapi.json och försök igen",
    404: "API:ts adresser står i /openapi.json",
    405: "vilka metoder adressen tar emot står i /openapi.json",
}
_KINDS = {  # pydantic error types: what the value must be
    "int_parsing": "ett heltal",
    "int_type": "ett heltal",
    "float_parsing": "ett tal",
    "bool_parsing": "sant eller falskt",
    "missing": "ifyllt",
    "string_too_long": "kortare",
}


def bounds(request: Request | None, name: str) -> tuple[Any, Any]:
    """(lowest, highest) a route's query parameter `name` takes, None where it has no bound."""
    route = request.scope.get("route") if request is not None else None
    todo, low, high = [getattr(route, "dependant", None)], None, None
    while todo:  # the route's own parameters and those of its dependencies (scan.webresults.search_form)
        dependant = todo.pop()
        if dependant is None:
            continue
        todo += list(getattr(dependant, "dependencies", []))
        for param in getattr(dependant, "query_params", []):
            if name in (param.name, param.alias):
                for constraint in getattr(param.field_info, "metadata", []):
                    low = getattr(constraint, "ge", low)
                    high = getattr(constraint, "le", high)
    return low, high


def validation_message(errors: list[dict[str, Any]], request: Request | None = None) -> str:
    """A Swedish sentence for FastAPI's validation errors (`k=abc` → "värdet för k måste vara ett heltal",
    `k=0` → "värdet för k måste vara ett heltal från 1 till 100": the range the route takes)."""
    parts = []
    for error in errors:
        name = str(error.get("loc", ("?",))[-1])
        kind = _KINDS.get(str(error.get("type", "")), "giltigt")
        if error.get("type") in ("greater_than_equal", "less_than_equal"):
            low, high = bounds(request, name)
            if low is not None and high is not None:
                kind = f"ett tal från {low} till {high}"  # the API's k: 1–100, the page's: 1–50
            elif low is not None or high is not None:
                kind = f"minst {low}" if low is not None else f"högst {high}"
        parts.append(f"värdet för ”{name}” måste vara {kind}")
    return "; ".join(parts) or STATUS_TEXT[422][1]


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class Busy(Exception):
    """The job queue is full: answer 503 with Retry-After."""

    def __init__(self, retry_after: int = 30):
        super().__init__("busy")
        self.retry_after = retry_after


class TooLarge(Exception):
    """A request body passed the limit while it was being read."""


def install_error_pages(app, render: Callable[..., Response], headers: dict[str, str]) -> None:
    """Swedish pages for every error status. `render(status, heading, message, hint)` makes the page."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    def error_page(
        status: int, message: str | None = None, hint: str | None = None, extra=None, request: Request | None = None
    ) -> Response:
        heading, default, default_hint = STATUS_TEXT.get(status, (f"Fel {status}", f"fel {status}", ""))
        hint = default_hint if hint is None else hint
        if request is not None and is_api(request.url.path):  # the JSON API answers in JSON (scan.webapi)
            from scan.webapi import api_error

            response = api_error(
                status, message or default, API_HINTS.get(status, hint) if hint == default_hint else hint
            )
        else:
            response = render(status, heading, message or default, hint)
        for key, value in (extra or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        extra = {k: v for k, v in (exc.headers or {}).items() if k.lower() in ("allow", "retry-after")}
        return error_page(exc.status_code, extra=extra, request=request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return error_page(422, validation_message(list(exc.errors()), request), request=request)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        return error_page(503, extra={"Retry-After": str(exc.retry_after)}, request=request)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge):
        return error_page(413, str(exc) or None, request=request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # outside the middleware: add the headers here
        logger.exception("error on %s", request.url.path)
        response = error_page(500, request=request)
        for key, value in headers.items():
            response.headers[key] = value
        return response


# ---- uploads --------------------------------------------------------------------------------
def limited(request: Request, limit: int, message: str) -> Request:
    """The request with a body that raises TooLarge once more than `limit` bytes have arrived.

    Checked as the body streams in, so a chunked upload without Content-Length is cut off too."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise TooLarge(message)
    seen = 0
    receive = request.receive

    async def counting() -> Message:
        nonlocal seen
        message_ = await receive()
        if message_["type"] == "http.request":
            seen += len(message_.get("body", b""))
            if seen > limit:
                raise TooLarge(message)
        return message_

    return Request(request.scope, counting)


async def stage_submission(
    upload,
    text: str,
    folder: Path,
    limit: int,
    max_chars: int,
    sniff: Callable[[bytes, str], str],
    too_long: tuple[str, str],
    empty: tuple[str, str],
) -> tuple[str, Path] | None:
    """A classification request's file (if any, else its pasted text) saved into `folder`:
    (title, path), or None when the file is over `limit` bytes. Pasted text over `max_chars`
    raises ScanError(*too_long), a request with neither raises ScanError(*empty)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile

    if isinstance(upload, UploadFile) and upload.filename:
        if upload.size is not None and upload.size > limit:
            return None
        path = await run_in_threadpool(save_upload, upload, folder, upload.filename, sniff)
        return Path(upload.filename).stem or Path(upload.filename).name, path  # "rapport.docx": "rapport", as the CLI
    if text.strip():
        if len(text) > max_chars:
            raise ScanError(*too_long)
        path = folder / "upload.txt"
        path.write_text(text, encoding="utf-8")
        return "Inklistrad text", path
    raise ScanError(*empty)


def save_upload(upload, folder: Path, filename: str, sniff: Callable[[bytes, str], str]) -> Path:
    """Copy an uploaded file (spooled by the form parser) into `folder` in pieces; its name there
    is fixed ("upload" + the suffix its content calls for), never taken from the request."""
    source = upload.file
    source.seek(0)
    head = source.read(HEAD)
    if not head.strip():
        raise ScanError("filen är tom", "välj en fil med text")
    text_like = not head.startswith((b"%PDF-", b"PK\x03\x04"))
    # a text's UTF-8 is checked over the whole file below; here only what the head can tell
    suffix = sniff(_complete_utf8(head) if text_like else head, filename)
    path = folder / ("upload" + suffix)
    with open(path, "wb") as out:
        out.write(head)
        if text_like:
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(head)
                while chunk := source.read(1024 * 1024):
                    decoder.decode(chunk)
                    out.write(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise ScanError("texten är inte kodad som UTF-8", "spara filen som UTF-8 och försök igen") from None
        else:
            shutil.copyfileobj(source, out, 1024 * 1024)
    return path


def _complete_utf8(head: bytes) -> bytes:
    """The head without a UTF-8 sequence cut off at its end."""
    for cut in range(min(3, len(head)) + 1):
        candidate = head[: len(head) - cut] if cut else head
        try:
            candidate.decode("utf-8-sig")
            return candidate
        except UnicodeDecodeError as exc:
            if exc.start < len(candidate) - 3:
                return head  # broken in the middle: let the sniffer say so
    return head
