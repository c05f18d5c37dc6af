"""Evaluate (and fit) the support marking of quotes on eval/quote_support.toml.

    scan eval support                      # precision and recall per mark, test half
    python -m scan.support_eval --fit      # refit the constants of scan.support on the dev half

The fit is a multinomial logistic regression (numpy, L2, classes weighted by their inverse
frequency) on standardised features, with one constraint: the probability of `supports` never
falls as the cosine rises (a sentence further from the claim is never likelier to support it).
The two thresholds are then chosen on held-out dev predictions (five folds over dev claims, three
shuffles) by the least cost, where a countering pair marked `supports` costs COST_WEIGHT errors and
every other wrong mark one.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan import support
from scan.embed import Encoder
from scan.errors import ScanError
from scan.store import Index


@dataclass(frozen=True)
class Pair:
    claim: str
    sentence: str
    label: str
    split: str
    round: int = 1  # the round of the labelled set the claim was added in (eval/quote_support.toml)


@dataclass
class SupportResult:
    n: int
    by_split: dict[str, dict] = field(default_factory=dict)  # split -> {n, accuracy, per-label P/R}
    top3: dict = field(default_factory=dict)  # test claims: supporting quotes judged countering (and by round)

    def to_json(self) -> dict:
        return {"n": self.n, "by_split": self.by_split, "top3_supporting": self.top3}


def default_pairs_file() -> Path:
    from scan.config import project_file

    return project_file("eval/quote_support.toml")


def load_pairs(path: Path) -> list[Pair]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        pairs = [
            Pair(c["claim"], sentence, label, c.get("split", "test"), int(c.get("round", 1)))
            for c in data["claim"]
            for label in support.LABELS
            for sentence in c.get(label, [])
        ]
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file", "run from the project folder, or pass --queries FILE") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ScanError(
            f"{path}: each [[claim]] needs claim and lists supports/mentions/counters ({exc})",
            "see eval/quote_support.toml",
        ) from None
    if not pairs:
        raise ScanError(f"{path}: no labelled pairs", "see eval/quote_support.toml")
    return pairs


def feature_matrix(pairs: list[Pair], encoder: Encoder) -> np.ndarray:
    claims = sorted({p.claim for p in pairs})
    claim_vectors = dict(zip(claims, encoder.encode_queries(claims)))
    sentence_vectors = encoder.encode_passages([p.sentence for p in pairs])
    return np.vstack(
        [
            support.features(p.claim, p.sentence, float(v @ claim_vectors[p.claim]))
            for p, v in zip(pairs, sentence_vectors)
        ]
    )


def per_label(gold: list[str], marked: list[str]) -> dict:
    out: dict = {"n": len(gold), "accuracy": round(sum(g == m for g, m in zip(gold, marked)) / (len(gold) or 1), 4)}
    for label in support.LABELS:
        tp = sum(g == m == label for g, m in zip(gold, marked))
        predicted = sum(m == label for m in marked)
        actual = sum(g == label for g in gold)
        out[label] = {
            "n": actual,
            "precision": round(tp / predicted, 4) if predicted else None,
            "recall": round(tp / actual, 4) if actual else None,
        }
    out["counters_marked_supports"] = sum(g == "counters" and m == "supports" for g, m in zip(gold, marked))
    return out


COST_WEIGHT = 10  # a countering sentence offered as support costs ten errors of any other kind


def cost(labels: list[str], marked: list[str]) -> int:
    """Wrong marks, a countering pair marked `supports` counting COST_WEIGHT times."""
    wrong = sum(g != m for g, m in zip(labels, marked))
    return wrong + (COST_WEIGHT - 1) * sum(g == "counters" and m == "supports" for g, m in zip(labels, marked))


def fit(x: np.ndarray, labels: list[str], l2: float = 1.0, steps: int = 3000) -> tuple[np.ndarray, ...]:
    """(mean, scale, weights, bias) of a class-weighted multinomial logistic regression whose
    P(supports) does not fall as the cosine (column 0) rises: after each step the cosine weight of
    `supports` is kept at or above those of the other two marks (projected to their mean if not)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    y = np.array([support.LABELS.index(label) for label in labels])
    onehot = np.eye(len(support.LABELS))[y]
    counts = onehot.sum(axis=0)
    sample_weight = (len(y) / (len(counts) * np.maximum(counts, 1)))[y]
    weights, bias = np.zeros((len(support.LABELS), x.shape[1])), np.zeros(len(support.LABELS))
    for _ in range(steps):
        logits = z @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_weight[:, None] / len(y)
        weights -= 0.5 * (g.T @ z + l2 * weights / len(y))
        bias -= 0.5 * g.sum(axis=0)
        _monotone(weights)
    return mean, scale, weights, bias


def _monotone(weights: np.ndarray) -> None:
    """Raise the `supports` cosine weight to the others' where it is lower (all meet at their mean)."""
    above = [k for k in (1, 2) if weights[k, 0] > weights[0, 0]]
    if above:
        level = (weights[0, 0] + sum(weights[k, 0] for k in above)) / (1 + len(above))
        weights[[0, *above], 0] = level


def held_out(x: np.ndarray, labels: list[str], claims: list[str], folds: int = 5, shuffles: int = 3) -> np.ndarray:
    """Probabilities of every row from a model fitted without its claim (folds over claims), for
    `shuffles` shuffles of the claims, stacked (shuffles × rows, 3)."""
    names = sorted(set(claims))
    out = []
    for seed in range(shuffles):
        order = list(np.random.default_rng(seed).permutation(len(names)))
        fold = {names[i]: n % folds for n, i in enumerate(order)}
        rows = np.array([fold[c] for c in claims])
        p = np.zeros((len(claims), len(support.LABELS)))
        for k in range(folds):
            model = fit(x[rows != k], [lab for lab, r in zip(labels, rows) if r != k])
            p[rows == k] = support.probabilities(x[rows == k], model)
        out.append(p)
    return np.vstack(out)


def choose_threshold(
    p: np.ndarray, labels: list[str], veto: np.ndarray | None = None, unverified: np.ndarray | None = None
) -> float:
    """The countering threshold with the least `cost` (a countering pair marked `supports` is the
    mistake a reader pays for most); on a tie the higher."""

    def cost_at(t: float) -> int:
        return cost(labels, support.decide(p, t, 0.0, veto, unverified))

    return min((float(t) for t in np.round(np.arange(0.2, 0.61, 0.05), 2)), key=lambda t: (cost_at(t), -t))


def choose_support_threshold(
    p: np.ndarray,
    labels: list[str],
    counter_threshold: float,
    veto: np.ndarray | None = None,
    cap: float = 0.95,
    unverified: np.ndarray | None = None,
) -> float:
    """The least P(supports) for the mark `supports`, with the least `cost`; on a tie the stricter
    ("mentions" is the safe answer: a supporting quote marked `nämner` costs a reader a look). At
    most `cap`: see `restatement_cap`."""

    def cost_at(t: float) -> int:
        return cost(labels, support.decide(p, counter_threshold, t, veto, unverified))

    grid = [float(t) for t in np.round(np.arange(0.3, 0.96, 0.05), 2) if t <= cap + 1e-9]
    return min(grid, key=lambda t: (cost_at(t), -t))


def restatement_cap(model: tuple[np.ndarray, ...], cosine_range: tuple[float, float]) -> float:
    """P(supports), rounded down to 0.05, of a sentence that restates the claim: every topic word
    repeated, the highest cosine of the dev pairs, no cue. A support threshold above it would make
    `supports` need a further cue (a direction word on both sides) rather than no contradiction."""
    x = np.zeros(len(support.FEATURES))
    x[0], x[1] = cosine_range[1], 1.0
    return round(float(np.floor(support.probabilities(x, model)[0, 0] / 0.05 + 1e-9) * 0.05), 2)


def top3_check(index: Index, encoder: Encoder, pairs: list[Pair], split: str = "test") -> dict:
    """For each claim of `split`: its first three quotes marked `supports`; how many are labelled
    `counters` for that claim, and how many are not labelled at all (not judged). Claims none of
    whose labelled sentences is a quote unit of `index` (written for another library) are skipped
    and counted; `with_supporting`: claims with a `supports` quote among their first five (what
    `scan quotes` shows by default). The same counts by round of the labelled set under `by_round`."""
    from scan.quotes import find_quotes

    in_index = {" ".join(row[0].split()) for row in index.db.execute("SELECT text FROM sentences")}
    labelled: dict[str, dict[str, str]] = {}
    rounds: dict[str, int] = {}
    for p in pairs:
        labelled.setdefault(p.claim, {})[" ".join(p.sentence.split())] = p.label
        rounds[p.claim] = p.round

    def counts() -> dict[str, int]:
        return {
            "claims": 0,
            "with_supporting": 0,
            "supporting_quotes": 0,
            "countering": 0,
            "mentions": 0,
            "not_judged": 0,
        }

    out: dict = {**counts(), "claims_skipped": 0, "by_round": {}}
    for claim in sorted({p.claim for p in pairs if p.split == split}):
        if not in_index & set(labelled[claim]):
            out["claims_skipped"] += 1
            continue
        found = find_quotes(index, encoder, claim, k=10, check=False)
        quotes = [q for q in found if q.support == "supports"][:3]
        by_round = out["by_round"].setdefault(str(rounds[claim]), counts())
        for tally in (out, by_round):
            tally["claims"] += 1
            tally["with_supporting"] += any(q.support == "supports" for q in found[:5])
            for q in quotes:
                tally["supporting_quotes"] += 1
                gold = labelled[claim].get(" ".join(q.text.split()))
                key = {"counters": "countering", "mentions": "mentions", None: "not_judged"}.get(gold)
                if key:
                    tally[key] += 1
    return out


def evaluate_support(index: Index | None, encoder: Encoder, pairs: list[Pair]) -> SupportResult:
    x = feature_matrix(pairs, encoder)
    unverified = support.unverified([(p.claim, p.sentence) for p in pairs])
    marked = support.decide(support.probabilities(x), veto=support.vetoed(x), unverified=unverified)
    result = SupportResult(len(pairs))
    for split in sorted({p.split for p in pairs}):
        rows = [i for i, p in enumerate(pairs) if p.split == split]
        result.by_split[split] = per_label([pairs[i].label for i in rows], [marked[i] for i in rows])
        for r in sorted({pairs[i].round for i in rows}) if len({p.round for p in pairs}) > 1 else []:
            part = [i for i in rows if pairs[i].round == r]
            result.by_split[f"{split} round {r}"] = per_label([pairs[i].label for i in part], [marked[i] for i in part])
    if index is not None:
        result.top3 = top3_check(index, encoder, pairs)
    return result


def main(argv: list[str]) -> None:
    from scan.embed import load_encoder

    if argv[:1] != ["--fit"]:
        raise SystemExit("usage: python -m scan.support_eval --fit [PAIRS_FILE]")
    pairs = load_pairs(Path(argv[1]) if len(argv) > 1 else default_pairs_file())
    dev = [p for p in pairs if p.split == "dev"]
    x = feature_matrix(dev, load_encoder())
    labels = [p.label for p in dev]
    mean, scale, weights, bias = model = fit(x, labels)
    cosine_range = (round(float(x[:, 0].min()), 4), round(float(x[:, 0].max()), 4))
    shuffles = 3
    p = held_out(x, labels, [q.claim for q in dev], shuffles=shuffles)  # the thresholds: on held-out marks
    veto, stacked = np.tile(support.vetoed(x), shuffles), labels * shuffles
    unverified = np.tile(support.unverified([(q.claim, q.sentence) for q in dev]), shuffles)
    threshold = choose_threshold(p, stacked, veto, unverified)
    cap = restatement_cap(model, cosine_range)
    support_threshold = choose_support_threshold(p, stacked, threshold, veto, cap, unverified)

    def show(a: np.ndarray) -> str:
        return "[" + ", ".join(str(round(float(v), 4)) for v in a) + "]"

    print(f"MEAN = np.array({show(mean)})")
    print(f"SCALE = np.array({show(scale)})")
    print("WEIGHTS = np.array(\n    [\n" + "".join(f"        {show(r)},\n" for r in weights) + "    ]\n)")
    print(f"BIAS = np.array({show(bias)})")
    print(f"COSINE_RANGE = {cosine_range}")
    print(f"COUNTER_THRESHOLD = {threshold}")
    print(f"SUPPORT_THRESHOLD = {support_threshold}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
