"""Badges: what goes on each, the page layouts, and printing many quickly.

Each badge is a page at the badge's size; a print places those pages on the
paper (imposition.py). Badges are drawn ahead, in the background, as
registrations are approved (ahead.py), each as a one-page PDF kept with a digest
of everything drawn on it (BadgeRender): a print draws only the badges not drawn
yet or changed since, in chunks, each chunk a task of its own on any worker
(tasks.py).
"""

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pikepdf
import sqlalchemy as sa
import weasyprint
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from PIL import ImageFont
from sqlalchemy.orm import joinedload

import config as app_config
from meeting_app.core.collation import collated
from meeting_app.core.colour import luminance
from meeting_app.core.i18n import localized
from meeting_app.delegations.models import Delegation
from meeting_app.documents import ahead, imposition, logo, photos
from meeting_app.documents.imposition import A4, Sheet
from meeting_app.documents.models import BadgePrint, BadgeRender
from meeting_app.documents.pdf import direction, qr_src, render_each, save
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration import participation
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
    Category.INTERNATIONAL_ORGANISATION: "#005a70",
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


@dataclass(frozen=True)
class Box:
    """Where a text goes on a badge (mm), the type sizes to try in it (pt, largest
    first), and its line height."""

    width: float
    height: float
    sizes: tuple[float, ...]
    line_height: float


# WeasyPrint has no fit-text: the size is chosen here, the largest at which the text
# fits its box without breaking inside a word (badges.css: `hyphens: none`). The
# boxes are those of badges.css; the smallest sizes fit 60 wide letters in the name.
BOXES = {
    "a6": {
        "name": Box(93, 36, (30, 26, 23, 20, 17, 15, 13, 11.5, 10), 1.1),
        "organisation": Box(93, 10, (11, 10, 9, 8), 1.2),
        "title": Box(93, 11.5, (13, 12, 11, 10, 9, 8), 1.2),
        "title_logo": Box(64, 11.5, (13, 12, 11, 10, 9, 8), 1.2),
    },
    "a7": {
        "name": Box(69, 21, (20, 17, 15, 13, 11.5, 10, 9, 8), 1.1),
        "organisation": Box(69, 7.5, (8.5, 8, 7.5, 7, 6.5), 1.2),
        "title": Box(97, 3.7, (8.5, 8, 7.5, 7, 6.5), 1.2),
        "title_logo": Box(77, 3.7, (8.5, 8, 7.5, 7, 6.5), 1.2),
    },
    "cr80": {
        "name": Box(57, 15, (16, 14, 12, 10.5, 9, 8, 7), 1.1),
        "organisation": Box(57, 6.5, (7.5, 7, 6.5, 6, 5.5), 1.2),
        "title": Box(78, 3.3, (7.5, 7, 6.5, 6), 1.2),
        "title_logo": Box(62, 3.3, (7.5, 7, 6.5, 6), 1.2),
    },
}
# With the photo (Meeting.photo_on_badges), the name and organisation go beside its
# frame, in narrower boxes (badges.css: .with-photo).
PHOTO_BOXES = {
    "a6": {
        "name": Box(64, 36, (30, 26, 23, 20, 17, 15, 13, 11.5, 10), 1.1),
        "organisation": Box(64, 10, (11, 10, 9, 8), 1.2),
    },
    "a7": {
        "name": Box(48, 21, (20, 17, 15, 13, 11.5, 10, 9, 8), 1.1),
        "organisation": Box(48, 7.5, (8.5, 8, 7.5, 7, 6.5), 1.2),
    },
    "cr80": {
        "name": Box(41, 15, (16, 14, 12, 10.5, 9, 8, 7), 1.1),
        "organisation": Box(41, 6.5, (7.5, 7, 6.5, 6, 5.5), 1.2),
    },
}
# Arabic script needs taller lines (badges.css: [dir=rtl]).
RTL_LEADING = 1.2

POINTS_PER_MM = 72 / 25.4
# The fonts of badges.css, measured with Pillow (the same files fontconfig gives
# WeasyPrint), with a little room for what Pango does differently.
FONTS = {("ltr", True): "DejaVuSans-Bold.ttf", ("ltr", False): "DejaVuSans.ttf"}
FONTS |= {("rtl", True): "NotoNaskhArabic-Bold.ttf", ("rtl", False): "NotoNaskhArabic-Regular.ttf"}
ROOM = 0.93
AVERAGE_EM = 0.8  # a wide average, should a font be missing


@lru_cache(maxsize=8)
def _font(file: str):
    try:
        return ImageFont.truetype(file, 100)
    except OSError:
        return None


@lru_cache(maxsize=4096)
def _char_em(char: str, bold: bool) -> float:
    font = _font(FONTS["ltr", bold])
    return font.getlength(char) / 100 if font else AVERAGE_EM


def _em(word: str, direction: str, bold: bool) -> float:
    """A word's width in em. Left-to-right, the sum of its letters' (a little wider
    than set, without kerning, and a print's thousands of names measured in
    milliseconds); Arabic is measured whole, as its letters join."""
    if direction == "ltr":
        return sum(_char_em(char, bold) for char in word)
    font = _font(FONTS[direction, bold])
    return font.getlength(word) / 100 if font else len(word) * AVERAGE_EM


def _lines(widths: list[float], space: float, line_width: float) -> int | None:
    """Lines taken by words of these widths, wrapped at spaces (None: a word is wider
    than a line)."""
    lines, used = 1, 0.0
    for width in widths:
        if width > line_width:
            return None
        if used and used + space + width > line_width:
            lines, used = lines + 1, width
        else:
            used += (space if used else 0) + width
    return lines


def fit(text: str, box: Box, direction: str = "ltr", bold: bool = True) -> tuple[float, bool]:
    """The largest of the box's sizes at which `text` fits it, no word broken, and
    True; or the smallest and False (it then wraps inside a word, as a last resort)."""
    widths = [_em(word, direction, bold) for word in text.split()]
    space = _em(" ", direction, bold)
    line_height = box.line_height * (RTL_LEADING if direction == "rtl" else 1)
    for size in box.sizes:
        lines = _lines(widths, space, box.width * POINTS_PER_MM * ROOM / size)
        if lines is not None and lines * size * line_height <= box.height * POINTS_PER_MM:
            return size, True
    return box.sizes[-1], False


def ink(colour: str) -> str:
    """White or near-black text, whichever reads better on `colour` (#rrggbb): a
    meeting may choose a light colour for a category."""
    light = luminance(colour)
    # WCAG contrast ratios with white and with #111 (whose luminance is 0.0056).
    return "#ffffff" if 1.05 / (light + 0.05) >= (light + 0.05) / 0.0556 else "#111111"


@dataclass(frozen=True)
class BadgeView:
    name: str
    name_size: float  # pt, see fit()
    # The name's words, each kept on one line (a double-barrelled name breaks at its
    # space, not its hyphen); none when a word is wider than a line at any size.
    name_words: tuple[str, ...]
    name_dir: str
    organisation: str
    organisation_size: float
    organisation_dir: str
    country: str
    iso: str
    role: str
    category: str
    colour: str
    ink: str  # the text colour on `colour`
    qr: str  # the image URL of the QR code (see pdf.qr_src)
    # With photos on badges: the photo's SHA-256 ("" for none, the frame then shows
    # the initials). The digest of what is drawn holds it, so a new photo redraws
    # the badge; the file's id only says where to load it from.
    photo: str = ""
    initials: str = ""
    photo_id: int | None = field(default=None, repr=False, compare=False)


def badge_views(
    meeting: Meeting, participants, language: str, base_url: str, format: str = "a6"
) -> list[BadgeView]:
    palette = colours(meeting)
    boxes = BOXES[format]
    found: dict[int, photos.Photo] = {}
    if meeting.photo_on_badges:
        boxes = boxes | PHOTO_BOXES[format]
        participants = list(participants)
        found = photos.photos_of(meeting.id, [p.id for p in participants])
    views = []
    with force_locale(language):
        for p in participants:
            photo = found.get(p.id)
            name_dir, organisation_dir = direction(p.badge_name), direction(p.organisation)
            name_size, whole = fit(p.badge_name, boxes["name"], name_dir)
            views.append(
                BadgeView(
                    name=p.badge_name,
                    name_size=name_size,
                    name_words=tuple(p.badge_name.split()) if whole else (),
                    name_dir=name_dir,
                    organisation=p.organisation,
                    organisation_size=fit(
                        p.organisation, boxes["organisation"], organisation_dir, bold=False
                    )[0],
                    organisation_dir=organisation_dir,
                    country=p.delegation.country.name(language) if p.delegation else "",
                    # ISO 3166 alpha-2: the only code the countries table holds.
                    iso=p.delegation.country_code if p.delegation else "",
                    role=str(p.role.label),
                    category=str(p.category.label),
                    colour=palette[p.category],
                    ink=ink(palette[p.category]),
                    # A PNG: WeasyPrint draws it several times faster than an SVG.
                    qr=qr_src(check_in_url(base_url, p)),
                    photo=photo.sha256 if photo else "",
                    initials=photos.initials(p.badge_name) if meeting.photo_on_badges else "",
                    photo_id=photo.file_id if photo else None,
                )
            )
    return views


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


def badges_html(
    meeting: Meeting,
    views: list[BadgeView],
    format: str,
    language: str,
    images: dict[int, str] | None = None,
) -> str:
    """One HTML document of badges, one per page. `images`: file id → data: URL of
    the photos (by default, those of `views`, loaded in one query)."""
    has_logo = bool(meeting.logo_png)
    if images is None:
        images = photos.data_urls(v.photo_id for v in views) if meeting.photo_on_badges else {}
    title = localized(meeting.title, meeting.default_language, language).text
    with force_locale(language):
        return render_template(
            "pdf/badges.html",
            meeting=meeting,
            badges=views,
            format=format,
            has_logo=has_logo,
            with_photo=meeting.photo_on_badges,
            images=images,
            title=title,
            title_size=fit(title, BOXES[format]["title_logo" if has_logo else "title"])[0],
            title_dir=direction(title),
            language=language,
        )


# Stands for the person on a badge, to sum up what the template draws around them.
# (All but `photo_id`, which is not drawn.)
_NOBODY = BadgeView(*["-"] * (len(BadgeView.__dataclass_fields__) - 1))


@dataclass
class _Plan:
    """The badges of a print: those drawn before, and those to draw."""

    views: list[BadgeView]
    css: str
    digests: list[str]
    kept: list[bool]  # whether a badge drawn before holds what the plan's view does

    @property
    def missing(self) -> list[int]:
        return [i for i, kept in enumerate(self.kept) if not kept]


def _plan(meeting: Meeting, participants, format: str, language: str, base_url: str) -> _Plan:
    """What is drawn and what is missing, by the digests of what is drawn on each
    badge; the drawings themselves are read as a print places them (_Badges)."""
    views = badge_views(meeting, participants, language, base_url, format)
    css = badges_css(format, logo.data_uri(meeting))
    # Everything the template draws around the person (meeting, dates, logo, the
    # template and stylesheet themselves), the person's own details and WeasyPrint's
    # version: equal digests, equal badges.
    around = badges_html(meeting, [_NOBODY], format, language)
    common = hashlib.sha256("\0".join((weasyprint.__version__, css, around)).encode()).hexdigest()
    digests = [hashlib.sha256(f"{common}{view!r}".encode()).hexdigest() for view in views]
    before = _kept([p.id for p in participants], format, language, pdfs=False)
    kept = [
        p.id in before and before[p.id][0] == digest
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


def keep(drawn: dict[int, tuple[str, bytes]], format: str, language: str) -> None:
    """Keeps drawn badges (participant id → digest and PDF), replacing what was
    kept for them before. One statement per badge that cannot collide on the unique
    constraint, whoever else keeps the same badge at the same time (INSERT ... ON
    CONFLICT DO UPDATE): the last one written stays, and both are the same drawing
    unless the person changed meanwhile, which the digest then tells."""
    if not drawn:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    rows = [
        {
            "participant_id": pid,
            "format": format,
            "language": language,
            "digest": digest,
            "pdf": pdf,
            "rendered_at": now,
        }
        for pid, (digest, pdf) in drawn.items()
    ]
    statement = insert(BadgeRender)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["participant_id", "format", "language"],
            set_={
                "digest": statement.excluded.digest,
                "pdf": statement.excluded.pdf,
                "rendered_at": statement.excluded.rendered_at,
            },
        ),
        rows,
    )


def _chunks(indexes: list[int]) -> list[list[int]]:
    return [indexes[i : i + CHUNK] for i in range(0, len(indexes), CHUNK)]


def _draw(meeting: Meeting, plan: _Plan, chunks: list[list[int]], format: str, language: str, each):
    """Draws the badges at these indexes of the plan, a chunk to a document (a
    chunk's badges share their fonts); `each(chunk, document)` is given each
    chunk's document, opened, as soon as it is drawn."""
    html = [badges_html(meeting, [plan.views[i] for i in c], format, language) for c in chunks]

    def drawn(indexes: list[int], pdfs: list[bytes]) -> None:
        for index, pdf in zip(indexes, pdfs, strict=True):
            each(chunks[index], pikepdf.open(io.BytesIO(pdf)))

    render_each(html, plan.css, bare=True, done=drawn)


# Badges drawn before, read from the database at a time while a print places them:
# the print holds one batch of their PDFs, not all of them (5,000 badges: 75 MB).
KEPT_BATCH = 500


class _Badges(Sequence):
    """The badges of a print, in order, as imposition.impose reads them (a sheet at
    a time, in turn): a page of a document drawn for this print, or a badge drawn
    before, read with the KEPT_BATCH around it when first asked for.

    A badge redrawn or deleted since the plan (its digest no longer the plan's) is
    drawn now, as the plan has it: a print never holds a badge other than the one
    planned, and never fails for a badge kept meanwhile."""

    def __init__(self, meeting: Meeting, plan: _Plan, ids: list[int], format: str, language: str):
        self.meeting, self.plan, self.ids = meeting, plan, ids
        self.format, self.language = format, language
        self.drawn: dict[int, pikepdf.Page] = {}
        self.documents: list[pikepdf.Pdf] = []  # those of `drawn`, open until the print is saved
        self.batch: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index in self.drawn:
            return self.drawn[index]
        if index not in self.batch:
            self._read(index - index % KEPT_BATCH)
        return self.batch[index]

    def place(self, chunk: list[int], document: pikepdf.Pdf) -> None:
        """The pages of a document drawn for this print, the badges at `chunk`."""
        self.documents.append(document)
        for index, page in zip(chunk, document.pages, strict=True):
            self.drawn[index] = page

    def _read(self, first: int) -> None:
        indexes = [
            i for i in range(first, min(first + KEPT_BATCH, len(self))) if i not in self.drawn
        ]
        found = _kept([self.ids[i] for i in indexes], self.format, self.language, pdfs=True)
        self.batch = {}
        late = []
        for i in indexes:
            digest, pdf = found.get(self.ids[i], (None, b""))
            if digest == self.plan.digests[i]:
                self.batch[i] = pdf
            else:
                late.append(i)
        if late:
            _draw(self.meeting, self.plan, _chunks(late), self.format, self.language, self.place)


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

    Badges drawn before are placed as they are, read a batch at a time as they
    are placed. The others are drawn now, in chunks, in this process (a print job
    draws them beforehand, in chunk tasks spread over the workers: see tasks.py);
    and drawn ahead for the next print of this kind (a task), for the meeting's
    other participants."""
    spec = LAYOUTS[layout]
    participants = list(participants)
    plan = _plan(meeting, participants, spec.format, language, base_url)
    missing = plan.missing
    done = len(participants) - len(missing)
    if progress:
        progress(done, len(participants))
    badges = _Badges(meeting, plan, [p.id for p in participants], spec.format, language)

    def place(chunk: list[int], document) -> None:
        nonlocal done
        badges.place(chunk, document)
        done += len(chunk)
        if progress:
            progress(done, len(participants))

    _draw(meeting, plan, _chunks(missing), spec.format, language, place)
    if missing:
        ahead.request(meeting.id, base_url, spec.format, language)
    if spec.sheet is None and len(participants) == 1:  # a reprint at the desk: as it is
        badge = badges[0]
        return badge if isinstance(badge, bytes) else pdf_save_page(badge)
    return imposition.impose(badges, spec.sheet)


def pdf_save_page(page: pikepdf.Page) -> bytes:
    """A page of an open document, as a one-page PDF of its own."""
    single = pikepdf.new()
    single.pages.append(page)
    # WeasyPrint gives all the pages of a document one resource dictionary: alone,
    # a badge would carry the images of every badge of its chunk (32 photos). The
    # copy's own dictionary keeps only what the page draws.
    single.pages[0].remove_unreferenced_resources()
    return save(single)


def draw(
    meeting: Meeting, participants, format: str, language: str, base_url: str, chunk_done=None
) -> int:
    """Draws the badges of `participants` not drawn yet (or changed since) in
    `format` and `language`, and keeps them (the caller commits; `chunk_done()`
    is called after each chunk is kept, to commit as it goes). Returns how many
    were drawn."""
    participants = list(participants)
    plan = _plan(meeting, participants, format, language, base_url)

    def kept(chunk: list[int], document) -> None:
        pages = zip(chunk, document.pages, strict=True)
        keep(
            {participants[i].id: (plan.digests[i], pdf_save_page(page)) for i, page in pages},
            format,
            language,
        )
        if chunk_done:
            chunk_done()

    _draw(meeting, plan, _chunks(plan.missing), format, language, kept)
    return len(plan.missing)


def missing(meeting: Meeting, participants, format: str, language: str, base_url: str):
    """Those of `participants` whose badge is not drawn yet, or has changed since."""
    participants = list(participants)
    plan = _plan(meeting, participants, format, language, base_url)
    return [participants[i] for i in plan.missing]


def ahead_format(meeting: Meeting, format: str | None, language: str | None) -> tuple[str, str]:
    """What to draw ahead in: by default the format of the meeting's last print (A6
    if none) and the meeting's language."""
    if format is None:
        last = db.session.execute(
            sa.select(BadgePrint.layout)
            .join(Participant, Participant.id == BadgePrint.participant_id)
            .where(Participant.meeting_id == meeting.id)
            .order_by(BadgePrint.printed_at.desc(), BadgePrint.id.desc())
            .limit(1)
        ).scalar()
        format = LAYOUTS.get(last or "a6", LAYOUTS["a6"]).format
    return format, language or meeting.default_language


def draw_ahead(
    meeting: Meeting,
    base_url: str,
    format: str | None = None,
    language: str | None = None,
    chunk_done=None,
) -> int:
    """Draws and keeps the badges of approved participants not drawn yet in `format`
    and `language` (see ahead_format). Returns how many were drawn."""
    format, language = ahead_format(meeting, format, language)
    return draw(meeting, select(meeting), format, language, base_url, chunk_done)


def select(
    meeting: Meeting,
    *,
    delegation_id: int | None = None,
    category: Category | None = None,
    not_printed: bool = False,
    participant_id: int | None = None,
    ids: list[int] | None = None,
) -> list[Participant]:
    """Approved participants who come in person (online ones get no badge,
    registration/participation.py), by delegation and name, with the filters the
    desk offers."""
    query = (
        sa.select(Participant)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
            # An erased person keeps their seat in the counts, but has no badge.
            Participant.erased_at.is_(None),
            participation.in_person_clause(meeting),
        )
        .options(joinedload(Participant.delegation).joinedload(Delegation.country))
        .order_by(
            Participant.delegation_id.is_(None),
            Participant.delegation_id,
            collated(Participant.family_name),
            collated(Participant.given_name),
        )
    )
    if delegation_id is not None:
        query = query.where(Participant.delegation_id == delegation_id)
    if category is not None:
        query = query.where(Participant.category == category)
    if participant_id is not None:
        query = query.where(Participant.id == participant_id)
    if ids is not None:  # a chunk's (a few dozen)
        query = query.where(Participant.id.in_(ids))
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
