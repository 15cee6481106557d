"""Assembling badges into the printed document.

Each badge is a page at the badge's own size, drawn once (see badges.py). A print
places those pages: one per page, or several to a sheet of A4 with cut guides
around each. Placing a badge costs about a millisecond; drawing one costs
WeasyPrint twenty or more. Badges drawn ahead each carry their own font subsets:
placed, they share one font of each (fonts.py).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf

from meeting_app.documents.fonts import SharedFonts
from meeting_app.documents.pdf import own_streams, save

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

# The page boxes a badge printed one per page keeps.
BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")


@dataclass(frozen=True)
class _Placed:
    """A badge in the print: a form XObject of its page, and that page's boxes."""

    form: pikepdf.Stream
    boxes: dict[str, list[float]]

    @property
    def size(self) -> tuple[float, float]:
        box = self.boxes["/MediaBox"]
        return box[2] - box[0], box[3] - box[1]


def impose(badges: Sequence[Badge], sheet: Sheet | None = None) -> bytes:
    """One PDF of `badges` (all the same size), in order: as they are, or
    `sheet.per_sheet` to a sheet, the grid centred on it (and made smaller if it
    would otherwise reach into the sheet's margin: four A6 badges fill an A4).

    Each badge's PDF is opened, copied and closed in turn, so that a print holds
    one badge's PDF at a time; and the badges share one copy of each font
    (fonts.py): drawn ahead, each carries its own subset."""
    document = pikepdf.new()
    fonts = SharedFonts(document)
    copied: set[tuple[int, int]] = set()
    per_page = sheet.per_sheet if sheet else 1
    for start in range(0, len(badges), per_page):
        placed = [
            _place(document, badge, fonts, copied) for badge in badges[start : start + per_page]
        ]
        if sheet is None:
            _add_page(document, placed[0])
        else:
            _add_sheet(document, placed, sheet)
    fonts.finish()
    return save(document)


def _place(
    document: pikepdf.Pdf, badge: Badge, fonts: SharedFonts, copied: set[tuple[int, int]]
) -> _Placed:
    source = pikepdf.open(io.BytesIO(badge)) if isinstance(badge, bytes) else None
    try:
        page = source.pages[0] if source is not None else badge
        boxes = {name: [float(v) for v in page.obj[name]] for name in BOXES if name in page.obj}
        boxes.setdefault("/MediaBox", [float(v) for v in page.mediabox])
        form = page.as_form_xobject()
        resources = form.get("/Resources")
        badge_fonts = resources.get("/Font") if resources is not None else None
        if badge_fonts is not None:
            # The form's own resources without the fonts (the page's stay as they
            # are): the print's shared fonts take their place once copied.
            form.Resources = pikepdf.Dictionary(
                {key: value for key, value in resources.items() if key != "/Font"}
            )
        placed = document.copy_foreign(form)
        own_streams(placed, copied)
        if badge_fonts is not None:
            placed.Resources.Font = pikepdf.Dictionary(
                {name: fonts.font(font) for name, font in badge_fonts.items()}
            )
        return _Placed(placed, boxes)
    finally:
        if source is not None:
            source.close()


def _add_page(document: pikepdf.Pdf, badge: _Placed) -> None:
    """The badge on a page of its own, as it was: its content and resources."""
    page = document.add_blank_page(page_size=badge.size)
    for name, box in badge.boxes.items():
        page.obj[name] = pikepdf.Array(box)
    page.Resources = badge.form.Resources
    content = badge.form.read_bytes()
    if "/Matrix" in badge.form:  # a rotated page, say: the form's transformation
        matrix = " ".join(f"{float(v):.6f}" for v in badge.form.Matrix)
        content = f"q {matrix} cm\n".encode() + content + b"\nQ"
    page.Contents = document.make_stream(content)


def _add_sheet(document: pikepdf.Pdf, badges: list[_Placed], sheet: Sheet) -> None:
    width, height = sheet.width * POINTS_PER_MM, sheet.height * POINTS_PER_MM
    margin = sheet.margin * POINTS_PER_MM
    page = document.add_blank_page(page_size=(width, height))
    badge_width, badge_height = badges[0].size
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
        forms[name] = badge.form
        x = left + (index % sheet.columns) * cell_width
        y = top - (index // sheet.columns + 1) * cell_height
        placed.append(f"q {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm {name} Do Q")
        guides.append(f"{x:.3f} {y:.3f} {cell_width:.3f} {cell_height:.3f} re S")
    page.Resources = pikepdf.Dictionary(XObject=forms)
    page.Contents = document.make_stream(" ".join([*placed, *guides]).encode())
