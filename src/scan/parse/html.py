"""Web pages (.html, .htm) through Beautiful Soup: headings h1–h6 make the heading path;
paragraphs, list items, quotations and table cells are the text. Scripts, styles, navigation,
headers, footers and forms are left out. No pages."""

from __future__ import annotations

from pathlib import Path

from scan.parse.common import DocumentBuilder

_SKIP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg"]
_TEXT = ["p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption"]
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


def read_html(path: Path, raw: bytes) -> DocumentBuilder:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")  # finds the encoding from the bytes and <meta charset>
    for tag in soup(_SKIP):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    root = soup.find("main") or soup.find("article") or soup.body or soup
    builder = DocumentBuilder(kind="html", title=title or path.stem)
    for element in root.find_all(_HEADINGS + _TEXT):
        if element.find_parent(_TEXT):  # a paragraph inside a list item: taken with its parent
            continue
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name in _HEADINGS:
            builder.push_heading(int(element.name[1]), text)
            if not title and element.name == "h1":
                builder.title = title = text
                builder.title_source = "first heading"
        else:
            builder.add_paragraph(text)
    return builder
