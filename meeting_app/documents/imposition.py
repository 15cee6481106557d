"""Assembling badges into the printed document.

Each badge is a page at the badge's own size, drawn once (see badges.py). A print
places those pages: one per page, or several to a sheet of A4 with cut guides
around each. Placing a badge costs about a millisecond; drawing one costs
WeasyPrint twenty or more.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf

from meeting_app.documents.pdf import save

POINTS_PER_MM = 72 / 25.4
# Cut guides: a thin solid grey line around each badge.
GUIDE_GREY = 0.71
GUIDE_WIDTH = 0.15 * POINTS_PER_MM


# Most printers leave the outer 4 mm of a sheet blank: nothing is placed there (and
# half a millimetre more for the paper's play in the printer).
PRINTER_MARGIN = 4.5  # mm


@dataclass(frozen=True)
class Sheet:
    width: float  # mm
    height: float
    columns: int
    rows: int
    margin: float = PRINTER_MARGIN  # mm on each side that nothing is placed in

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


A4 = (210, 297)


# A badge: a one-page PDF, or a page of a PDF that the caller holds open.
Badge = bytes | pikepdf.Page


def impose(badges: Sequence[Badge], sheet: Sheet | None = None) -> bytes:
    """One PDF of `badges` (all the same size), in order: as they are, or
    `sheet.per_sheet` to a sheet, the grid centred on it (and made smaller if it
    would otherwise reach into the sheet's margin: four A6 badges fill an A4)."""
    document = pikepdf.new()
    per_page = sheet.per_sheet if sheet else 1
    for start in range(0, len(badges), per_page):
        group = badges[start : start + per_page]
        # Opened as they are placed: what is copied keeps its source alive until the
        # document is saved, and nothing else should (5,000 open at once: 300 MB).
        sources = [pikepdf.open(io.BytesIO(b)) if isinstance(b, bytes) else None for b in group]
        pages = [b if s is None else s.pages[0] for b, s in zip(group, sources, strict=True)]
        if sheet is None:
            document.pages.append(pages[0])
        else:
            _add_sheet(document, pages, sheet)
    return save(document)


def _add_sheet(document: pikepdf.Pdf, badges: list[pikepdf.Page], sheet: Sheet) -> None:
    width, height = sheet.width * POINTS_PER_MM, sheet.height * POINTS_PER_MM
    margin = sheet.margin * POINTS_PER_MM
    page = document.add_blank_page(page_size=(width, height))
    box = badges[0].mediabox
    badge_width, badge_height = float(box[2] - box[0]), float(box[3] - box[1])
    # The guides' half-width lies outside the cells: inside the margin too.
    room_width = width - 2 * margin - GUIDE_WIDTH
    room_height = height - 2 * margin - GUIDE_WIDTH
    scale = min(
        1.0,
        room_width / (sheet.columns * badge_width),
        room_height / (sheet.rows * badge_height),
    )
    cell_width, cell_height = badge_width * scale, badge_height * scale
    left = (width - sheet.columns * cell_width) / 2
    top = height - (height - sheet.rows * cell_height) / 2
    forms = pikepdf.Dictionary()
    placed, guides = [], [f"{GUIDE_GREY} G {GUIDE_WIDTH:.3f} w"]
    for index, badge in enumerate(badges):
        name = f"/Badge{index}"
        forms[name] = document.copy_foreign(badge.as_form_xobject())
        x = left + (index % sheet.columns) * cell_width
        y = top - (index // sheet.columns + 1) * cell_height
        placed.append(f"q {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm {name} Do Q")
        guides.append(f"{x:.3f} {y:.3f} {cell_width:.3f} {cell_height:.3f} re S")
    page.Resources = pikepdf.Dictionary(XObject=forms)
    page.Contents = document.make_stream(" ".join([*placed, *guides]).encode())
