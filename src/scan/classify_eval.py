"""Trend classification measured on texts of other publishers (eval/classify_external.toml).

The set (format: the header of eval/classify_external.toml) holds short texts labelled with a
trend id (0 = no trend) and optionally further trends they also speak to (`labels`), each with
its language, publisher and half (`dev`: used to choose settings and to train; `test`: only
reported). `[[document]]` entries assemble several texts of one publisher, in reading order, into
a whole document.

Per text (one half at a time):
- accuracy: the label scan gives (the `label` of scan classify, "no trend" when None) is one of
  the text's labels;
- macro-F1 over the trends, where a prediction that hits any of the text's labels counts for that
  label, and a miss counts against the main label; F1 of "no trend";
- per language (sv, en): n, accuracy, macro-F1, no-trend F1;
- multi-label: precision, recall and F1 of the trends scan lists (`labels`) against the text's
  labels, counted over (text, trend) pairs;
- ECE: expected calibration error of the label's probability (10 bins).

Per document (the listed documents, and SAMPLED documents assembled at random from the half's
texts: 2–4 texts of one trend and 1–4 others, 1,000 of them so that there are enough documents to
measure calibration):
- share error: half the summed absolute difference between scan's trend shares (the
  length-weighted mean of the texts' probabilities, as scan classify computes them) and the true
  shares (each text's length split equally over its labels);
- share calibration: ECE over (document, class) pairs, predicted share against true share;
- main trend: scan's verdict (main trend, no trend, or several trends none leading) is the true
  one, `trendprofile.outcome` of the true shares; main-trend ECE (and Brier score, log-loss):
  scan's `confidence` against being right; `truth` counts the documents of each true kind;
- the same on 500 SPREAD documents: 3–8 texts of as many different labels (mostly no main trend).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scan.doccalib import predicted_outcome, sample_led, sample_spread, share_error, true_outcome, true_shares
from scan.errors import ScanError
from scan.evaluate import _f1  # per-class F1, shared with the corpus evaluation
from scan.trendprofile import MIN_SHARE, SEVERAL

SAMPLED_DOCUMENTS = 1000  # 200 gave a verdict ECE that moved by 0.02 (sd) from one sampling seed to another on dev
SPREAD_DOCUMENTS = 500
FOLDS = 5
BINS = 10


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    label: int  # 0 = no trend
    labels: tuple[int, ...]  # every label, the main one first
    language: str
    publisher: str
    split: str
    origin: str = ""


@dataclass(frozen=True)
class LabelledDocument:
    id: str
    publisher: str
    split: str
    texts: tuple[str, ...]  # ids of LabelledText, in reading order


@dataclass(frozen=True)
class LabelledSet:
    path: str
    texts: tuple[LabelledText, ...]
    documents: tuple[LabelledDocument, ...]

    def half(self, split: str) -> list[LabelledText]:
        return [t for t in self.texts if t.split == split]

    @property
    def splits(self) -> list[str]:
        return sorted({t.split for t in self.texts})


def load_set(path: Path) -> LabelledSet:
    """A labelled set: eval/classify_external.toml, or the older eval/classify.toml (no ids, no
    languages: they are detected)."""
    from scan.classify import language

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file", "run from the project folder, or pass --queries FILE") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    texts = []
    try:
        for i, item in enumerate(data["text"]):
            label = 0 if item["label"] in ("none", 0) else int(item["label"])
            extra = [int(x) for x in item.get("labels", []) if int(x) != label]
            texts.append(
                LabelledText(
                    str(item.get("id", f"text-{i + 1}")),
                    str(item["text"]),
                    label,
                    (label, *extra),
                    str(item.get("language") or language(item["text"])),
                    str(item.get("publisher", "")),
                    str(item.get("split", "test")),
                    str(item.get("origin", "")),
                )
            )
        ids = {t.id for t in texts}
        documents = []
        for item in data.get("document", []):
            missing = [x for x in item["texts"] if x not in ids]
            if missing:
                raise ValueError(f"document {item['id']} lists unknown texts {missing}")
            documents.append(
                LabelledDocument(
                    str(item["id"]), str(item.get("publisher", "")), str(item["split"]), tuple(item["texts"])
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScanError(
            f"{path}: each [[text]] needs text and label, each [[document]] id, split and texts ({exc})",
            "see the header of eval/classify_external.toml",
        ) from None
    return LabelledSet(str(path), tuple(texts), tuple(documents))


# ---- metrics -------------------------------------------------------------------------------
def calibration(conf: np.ndarray, outcome: np.ndarray) -> tuple[float, list[dict]]:
    """ECE over BINS equal-width bins of `conf` (outcome: 0/1 or a true share), and the bins."""
    ece, bins = 0.0, []
    edges = np.linspace(0, 1, BINS + 1)
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        inside = ((conf > lo) | (k == 0)) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(conf[inside].mean() - outcome[inside].mean())
            bins.append(
                {
                    "from": round(float(lo), 1),
                    "to": round(float(hi), 1),
                    "n": int(inside.sum()),
                    "confidence": round(float(conf[inside].mean()), 3),
                    "accuracy": round(float(outcome[inside].mean()), 3),
                }
            )
    return float(ece), bins


def log_loss(conf: np.ndarray, outcome: np.ndarray) -> float:
    """Mean negative log-likelihood of 0/1 outcomes under the stated probabilities (clipped at 1e-4)."""
    c = np.clip(conf, 1e-4, 1 - 1e-4)
    return float(-np.mean(outcome * np.log(c) + (1 - outcome) * np.log(1 - c)))


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


Decide = Callable[[np.ndarray], tuple[int | None, list[int], float]]
"""(probabilities of one text or document) -> (label, labels, confidence of the label)."""


def text_metrics(items: list[LabelledText], probs: np.ndarray, decide: Decide, trend_ids: list[int]) -> dict:
    gold_eff, pred, conf, correct = [], [], [], []
    tp = fp = fn = 0
    for item, row in zip(items, probs):
        label, labels, confidence = decide(row)
        p = label or 0
        hit = p in item.labels
        pred.append(p)
        gold_eff.append(p if hit else item.label)
        conf.append(confidence)
        correct.append(hit)
        gold_trends = {t for t in item.labels if t}
        tp += len(gold_trends & set(labels))
        fp += len(set(labels) - gold_trends)
        fn += len(gold_trends - set(labels))
    f1s = [f for t in trend_ids if (f := _f1(gold_eff, pred, t)) is not None]
    ece, bins = calibration(np.array(conf), np.array(correct, dtype=float))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "n": len(items),
        "accuracy": _round(np.mean(correct)) if items else None,
        "macro_f1": _round(sum(f1s) / len(f1s)) if f1s else None,
        "none_f1": _round(_f1(gold_eff, pred, 0)),
        "ece": _round(ece),
        "labels_precision": _round(precision),
        "labels_recall": _round(recall),
        "labels_f1": _round(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else None,
        "reliability": bins,
    }


def sample_documents(
    items: list[LabelledText], n: int, seed: int = 0, spread: bool = False
) -> list[list[LabelledText]]:
    """n documents: 2–4 texts of one trend (or of no trend), then 1–4 others, shuffled; `spread`:
    3–8 texts of as many different labels (scan.doccalib, which fits the map with another seed)."""
    sampler = sample_spread if spread else sample_led
    return [[items[i] for i in doc] for doc in sampler([t.label for t in items], n, seed)]


def document_metrics(
    docs: list[list[LabelledText]],
    probs_of: dict[str, np.ndarray],
    classes: tuple[int, ...],
    decide_document: Callable[[np.ndarray, np.ndarray], tuple[int | None, list[int], float]],
) -> dict:
    """decide_document(passage probabilities, passage weights) -> (label, labels, confidence)."""
    errors, pred_shares, all_true, conf, correct, kinds = [], [], [], [], [], []
    tp = fp = fn = 0
    for doc in docs:
        rows = np.vstack([probs_of[t.id] for t in doc])
        weights = np.array([len(t.text) for t in doc], dtype=float)
        shares = (rows * weights[:, None]).sum(axis=0) / weights.sum()
        truth = true_shares([t.labels for t in doc], weights, classes)
        errors.append(share_error(rows, weights, truth))
        pred_shares.extend(shares.tolist())
        all_true.extend(truth.tolist())
        verdict, labels, confidence = decide_document(rows, weights)
        gold = {c for c, share in zip(classes, truth) if c != 0 and share >= MIN_SHARE - 1e-9}
        tp, fp, fn = tp + len(gold & set(labels)), fp + len(set(labels) - gold), fn + len(gold - set(labels))
        expected = true_outcome(truth, classes)
        kinds.append("several" if expected == SEVERAL else "none" if expected is None else "trend")
        conf.append(confidence)
        correct.append(verdict == expected)
    share_ece, _ = calibration(np.array(pred_shares), np.array(all_true))
    main_ece, bins = calibration(np.array(conf), np.array(correct, dtype=float))
    return {
        "n": len(docs),
        "share_error": _round(np.mean(errors)) if docs else None,
        "share_ece": _round(share_ece),
        "main_accuracy": _round(np.mean(correct)) if docs else None,
        "main_ece": _round(main_ece),
        "main_brier": _round(np.mean((np.array(conf) - np.array(correct, dtype=float)) ** 2)) if docs else None,
        "main_nll": _round(log_loss(np.array(conf), np.array(correct, dtype=float))) if docs else None,
        "main_reliability": bins,
        "truth": {k: kinds.count(k) for k in ("trend", "none", "several")},
        "labels_f1": _round(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else None,
    }


def evaluate_half(
    name: str,
    items: list[LabelledText],
    probs: np.ndarray,
    documents: list[LabelledDocument],
    by_id: dict[str, LabelledText],
    classes: tuple[int, ...],
    decide: Decide,
    decide_document,
) -> dict:
    """Every figure for one half, given each text's probabilities (rows of `probs`, in `items` order)."""
    trend_ids = [c for c in classes if c != 0]
    out = {"set": name, **text_metrics(items, probs, decide, trend_ids)}
    out["by_language"] = {}
    for lang in sorted({t.language for t in items}):
        rows = [i for i, t in enumerate(items) if t.language == lang]
        m = text_metrics([items[i] for i in rows], probs[rows], decide, trend_ids)
        out["by_language"][lang] = {k: m[k] for k in ("n", "accuracy", "macro_f1", "none_f1", "ece")}
    probs_of = {t.id: row for t, row in zip(items, probs)}
    listed = [[by_id[x] for x in d.texts] for d in documents if all(x in probs_of for x in d.texts)]
    out["documents"] = document_metrics(listed, probs_of, classes, decide_document)
    out["sampled_documents"] = document_metrics(
        sample_documents(items, SAMPLED_DOCUMENTS), probs_of, classes, decide_document
    )
    out["spread_documents"] = document_metrics(
        sample_documents(items, SPREAD_DOCUMENTS, spread=True), probs_of, classes, decide_document
    )
    return out


def summary_line(r: dict) -> str:
    """One human line per half (the CLI's output)."""

    def f(x):
        return "n/a" if x is None else f"{x:.3f}"

    langs = "  ".join(f"{k}: macro-F1 {f(v['macro_f1'])} (n={v['n']})" for k, v in r.get("by_language", {}).items())
    line = (
        f"{r['set']:42s} n={r['n']:3d}  accuracy={f(r['accuracy'])}  macro-F1={f(r['macro_f1'])}  "
        f"none-F1={f(r['none_f1'])}  ECE={f(r['ece'])}"
    )
    if "labels_f1" in r:
        line += f"  labels-F1={f(r['labels_f1'])}"
    if langs:
        line += f"\n{'':44s}{langs}"
    if "over_seeds" in r:
        from scan.classify_heldout import seeds_line

        line += "\n" + seeds_line(r)
    for key, title in (
        ("documents", "documents"),
        ("sampled_documents", "sampled documents"),
        ("spread_documents", "spread documents"),
    ):
        d = r.get(key)
        if d and d["n"]:
            line += (
                f"\n{'':44s}{title} n={d['n']}: share error {f(d['share_error'])}, share ECE {f(d['share_ece'])}, "
                f"main trend right {f(d['main_accuracy'])}, main-trend ECE {f(d['main_ece'])} "
                f"(Brier {f(d['main_brier'])}), "
                f"labels-F1 {f(d['labels_f1'])}"
            )
    return line


# ---- running it ----------------------------------------------------------------------------
def decide_text(classes: tuple[int, ...]) -> Decide:
    """scan classify's verdict on a one-passage text."""
    document = decide_document(classes)

    def run(row: np.ndarray) -> tuple[int | None, list[int], float]:
        return document(row[None, :], np.ones(1))

    return run


def decide_document(classes: tuple[int, ...], document_map=None):
    """scan classify's verdict on a document: (passage probabilities, lengths) -> (verdict, labels,
    confidence); the verdict is the main trend, None (no trend) or SEVERAL."""
    from scan.classify import decide

    def run(rows: np.ndarray, weights: np.ndarray):
        v = decide(rows, weights, classes, document_map)
        return predicted_outcome(v.label, v.several), v.labels, v.confidence

    return run


def set_probabilities(index, encoder, taxonomy, eset: LabelledSet) -> tuple:
    """(the trend model, split -> (probabilities of the half's texts, cross-validated?)), the model
    trained as scan classify trains it.

    Texts of the set that the model trains on (the external set's dev half) are scored by
    cross-validation over publishers: each by a model trained without its publisher's texts."""
    from sklearn.model_selection import GroupKFold

    from scan import trends

    data = trends.training_set(index, encoder, taxonomy, trends.load_background())
    model = trends.fit(data, taxonomy)
    trained = {text for text, group in zip(data.texts, data.groups) if group >= 4}
    out = {}
    for split in eset.splits:
        items = eset.half(split)
        vectors = encoder.encode_passages([t.text for t in items])
        texts = [t.text for t in items]
        probs = model.proba(vectors, texts)
        inside = np.array([i for i, t in enumerate(items) if t.text in trained], dtype=int)
        publishers = [items[i].publisher for i in inside]
        if len(set(publishers)) >= 2:
            for _, held in GroupKFold(min(FOLDS, len(set(publishers)))).split(inside, groups=publishers):
                held_texts = {items[i].text for i in inside[held]}
                keep = np.array([not (g >= 4 and t in held_texts) for t, g in zip(data.texts, data.groups)])
                subset = trends.TrainingSet(
                    data.vectors[keep],
                    data.labels[keep],
                    tuple(t for t, k in zip(data.texts, keep) if k),
                    data.groups[keep],
                    data.parents[keep],
                )
                probs[inside[held]] = trends.fit(subset, taxonomy).proba(
                    vectors[inside[held]], [texts[i] for i in inside[held]]
                )
        out[split] = (probs, len(inside) > 0)
    return model, out


def evaluate_external(index, encoder, taxonomy, eset: LabelledSet) -> list[dict]:
    """Every half of `eset`, scored as scan classify scores it (see set_probabilities)."""
    model, halves = set_probabilities(index, encoder, taxonomy, eset)
    return [
        score_half(eset, split, probs, model.classes, crossed, model.document_map)
        for split, (probs, crossed) in halves.items()
    ]


def score_half(
    eset: LabelledSet, split: str, probs: np.ndarray, classes: tuple[int, ...], crossed: bool, document_map=None
) -> dict:
    how = " (cross-validated by publisher)" if crossed else ""
    return evaluate_half(
        f"{Path(eset.path).stem}, {split}{how}",
        eset.half(split),
        probs,
        [d for d in eset.documents if d.split == split],
        {t.id: t for t in eset.texts},
        classes,
        decide_text(classes),
        decide_document(classes, document_map),
    )


DEFAULT_SETS = ("eval/classify.toml", "eval/classify_external.toml")


def run_cli(index, encoder, taxonomy, data_file: Path | None, as_json: bool, seeds: int = 5) -> None:
    """`scan eval classify`: held-out Alingsås passages over `seeds` fold seeds, today's model and
    the baseline's (scan.classify_heldout), then each half of each labelled set."""
    import json

    import click

    from scan.classify_heldout import evaluate_heldout
    from scan.config import project_file

    results = evaluate_heldout(index, encoder, taxonomy, seeds)
    for path in [data_file] if data_file else [project_file(p) for p in DEFAULT_SETS]:
        results.extend(evaluate_external(index, encoder, taxonomy, load_set(path)))
    for r in results:
        click.echo(json.dumps(r, ensure_ascii=False) if as_json else summary_line(r))
