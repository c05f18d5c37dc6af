"""bench/mixed_cv.py: the cross-validated dev estimate replays search's own rules and never rates a
query with a model fitted on its own fold."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from scan import relevance
from scan.types import Hit, Passage

BENCH = Path(__file__).resolve().parents[1] / "bench" / "mixed_cv.py"


@pytest.fixture(scope="module")
def cv():
    spec = importlib.util.spec_from_file_location("mixed_cv_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def make_query(cv, setup="mixed", lang="en", need="n1", fold=0, n=8, seed=0, docs=None, units=None, langs=None):
    rng = np.random.default_rng(seed)
    units = rng.normal(size=(n, 4)) if units is None else np.asarray(units, dtype=float)
    units = units / np.linalg.norm(units, axis=1, keepdims=True)
    good = np.zeros(n, dtype=bool)
    good[: n // 2] = True
    return cv.Query(
        setup,
        "dev",
        lang,
        need,
        fold,
        list(range(100, 100 + n)),
        {100 + n - 1},  # the last candidate is a heading-only passage
        rng.normal(size=(n, 5)),
        units,
        units[0],
        lang,
        docs or [f"d{i % 3}.md" for i in range(n)],
        langs or [lang] * n,
        good,
        good.copy(),
        ~good,
    )


def test_replay_is_search_s_demotion_and_answer_rule(cv):
    """The bench's top 5 and answers are those of relevance.demote and relevance.answer_flags."""
    q = make_query(cv, n=10)
    for seed in range(20):
        rated = np.random.default_rng(seed).uniform(0, 100, size=len(q.ids))
        top, shown = cv.replay(q, rated, cv.Rule())
        ranked = [(pid, float(-i)) for i, pid in enumerate(q.ids)]
        demoted = relevance.demote(ranked, dict(zip(q.ids, rated)), q.headings)[:5]
        assert [q.ids[i] for i in top] == [pid for pid, _ in demoted]
        hits = [
            Hit(r + 1, 0.0, "d.md", "", Passage("d.md", pid - 100, "text", 0, 4), "hybrid", (), float(rated[pid - 100]))
            for r, (pid, _) in enumerate(demoted)
        ]
        assert shown == relevance.answer_flags(hits)


def test_english_rule_applies_to_english_queries_only(cv):
    rated = np.array([80.0, 70.0, 66.0, 40.0, 30.0, 20.0])
    rule = cv.Rule(per_language={"en": (50.0, 10.0)})
    _, english = cv.replay(make_query(cv, lang="en", n=6), rated, rule)
    _, swedish = cv.replay(make_query(cv, lang="sv", n=6), rated, rule)
    assert english == [True, True, False, False, False]  # 66 is 14 under the best: out with a gap of 10
    assert swedish == [True, True, True, False, False]  # within the default gap of 15


def test_cross_validation_rates_each_fold_with_a_model_fitted_without_it(cv, monkeypatch):
    queries = [
        make_query(cv, setup=s, need=f"n{f}", fold=f, seed=f)
        for f in range(cv.FOLDS)
        for s in ("mixed", "one", "probe")
    ]
    trained: list[set[tuple[str, int]]] = []

    def fit(train, variant, c=10.0):
        trained.append({(q.setup, q.fold) for q in train})
        return np.zeros(5), 0.0

    monkeypatch.setattr(cv, "fit", fit)
    result = cv.cross_validate(queries, {"mixed", "one"}, "base", cv.Rule())
    assert len(trained) == cv.FOLDS
    for fold, seen in enumerate(trained):
        assert all(f != fold for _, f in seen)  # the held-out fold is never fitted on
        assert {s for s, _ in seen} == {"mixed", "one"}  # nor a setup outside --fit-on
    assert sum(t["needs"] for t in result.values()) == len(queries)  # every query rated once, in every setup


def test_corroboration_prefers_a_passage_echoed_by_other_documents(cv):
    """A candidate close to the best candidates of the other documents gets the higher value; a
    one-document pool has nothing to compare with (0)."""
    units = [[1, 0.2, 0, 0], [0.9, 0.3, 0.1, 0], [0.8, 0, 0.5, 0], [0.1, 0, 0, 1]]
    q = make_query(cv, n=4, units=units, docs=["analysis.md", "answers.md", "answers.md", "neighbour.md"])
    value = cv.corroboration(q, top=2)[:, 0]
    assert value[1] > value[3]  # echoes the analysis; the neighbouring theme does not
    alone = make_query(cv, n=4, units=units, docs=["analysis.md"] * 4)
    assert np.all(cv.corroboration(alone)[:, 0] == 0)


def test_chapter_at_1_counts_the_hit_shown_first_the_best_rated_of_the_top_5(cv):
    """As `scan eval mixed` counts it since hits are listed by relevance (scan.shown): rank 1 is the
    best-rated hit of the top 5, not the search's first."""
    q = make_query(cv, n=6)
    q.right[:] = False
    q.right[2] = True  # a right chapter third in the search's order
    rated = np.array([60.0, 55.0, 90.0, 40.0, 30.0, 20.0])
    assert cv.tally([q], {0: rated}, cv.Rule())[("mixed", "en")]["ch1"] == 1
    rated[2] = 58.0  # no longer the best rated: the first hit shown is not a right chapter
    assert cv.tally([q], {0: rated}, cv.Rule())[("mixed", "en")]["ch1"] == 0
    q.right[0] = True  # equal ratings keep the search's order
    rated[:] = 50.0
    assert cv.tally([q], {0: rated}, cv.Rule())[("mixed", "en")]["ch1"] == 1


def test_from_need_takes_the_needs_from_that_id_on_in_file_order(cv):
    from scan import evalmixed

    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    ids = [n.id for n in needs]
    assert cv.need_ids_from(ids[-3]) == set(ids[-3:])
    assert cv.need_ids_from(ids[0]) == set(ids)
    with pytest.raises(SystemExit):
        cv.need_ids_from("no-such-need")
