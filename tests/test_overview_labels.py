"""`scan overview`'s text table cuts long names to its column; names that would then read the same
(publishers or titles that differ only at the end) are cut in the middle, so each row stays
recognisable (the mixed library's 15 publishers "scan (team-written, in the style of …)" were 15
identical rows)."""

import shutil

from click.testing import CliRunner
from conftest import FIXTURES

from scan.cli import main
from scan.cli_overview import _labels

TAXONOMY = FIXTURES / "mini-trends.toml"
LONG = "Länsstyrelsen i Västra Götalands län, enheten för "


def test_names_alike_at_the_start_are_cut_in_the_middle_and_stay_apart():
    names = [
        LONG + "samhällsplanering",
        LONG + "miljöanalys",
        "Kort namn",
        "Ett mycket långt men ensamt namn på en utgivare",
    ]
    labels = _labels(names, 34)
    assert all(len(label) <= 34 for label in labels) and len(set(labels)) == 4
    assert labels[:2] == ["Länsst…samhällsplanering", "Länsst…miljöanalys"]
    assert labels[2] == "Kort namn"
    assert labels[3] == "Ett mycket långt men ensamt namn …"  # unique when cut at the end: cut there


def test_overview_by_publisher_keeps_the_publishers_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    library = tmp_path / "bibliotek"
    shutil.copytree(FIXTURES / "mini", library)
    (library / "plan.md").write_text("# Plan\n\nKommunen måste rekrytera fler lärare.\n", encoding="utf-8")
    (library / "program.md").write_text("# Program\n\nTilliten mellan människor minskar.\n", encoding="utf-8")
    with open(library / "sources.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[documents."plan.md"]\npublisher = "{LONG}samhällsplanering"\n')
        f.write(f'\n[documents."program.md"]\npublisher = "{LONG}miljöanalys"\n')
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    assert runner.invoke(main, ["ingest", str(library), "--index", idx]).exit_code == 0
    result = runner.invoke(main, ["overview", "--by", "publisher", "--trends", str(TAXONOMY), "--index", idx])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("Länsst")]
    assert len(rows) == 2 and len({row[:34] for row in rows}) == 2
