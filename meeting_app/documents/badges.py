"""Badges: what goes on each, the page layouts, and rendering many quickly."""

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

import config as app_config
from meeting_app.core.i18n import localized
from meeting_app.delegations.models import Delegation
from meeting_app.documents import logo
from meeting_app.documents.models import BadgePrint
from meeting_app.documents.pdf import qr_src, render_many
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import Category, Participant, RegistrationStatus


@dataclass(frozen=True)
class Layout:
    label: object  # a lazy translated string
    page: str  # CSS @page size
    width: str
    height: str
    per_page: int


LAYOUTS = {
    "a6": Layout(_l("One A6 badge per page"), "105mm 148mm", "105mm", "148mm", 1),
    "cr80": Layout(_l("One card per page (ID-1 / CR80)"), "85.6mm 54mm", "85.6mm", "54mm", 1),
    # A hair under half the sheet, so that two fit side by side after rounding.
    "a4-4": Layout(_l("A4 sheets, 4 A6 badges each"), "210mm 297mm", "104.9mm", "148.4mm", 4),
    "a4-8": Layout(_l("A4 sheets, 8 A7 badges each"), "210mm 297mm", "104.9mm", "74.2mm", 8),
}

# Colour bands by category (strong enough for white text); a meeting may change them.
DEFAULT_COLOURS = {
    Category.NATIONAL_GOVERNMENT: "#0b2e59",
    Category.LOCAL_GOVERNMENT: "#1f5f99",
    Category.UN_AGENCY: "#0a66c2",
    Category.DONOR: "#6b3fa0",
    Category.PRIVATE_SECTOR: "#8a4b08",
    Category.CIVIL_SOCIETY: "#1e6b3a",
    Category.ACADEMIA: "#6b5b00",
    Category.MEDIA: "#b00020",
    Category.HOST_STAFF: "#3d3d3d",
}
# Badges per document when rendering in parallel: small enough that the workers
# finish together and progress moves, large enough that per-document costs vanish.
CHUNK = 48


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def colours(meeting: Meeting) -> dict[Category, str]:
    """The meeting's colours, falling back to the defaults (and ignoring anything that
    is not a #rrggbb colour, since the value goes into the badge's CSS)."""
    chosen = meeting.badge_colours or {}
    return {
        c: chosen[c.value] if HEX_COLOUR.fullmatch(chosen.get(c.value, "")) else DEFAULT_COLOURS[c]
        for c in Category
    }


def check_in_url(base_url: str, participant: Participant) -> str:
    """What the QR code holds: the badge's own code, which reveals nothing else."""
    return f"{base_url}/desk/badge/{participant.badge_code}"


def _name_size(name: str) -> str:
    # Long names get a smaller type; anything still too wide wraps (see badges.css).
    length = len(name)
    return "xl" if length <= 16 else "l" if length <= 24 else "m" if length <= 34 else "s"


@dataclass(frozen=True)
class BadgeView:
    name: str
    size: str
    organisation: str
    country: str
    iso: str
    role: str
    category: str
    colour: str
    qr: str  # the image URL of the QR code (see pdf.qr_src)


def badge_views(meeting: Meeting, participants, language: str, base_url: str) -> list[BadgeView]:
    palette = colours(meeting)
    with force_locale(language):
        return [
            BadgeView(
                name=p.badge_name,
                size=_name_size(p.badge_name),
                organisation=p.organisation,
                country=p.delegation.country.name(language) if p.delegation else "",
                iso=p.delegation.country_code if p.delegation else "",
                role=str(p.role.label),
                category=str(p.category.label),
                colour=palette[p.category],
                # A PNG: WeasyPrint draws it several times faster than an SVG.
                qr=qr_src(check_in_url(base_url, p)),
            )
            for p in participants
        ]


CSS_FILE = app_config.BASE_DIR / "templates" / "pdf" / "badges.css"


@lru_cache(maxsize=1)
def _css_file() -> str:
    # Read once per process, not for every badge printed.
    return CSS_FILE.read_text()


def badges_css(layout: str, logo: str = "") -> str:
    """The layout's sizes, the logo (a data: URL, once for all badges rather than in
    each one's markup) and badges.css."""
    spec = LAYOUTS[layout]
    return (
        f"@page {{ size: {spec.page}; margin: 0; }}\n"
        f".badge {{ width: {spec.width}; height: {spec.height}; }}\n"
        + (f'.badge-logo {{ background-image: url("{logo}"); }}\n' if logo else "")
        + _css_file()
    )


def badges_html(meeting: Meeting, views: list[BadgeView], layout: str, language: str) -> str:
    spec = LAYOUTS[layout]
    pages = [views[i : i + spec.per_page] for i in range(0, len(views), spec.per_page)]
    with force_locale(language):
        return render_template(
            "pdf/badges.html",
            meeting=meeting,
            pages=pages,
            layout=spec,
            layout_name=layout,
            has_logo=bool(meeting.logo_png),
            title=localized(meeting.title, meeting.default_language, language).text,
            language=language,
        )


def badges_pdf(
    meeting: Meeting,
    participants,
    *,
    layout: str,
    language: str,
    base_url: str,
    progress=None,
) -> bytes:
    """One PDF of badges. Large sets are cut into chunks of whole pages rendered in
    parallel worker processes and joined; `progress(done, total)` counts badges."""
    participants = list(participants)
    per_chunk = CHUNK - CHUNK % LAYOUTS[layout].per_page
    starts = range(0, len(participants), per_chunk) or [0]
    chunks = (
        badges_html(
            meeting,
            badge_views(meeting, participants[i : i + per_chunk], language, base_url),
            layout,
            language,
        )
        for i in starts
    )
    total = len(participants)

    def badges_done(done: int, parts: int) -> None:
        progress(min(done * per_chunk, total), total)

    return render_many(
        chunks,
        badges_css(layout, logo.data_uri(meeting)),
        progress=badges_done if progress else None,
        total=len(starts),
        bare=True,
    )


def select(
    meeting: Meeting,
    *,
    delegation_id: int | None = None,
    category: Category | None = None,
    not_printed: bool = False,
    participant_id: int | None = None,
) -> list[Participant]:
    """Approved participants, by delegation and name, with the filters the desk offers."""
    query = (
        sa.select(Participant)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
            # An erased person keeps their seat in the counts, but has no badge.
            Participant.erased_at.is_(None),
        )
        .options(joinedload(Participant.delegation).joinedload(Delegation.country))
        .order_by(
            Participant.delegation_id.is_(None),
            Participant.delegation_id,
            Participant.family_name,
            Participant.given_name,
        )
    )
    if delegation_id is not None:
        query = query.where(Participant.delegation_id == delegation_id)
    if category is not None:
        query = query.where(Participant.category == category)
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    if not_printed:
        query = query.where(~sa.exists().where(BadgePrint.participant_id == Participant.id))
    return list(db.session.execute(query).unique().scalars())


def record_prints(participants: list[Participant], layout: str, by_user=None) -> int:
    """Marks the badges printed; a badge printed before is recorded as a reprint."""
    ids = [p.id for p in participants]
    printed = (
        set(
            db.session.execute(
                sa.select(BadgePrint.participant_id).where(BadgePrint.participant_id.in_(ids))
            ).scalars()
        )
        if ids
        else set()
    )
    now = utcnow()
    db.session.add_all(
        BadgePrint(
            participant_id=pid,
            printed_at=now,
            layout=layout,
            reprint=pid in printed,
            by_user_id=by_user.id if by_user else None,
        )
        for pid in ids
    )
    return sum(1 for pid in ids if pid in printed)


def last_prints(meeting: Meeting) -> dict[int, tuple]:
    """Participant id → (last printed at, number of prints)."""
    rows = db.session.execute(
        sa.select(BadgePrint.participant_id, sa.func.max(BadgePrint.printed_at), sa.func.count())
        .join(Participant, Participant.id == BadgePrint.participant_id)
        .where(Participant.meeting_id == meeting.id)
        .group_by(BadgePrint.participant_id)
    )
    return {pid: (at, count) for pid, at, count in rows}
