"""`scan fetch`: download the sources listed in a sources.toml, when a network is there.

- Each source with a URL is saved as `DEST/<id>.pdf` (or `.html`), where ingest finds it and gives
  it the source's metadata (publisher, year, kind).
- Only inside DEST: a source id becomes a safe file name (`sources.safe_name`: no `/`, `..` or
  leading dot); files are opened without following links and replaced by rename, so a link in
  DEST is replaced, never written through.
- Resumable: a source already fetched whose file still has the recorded checksum is skipped; an
  interrupted download continues from its partial file (HTTP Range) only when the partial belongs
  to the same URL (`DEST/.partial/<name>.json` records it with the server's ETag/Last-Modified),
  the server confirms the validator (If-Range) and its Content-Range starts where the partial ends.
- Nothing half-written or corrupt: data goes to `DEST/.partial/<name>.part` and is renamed into
  place only when complete: the length the server announced matches, and a PDF ends with `%%EOF`
  and opens in pypdf; without a length, HTML must end with `</html>` (ingest never reads a folder
  whose name starts with a dot).
- Limits: `max_bytes` per source (default 200 MB) and `max_seconds` per download overall (default
  600 s), beside `timeout` per network wait.
- `DEST/fetched.json` records, per source, the URL, file, SHA-256, size, content type and time.
- Polite: one request at a time, at least `delay` seconds apart to the same host, a User-Agent
  that says who is asking, and a timeout.
- A source that fails (HTTP error, not the PDF the URL promised, timeout, no network) gets a clear
  message and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from scan import __version__
from scan.errors import ScanError
from scan.sources import Source, load_sources, safe_name

USER_AGENT = f"scan/{__version__} (horizon scanning; fetches the sources a municipal analysis cites)"  # ASCII only
MANIFEST = "fetched.json"
MAX_BYTES = 200 * 1024 * 1024
MAX_SECONDS = 600.0
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FetchResult:
    source_id: str
    status: str  # "fetched", "unchanged", "failed", "skipped"
    message: str = ""
    path: str = ""
    sha256: str = ""
    size: int = 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _suffix(content_type: str, url: str) -> str:
    if "pdf" in content_type:
        return ".pdf"
    if "html" in content_type:
        return ".html"
    suffix = Path(urlparse(url).path).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin"


def fetch_sources(
    sources_file: Path,
    dest: Path,
    delay: float = 1.0,
    timeout: float = 30.0,
    only: list[str] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> Iterator[FetchResult]:
    """Download each source of `sources_file` into `dest`, yielding one result per source."""
    import httpx

    if not sources_file.exists():
        raise ScanError(f"{sources_file}: no such file", "pass --sources FILE (default corpus/sources.toml)")
    listed = load_sources(sources_file.parent) if sources_file.name == "sources.toml" else None
    if listed is None:
        raise ScanError(f"{sources_file}: the reference list must be a file named sources.toml", "rename it")
    if max_bytes <= 0 or max_seconds <= 0 or timeout <= 0:
        raise ScanError("--max-file-mb, --max-time and --timeout must be positive", "e.g. --max-file-mb 200")
    sources = [s for s in listed.sources if not only or s.id in only]
    if only and len(sources) < len(only):
        known = ", ".join(s.id for s in listed.sources)
        missing = sorted(set(only) - {s.id for s in sources})
        raise ScanError(f"no source {', '.join(missing)} in {sources_file}", f"valid ids: {known}")
    partial = dest / ".partial"
    if partial.is_symlink() or (partial.exists() and not partial.is_dir()):
        raise ScanError(
            f"{partial} is a link or a file, not scan's folder", "remove it; scan writes only inside --dest"
        )
    try:
        partial.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(f"cannot write to {dest}: {exc.strerror}", "choose a writable --dest") from None
    manifest_path = dest / MANIFEST
    manifest = _read_json(manifest_path)
    last_request: dict[str, float] = {}
    limits = (max_bytes, max_seconds, timeout)
    with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True) as client:
        for source in sources:
            result = _fetch_one(client, source, dest, manifest, last_request, delay, progress, limits)
            if result.status == "fetched":
                manifest[source.id] = {
                    "url": source.url,
                    "file": Path(result.path).name,
                    "sha256": result.sha256,
                    "bytes": result.size,
                    "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                _write_json(manifest_path, manifest)
            yield result


def _read_json(path: Path) -> dict:
    """A JSON object from a file of ours; {} when missing, a link or damaged (it is then rebuilt)."""
    if path.is_symlink() or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _open_new(path: Path, append: bool = False):
    """Open a file of ours for writing without following a link (a link there is replaced)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        path.unlink()
    flags |= os.O_APPEND if append else os.O_TRUNC
    return open(os.open(path, flags, 0o644), "ab" if append else "wb")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with _open_new(tmp) as fh:
        fh.write((json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    os.replace(tmp, path)


def _discard(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _fetch_one(
    client, source: Source, dest: Path, manifest: dict, last_request: dict, delay: float, progress, limits, fresh=False
) -> FetchResult:
    import httpx

    max_bytes, max_seconds, timeout = limits
    if not source.url:
        return FetchResult(source.id, "skipped", "no URL in sources.toml")
    if urlparse(source.url).scheme not in ("http", "https"):
        return FetchResult(source.id, "failed", f"not an http(s) URL: {source.url}")
    name = safe_name(source.id)
    known = manifest.get(source.id)
    if isinstance(known, dict) and known.get("url") == source.url and _ours(known.get("file"), name):
        path = dest / known["file"]
        if path.is_file() and not path.is_symlink() and _sha256(path) == known.get("sha256"):
            return FetchResult(source.id, "unchanged", "", str(path), known["sha256"], path.stat().st_size)
    host = urlparse(source.url).netloc
    wait = last_request.get(host, 0.0) + delay - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    part, state_file = dest / ".partial" / f"{name}.part", dest / ".partial" / f"{name}.json"
    state = _read_json(state_file)
    have = part.stat().st_size if part.is_file() and not part.is_symlink() else 0
    validator = state.get("etag") if str(state.get("etag", "")).startswith('"') else state.get("last_modified")
    if fresh or not have or state.get("url") != source.url or not validator:
        _discard(part, state_file)  # a partial of another URL, or one that cannot be checked: start afresh
        have, headers = 0, {}
    else:
        headers = {"Range": f"bytes={have}-", "If-Range": str(validator)}
    deadline = time.monotonic() + max_seconds
    retry = partial_ok = False
    try:
        last_request[host] = time.monotonic()
        request_timeout = httpx.Timeout(min(timeout, max_seconds))
        with client.stream("GET", source.url, headers=headers, timeout=request_timeout) as response:
            if response.status_code == 416 and have:  # the partial is whole, or the file changed
                retry = True
                raise _Restart
            if response.status_code >= 400:
                return FetchResult(
                    source.id, "failed", f"HTTP {response.status_code} {response.reason_phrase} from {source.url}"
                )
            if response.status_code not in (200, 206) or (response.status_code == 206 and not have):
                return FetchResult(source.id, "failed", f"unexpected HTTP {response.status_code} from {source.url}")
            content_type = response.headers.get("content-type", "").lower()
            expects_pdf = urlparse(source.url).path.lower().endswith(".pdf")
            if expects_pdf and "pdf" not in content_type and "octet-stream" not in content_type:
                return FetchResult(
                    source.id,
                    "failed",
                    f"not a PDF: the server sent {content_type or 'no type'} "
                    f"for {source.url} (the document may have moved)",
                )
            length = response.headers.get("content-length")
            length = int(length) if length and length.strip().isdigit() else None
            if response.status_code == 206:
                total = _continues(response.headers.get("content-range", ""), have, state.get("total"))
                if total is None:  # not the bytes that follow the partial: never splice them in
                    retry = True
                    raise _Restart
            else:
                have, total = 0, length
            if total is not None and total > max_bytes:
                _discard(part, state_file)
                return FetchResult(source.id, "failed", _too_large(source.url, max_bytes, total))
            _write_json(state_file, _validators(source.url, response.headers, total))
            done = have
            with _open_new(part, append=have > 0) as fh:
                for chunk in response.iter_bytes():  # as it arrives: the time limit is checked per read
                    fh.write(chunk)
                    done += len(chunk)
                    if done > max_bytes:
                        fh.close()
                        _discard(part, state_file)
                        return FetchResult(source.id, "failed", _too_large(source.url, max_bytes))
                    if time.monotonic() > deadline:
                        return FetchResult(
                            source.id,
                            "failed",
                            f"took longer than {max_seconds:g} s: {source.url} (raise --max-time, or run again to resume)",
                        )
                    if progress:
                        progress(source.id, done, total)
            partial_ok = response.headers.get("transfer-encoding", "").lower() == "chunked"
    except _Restart:
        pass
    except httpx.TimeoutException:
        return FetchResult(
            source.id, "failed", f"timed out after {min(timeout, max_seconds):g} s: {source.url} (run again to resume)"
        )
    except httpx.HTTPError as exc:
        return FetchResult(source.id, "failed", f"could not fetch {source.url}: {exc} (run again to resume)")
    if retry:
        if fresh:
            return FetchResult(source.id, "failed", f"the server's ranges do not fit: {source.url}")
        return _fetch_one(client, source, dest, manifest, last_request, 0.0, progress, limits, fresh=True)
    size = part.stat().st_size
    if total is not None and size != total:
        if size > total:
            _discard(part, state_file)
        return FetchResult(
            source.id,
            "failed",
            f"incomplete download of {source.url}: {size:,} of {total:,} bytes (run again to resume)",
        )
    suffix = _suffix(content_type, source.url)
    if problem := _invalid(part, suffix, length_known=total is not None or partial_ok):
        _discard(part, state_file)
        return FetchResult(source.id, "failed", f"{problem}: {source.url} (run again to fetch it afresh)")
    path = dest / f"{name}{suffix}"
    digest = _sha256(part)
    os.replace(part, path)  # a link at `path` is replaced, not followed
    _discard(state_file)
    return FetchResult(source.id, "fetched", "", str(path), digest, path.stat().st_size)


class _Restart(Exception):
    """The partial cannot be continued: fetch the whole file again."""


def _ours(file: object, name: str) -> bool:
    return isinstance(file, str) and "/" not in file and Path(file).stem == name


def _continues(content_range: str, have: int, known_total) -> int | None:
    """The full size if a 206's Content-Range starts right after the `have` bytes we hold, else None."""
    m = _CONTENT_RANGE.match(content_range)
    if not m or int(m.group(1)) != have or int(m.group(2)) < have:
        return None
    total = None if m.group(3) == "*" else int(m.group(3))
    if total is not None and (int(m.group(2)) != total - 1 or (known_total is not None and total != known_total)):
        return None
    return total


def _validators(url: str, headers, total: int | None) -> dict:
    return {
        "url": url,
        "etag": headers.get("etag", ""),
        "last_modified": headers.get("last-modified", ""),
        "total": total,
    }


def _too_large(url: str, limit: int, size: int | None = None) -> str:
    mb = 1024 * 1024
    what = f"{size / mb:.0f} MB" if size else "more"
    return f"{url} is {what}, over the limit of {limit / mb:g} MB per source (raise --max-file-mb)"


def _invalid(path: Path, suffix: str, length_known: bool) -> str:
    """Why a downloaded file is not complete and whole, or '' if it is."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(5)
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if suffix == ".pdf":
        if head != b"%PDF-":
            return "not a PDF: the server sent something else under a PDF type"
        if b"%%EOF" not in tail[-1024:]:
            return f"a cut-off PDF ({size:,} bytes, no %%EOF at its end)"
        try:
            from pypdf import PdfReader

            if len(PdfReader(path).pages) < 1:
                return "a PDF without pages"
        except Exception as exc:  # pypdf's many errors on a damaged file
            return f"a damaged PDF ({type(exc).__name__})"
        return ""
    if length_known:
        return ""
    if suffix == ".html" and b"</html" in tail.lower():
        return ""
    return f"the server gave no length and the {suffix} file cannot be checked for completeness"
