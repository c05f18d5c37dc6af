"""Kill an ingest at chosen points of its run: `python crashloop.py SPEC.json`.

The spec names a corpus, a pristine index and a work folder. This process imports scan once, then
for each kill point forks a child that copies the pristine index, counts the steps of an ingest
into it (every call of a function in the scan package, plus the file-system and SQLite calls of
the write path) and SIGKILLs itself at step K. With K = 0 the child counts a whole run and
writes the names of its steps, so that the caller can choose kill points across all of it.
Forking keeps one import for the whole loop, which is what keeps it fast.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import scan
from scan.embed import HashEncoder
from scan.ingest import ingest

SCAN_DIR = str(Path(scan.__file__).parent)
# stdlib / extension calls of the write path that are steps of their own
WRITE_CALLS = {
    "mkdir", "rmtree", "write_text", "write_bytes", "write_index", "replace", "fsync", "backup", "commit",
    "executescript", "close", "connect", "unlink", "rmdir", "rename", "dump",
}  # fmt: skip
WRITE_MODULES = ("shutil", "pathlib", "json", "faiss")


def run(corpus: Path, index: Path, kill_at: int, steps_file: Path | None) -> None:
    steps: list[str] = []

    def profile(frame, event, arg) -> None:
        if event == "call":
            code = frame.f_code
            if code.co_filename.startswith(SCAN_DIR):
                name = f"{Path(code.co_filename).stem}.{code.co_name}"
            elif code.co_name in WRITE_CALLS and str(frame.f_globals.get("__name__")).startswith(WRITE_MODULES):
                name = code.co_name
            else:
                return
        elif event == "c_call":
            name = getattr(arg, "__name__", "")
            owner = getattr(arg, "__self__", None)
            of_os = getattr(arg, "__module__", None) in ("posix", "nt")
            if name not in WRITE_CALLS or not (of_os or isinstance(owner, sqlite3.Connection)):
                return
        else:
            return
        steps.append(name)
        if len(steps) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.setprofile(profile)
    try:
        ingest([corpus], index, HashEncoder(256))
    finally:
        sys.setprofile(None)
    if steps_file is not None:
        steps_file.write_text(json.dumps(steps))


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    corpus, pristine, work = Path(spec["corpus"]), Path(spec["pristine"]), Path(spec["work"])
    outcome = {}
    for kill_at in spec["kill_at"]:
        target = work / f"k{kill_at:06d}"
        shutil.copytree(pristine, target)
        pid = os.fork()
        if pid == 0:
            try:
                run(corpus, target / "idx", kill_at, work / "steps.json" if kill_at == 0 else None)
            except BaseException:
                import traceback

                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        outcome[kill_at] = "killed" if killed else "finished" if status == 0 else f"failed ({status})"
    (work / "outcome.json").write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
