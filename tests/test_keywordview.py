"""The trend model's keyword view (scan.keywordview): terms, arrays without pickle, its part in the model."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scan import keywordview, trends
from scan.classify import classify_document
from scan.keywordview import KeywordView, terms
from scan.parse import read_document
from scan.trends import NONE, TrendModel

CLASSES = (NONE, 1, 2)
TEXTS = [
    ("Klimatanpassning av stadens dagvatten inför skyfall och översvämningar.", 1),
    ("Klimatet förändras: värmeböljor och torka kräver klimatanpassningsplaner.", 1),
    ("Utsläppen av växthusgaser ska minska och klimatet skyddas.", 1),
    ("Äldreomsorgen behöver fler undersköterskor när befolkningen åldras.", 2),
    ("Kompetensförsörjningen i äldreomsorgen är kommunens största utmaning.", 2),
    ("Rekrytera undersköterskor och sjuksköterskor till hemtjänsten.", 2),
    ("Sophämtningen sker varannan tisdag under sommaren.", NONE),
    ("Skolmatsedel vecka 12: fiskgratäng och potatis.", NONE),
    ("Biblioteket har nya öppettider i juli.", NONE),
]


@pytest.fixture(scope="module")
def view() -> KeywordView:
    return keywordview.fit([t for t, _ in TEXTS], np.array([y for _, y in TEXTS]), CLASSES)


def test_swedish_letters_stay_inside_words_and_inflections_share_a_stem():
    found = terms("Välfärdens åtaganden ökar i Alingsås kommun_2024")
    words = [t for t in found if " " not in t]
    assert words[0].startswith("välfärd") and words[1].startswith("åtag") and words[2].startswith("ök")
    assert "alingsås" in words and "kommun" in words and not any(len(w) == 1 and w in "åäö" for w in words)
    assert not any(ch.isdigit() or "_" in t for t in found for ch in t)  # digits and "_" split words
    # a compound stays one word; its inflected form shares the term with the plain one
    assert "klimatanpassning" in terms("Klimatanpassningen") and "klimatanpassning" in terms("klimatanpassning")
    assert "äldreomsorg" in terms("Äldreomsorgens")
    pair = terms("klimatanpassning dagvatten")
    assert pair[-1] == f"{pair[0]} {pair[1]}" and pair[1] == terms("Dagvattens")[0]  # neighbouring stems as a pair


def test_a_text_full_of_a_trends_key_words_raises_that_trend(view):
    z = view.logits(["Klimatet, klimatanpassningen och skyfallen.", "Undersköterskor i äldreomsorgen.", ""])
    assert z[0].argmax() == CLASSES.index(1) and z[1].argmax() == CLASSES.index(2)
    assert np.allclose(z[2], view.bias)  # no known word: the bias alone
    assert "klimat" in view.top_terms("Klimatet och klimatanpassningen.", CLASSES.index(1))


def model_with(view: KeywordView, keyword_weight: float) -> TrendModel:
    d = 8
    return TrendModel(
        CLASSES,
        np.zeros((3, d), np.float32),
        np.zeros(3, np.float32),
        1.0,
        "k",
        keywords=view,
        keyword_weight=keyword_weight,
    )


def test_the_keyword_view_adds_to_the_models_probabilities_only_with_the_texts(view):
    model = model_with(view, 1.0)
    vectors = np.zeros((1, 8), np.float32)
    alone = model.proba(vectors)
    with_words = model.proba(vectors, ["Klimatanpassning mot skyfall och värmeböljor."])
    assert np.allclose(alone, 1 / 3) and with_words[0].argmax() == CLASSES.index(1) > 0
    assert np.allclose(model_with(view, 0.0).proba(vectors, ["Klimatanpassning."]), 1 / 3)  # weight 0: off


def test_arrays_round_trip_without_pickle(view, tmp_path):
    path = tmp_path / "trends-x.npz"
    model_with(view, 0.75).save(path)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[name].dtype.kind != "O" for name in data.files)
        assert {"keyword_terms", "keyword_idf", "keyword_weights", "keyword_bias"} <= set(data.files)
    loaded = TrendModel.load(path)
    assert loaded.keyword_weight == 0.75 and loaded.keywords.vocabulary == view.vocabulary
    texts = ["Undersköterskor till äldreomsorgen.", "Klimatet."]
    assert np.allclose(loaded.keywords.logits(texts), view.logits(texts))
    # a model file of the previous version (no keyword arrays) still loads, without a keyword view
    with np.load(path) as data:
        np.savez(tmp_path / "old.npz", **{k: data[k] for k in data.files if not k.startswith("keyword")})
    old = TrendModel.load(tmp_path / "old.npz")
    assert not old.keywords and old.keyword_weight == 0.0
    assert np.allclose(old.proba(np.zeros((1, 8), np.float32), texts[:1]), 1 / 3)


def test_the_keyword_weight_is_fitted_on_held_out_logits():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    base = rng.normal(size=(300, 3)) + 1.0 * np.eye(3)[labels]
    informative = 3.0 * np.eye(3)[labels] + rng.normal(size=(300, 3))
    beta, t = trends.fit_keyword_weight(base, informative, labels, CLASSES, np.ones(300))
    assert beta > 0 and t > 0
    noise = rng.normal(size=(300, 3)) * 3
    assert trends.fit_keyword_weight(base, noise, labels, CLASSES, np.ones(300))[0] == 0.0


def test_the_model_key_changes_with_the_keyword_settings(monkeypatch):
    before = trends.keyword_setting()
    monkeypatch.setattr(keywordview, "MIN_DF", keywordview.MIN_DF + 1)
    assert trends.keyword_setting() != before


def test_evidence_names_passages_for_a_trend_the_keyword_view_raises(view, tmp_path, encoder):
    from scan.taxonomy import Taxonomy, Trend

    taxonomy = Taxonomy("t", (Trend(1, "Klimat", "", ""), Trend(2, "Kompetens", "", "")))
    path = tmp_path / "rapport.md"
    path.write_text(
        "# Klimat\n\nKlimatanpassningen mot skyfall, värmeböljor och översvämningar kräver nya dagvattenplaner."
        "\n\n# Omsorg\n\nÄldreomsorgen behöver rekrytera fler undersköterskor och sjuksköterskor.\n",
        encoding="utf-8",
    )
    d = len(encoder.encode_passages(["x"])[0])
    model = TrendModel(
        CLASSES, np.zeros((3, d), np.float32), np.zeros(3, np.float32), 1.0, "k", keywords=view, keyword_weight=2.0
    )
    result = classify_document(read_document(path), model, encoder, taxonomy)
    assert result.labels and set(result.labels) <= {1, 2}
    for t in result.labels:
        assert result.evidence[t] and all(e.text and e.start < e.end for e in result.evidence[t])
    assert "Klimatanpassningen" in result.evidence[1][0].text
    # the evidence names the words of the passage that the keyword view read as the trend, as written
    first = result.evidence[1][0]
    assert first.keywords and all(w in first.text for w in first.keywords)
    assert any(w.lower().startswith("klimat") for w in first.keywords)
    assert first.to_json()["keywords"] == list(first.keywords)
    from scan.report import render_report

    html = render_report([result], taxonomy)
    assert f"ord som pekar på trenden: {', '.join(first.keywords)}" in html


def test_top_words_skip_function_words_and_keep_the_spelling(view):
    words = view.top_words("Klimatanpassningen och skyfallen i staden, klimatet.", CLASSES.index(1))
    assert words and "och" not in words and "i" not in words
    assert "Klimatanpassningen" in words or "klimatet" in words
    assert view.top_words("Klimatanpassningen.", CLASSES.index(2)) == []  # nothing there for trend 2


def test_prediction_does_not_import_scikit_learn(view, tmp_path):
    path = tmp_path / "trends-x.npz"
    model_with(view, 1.0).save(path)
    code = (
        "import sys, numpy as np\n"
        "from scan.trends import TrendModel\n"
        "from scan.classify import classify_document\n"
        f"m = TrendModel.load(__import__('pathlib').Path({str(path)!r}))\n"
        "p = m.proba(np.zeros((1, 8), np.float32), ['Klimatanpassning mot skyfall.'])\n"
        "assert p[0].argmax() == 1, p\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('sklearn', 'scipy'))\n"
        "print(','.join(bad) or 'clean')\n"
    )
    src = Path(trends.__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(src)}, check=True
    )
    assert out.stdout.strip() == "clean", out.stdout + out.stderr


def test_the_analysis_gets_its_share_of_the_calibration_weight():
    groups = np.array([0] * 40 + [2] * 10 + [5] * 60 + [4] * 40 + [1] * 10 + [3] * 30)
    weights = trends._calibration_weights(groups, pooled=0.3)
    own, other = np.isin(groups, (0, 2)), groups >= 4
    assert weights[own].sum() == pytest.approx(0.3) and weights[other].sum() == pytest.approx(0.7)
    assert weights[~(own | other)].sum() == 0  # descriptions and single sentences do not calibrate
    assert (trends._calibration_weights(groups, pooled=0.0) == other).all()
