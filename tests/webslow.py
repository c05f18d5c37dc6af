"""A classification task for the web tests, run in the worker process: when the text asks for it
("LÅNGSAM"), it first spends STEPS × 0.25 s in Python code that holds the GIL (as parsing a big
report does), reporting "pages" as it goes; then it classifies for real."""

import time

from scan.webjobs import classify_upload

STEPS = 24


def slow_classify(worker, path, title, report):
    if "LÅNGSAM" in path.read_text(encoding="utf-8", errors="ignore"):
        for step in range(1, STEPS + 1):
            end = time.monotonic() + 0.25
            while time.monotonic() < end:
                sum(range(1000))
            report("klassificerar", step, STEPS, step, STEPS)
    return classify_upload(worker, path, title, report)
