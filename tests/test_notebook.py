"""The quickstart notebook runs from top to bottom (with the fast `hash` encoder)."""

import nbformat
import pytest
from conftest import ROOT


def test_quickstart_notebook_runs(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("SCAN_MODEL", "hash")
    monkeypatch.setenv("SCAN_INDEX", str(tmp_path / "index"))
    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
        ).execute()
    except Exception as exc:  # a failing cell: show which one
        pytest.fail(f"the notebook failed: {exc}")
    outputs = [
        "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []))
        for c in nb.cells
        if c.cell_type == "code"
    ]
    assert "textavsnitt" in outputs[0]
    assert outputs[1].startswith("1. s. ")
    assert "label:" in outputs[2]
    assert outputs[3].strip() == "11"  # ten trends and "no trend" in the chart
    assert "[^1]:" in outputs[4]
