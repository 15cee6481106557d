"""The official list of participants (issue 19): who is on it, in protocol order,
and the same list as PDF, XLSX and DOCX.

Two queries read plain values (the delegations with their countries' names, then
the people listed); everything after them is pure: `protocol_order` sorts, `build`
puts the words of the document's language on it, and `to_pdf`, `to_xlsx` and
`to_docx` turn that into bytes.

Who is listed: people who agreed at registration to be listed
(`consent_public_list`; a meeting that does not ask lists nobody, as its form
settings say) and were never erased; the provisional edition lists those
approved, the final one those checked in at least once during the meeting (a
standing check-in at the desk: the desk admits approved people only).

Protocol order: the countries' delegations, alphabetically by the country's name
in the document's language with that language's collation (Bangladesh, Équateur,
Jamaïque in French), the host country's first when the meeting says so; within
a delegation its head, then the members by family and given name. Then the people
of no delegation, by group (NON_DELEGATION_ORDER), within a group by organisation
and name.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from babel.dates import format_date
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section as PageSection
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from meeting_app.core.collation import sort_key
from meeting_app.core.i18n import localized, text_direction
from meeting_app.delegations import protocol
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.documents.pdf import bidi, direction, render_pdf
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.registration import exports
from meeting_app.registration.models import (
    Category,
    Honorific,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)


class Edition(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


EDITION_LABELS = {Edition.PROVISIONAL: _l("Provisional"), Edition.FINAL: _l("Final")}
FORMATS = ("pdf", "xlsx", "docx")
MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": exports.MIMETYPES["xlsx"],
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# The groups of the people in no delegation, in the order they are listed. The
# issue names the first five (UN agencies, other international organisations,
# donors, civil society, private sector); after them come the other outside
# participants (academia, media), then officials who came without their country's
# delegation (national before local government), and the meeting's own people
# last, as lists of participants put them: the host's staff, then the secretariat
# (people of no delegation whose role is secretariat, whatever their category).
SECRETARIAT = ParticipantRole.SECRETARIAT
NON_DELEGATION_ORDER: tuple[Category | ParticipantRole, ...] = (
    Category.UN_AGENCY,
    Category.INTERNATIONAL_ORGANISATION,
    Category.DONOR,
    Category.CIVIL_SOCIETY,
    Category.PRIVATE_SECTOR,
    Category.ACADEMIA,
    Category.MEDIA,
    Category.NATIONAL_GOVERNMENT,
    Category.LOCAL_GOVERNMENT,
    Category.HOST_STAFF,
    SECRETARIAT,
)

# Characters that XML 1.0 (XLSX, DOCX) cannot hold; a pasted name may carry one.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class DelegationRow:
    id: int
    country_code: str
    country_name: str  # in the document's language
    head_id: int | None


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    honorific: Honorific | None
    given_name: str
    family_name: str
    position: str
    organisation: str
    category: Category
    role: ParticipantRole
    delegation_id: int | None


@dataclass(frozen=True, slots=True)
class Section:
    """A delegation (`key` its row) or a group of people of no delegation."""

    key: DelegationRow | Category | ParticipantRole
    people: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One person as printed: the family name in capitals (the UN convention)."""

    honorific: str
    given_name: str
    family_name: str
    position: str
    organisation: str

    @property
    def name(self) -> str:
        return " ".join(
            part for part in (self.honorific, self.given_name, self.family_name) if part
        )

    @property
    def details(self) -> str:
        return ", ".join(part for part in (self.position, self.organisation) if part)


@dataclass(frozen=True, slots=True)
class Group:
    heading: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class ParticipantList:
    """The document, every word in its language: what the exporters read."""

    slug: str
    language: str
    edition: Edition
    meeting_title: str
    heading: str  # "List of participants"
    mark: str  # "Provisional" or "Final"
    dated: str  # the date of the document, written for its language
    page_label: str  # "Page %(page)d of %(pages)d", translated, not yet filled in
    columns: tuple[str, ...]  # group, honorific, given name, family name, position, organisation
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(group.entries) for group in self.groups)

    def filename(self, fmt: str) -> str:
        return filename(self.slug, self.language, self.edition, fmt)


def filename(slug: str, language: str, edition: Edition, fmt: str) -> str:
    return f"{slug}-list-of-participants-{language}-{edition.value}.{fmt}"


# --- Choosing the document ---------------------------------------------------------


def choose_language(
    requested: str | None, languages: Sequence[str], reader: str, default: str
) -> str | None:
    """The language asked for, if the meeting has it (None if it has not); when none
    is asked for, the reader's if the meeting has it, else the meeting's default."""
    if requested:
        return requested if requested in languages else None
    return reader if reader in languages else default


def choose_edition(requested: str | None) -> Edition | None:
    """The edition asked for (provisional when none is); None for an unknown one."""
    try:
        return Edition(requested or Edition.PROVISIONAL)
    except ValueError:
        return None


# --- Reading (two queries) ---------------------------------------------------------


def delegation_rows(meeting: Meeting, language: str) -> list[DelegationRow]:
    """The meeting's delegations with their country's name in `language`."""
    name = Country.name_column(language)
    rows = db.session.execute(
        sa.select(Delegation.id, Delegation.country_code, name, Country.name_en, Delegation.head_id)
        .join(Country, Country.code == Delegation.country_code)
        .where(Delegation.meeting_id == meeting.id)
    )
    return [
        DelegationRow(id_, code, local or english, head) for id_, code, local, english, head in rows
    ]


def _listed(meeting: Meeting, edition: Edition, query: sa.Select) -> sa.Select:
    """`query` of participants, narrowed to those the edition lists (see the
    module's docstring)."""
    query = query.where(
        Participant.meeting_id == meeting.id,
        Participant.erased_at.is_(None),
        Participant.consent_public_list.is_(True),
    )
    if edition is Edition.FINAL:
        came = sa.exists().where(
            CheckIn.participant_id == Participant.id,
            CheckIn.cancelled_at.is_(None),
            CheckIn.day.between(meeting.start_date, meeting.end_date),
        )
        return query.where(came)
    return query.where(Participant.status == RegistrationStatus.APPROVED)


def listed_people(meeting: Meeting, edition: Edition) -> list[Person]:
    """Who the edition lists, as plain values."""
    query = sa.select(
        Participant.id,
        Participant.honorific,
        Participant.given_name,
        Participant.family_name,
        Participant.position,
        Participant.organisation,
        Participant.category,
        Participant.role,
        Participant.delegation_id,
    )
    return [Person(*row) for row in db.session.execute(_listed(meeting, edition, query))]


def listed_count(meeting: Meeting, edition: Edition) -> int:
    """How many people the edition lists: one COUNT, nobody read (whether the list
    is drawn in the request or by a task)."""
    query = sa.select(sa.func.count()).select_from(Participant)
    return db.session.execute(_listed(meeting, edition, query)).scalar_one()


def unlisted_count(meeting: Meeting) -> int:
    """Approved people left out because they did not agree to be listed."""
    return db.session.execute(
        sa.select(sa.func.count()).where(
            Participant.meeting_id == meeting.id,
            Participant.erased_at.is_(None),
            Participant.status == RegistrationStatus.APPROVED,
            Participant.consent_public_list.is_(False),
        )
    ).scalar_one()


# --- Protocol order (pure) ---------------------------------------------------------


def ordered_delegations(
    delegations: Iterable[DelegationRow],
    key: Callable[[str], bytes],
    host_country_code: str | None,
    host_country_first: bool,
) -> list[DelegationRow]:
    """Alphabetically by the country's name (`key`: the language's collation), the
    host country's first if `host_country_first`."""

    return sorted(
        delegations,
        key=lambda row: protocol.delegation_place(
            row.country_code, row.country_name, key, host_country_code, host_country_first
        ),
    )


def delegation_members(
    delegation: DelegationRow, members: Iterable[Person], key: Callable[[str], bytes]
) -> list[Person]:
    """The head first (the delegation's named head, then anyone whose role is head
    of delegation), then the members by family name and given name."""

    return sorted(
        members,
        key=lambda p: protocol.member_place(
            p.id, p.role, p.family_name, p.given_name, delegation.head_id, key
        ),
    )


def group_of(person: Person) -> Category | ParticipantRole:
    return SECRETARIAT if person.role is SECRETARIAT else person.category


def protocol_order(
    delegations: Iterable[DelegationRow],
    people: Iterable[Person],
    *,
    language: str,
    host_country_code: str | None,
    host_country_first: bool,
) -> list[Section]:
    """The sections of the list in protocol order, each with its people in order;
    delegations and groups with nobody listed are left out."""
    key = sort_key(language)
    by_delegation: dict[int, list[Person]] = {}
    by_group: dict[Category | ParticipantRole, list[Person]] = {}
    for person in people:
        if person.delegation_id is not None:
            by_delegation.setdefault(person.delegation_id, []).append(person)
        else:
            by_group.setdefault(group_of(person), []).append(person)
    sections = [
        Section(row, tuple(delegation_members(row, by_delegation[row.id], key)))
        for row in ordered_delegations(delegations, key, host_country_code, host_country_first)
        if row.id in by_delegation
    ]
    for group in NON_DELEGATION_ORDER:
        if group in by_group:
            members = sorted(
                by_group[group],
                key=lambda p: (key(p.organisation), key(p.family_name), key(p.given_name), p.id),
            )
            sections.append(Section(group, tuple(members)))
    return sections


# --- The document in its language ----------------------------------------------------


def _clean(text: str | None) -> str:
    return _UNWRITABLE.sub("", text or "").strip()


def entry(person: Person) -> Entry:
    """Call within the document's force_locale (the honorific is translated)."""
    return Entry(
        honorific=person.honorific.label if person.honorific else "",
        given_name=_clean(person.given_name),
        family_name=_clean(person.family_name).upper(),
        position=_clean(person.position),
        organisation=_clean(person.organisation),
    )


def heading(key: DelegationRow | Category | ParticipantRole) -> str:
    """A section's heading: the country's name, or the group's label (labels are
    singular, "Donor", so that no plural form is needed)."""
    return key.country_name if isinstance(key, DelegationRow) else key.label


def build(
    meeting: Meeting, *, language: str, edition: Edition, today: date | None = None
) -> ParticipantList:
    """The list as it stands, in `language` (dated `today`, default: today where
    the meeting is held)."""
    sections = protocol_order(
        delegation_rows(meeting, language),
        listed_people(meeting, edition),
        language=language,
        host_country_code=meeting.host_country_code,
        host_country_first=meeting.host_country_first,
    )
    with force_locale(language):
        return ParticipantList(
            slug=meeting.slug,
            language=language,
            edition=edition,
            meeting_title=localized(meeting.title, meeting.default_language, language).text,
            heading=_("List of participants"),
            mark=str(EDITION_LABELS[edition]),
            dated=format_date(today or meeting.local_date(), "long", locale=language),
            # Filled in by each format: CSS counters in the PDF, fields in Word.
            page_label=_("Page %(page)d of %(pages)d"),
            columns=(
                _("Group"),
                _("Title"),
                _("Given name"),
                _("Family name"),
                _("Position"),
                _("Organisation"),
            ),
            groups=tuple(
                Group(heading(s.key), tuple(entry(p) for p in s.people)) for s in sections
            ),
        )


# --- Exporters: pure functions of the document ------------------------------------------

_PLACEHOLDER = re.compile(r"%\((page|pages)\)d")


def page_label_parts(label: str) -> list[tuple[str, str]]:
    """ "Page %(page)d sur %(pages)d" as [("text", "Page "), ("page", ""), ("text",
    " sur "), ("pages", "")]: for CSS counters and Word fields."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(label):
        if match.start() > position:
            parts.append(("text", label[position : match.start()]))
        parts.append((match.group(1), ""))
        position = match.end()
    if position < len(label):
        parts.append(("text", label[position:]))
    return parts


def _css_string(text: str) -> str:
    """A CSS string literal of `text` (our translations, escaped all the same)."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-–_'()" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def page_numbers_css(label: str) -> Markup:
    """The footer's `content:` value, "Page " counter(page) " of " counter(pages)."""
    pieces = [
        _css_string(text) if kind == "text" else f"counter({kind})"
        for kind, text in page_label_parts(label)
    ]
    return Markup(" ".join(pieces))  # noqa: S704 (escaped above, no user text)


def to_pdf(document: ParticipantList) -> bytes:
    """A4, headers with the meeting and the edition's mark, footers with the date
    and the page numbers. User text reaches WeasyPrint through autoescaped Jinja."""
    with force_locale(document.language):
        html = render_template(
            "documents/list_of_participants.html",
            doc=document,
            page_numbers=page_numbers_css(document.page_label),
            **bidi(document.language),
        )
    return render_pdf(html, bare=True)


def _rows(document: ParticipantList) -> Iterable[list[str]]:
    for group in document.groups:
        for e in group.entries:
            yield [
                group.heading,
                e.honorific,
                e.given_name,
                e.family_name,
                e.position,
                e.organisation,
            ]


def to_xlsx(document: ParticipantList) -> bytes:
    """One row per person (write-only workbook); text is written as text, never a
    formula (registration/exports.py)."""
    title = re.sub(r"[\\/?*\[\]:]", "-", document.heading)  # what a sheet's name cannot hold
    return exports.to_xlsx(
        document.columns,
        _rows(document),
        title,
        right_to_left=text_direction(document.language) == "rtl",
    )


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in as it lays the pages out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _right_tab(paragraph: Paragraph, section: PageSection) -> None:
    width = section.page_width - section.left_margin - section.right_margin
    paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _run(paragraph: Paragraph, text: str, bold: bool = False) -> Run:
    """A run of `text`, marked right to left if it is (Arabic), so that Word sets it
    with its complex-script font, size and weight (w:rtl, w:bCs)."""
    run = paragraph.add_run(text)
    if bold:
        run.bold = run.font.cs_bold = True
    if direction(text) == "rtl":
        run.font.rtl = True
    return run


def _right_to_left(word: DocxDocument, language: str) -> None:
    """Right-to-left paragraphs (w:bidi: they start on the right, and their tab
    stops count from there) in Normal, so in every style based on it (the
    headings, the header and the footer), on a right-to-left page (the section's)."""
    word.styles["Normal"].element.get_or_add_pPr().append(OxmlElement("w:bidi"))
    word.styles["Normal"].element.rPr.find(qn("w:lang")).set(qn("w:bidi"), language)
    section = word.sections[0]._sectPr
    section.insert_element_before(
        OxmlElement("w:bidi"), "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange"
    )


def _appended(word: DocxDocument, end) -> Paragraph:
    """A new paragraph at the end of the body, before `end` (the body's section
    properties, found once). python-docx's add_paragraph looks for them among all
    the body's elements each time, which makes a long list quadratic (200 s for
    50,000 people)."""
    element = OxmlElement("w:p")
    end.addprevious(element)
    return Paragraph(element, word)


def to_docx(document: ParticipantList) -> bytes:
    """The same list as a Word document: A4, the meeting and the mark in the
    header, the date and "Page 3 of 12" in the footer, a heading per section and a
    paragraph per person (paragraphs: a 5,000-row Word table is slow to build and
    to open). Right to left in Arabic."""
    word = Document()
    word.core_properties.title = f"{document.heading} – {document.meeting_title}"
    word.core_properties.language = document.language
    normal = word.styles["Normal"]
    normal.font.size = Pt(10)
    # The size of complex-script text (Arabic names) too, which is 11 pt otherwise.
    size = OxmlElement("w:szCs")
    size.set(qn("w:val"), "20")
    normal.element.rPr.sz.addnext(size)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), document.language)
    normal.element.get_or_add_rPr().append(language)

    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(22)
    if text_direction(document.language) == "rtl":
        _right_to_left(word, document.language)

    header = section.header.paragraphs[0]
    _right_tab(header, section)
    _run(header, document.meeting_title)
    header.add_run("\t")
    _run(header, document.mark, bold=True)

    footer = section.footer.paragraphs[0]
    _right_tab(footer, section)
    _run(footer, document.dated)
    footer.add_run("\t")
    for kind, text in page_label_parts(document.page_label):
        if kind == "text":
            _run(footer, text)
        else:
            _field(footer, "PAGE" if kind == "page" else "NUMPAGES")

    _run(word.add_heading(level=0), document.meeting_title)
    _run(word.add_heading(level=1), document.heading)
    _run(word.add_paragraph(), f"{document.mark} · {document.dated}")
    end = word.element.body.sectPr
    for group in document.groups:
        heading = _appended(word, end)
        heading.style = word.styles["Heading 2"]
        _run(heading, group.heading)
        for e in group.entries:
            paragraph = _appended(word, end)
            paragraph.paragraph_format.keep_together = True
            name = _run(paragraph, e.name, bold=True)
            if e.details:
                name.add_break()
                _run(paragraph, e.details)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


EXPORTERS: dict[str, Callable[[ParticipantList], bytes]] = {
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "docx": to_docx,
}
