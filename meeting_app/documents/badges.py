"""Badges: what goes on each, the page layouts, and printing many quickly.

Each badge is a page at the badge's size; a print places those pages on the
paper (imposition.py). Badges are drawn ahead, in the background, as
registrations are approved (ahead.py), each as a one-page PDF kept with a digest
of everything drawn on it (BadgeRender): a print draws only the badges not drawn
yet or changed since, in chunks, in parallel worker processes.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import pikepdf
import sqlalchemy as sa
import weasyprint
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

import config as app_config
from meeting_app.core.i18n import localized
from meeting_app.delegations.models import Delegation
from meeting_app.documents import ahead, imposition, logo
from meeting_app.documents.imposition import A4, Sheet
from meeting_app.documents.models import BadgePrint, BadgeRender
from meeting_app.documents.pdf import qr_src, render_each
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import Category, Participant, RegistrationStatus


@dataclass(frozen=True)
class Format:
    """A badge's size, in millimetres."""

    width: float
    height: float


FORMATS = {
    "a6": Format(105, 148),
    "a7": Format(105, 74),  # A7 on its side
    "cr80": Format(85.6, 54),  # a card: ID-1 / CR80
}


@dataclass(frozen=True)
class Layout:
    label: object  # a lazy translated string
    format: str  # one of FORMATS
    sheet: Sheet | None = None  # several badges to a sheet, or one per page

    @property
    def per_page(self) -> int:
        return self.sheet.per_sheet if self.sheet else 1


LAYOUTS = {
    "a6": Layout(_l("One A6 badge per page"), "a6"),
    "cr80": Layout(_l("One card per page (ID-1 / CR80)"), "cr80"),
    "a4-4": Layout(_l("A4 sheets, 4 A6 badges each"), "a6", Sheet(*A4, columns=2, rows=2)),
    "a4-8": Layout(_l("A4 sheets, 8 A7 badges each"), "a7", Sheet(*A4, columns=2, rows=4)),
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

# Badges per document when drawing those not drawn before: small enough that the
# workers finish together and progress moves, large enough that per-document costs
# (about half of a one-badge document) vanish.
CHUNK = 32

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


def badges_css(format: str, logo: str = "") -> str:
    """The badge's size, the logo (a data: URL, once for all badges rather than in
    each one's markup) and badges.css."""
    size = FORMATS[format]
    return (
        f"@page {{ size: {size.width}mm {size.height}mm; margin: 0; }}\n"
        f".badge {{ width: {size.width}mm; height: {size.height}mm; }}\n"
        + (f'.badge-logo {{ background-image: url("{logo}"); }}\n' if logo else "")
        + _css_file()
    )


def badges_html(meeting: Meeting, views: list[BadgeView], format: str, language: str) -> str:
    """One HTML document of badges, one per page."""
    with force_locale(language):
        return render_template(
            "pdf/badges.html",
            meeting=meeting,
            badges=views,
            format=format,
            has_logo=bool(meeting.logo_png),
            title=localized(meeting.title, meeting.default_language, language).text,
            language=language,
        )


# Stands for the person on a badge, to sum up what the template draws around them.
_NOBODY = BadgeView(*["-"] * len(BadgeView.__dataclass_fields__))


@dataclass
class _Plan:
    """The badges of a print: those drawn before, and those to draw."""

    views: list[BadgeView]
    css: str
    digests: list[str]
    kept: list[bytes | None]  # the badge drawn before, if nothing on it has changed

    @property
    def missing(self) -> list[int]:
        return [i for i, page in enumerate(self.kept) if page is None]


def _plan(
    meeting: Meeting, participants, format: str, language: str, base_url: str, pdfs: bool = True
) -> _Plan:
    """`pdfs=False`: what is drawn and what is missing, without loading the drawings
    (`kept` then holds b"" for those drawn)."""
    views = badge_views(meeting, participants, language, base_url)
    css = badges_css(format, logo.data_uri(meeting))
    # Everything the template draws around the person (meeting, dates, logo, the
    # template and stylesheet themselves), the person's own details and WeasyPrint's
    # version: equal digests, equal badges.
    around = badges_html(meeting, [_NOBODY], format, language)
    common = hashlib.sha256("\0".join((weasyprint.__version__, css, around)).encode()).hexdigest()
    digests = [hashlib.sha256(f"{common}{view!r}".encode()).hexdigest() for view in views]
    before = _kept([p.id for p in participants], format, language, pdfs)
    kept = [
        before[p.id][1] if p.id in before and before[p.id][0] == digest else None
        for p, digest in zip(participants, digests, strict=True)
    ]
    return _Plan(views, css, digests, kept)


def _batches(ids: list[int], size: int = 500):
    # IN lists of a size every database takes.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _kept_for(batch: list[int], format: str, language: str):
    return sa.and_(
        BadgeRender.participant_id.in_(batch),
        BadgeRender.format == format,
        BadgeRender.language == language,
    )


def _kept(ids: list[int], format: str, language: str, pdfs: bool) -> dict[int, tuple[str, bytes]]:
    """Participant id → (digest, PDF) of the badges drawn before."""
    found = {}
    drawing = BadgeRender.pdf if pdfs else sa.literal(b"", sa.LargeBinary)
    for batch in _batches(ids):
        rows = db.session.execute(
            sa.select(BadgeRender.participant_id, BadgeRender.digest, drawing).where(
                _kept_for(batch, format, language)
            )
        )
        found.update((pid, (digest, pdf)) for pid, digest, pdf in rows)
    return found


def _keep(drawn: dict[int, tuple[str, bytes]], format: str, language: str) -> None:
    """Keeps badges drawn ahead, in a transaction of their own. If a print, or
    another process, kept the same badges meanwhile, theirs stay (the same)."""
    ids = list(drawn)
    try:
        with Session(db.engine) as session:
            for batch in _batches(ids):
                session.execute(sa.delete(BadgeRender).where(_kept_for(batch, format, language)))
            session.add_all(
                BadgeRender(
                    participant_id=pid, format=format, language=language, digest=digest, pdf=pdf
                )
                for pid, (digest, pdf) in drawn.items()
            )
            session.commit()
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("%d badges drawn but not kept", len(ids), exc_info=True)


def badges_pdf(
    meeting: Meeting,
    participants,
    *,
    layout: str,
    language: str,
    base_url: str,
    progress=None,
) -> bytes:
    """One PDF of badges in `layout`; `progress(done, total)` counts badges.

    Badges drawn before are placed as they are. The others are drawn now, in
    chunks (a chunk's badges share their fonts), in parallel worker processes; and
    then drawn ahead one by one in the background, for the next print."""
    spec = LAYOUTS[layout]
    participants = list(participants)
    plan = _plan(meeting, participants, spec.format, language, base_url)
    missing = plan.missing
    chunks = [missing[i : i + CHUNK] for i in range(0, len(missing), CHUNK)]
    done = len(participants) - len(missing)
    if progress:
        progress(done, len(participants))

    def drawn(indexes: list[int], _pdfs) -> None:
        nonlocal done
        done += sum(len(chunks[i]) for i in indexes)
        if progress:
            progress(done, len(participants))

    html = [badges_html(meeting, [plan.views[i] for i in c], spec.format, language) for c in chunks]
    pdfs = render_each(html, plan.css, bare=True, batch=1, done=drawn)
    if missing:
        ahead.start(meeting.id, base_url, (spec.format, language))
    if spec.sheet is None and len(participants) == 1:  # a reprint at the desk: as it is
        return plan.kept[0] or pdfs[0]
    documents = [pikepdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    badges: list[imposition.Badge] = list(plan.kept)
    for chunk, document in zip(chunks, documents, strict=True):
        for index, page in zip(chunk, document.pages, strict=True):
            badges[index] = page
    return imposition.impose(badges, spec.sheet)


def draw_ahead(
    meeting: Meeting, base_url: str, format: str | None = None, language: str | None = None
) -> int:
    """Draws, one by one, and keeps the badges of approved participants not drawn yet
    in `format` and `language`: by default the format of the last print (A6 if
    none) and the meeting's language. One worker process, to leave the other core to
    the web. Returns how many were drawn."""
    if format is None:
        last = db.session.execute(
            sa.select(BadgePrint.layout)
            .join(Participant, Participant.id == BadgePrint.participant_id)
            .where(Participant.meeting_id == meeting.id)
            .order_by(BadgePrint.printed_at.desc(), BadgePrint.id.desc())
            .limit(1)
        ).scalar()
        format = LAYOUTS.get(last or "a6", LAYOUTS["a6"]).format
    language = language or meeting.default_language
    participants = select(meeting)
    plan = _plan(meeting, participants, format, language, base_url, pdfs=False)
    missing = plan.missing

    def keep(indexes: list[int], pdfs: list[bytes]) -> None:
        drawn = {}
        for index, pdf in zip(indexes, pdfs, strict=True):
            i = missing[index]
            drawn[participants[i].id] = (plan.digests[i], pdf)
        _keep(drawn, format, language)

    render_each(
        [badges_html(meeting, [plan.views[i]], format, language) for i in missing],
        plan.css,
        bare=True,
        workers=1,
        done=keep,
    )
    return len(missing)


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
