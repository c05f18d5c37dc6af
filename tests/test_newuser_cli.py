"""What a new user trips over first: the wrong --index folder, a bad --port or --host for
`scan serve`, and Ctrl-C right after `scan serve` starts."""

import logging
import shutil
import socket
import time

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from scan.cli import main
from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.store import Index

TAXONOMY = FIXTURES / "mini-trends.toml"


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    assert "Traceback" not in result.output
    return result


def test_a_folder_above_the_index_names_the_index_inside_it(mini, tmp_path):
    ingest([mini], tmp_path / "work" / "ix", HashEncoder(64))
    with pytest.raises(ScanError, match="no index at .*but in a folder inside it") as err:
        Index.open(tmp_path / "work")
    assert err.value.hint == f"use --index {tmp_path / 'work' / 'ix'}"
    result = run("info", "--check", "--index", tmp_path / "work")
    assert result.exit_code == 1 and f"--index {tmp_path / 'work' / 'ix'}" in result.stderr


def test_a_folder_of_documents_is_not_an_index_and_ingest_is_never_advised_into_it(mini):
    result = run("search", "rekrytera", "--index", mini)
    assert result.exit_code == 1
    assert "no index at" in result.stderr and "the folder holds other files (analys.md, parkering.txt" in result.stderr
    assert f"--index {mini}\n" not in result.stderr and f"--index {mini / 'index'}" in result.stderr


def test_a_manifest_json_of_documents_is_not_an_older_index(tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    (pdfs / "manifest.json").write_text('[{"what": "en rapport", "pages": 3}]', encoding="utf-8")
    with pytest.raises(ScanError) as err:
        Index.open(pdfs)
    assert "older format" not in err.value.message and "--rebuild" not in err.value.hint


@pytest.mark.parametrize("port", [0, 99999, -5])
def test_serve_refuses_a_port_out_of_range_without_a_traceback(tmp_path, port):
    result = run("serve", "--port", port, "--index", tmp_path / "idx")
    assert result.exit_code == 1
    assert f"--port must be from 1 to 65535, not {port}" in result.stderr and "Fix:" in result.stderr


def test_serve_on_an_address_not_of_this_machine_says_to_change_the_host(tmp_path):
    try:
        socket.getaddrinfo("999.1.1.1", 80)
        pytest.skip("this resolver answers for 999.1.1.1")
    except OSError:
        pass
    result = run("serve", "--host", "999.1.1.1", "--index", tmp_path / "idx")
    assert result.exit_code == 1 and "cannot serve on 999.1.1.1:8000" in result.stderr
    assert "--host" in result.stderr and "port 8000" not in result.stderr


def test_stopping_the_server_while_its_worker_starts_logs_no_error(tmp_path, caplog):
    from scan.webjobs import Jobs

    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    ingest([tmp_path / "mini"], tmp_path / "idx", HashEncoder(64))
    jobs = Jobs(tmp_path / "idx", TAXONOMY, task="webslowstart:classify_upload")  # its worker takes 2 s to start
    with caplog.at_level(logging.ERROR, logger="scan.webjobs"):
        jobs.start()
        deadline = time.monotonic() + 60
        while not jobs.loading and time.monotonic() < deadline:
            time.sleep(0.02)
        assert jobs.loading
        jobs.close()  # Ctrl-C: scan serve's shutdown closes the jobs
        jobs._thread.join(60)
    assert not jobs._thread.is_alive()
    assert not [r for r in caplog.records if "did not start" in r.getMessage()]


def test_a_windows_1252_text_is_skipped_with_a_command_that_converts_it_right(tmp_path):
    import re
    import subprocess

    folder = tmp_path / "Möten i Älvdalen"
    folder.mkdir()
    text = "Mötet – om översvämningar – kostar ”12 miljoner” €.\n"
    (folder / "anteckningar.txt").write_bytes(text.encode("cp1252"))
    result = run("ingest", folder, "--index", tmp_path / "idx", "--model", "hash")
    line = next(x for x in result.stderr.splitlines() if x.startswith("Skipped"))
    command = re.search(r"e\.g\. (iconv .*), and remove the original\)", line).group(1)
    source = re.search(r"-f (\S+)", command).group(1)
    assert "–" in (folder / "anteckningar.txt").read_bytes().decode(source)  # Latin-1 gives U+0096 here
    assert str(folder / "anteckningar.utf8.txt") in command  # beside the original, so the next ingest finds it
    if shutil.which("iconv"):
        subprocess.run(command, shell=True, check=True, cwd=tmp_path)
        assert (folder / "anteckningar.utf8.txt").read_text(encoding="utf-8") == text


def test_ingest_without_paths_outside_the_project_says_to_name_the_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("ingest", "--index", tmp_path / "idx", "--model", "hash")
    assert result.exit_code == 1 and "no corpus/ folder here" in result.stderr
    assert "scan ingest bibliotek/" in result.stderr and not (tmp_path / "idx").exists()
