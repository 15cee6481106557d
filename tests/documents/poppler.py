"""Reading PDFs as a person reads them, with poppler's tools (poppler-utils, in the
Makefile's TEST_SYSTEM_PACKAGES): the text in reading order, where each line
sits on the page, and the fonts."""

import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

# The marks pdftotext puts around right-to-left and embedded runs (LRE, RLE, PDF,
# the isolates, LRM, RLM): not text anyone typed.
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_XHTML = "{http://www.w3.org/1999/xhtml}"


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
        )
    return done.stdout.decode()


def text(pdf: bytes) -> str:
    """The text in reading order (pdftotext orders right-to-left lines too)."""
    return _BIDI_MARKS.sub("", _run("pdftotext", pdf))


def words(pdf: bytes) -> list[str]:
    return text(pdf).split()


def fonts(pdf: bytes) -> list[str]:
    """The names of the fonts the PDF embeds, without their subset tag ("DejaVu-Sans")."""
    lines = _run("pdffonts", pdf).splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines if line.strip()]


@dataclass(frozen=True)
class Box:
    """A word or a line of text and where it sits (points from the page's top left)."""

    text: str
    left: float
    right: float
    top: float


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _box(element: etree._Element, content: str) -> Box:
    return Box(
        content,
        float(element.get("xMin")),
        float(element.get("xMax")),
        float(element.get("yMin")),
    )


def layout(pdf: bytes, page: int = 1) -> tuple[float, list[Box], list[Box]]:
    """The page's width, its lines top to bottom and its words, each with where it
    starts and ends on the page; texts in reading order, as near as words allow."""
    found_by = _run("pdftotext", pdf, "-bbox-layout", "-f", str(page), "-l", str(page))
    root = etree.fromstring(found_by.encode())
    (sheet,) = root.iter(f"{_XHTML}page")
    lines, words = [], []
    for line in sheet.iter(f"{_XHTML}line"):
        # Words come as drawn, left to right: an Arabic one backwards, and the words
        # of an Arabic line from its end.
        found = []
        for element in line.iter(f"{_XHTML}word"):
            content = _BIDI_MARKS.sub("", element.text or "")
            found.append(_box(element, content[::-1] if _right_to_left(content) else content))
        words += found
        in_order = found[::-1] if _right_to_left("".join(w.text for w in found)) else found
        lines.append(_box(line, " ".join(word.text for word in in_order)))
    return float(sheet.get("width")), sorted(lines, key=lambda line: line.top), words


def word(words: list[Box], text: str) -> Box:
    """The first of `words` that is `text`."""
    return next(box for box in words if box.text == text)
