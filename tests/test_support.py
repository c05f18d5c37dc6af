"""Support marking of quotes: cue features, the fitted model, the labelled set, and the outputs."""

import csv
import io
import json
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT

from scan import support
from scan.cli import main
from scan.parse import read_document
from scan.quotes import find_quotes
from scan.support_eval import choose_threshold, default_pairs_file, fit, load_pairs, per_label

CORPUS_FILE = ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md"
F = {name: i for i, name in enumerate(support.FEATURES)}


def test_a_claim_and_a_sentence_that_move_in_opposite_directions_are_flagged():
    x = support.features(
        "Tilliten bland unga ökar", "De senaste åren syns dock en något minskad tillit bland unga.", 0.9
    )
    assert x[F["direction_opposite"]] == 1 and x[F["direction_same"]] == 0 and x[F["contrast"]] == 1
    same = support.features("Segregationen i Sverige ökar", "Segregationen i Sverige har ökat kraftigt.", 0.9)
    assert same[F["direction_same"]] == 1 and same[F["direction_opposite"]] == 0 and same[F["overlap"]] == 1


def test_direction_is_read_near_the_shared_topic_words():
    # "minskar" belongs to the trust in politicians, "ökar" to the demands on welfare
    x = support.features(
        "Tilliten till politiker ökar",
        "I ett samhälle där tilliten till politiker minskar samtidigt som kraven på välfärdstjänsterna ökar.",
        0.9,
    )
    assert x[F["direction_opposite"]] == 1


def test_negation_on_one_side_only_is_a_polarity_mismatch():
    x = support.features("Bostadsområdena är tydligt segregerade", "Bostadsområdena är inte tydligt segregerade.", 0.9)
    assert x[F["negation_mismatch"]] == 1 and x[F["negation_mismatch_on_topic"]] == 1
    both = support.features("Jobbet är inte det viktigaste", "Jobbet är inte den viktigaste frågan.", 0.9)
    assert both[F["negation_mismatch"]] == 0


def test_a_general_claim_against_a_limiting_sentence():
    x = support.features("Samverkan löser alla problem", "Samverkan löser vissa problem, men inte alla.", 0.9)
    assert x[F["general_vs_limit"]] == 1


def test_the_marks_on_clear_cases():
    assert (
        support.mark("Tilliten bland unga ökar", "De senaste åren syns en minskad tillit bland unga.", 0.88)
        == "counters"
    )
    assert (
        support.mark("Segregationen i Sverige ökar", "Segregationen i Sverige har ökat kraftigt.", 0.92) == "supports"
    )


def test_a_sentence_at_the_countering_threshold_is_never_marked_supports():
    p = np.array([[0.9, 0.0, support.COUNTER_THRESHOLD], [0.9, 0.1, support.COUNTER_THRESHOLD - 0.01]])
    assert support.decide(p) == ["counters", "supports"]


def test_the_model_constants_fit_the_features():
    n = len(support.FEATURES)
    assert support.MEAN.shape == support.SCALE.shape == (n,) and support.WEIGHTS.shape == (3, n)
    assert support.BIAS.shape == (3,) and 0 < support.COUNTER_THRESHOLD < 1


def test_the_fitter_learns_a_separable_problem_and_the_threshold_protects_supports():
    rng = np.random.default_rng(0)
    centres = np.eye(3, len(support.FEATURES)) * 4
    labels = [support.LABELS[i % 3] for i in range(90)]
    x = np.vstack([centres[i % 3] + rng.normal(0, 0.5, len(support.FEATURES)) for i in range(90)])
    model = fit(x, labels)
    p = support.probabilities(x, model)
    marked = support.decide(p, choose_threshold(p, labels))
    report = per_label(labels, marked)
    assert report["accuracy"] > 0.95 and report["counters_marked_supports"] == 0


def test_the_shipped_pair_set_is_large_verbatim_and_split_by_claim():
    pairs = load_pairs(default_pairs_file())
    assert len(pairs) >= 150
    text = " ".join(read_document(CORPUS_FILE).text.split())  # the text quotes are cut from
    # claims marked library = "mixed" quote the corpus or the evaluation library (eval/library/)
    mixed = {c["claim"] for c in tomllib.loads(default_pairs_file().read_text("utf-8"))["claim"] if c.get("library")}
    library = " ".join(
        " ".join(read_document(f).text.split()) for f in sorted((ROOT / "eval" / "library").rglob("*.md"))
    )
    assert all(" ".join(p.sentence.split()) in text for p in pairs if p.claim not in mixed)
    assert all(" ".join(p.sentence.split()) in text + " " + library for p in pairs if p.claim in mixed)
    assert mixed and sum(p.round == 2 for p in pairs) >= 60
    splits: dict[str, set[str]] = {}
    for p in pairs:
        splits.setdefault(p.claim, set()).add(p.split)
    assert all(len(s) == 1 for s in splits.values())
    for split in ("dev", "test"):
        labels = {p.label for p in pairs if p.split == split}
        assert labels == set(support.LABELS)
    assert sum(p.label == "counters" for p in pairs) >= 40


def test_every_quote_carries_a_mark_in_json_csv_and_markdown(index, encoder, mini, tmp_path, monkeypatch):
    quotes = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=3)
    assert quotes and all(q.support in support.LABELS for q in quotes)
    assert all(q.to_json()["support"] == q.support for q in quotes)

    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    idx = tmp_path / "cli-idx"
    runner.invoke(main, ["ingest", str(mini), "--index", str(idx)], catch_exceptions=False)
    claim = "kommunen har svårt att rekrytera undersköterskor"
    out = runner.invoke(main, ["quotes", claim, "--index", str(idx), "--json", "-k", "2"]).stdout
    assert [json.loads(line)["support"] in support.LABELS for line in out.splitlines()] == [True, True]
    rows = list(
        csv.DictReader(
            io.StringIO(runner.invoke(main, ["quotes", claim, "--index", str(idx), "--format", "csv"]).stdout)
        )
    )
    assert rows and all(r["support"] in support.LABELS for r in rows)
    md = runner.invoke(main, ["quotes", claim, "--index", str(idx), "--format", "md"]).stdout
    assert any(f"*({word})*" in md for word in ("stöder", "nämner", "kan motsäga"))
    text = runner.invoke(main, ["quotes", claim, "--index", str(idx)]).stdout
    assert any(word in text for word in ("stöder", "nämner", "kan motsäga"))


@pytest.mark.model
def test_the_marking_beats_the_majority_mark_on_the_test_half(e5):
    from scan.support_eval import evaluate_support

    result = evaluate_support(None, e5, load_pairs(default_pairs_file()))
    test = result.by_split["test"]
    majority = max(test[label]["n"] for label in support.LABELS) / test["n"]
    assert test["accuracy"] > majority
    # on dev, where the constants were chosen (rounds 1-5; round 6 came later and is measured, not fitted):
    # no countering pair is offered as support
    assert result.by_split["dev"]["counters_marked_supports"] == 0
    fitted = evaluate_support(None, e5, [p for p in load_pairs(default_pairs_file()) if p.round <= 5])
    assert fitted.by_split["dev"]["supports"]["precision"] >= 0.8


@pytest.mark.model
def test_no_countering_quote_among_the_first_three_supporting_on_the_dev_half(corpus_index, e5):
    from scan.support_eval import top3_check

    top3 = top3_check(corpus_index, e5, load_pairs(default_pairs_file()), split="dev")
    assert top3["claims"] >= 60 and top3["supporting_quotes"] > 0 and top3["countering"] == 0
