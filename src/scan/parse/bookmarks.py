"""PDF bookmarks (the outline) as headings: what Word leaves in a bookmark's title.

Word writes a footnote reference in a heading into the bookmark as the note's zero-based index
and "F": the heading "Globala mål utifrån Agenda 2030¹" becomes the bookmark "… Agenda 20300F"
(Söderköping's plan in the shared PDFs), "… klimatanpassningsåtgärder⁴" becomes "…åtgärder3F".
"""

from __future__ import annotations

import re

_WORD_NOTE = re.compile(r"(?<=[^\W_])(\d{1,3})F$")  # Word writes a footnote mark into a bookmark as "<n-1>F"


def without_note_mark(title: str, page_text: str) -> tuple[str, str]:
    """(title, printed note number) of a bookmark whose title Word glued a footnote mark to:
    'Agenda 20300F' → ('Agenda 2030', '1') (footnote 1, printed 'Agenda 20301'),
    'klimatanpassningsåtgärder3F' → ('klimatanpassningsåtgärder', '4'); other titles as they are, ''.
    Where digits precede the mark, the page's text tells how many are the note's; else one is."""
    m = _WORD_NOTE.search(title)
    text = " ".join(page_text.split()).casefold()
    if not m or " ".join(title.split()).casefold() in text:  # no mark, or the page prints it so
        return title, ""
    digits = m.group(1)
    for n in range(1, len(digits) + 1):  # the note's number: its last n digits
        kept, note = title[: m.start()] + digits[:-n], str(int(digits[-n:]) + 1)
        if kept and not kept[-1].isspace() and f"{kept}{note}".casefold() in text:
            return kept, note
    n = 1 if title[m.start() - 1].isdigit() else len(digits)
    return title[: m.start()] + digits[:-n], str(int(digits[-n:]) + 1)
