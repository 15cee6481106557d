"""The reference of bench/badges.py: a small single-process ReportLab routine that
draws the same badges (A6, four to an A4 sheet: the category's header band with
the meeting's title and dates, the name, organisation, country, role, the
category's foot band and the QR code), as a hand-written generator would.

    .venv/bin/python bench/reportlab_badges.py   (draws 1,000 and says how long)
"""

import io
import time
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = "/usr/share/fonts/truetype/dejavu/"
pdfmetrics.registerFont(TTFont("DejaVu", FONTS + "DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("DejaVu-Bold", FONTS + "DejaVuSans-Bold.ttf"))

WIDTH, HEIGHT = 105 * mm, 148 * mm  # A6
MARGIN = 4.5 * mm


@dataclass(frozen=True)
class Badge:
    name: str
    organisation: str
    country: str
    role: str
    category: str
    colour: str  # #rrggbb
    qr: str


def _fit(text: str, font: str, sizes, width: float) -> float:
    for size in sizes:
        if pdfmetrics.stringWidth(text, font, size) <= width:
            return size
    return sizes[-1]


def _badge(pdf: canvas.Canvas, badge: Badge, title: str, dates: str, x: float, y: float, scale):
    pdf.saveState()
    pdf.translate(x, y)
    pdf.scale(scale, scale)
    pdf.setFillColor(badge.colour)
    pdf.rect(0, HEIGHT - 26 * mm, WIDTH, 26 * mm, stroke=0, fill=1)
    pdf.rect(0, 0, WIDTH, 12 * mm, stroke=0, fill=1)
    pdf.setFillColor("#ffffff")
    pdf.setFont("DejaVu-Bold", _fit(title, "DejaVu-Bold", (13, 12, 11, 10, 9, 8), 93 * mm))
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 12 * mm, title)
    pdf.setFont("DejaVu", 9)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 19 * mm, dates)
    pdf.setFont("DejaVu-Bold", 11)
    pdf.drawCentredString(WIDTH / 2, 4.5 * mm, badge.category.upper())
    pdf.setFillColor("#111111")
    size = _fit(badge.name, "DejaVu-Bold", (30, 26, 23, 20, 17, 15, 13, 11.5, 10), 93 * mm)
    pdf.setFont("DejaVu-Bold", size)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 50 * mm, badge.name)
    pdf.setFont("DejaVu", _fit(badge.organisation, "DejaVu", (11, 10, 9, 8), 93 * mm))
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 62 * mm, badge.organisation)
    pdf.setFont("DejaVu-Bold", 12)
    pdf.drawString(8 * mm, 30 * mm, badge.country)
    pdf.setFont("DejaVu", 10)
    pdf.drawString(8 * mm, 24 * mm, badge.role)
    # The QR code as the app draws it (segno, one pixel per module): ReportLab's own
    # QrCodeWidget, all vector squares, takes 35 ms a badge, 20 times this.
    png = io.BytesIO()
    segno.make(badge.qr, error="m", mask=0, boost_error=False).save(png, kind="png", border=0)
    side = 30 * mm
    pdf.drawImage(ImageReader(png), WIDTH - side - 8 * mm, 16 * mm, side, side)
    pdf.restoreState()


def badges_pdf(badges: list[Badge], title: str, dates: str) -> bytes:
    """Four A6 badges to an A4 sheet, with cut guides, as the app's a4-4 layout."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    page_width, page_height = A4
    scale = min(
        1.0, (page_width - 2 * MARGIN) / (2 * WIDTH), (page_height - 2 * MARGIN) / (2 * HEIGHT)
    )
    cell_width, cell_height = WIDTH * scale, HEIGHT * scale
    left = (page_width - 2 * cell_width) / 2
    top = page_height - (page_height - 2 * cell_height) / 2
    for start in range(0, len(badges), 4):
        for index, badge in enumerate(badges[start : start + 4]):
            x = left + (index % 2) * cell_width
            y = top - (index // 2 + 1) * cell_height
            _badge(pdf, badge, title, dates, x, y, scale)
            pdf.setStrokeGray(0.71)
            pdf.setLineWidth(0.15 * mm)
            pdf.rect(x, y, cell_width, cell_height, stroke=1, fill=0)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def sample(count: int) -> list[Badge]:
    return [
        Badge(
            name=f"Hélène Marchetti {n:04d}",
            organisation="Ministère de l'Intérieur",
            country="Sénégal · SN",
            role="DÉLÉGUÉ",
            category="Gouvernement national",
            colour="#0b2e59",
            qr=f"http://127.0.0.1:5000/desk/badge/{n:016d}",
        )
        for n in range(count)
    ]


if __name__ == "__main__":
    start = time.perf_counter()
    pdf = badges_pdf(sample(1000), "Réunion du comité", "13–14 juin 2027")
    print(f"ReportLab, 1,000 badges: {time.perf_counter() - start:.2f} s, {len(pdf) / 1e6:.1f} MB")
