"""Bar charts drawn on the server as SVG: readable without JavaScript, in print and
by screen readers (role="img", its name, a <title> and a <desc> that says every
bar's figures). Every text in it, the organisers' and the participants', is
escaped: none is ever written as markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_percent, gettext
from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 230  # the labels' column, left of the bars
BAR_WIDTH = 280  # the longest bar
ROW = 30
TOP = 8
# Longer labels are cut in the drawing (the whole label is in the row's <title>,
# the <desc> and the table beside the chart).
LABEL_CHARACTERS = 34


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float  # 0 to 1, of those who answered the question


def share_text(share: float) -> str:
    return format_percent(share, "#,##0%")


def bar_text(bar: Bar) -> str:
    """'12 (40%)': the figures written beside a bar and in its description."""
    return gettext("%(count)s (%(share)s)", count=bar.count, share=share_text(bar.share))


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(title: str, bars: Sequence[Bar], chart_id: str) -> Markup:
    """A horizontal bar per answer: its label, its bar (as long as its share of the
    largest count) and its count and share as text."""
    height = TOP * 2 + ROW * max(len(bars), 1)
    largest = max((b.count for b in bars), default=0)
    described = "; ".join(f"{' '.join(b.label.split())}: {bar_text(b)}" for b in bars)
    rows = []
    for n, bar in enumerate(bars):
        y = TOP + n * ROW
        length = round(BAR_WIDTH * bar.count / largest) if largest else 0
        rows.append(
            Markup(
                '<g class="chart-row"><title>{full}: {figures}</title>'
                '<text x="{lx}" y="{ty}" text-anchor="end" fill="#1a1a1a" font-size="14">'
                "{label}</text>"
                '<rect x="{bx}" y="{by}" width="{length}" height="{bh}" fill="#1f5f99"></rect>'
                '<text x="{vx}" y="{ty}" fill="#1a1a1a" font-size="14">{figures}</text></g>'
            ).format(
                full=bar.label,
                figures=bar_text(bar),
                lx=LABEL_WIDTH - 8,
                ty=y + ROW // 2 + 5,
                label=_cut(bar.label),
                bx=LABEL_WIDTH,
                by=y + 5,
                length=length,
                bh=ROW - 10,
                vx=LABEL_WIDTH + length + 8,
            )
        )
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" id="{id}"'
        ' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        ' aria-label="{title}" aria-describedby="{id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{axis}" y1="0" x2="{axis}" y2="{height}" stroke="#555" stroke-width="1"></line>'
        "{rows}</svg>"
    ).format(
        id=chart_id,
        width=WIDTH,
        height=height,
        title=title,
        desc=described,
        axis=LABEL_WIDTH,
        rows=Markup("").join(rows),
    )
