"""`scan fetch`: download the sources listed in a sources.toml, when a network is there.

- Each source with a URL is saved as `DEST/<id>.pdf` (or `.html`), where ingest finds it and gives
  it the source's metadata (publisher, year, kind).
- Resumable: a source already fetched whose file still has the recorded checksum is skipped; an
  interrupted download continues from its partial file (HTTP Range) where the server allows.
- Nothing half-written: data goes to `DEST/.partial/<id>.part` and is renamed into place only when
  complete and checked (ingest never reads a folder whose name starts with a dot).
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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from scan import __version__
from scan.errors import ScanError
from scan.sources import Source, load_sources

USER_AGENT = f"scan/{__version__} (horizon scanning; fetches the sources a municipal analysis cites)"  # ASCII only
MANIFEST = "fetched.json"


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
    return Path(urlparse(url).path).suffix.lower() or ".bin"


def fetch_sources(
    sources_file: Path,
    dest: Path,
    delay: float = 1.0,
    timeout: float = 30.0,
    only: list[str] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> Iterator[FetchResult]:
    """Download each source of `sources_file` into `dest`, yielding one result per source."""
    import httpx

    if not sources_file.exists():
        raise ScanError(f"{sources_file}: no such file", "pass --sources FILE (default corpus/sources.toml)")
    listed = load_sources(sources_file.parent) if sources_file.name == "sources.toml" else None
    if listed is None:
        raise ScanError(f"{sources_file}: the reference list must be a file named sources.toml", "rename it")
    sources = [s for s in listed.sources if not only or s.id in only]
    if only and len(sources) < len(only):
        known = ", ".join(s.id for s in listed.sources)
        missing = sorted(set(only) - {s.id for s in sources})
        raise ScanError(f"no source {', '.join(missing)} in {sources_file}", f"valid ids: {known}")
    try:
        (dest / ".partial").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(f"cannot write to {dest}: {exc.strerror}", "choose a writable --dest") from None
    manifest_path = dest / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    last_request: dict[str, float] = {}
    with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True) as client:
        for source in sources:
            result = _fetch_one(client, source, dest, manifest, last_request, delay, progress)
            if result.status == "fetched":
                manifest[source.id] = {
                    "url": source.url,
                    "file": Path(result.path).name,
                    "sha256": result.sha256,
                    "bytes": result.size,
                    "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                tmp = manifest_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
                os.replace(tmp, manifest_path)
            yield result


def _fetch_one(
    client, source: Source, dest: Path, manifest: dict, last_request: dict, delay: float, progress
) -> FetchResult:
    import httpx

    if not source.url:
        return FetchResult(source.id, "skipped", "no URL in sources.toml")
    known = manifest.get(source.id)
    if known and known.get("url") == source.url:
        path = dest / known["file"]
        if path.exists() and _sha256(path) == known["sha256"]:
            return FetchResult(source.id, "unchanged", "", str(path), known["sha256"], path.stat().st_size)
    host = urlparse(source.url).netloc
    wait = last_request.get(host, 0.0) + delay - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    part = dest / ".partial" / f"{source.id}.part"
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        last_request[host] = time.monotonic()
        with client.stream("GET", source.url, headers=headers) as response:
            if response.status_code == 416 and have:  # the partial file is already whole
                part.unlink()
                return _fetch_one(client, source, dest, manifest, last_request, 0.0, progress)
            if response.status_code >= 400:
                return FetchResult(
                    source.id, "failed", f"HTTP {response.status_code} {response.reason_phrase} from {source.url}"
                )
            content_type = response.headers.get("content-type", "").lower()
            expects_pdf = urlparse(source.url).path.lower().endswith(".pdf")
            if expects_pdf and "pdf" not in content_type and "octet-stream" not in content_type:
                return FetchResult(
                    source.id,
                    "failed",
                    f"not a PDF: the server sent {content_type or 'no type'} "
                    f"for {source.url} (the document may have moved)",
                )
            resumed = response.status_code == 206 and have
            total = response.headers.get("content-length")
            total = int(total) + (have if resumed else 0) if total else None
            with open(part, "ab" if resumed else "wb") as fh:
                done = have if resumed else 0
                for chunk in response.iter_bytes(1 << 16):
                    fh.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(source.id, done, total)
    except httpx.TimeoutException:
        return FetchResult(
            source.id, "failed", f"timed out after {client.timeout.read} s: {source.url} (run again to resume)"
        )
    except httpx.HTTPError as exc:
        return FetchResult(source.id, "failed", f"could not fetch {source.url}: {exc} (run again to resume)")
    if total is not None and part.stat().st_size != total:
        return FetchResult(source.id, "failed", f"incomplete download of {source.url} (run again to resume)")
    with open(part, "rb") as fh:
        head = fh.read(5)
    suffix = _suffix(content_type, source.url)
    if suffix == ".pdf" and head != b"%PDF-":
        part.unlink()
        return FetchResult(source.id, "failed", f"not a PDF: {source.url} sent something else under a PDF type")
    path = dest / f"{source.id}{suffix}"
    digest = _sha256(part)
    os.replace(part, path)
    return FetchResult(source.id, "fetched", "", str(path), digest, path.stat().st_size)
