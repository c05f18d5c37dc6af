"""The issue's examples with the real encoder and the shipped corpus: the same meaning in English
and Swedish lands on the same trend, on the web page as in the library."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    "Trust in public institutions is declining among residents.",
    "Förtroendet för kommunens myndighetsutövning har minskat bland invånarna.",
]


@pytest.fixture(scope="module")
def trust_pages(corpus_index, e5, model_cache):
    from scan.web import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCAN_CACHE", str(model_cache))  # the worker loads the encoder the e5 fixture converted
        app = create_app(corpus_index.root, ROOT / "corpus" / "trends" / "vff4.toml")
        try:
            client = TestClient(app, raise_server_exceptions=False)
            pages = []
            for text in EXAMPLES:
                r = client.post("/klassificera", data={"text": text})
                deadline = time.monotonic() + 600
                while 'id="job"' in r.text and time.monotonic() < deadline:
                    time.sleep(0.2)
                    r = client.get(str(r.url))
                pages.append(r)
        finally:
            app.state.jobs.close()
    return pages


def test_english_and_swedish_trust_sentences_land_on_the_trust_trend_on_the_web_page(trust_pages):
    mains = []
    for r in trust_pages:
        assert r.status_code == 200
        found = re.search(r"Huvudtrend: <strong>(\d+)\.", r.text)
        assert found, r.text[-2000:]
        mains.append(int(found.group(1)))
        assert f"Belägg för {found.group(1)}." in r.text and "<blockquote>" in r.text
    assert mains == [8, 8]  # 8. Tillitens betydelse uppmärksammas allt mer


def test_external_test_half_meets_the_issue_targets(corpus_index, e5):
    from scan.classify_eval import LabelledSet, evaluate_external, load_set
    from scan.taxonomy import load_taxonomy

    full = load_set(ROOT / "eval" / "classify_external.toml")
    test = LabelledSet(full.path, tuple(full.half("test")), tuple(d for d in full.documents if d.split == "test"))
    (r,) = evaluate_external(corpus_index, e5, load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml"), test)
    # README figures (test half, model version 5): macro-F1 0.969, no-trend F1 0.974, ECE 0.0285 (10 % calibration), sv 0.955 / en 0.993
    assert r["macro_f1"] >= 0.93 and r["none_f1"] >= 0.95 and r["ece"] <= 0.05
    by = r["by_language"]
    assert abs(by["sv"]["macro_f1"] - by["en"]["macro_f1"]) <= 0.05
    assert r["sampled_documents"]["main_accuracy"] >= 0.85
    # the document verdict's confidence on whole documents (README: sampled 0.034 with passages on two
    # trends, trendprofile.TWO_TRENDS, and the 10 % passage calibration; 0.036 / 0.046 without it / with
    # one class per passage); spread 0.043 (0.052 with 0 %), not asserted: it moves ~0.005 per index build
    assert r["sampled_documents"]["main_ece"] <= 0.05
