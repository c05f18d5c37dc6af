"""Shared fixtures. Unit tests use the deterministic `hash` encoder and files the tests make;
tests marked `model` run the real default encoder (converted once per session into a temp cache)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).parent))  # pdfgen


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test reads or writes the user's index, model cache or environment settings."""
    monkeypatch.setenv("SCAN_INDEX", str(tmp_path / "index"))
    monkeypatch.delenv("SCAN_MODEL", raising=False)
    monkeypatch.setenv("SCAN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def mini(tmp_path) -> Path:
    """A copy of the mini corpus that a test may change."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def encoder():
    from scan.embed import HashEncoder

    return HashEncoder(256)


@pytest.fixture
def index(mini, tmp_path, encoder):
    """The mini corpus ingested with the hash encoder, opened."""
    from scan.ingest import ingest
    from scan.store import Index

    ingest([mini], tmp_path / "idx", encoder)
    idx = Index.open(tmp_path / "idx")
    yield idx
    idx.close()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def e5(model_cache):
    from scan.embed import load_encoder

    return load_encoder(cache_dir=model_cache)


@pytest.fixture(scope="session")
def corpus_index(e5, tmp_path_factory):
    """The shipped corpus, ingested once with the real default encoder."""
    from scan.ingest import ingest
    from scan.store import Index

    path = tmp_path_factory.mktemp("corpus-index")
    ingest([ROOT / "corpus"], path, e5)
    index = Index.open(path)
    yield index
    index.close()


@pytest.fixture
def idx(mini, tmp_path, monkeypatch):
    """The `mini` fixture library ingested through the CLI with the hash encoder (SCAN_MODEL stays set)."""
    from click.testing import CliRunner

    from scan.cli import main

    monkeypatch.setenv("SCAN_MODEL", "hash")
    path = tmp_path / "idx"
    result = CliRunner().invoke(main, ["ingest", str(mini), "--index", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    return path


@pytest.fixture
def run(monkeypatch):
    """`run("search", "q", "--index", idx)`: the scan CLI in this process, with the hash encoder."""
    from click.testing import CliRunner

    from scan.cli import main

    monkeypatch.setenv("SCAN_MODEL", "hash")

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke
