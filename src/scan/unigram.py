"""The default encoder's tokenizer in plain Python, so that a query starts in milliseconds.

`tokenizers` needs about a second of CPU to build its model of the 250,000-piece vocabulary
before it can tokenise anything; a one-word query does not need that. This module reproduces
exactly what the converted model's tokenizer.json asks for (see `scan.e5convert._tokenizer`):
NFKC, runs of spaces collapsed, spaces turned into "▁" with one in front, words split before each
"▁", and each word cut into pieces by the SentencePiece-unigram Viterbi search as `tokenizers`
does it (same scores, same tie-breaking, unknown characters scored min - 10 and fused into one
<unk>), then <s> ... </s> and truncation to the model's length. tests/test_npbert.py checks that
the ids equal those of `tokenizers` on the corpus and on awkward text.

The vocabulary is read from a compact file written beside tokenizer.json on first use
(`unigram.marshal`, about 6 MB, loads in tens of milliseconds). Any tokenizer.json of another shape
is refused with ValueError, and the caller uses `tokenizers` instead.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import tempfile
import unicodedata
from array import array
from collections.abc import Sequence
from pathlib import Path

CACHE_FILE = "unigram.marshal"
UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY
_SPACES = re.compile(" {2,}")
_WORDS = re.compile("▁[^▁]*|[^▁]+")


def _check_shape(spec: dict) -> tuple[int, int, int]:
    """(unk id, bos id, eos id) when tokenizer.json is the shape this module reproduces; else ValueError."""
    normalizer = spec.get("normalizer") or {}
    steps = normalizer.get("normalizers", [])
    if not (
        normalizer.get("type") == "Sequence"
        and len(steps) == 2
        and steps[0] == {"type": "NFKC"}
        and steps[1].get("type") == "Replace"
        and steps[1].get("pattern") == {"Regex": " {2,}"}
        and steps[1].get("content") == " "
    ):
        raise ValueError("normalizer")
    pre = spec.get("pre_tokenizer") or {}
    if not (
        pre.get("type") == "Metaspace"
        and pre.get("replacement") == "▁"
        and pre.get("prepend_scheme") == "always"
        and pre.get("split", True)
    ):
        raise ValueError("pre_tokenizer")
    model = spec.get("model") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback") or model.get("unk_id") is None:
        raise ValueError("model")
    if spec.get("added_tokens"):
        raise ValueError("added tokens")
    post = spec.get("post_processor") or {}
    single = post.get("single", [])
    if not (
        post.get("type") == "TemplateProcessing"
        and len(single) == 3
        and "SpecialToken" in single[0]
        and single[1] == {"Sequence": {"id": "A", "type_id": 0}}
        and "SpecialToken" in single[2]
    ):
        raise ValueError("post_processor")
    specials = post["special_tokens"]
    bos = specials[single[0]["SpecialToken"]["id"]]["ids"]
    eos = specials[single[2]["SpecialToken"]["id"]]["ids"]
    if len(bos) != 1 or len(eos) != 1:
        raise ValueError("special tokens")
    return int(model["unk_id"]), int(bos[0]), int(eos[0])


def _write_cache(folder: Path) -> tuple:
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    unk, bos, eos = _check_shape(spec)
    vocab = spec["model"]["vocab"]
    pieces = [p for p, _ in vocab]
    scores = array("d", [s for _, s in vocab])
    data = (pieces, scores.tobytes(), unk, bos, eos, min(scores) - UNK_PENALTY, max(map(len, pieces)))
    try:  # beside the model; atomically, so a concurrent reader never sees half a file
        fd, tmp = tempfile.mkstemp(prefix=".unigram-", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(marshal.dumps(data))
        os.replace(tmp, folder / CACHE_FILE)
    except OSError:
        pass  # a read-only cache: build it in memory each time instead
    return data


class UnigramTokenizer:
    """Token ids of texts, equal to the converted model's tokenizers.Tokenizer with truncation."""

    def __init__(
        self,
        pieces: list[str],
        scores: array,
        specials: tuple[int, int, int],
        unk_score: float,
        longest: int,
        max_length: int,
    ) -> None:
        self.ids = dict(zip(pieces, range(len(pieces))))
        self.scores = scores
        self.unk, self.bos, self.eos = specials
        self.unk_score = unk_score  # the lowest piece score minus the penalty, as tokenizers has it
        self.longest = longest  # characters in the longest piece
        self.max_length = max_length
        self._words: dict[str, list[int]] = {}

    @classmethod
    def from_folder(cls, folder: Path, max_length: int) -> UnigramTokenizer:
        """Load the vocabulary of folder/tokenizer.json (via its compact cache file); ValueError if unsupported."""
        try:
            data = marshal.loads((folder / CACHE_FILE).read_bytes())
            if (folder / CACHE_FILE).stat().st_mtime < (folder / "tokenizer.json").stat().st_mtime:
                raise ValueError("stale")
            if len(data) != 7:
                raise ValueError("an older layout")
        except (OSError, ValueError, EOFError, TypeError):
            data = _write_cache(folder)
        pieces, score_bytes, unk, bos, eos, unk_score, longest = data
        scores = array("d")
        scores.frombytes(score_bytes)
        return cls(pieces, scores, (unk, bos, eos), unk_score, longest, max_length)

    def _word(self, word: str) -> list[int]:
        """Viterbi over one pre-tokenised word, exactly as tokenizers' Unigram::encode_optimized."""
        n = len(word)
        best = [0.0] * (n + 1)
        start: list[int] = [-1] * (n + 1)
        node: list[int] = [-1] * (n + 1)
        ids, scores, longest = self.ids, self.scores, self.longest
        for i in range(n):
            here = best[i]
            single = False
            for j in range(i + 1, min(n, i + longest) + 1):
                pid = ids.get(word[i:j])
                if pid is None:
                    continue
                score = scores[pid] + here
                if start[j] < 0 or score > best[j]:
                    best[j], start[j], node[j] = score, i, pid
                if j == i + 1:
                    single = True
            if not single:
                score = self.unk_score + here
                if start[i + 1] < 0 or score > best[i + 1]:
                    best[i + 1], start[i + 1], node[i + 1] = score, i, self.unk
        out: list[int] = []
        end, unk_end = n, -1
        while end > 0:
            s = start[end]
            if node[end] == self.unk:
                unk_end = end if unk_end < 0 else unk_end
            else:
                if unk_end >= 0:  # consecutive unknowns become one token
                    out.append(ids.get(word[end:unk_end], self.unk))
                    unk_end = -1
                out.append(node[end])
            end = s
        if unk_end >= 0:
            out.append(ids.get(word[:unk_end], self.unk))
        out.reverse()
        return out

    def encode(self, text: str) -> list[int]:
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).replace(" ", "▁")
        if text and not text.startswith("▁"):
            text = "▁" + text
        out = [self.bos]
        budget = self.max_length - 2
        cache = self._words
        for word in _WORDS.findall(text):
            pieces = cache.get(word)
            if pieces is None:
                pieces = self._word(word)
                if len(cache) < 200_000:
                    cache[word] = pieces
            out.extend(pieces)
            if len(out) > budget:
                break
        del out[budget + 1 :]
        out.append(self.eos)
        return out

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def token_spans(self, text: str) -> list[tuple[int, int]] | None:
        """The (start, end) in `text` of each token of `encode(text)`: <s> is (0, 0), </s> is
        (len(text), len(text)), a piece made of a space and letters spans both. None when the
        text cannot be mapped (a normalisation that joins characters across clusters, or two unknown
        runs in one word); callers then treat the text as a whole.

        >>> tok = UnigramTokenizer(["<unk>", "<s>", "</s>", "▁a", "b", "▁"], array("d", [0, 0, 0, -1, -1, -2]),
        ...                        (0, 1, 2), -12.0, 2, 512)
        >>> tok.encode("ab  a"), tok.token_spans("ab  a")
        ([1, 3, 4, 3, 2], [(0, 0), (0, 1), (1, 2), (2, 5), (5, 5)])
        """
        n = len(text)
        if unicodedata.is_normalized("NFKC", text):
            chars, origin = list(text), [(i, i + 1) for i in range(n)]
        else:
            chars, origin = [], []  # each normalised character and the span in `text` it comes from
            i = 0
            while i < n:  # NFKC per character and the combining marks after it
                j = i + 1
                while j < n and unicodedata.combining(text[j]):
                    j += 1
                for c in unicodedata.normalize("NFKC", text[i:j]):
                    chars.append(c)
                    origin.append((i, j))
                i = j
            if "".join(chars) != unicodedata.normalize("NFKC", text):
                return None
        kept = [k for k, c in enumerate(chars) if c != " " or k == 0 or chars[k - 1] != " "]  # " {2,}" -> " "
        norm = "".join(chars[k] for k in kept).replace(" ", "▁")
        where = [origin[k] for k in kept]
        if norm and not norm.startswith("▁"):
            norm, where = "▁" + norm, [(0, 0)] + where
        pieces = self._pieces()
        spans = [(0, 0)]
        budget = self.max_length - 2
        for m in _WORDS.finditer(norm):
            word = m.group()
            ids = self._words.get(word) or self._word(word)
            at = 0  # in the word
            for k, t in enumerate(ids):
                if t == self.unk:  # a run of characters without a piece of their own, up to the next piece
                    after = pieces[ids[k + 1]] if k + 1 < len(ids) else None
                    end = at + 1
                    while end < len(word) and word[end] not in self.ids and not (after and word.startswith(after, end)):
                        end += 1
                else:
                    end = at + len(pieces[t])
                    if word[at:end] != pieces[t]:
                        return None
                spans.append((where[m.start() + at][0], where[m.start() + end - 1][1]))
                at = end
            if at != len(word):
                return None
            if len(spans) > budget:
                break
        del spans[budget + 1 :]
        spans.append((n, n))
        return spans

    def _pieces(self) -> list[str]:
        """Piece strings by id (built on first use)."""
        if not hasattr(self, "_by_id"):
            by_id = [""] * len(self.scores)
            for piece, pid in self.ids.items():
                by_id[pid] = piece
            self._by_id = by_id
        return self._by_id
