"""bench/section_evidence.py: the section bonus it measures touches English queries only, and is the
section's best scores (or heading cosine) added to each passage's own score, the ranking re-sorted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from scan import crosslingual

BENCH = Path(__file__).resolve().parents[1] / "bench" / "section_evidence.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("section_evidence_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)
    sys.path.remove(str(BENCH.parent))


def _run(fn, index, encoder, query, language, k=10):
    vector = encoder.encode_queries([query])[0]
    ranked, score_of, _ = fn(index, vector, query, k, None, crosslingual.DEFAULT_METHOD, language, encoder)
    return ranked, score_of


def test_swedish_query_and_base_variant_are_search_as_shipped(bench, index, encoder):
    sections = bench.Sections(index, encoder)
    query = "hur påverkar distansarbete rekryteringen"
    expected, _ = _run(crosslingual.dense_candidates, index, encoder, query, "sv")
    assert _run(bench.patched(sections, "sec:top:3:0.5"), index, encoder, query, "sv")[0] == expected
    english = "how does remote work affect recruitment"
    assert (
        _run(bench.patched(sections, "base"), index, encoder, english, "en")[0]
        == _run(crosslingual.dense_candidates, index, encoder, english, "en")[0]
    )


def test_section_bonus_is_the_sections_best_scores(bench, index, encoder):
    sections = bench.Sections(index, encoder)
    query = "how does remote work affect recruitment"
    everything, own = _run(crosslingual.dense_candidates, index, encoder, query, "en", k=len(index))
    ranked, score_of = _run(bench.patched(sections, "sec:top:2:0.5"), index, encoder, query, "en", k=len(index))
    of = sections.group("top")
    members: dict[int, list[float]] = {}
    for pid, score in everything:
        members.setdefault(of[pid], []).append(score)
    assert len(members) > 1  # the fixture has several chapters
    for pid, score in ranked:
        best = sorted(members[of[pid]], reverse=True)[:2]
        assert score == pytest.approx(own(pid) + 0.5 * float(np.mean(best)))
        assert score_of(pid) == pytest.approx(score)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert {pid for pid, _ in ranked} == {pid for pid, _ in everything}
    heavy, _ = _run(bench.patched(sections, "sec:top:2:1000"), index, encoder, query, "en", k=3)
    # a huge weight: the section whose two best passages score highest comes first
    best_section = max(members, key=lambda g: float(np.mean(sorted(members[g], reverse=True)[:2])))
    assert of[heavy[0][0]] == best_section
