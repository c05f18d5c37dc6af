"""Progress lines when stderr is not a terminal, and the thread settings."""

import io
import os

import pytest
from click.testing import CliRunner

from scan import threads
from scan.cli import main
from scan.errors import ScanError
from scan.progress import Progress


def test_plain_lines_with_rate_and_time_left_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(10, "Embedding", "passages", stream=stream, every=0) as bar:
        bar.update(4)
        bar.update(6)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("Embedding: 4/10 passages, ") and "passages/s, about" in lines[0]
    assert lines[-1].startswith("Embedding: 10/10 passages, ") and lines[-1].endswith("in all")
    assert len(lines) == 2  # the final count once, not again at the end
    assert "\r" not in stream.getvalue()


def test_nothing_is_written_when_disabled_or_before_the_interval():
    quiet, slow = io.StringIO(), io.StringIO()
    with Progress(10, "Embedding", "passages", enabled=False, stream=quiet, every=0) as bar:
        bar.update(10)
    with Progress(10, "Embedding", "passages", stream=slow, every=3600) as bar:
        bar.update(10)
    assert quiet.getvalue() == "" and slow.getvalue() == ""


def test_scan_pins_library_threads_to_one_unless_set():
    # set when scan was imported, before numpy loaded (the test process may have its own value)
    for var in threads.PER_OPERATION:
        assert os.environ.get(var)


def test_threads_from_the_environment_and_the_option(monkeypatch):
    monkeypatch.setenv("SCAN_THREADS", "3")
    assert threads.threads() == 3
    monkeypatch.setenv("SCAN_THREADS", "zero")
    assert 1 <= threads.threads() <= threads.MAX_DEFAULT
    threads.check(2)
    assert threads.threads() == 2
    with pytest.raises(ScanError) as err:
        threads.check(0)
    assert "--threads" in err.value.message and err.value.hint


def test_cli_refuses_zero_threads_with_the_fix(tmp_path):
    result = CliRunner().invoke(main, ["--threads", "0", "info", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "Error: --threads must be at least 1" in result.output and "Fix:" in result.output
