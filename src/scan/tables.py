"""Tables to files: CSV (UTF-8, comma-separated, decimal point: for scripts and Power BI) and XLSX
(openpyxl; shares are numbers formatted as per cent, so Excel sorts and sums them and shows them in
the reader's own locale). Used by `scan overview` and the side-by-side `scan classify`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan.errors import ScanError


@dataclass
class Sheet:
    """A table: a title (the sheet's name in XLSX), a header and rows. Columns listed in `shares`
    hold shares (0–1) shown as per cent in XLSX."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    shares: set[int] = field(default_factory=set)
    widths: dict[int, int] = field(default_factory=dict)
    share_rows: int | None = None  # only the first this many rows hold shares (None: all)


def to_csv(sheet: Sheet) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow(["" if v is None else (round(v, 4) if isinstance(v, float) else v) for v in row])
    return out.getvalue()


def _write(path: Path, write) -> None:
    try:
        write()
    except OSError as exc:
        raise ScanError(f"cannot write {path}: {exc.strerror}", "choose a writable path") from None


def write_csv(path: Path, sheet: Sheet) -> None:
    _write(path, lambda: path.write_text(to_csv(sheet), encoding="utf-8"))


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append(row)
        for col in sheet.shares:
            last = None if sheet.share_rows is None else 1 + sheet.share_rows
            for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=col + 1, max_col=col + 1):
                cell.number_format = "0%"
        for col, width in sheet.widths.items():
            ws.column_dimensions[ws.cell(row=1, column=col + 1).column_letter].width = width
        ws.freeze_panes = "B2"
    _write(path, lambda: book.save(path))
