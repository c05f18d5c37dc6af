"""Crash loop: an ingest killed (SIGKILL) at steps spread across its whole run — parsing, each
document, the SQLite and FAISS writes, the fsyncs, the switch of CURRENT, the clean-up — leaves the
index byte for byte the old one or the new one, and the next ingest gives what an uninterrupted
one gives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scan.embed import HashEncoder
from scan.generations import REGISTRY, begin
from scan.ingest import ingest
from scan.integrity import full_check
from scan.store import CURRENT, FORMAT, Index

HERE = Path(__file__).parent
EVENLY = 12  # kill points spread evenly over all steps, besides those below
FIRST = ("generations.begin", "store._begin", "store.commit", "integrity.seal", "store._fsync_folder")
EVERY = ("read_document", "store.add", "replace", "rmtree")  # each parse, document added, rename, deletion
MUST = ("read_document", "split_document", "store.add", "backup", "commit", "write_index", "seal", "fsync", "replace",
        "generations.committed", "rmtree")  # fmt: skip


def live(idx: Path) -> str:
    return (idx / CURRENT).read_text().strip()


def tree(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def drive(tmp_path: Path, corpus: Path, pristine: Path, kill_at: list[int], name: str) -> Path:
    work = tmp_path / name
    work.mkdir()
    spec = tmp_path / f"{name}.json"
    spec.write_text(
        json.dumps({"corpus": str(corpus), "pristine": str(pristine), "work": str(work), "kill_at": kill_at})
    )
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, str(HERE / "crashloop.py"), str(spec)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return work


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash loop forks")
def test_an_ingest_killed_at_any_step_leaves_the_old_or_the_new_index(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the same timestamps in every run
    encoder = HashEncoder(256)
    pristine = tmp_path / "pristine"
    ingest([mini], pristine / "idx", encoder)
    (mini / "analys.md").write_text((mini / "analys.md").read_text() + "\n\nEtt tillägg.\n", encoding="utf-8")
    ingest([mini], pristine / "idx", encoder)  # now there is a previous generation too
    idx = pristine / "idx"
    (idx / begin(idx, idx / live(idx))).mkdir()  # and the partial generation of a killed ingest
    (idx / "gen-ai-rapporter").mkdir()  # the user's, not scan's
    (pristine / "idx" / "gen-ai-rapporter" / "notes.md").write_text("behåll")
    old = tree(pristine / "idx" / live(pristine / "idx"))
    # the change the killed ingests make: one document changed, one added
    (mini / "parkering.txt").write_text("Parkeringen på torget blir avgiftsbelagd från nästa år.", encoding="utf-8")
    (mini / "ny.md").write_text("# Ny rapport\n\nBredband på landsbygden.\n\nFler e-tjänster.\n", encoding="utf-8")
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    ingest([mini], reference / "idx", encoder)
    new = tree(reference / "idx" / live(reference / "idx"))
    assert new != old

    counted = drive(tmp_path, mini, pristine, [0], "count")
    steps = json.loads((counted / "steps.json").read_text())
    assert tree(counted / "k000000" / "idx" / live(counted / "k000000" / "idx")) == new  # forked runs match too
    first_of, every = {}, set()
    for i, step in enumerate(steps, start=1):
        if (step.startswith(FIRST) or "." not in step or step.endswith(MUST)) and "<" not in step:
            first_of.setdefault(step, i)
        if step.endswith(EVERY):
            every.add(i)
    even = {round(1 + j * (len(steps) - 1) / (EVENLY - 1)) for j in range(EVENLY)}
    kill_at = sorted(even | every | set(first_of.values()))
    print(f"{len(steps)} steps, {len(first_of)} distinct; killing at {len(kill_at)}")
    assert 20 <= len(kill_at) <= 45  # enough to cover the write path, few enough to stay quick
    for step in MUST:
        assert any(steps[k - 1].endswith(step) for k in kill_at), step  # each part of the write path is hit

    work = drive(tmp_path, mini, pristine, kill_at, "kills")
    outcome = json.loads((work / "outcome.json").read_text())
    assert set(outcome.values()) == {"killed"}, outcome
    left = {"old": 0, "new": 0}
    for k in kill_at:
        idx = work / f"k{k:06d}" / "idx"
        now = tree(idx / live(idx))
        assert now in (old, new), f"killed at step {k} ({steps[k - 1]}): the index is neither the old nor the new"
        left["old" if now == old else "new"] += 1
        assert all(c.ok for c in full_check(idx, FORMAT)[1]), k
        Index.open(idx).close()
        ingest([mini], idx, encoder)  # the next ingest: the same result as an uninterrupted one
        assert tree(idx / live(idx)) == new, f"killed at step {k} ({steps[k - 1]})"
        owned = set(json.loads((idx / REGISTRY).read_text())["owned"])
        assert {p.name for p in idx.glob("gen-*")} == owned | {"gen-ai-rapporter"}, k  # no partial generation left
        assert len(owned) <= 2 and live(idx) in owned
        assert (idx / "gen-ai-rapporter" / "notes.md").read_text() == "behåll"
    assert left["old"] > 0 and left["new"] > 0, left
