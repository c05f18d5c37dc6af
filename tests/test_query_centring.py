"""The query's language mean is drawn towards the neutral reference mean when that language is the
library's smaller one (scan.crosslingual.query_mean): a small English part made of two US
government PDFs has a mean that is mostly their topic, not "English"."""

from __future__ import annotations

import numpy as np

from scan import crosslingual


def _space(n_sv: int, n_en: int, seed: int = 3) -> crosslingual.PassageSpace:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n_sv + n_en, 8)).astype(np.float32)
    matrix[:n_sv, 0] += 2.0  # a Swedish direction
    matrix[n_sv:, 1] += 2.0  # an English direction ...
    matrix[n_sv:, 2] += 3.0  # ... whose few passages share one topic
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    languages = np.array(["sv"] * n_sv + ["en"] * n_en, dtype=object)
    means = {lang: matrix[languages == lang].mean(axis=0) for lang in ("sv", "en")}
    ids = np.arange(len(matrix), dtype=np.int64)
    counts = {"sv": n_sv, "en": n_en}
    return crosslingual.PassageSpace(ids, matrix, languages, means, None, {i: i for i in range(len(ids))}, None, counts)


def test_the_smaller_language_mean_is_drawn_towards_the_reference_by_its_passage_count():
    space = _space(60, 20)
    neutral = {"sv": np.full(8, 0.1, dtype=np.float32), "en": np.full(8, -0.2, dtype=np.float32)}
    w = crosslingual.QUERY_SHRINK
    expected = (20 * space.means["en"] + w * neutral["en"]) / (20 + w)
    assert np.allclose(crosslingual.query_mean(space, "en", neutral), expected)
    # the larger language, a query without references, or a language without a mean: the library's own
    assert np.array_equal(crosslingual.query_mean(space, "sv", neutral), space.means["sv"])
    assert np.array_equal(crosslingual.query_mean(space, "en", None), space.means["en"])
    assert crosslingual.query_mean(space, "de", neutral) is None


def test_only_queries_in_the_smaller_language_are_scored_differently():
    space = _space(60, 20)
    neutral = {"sv": np.zeros(8, dtype=np.float32), "en": np.zeros(8, dtype=np.float32)}
    query = space.matrix[5] + space.matrix[70]
    for method in crosslingual.CENTRED:
        plain_sv = crosslingual.scores(space, query, "sv", method)
        assert np.array_equal(crosslingual.scores(space, query, "sv", method, None, neutral), plain_sv)
        moved = crosslingual.scores(space, query, "en", method, None, neutral)
        assert not np.allclose(moved, crosslingual.scores(space, query, "en", method))
        # the English topic that fills the small English part is no longer subtracted from the query in
        # full: the English passages come closer to an English query that shares their topic
        assert moved[60:].mean() > crosslingual.scores(space, query, "en", method)[60:].mean()
