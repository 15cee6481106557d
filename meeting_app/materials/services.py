"""A meeting's documents: checking an uploaded file by its content, storing one
file per language (a new one supersedes the one before, which stays listed),
and what each reader may see.

Who sees what is said once, in `visible_to_*`: anyone the public ones (the
public pages check that the meeting is published), an approved participant
also the participants' ones (through their private link), the meeting's
organisers and hosts all of them. A file is only ever found through one of
these sets, so a private link cannot reach a staff document.

Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import undefer

from meeting_app.agenda import feed_links
from meeting_app.agenda.models import AgendaSession
from meeting_app.core.i18n import LANGUAGES, Translated, language_name, localized
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.materials.models import DocumentFile, DocumentKind, MeetingDocument, Visibility
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import Participant, RegistrationStatus

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ALLOWED = frozenset({files.PDF, files.JPEG, files.PNG, DOCX, XLSX, PPTX, ODT, ODS, ODP})
EXTENSIONS = {
    files.PDF: ".pdf",
    files.JPEG: ".jpg",
    files.PNG: ".png",
    DOCX: ".docx",
    XLSX: ".xlsx",
    PPTX: ".pptx",
    ODT: ".odt",
    ODS: ".ods",
    ODP: ".odp",
}
# The short name people know each type by (not translated: these are names).
TYPE_NAMES = {
    files.PDF: "PDF",
    files.JPEG: "JPEG",
    files.PNG: "PNG",
    DOCX: "Word",
    XLSX: "Excel",
    PPTX: "PowerPoint",
    ODT: "OpenDocument",
    ODS: "OpenDocument",
    ODP: "OpenDocument",
}
# An Office Open XML package says what it is by its main part's content type in
# [Content_Types].xml; a macro-enabled one (docm, xlsm, pptm) has another, refused.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
ODF_TYPES = frozenset({ODT, ODS, ODP})
# Only these small entries of a ZIP are read (never the whole, which may be a bomb).
ZIP_ENTRY_MAX = 1_000_000
OFFICE_EXTENSIONS = (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".doc", ".xls", ".ppt")
DOCUMENT_MAX_BYTES = 20 * files.MB
TITLE_MAX = 300

PUBLIC = frozenset({Visibility.PUBLIC})
PARTICIPANTS = frozenset({Visibility.PUBLIC, Visibility.PARTICIPANTS})
STAFF = frozenset(Visibility)


class MaterialsError(Exception):
    """A document refused: `code` says why (unknown_session, unknown_language)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def max_bytes() -> int:
    """The largest document file accepted (DOCUMENT_MAX_BYTES in the configuration,
    20 MB unless set)."""
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES))


# --- Checking a file -------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The type of `data` by its content: PDF, JPEG, PNG by their first bytes; a ZIP
    by what it says it is inside (an Office Open XML or OpenDocument file); None for
    anything else (an executable, a page of HTML, an ordinary ZIP)."""
    found = files.sniff(data)
    if found is not None:
        return found
    if data.startswith(b"PK\x03\x04"):
        return _package_type(data)
    return None


def _package_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "mimetype" in names:  # OpenDocument: the type, in plain ASCII
                mimetype = _small_entry(package, "mimetype").decode("ascii").strip()
                return mimetype if mimetype in ODF_TYPES and "content.xml" in names else None
            if "[Content_Types].xml" in names:
                return _ooxml_type(_small_entry(package, "[Content_Types].xml"), names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, RuntimeError):
        # Damaged, encrypted (RuntimeError), or not ASCII where it must be.
        return None
    return None


def _small_entry(package: zipfile.ZipFile, name: str) -> bytes:
    if package.getinfo(name).file_size > ZIP_ENTRY_MAX:
        raise ValueError(name)
    return package.read(name)


def _ooxml_type(content_types: bytes, names: set[str]) -> str | None:
    if b"<!DOCTYPE" in content_types.upper():
        return None  # no DTD, so no entities to expand: Office never writes one
    try:
        root = ElementTree.fromstring(content_types)  # noqa: S314 (no DTD, small: above)
    except ElementTree.ParseError:
        return None
    for override in root:
        if not override.tag.endswith("}Override"):
            continue
        found = OOXML_MAIN_PARTS.get(override.get("ContentType", ""))
        part = override.get("PartName", "").lstrip("/")
        if found is not None and part in names:
            return found
    return None


def check(data: bytes, limit: int | None = None) -> str:
    """The type of `data`, one of ALLOWED; raises files.FileRefused unless it weighs
    at most `limit` (max_bytes()) and really is what its content says: a PDF that
    opens without a password or JavaScript, an image Pillow decodes whole, an
    Office or OpenDocument package that says which one it is."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise files.FileRefused("too_large", limit=limit, allowed=ALLOWED)
    content_type = sniff(data)
    if content_type not in ALLOWED:
        raise files.FileRefused("type", allowed=ALLOWED)
    if content_type == files.PDF:
        files.check_pdf(data)
    elif content_type in files.IMAGES:
        files.check(data, files.IMAGES, limit)
    return content_type


def message(error: files.FileRefused) -> str:
    """The sentence shown under the field, in the reader's language."""
    if error.code == "type":
        return _(
            "This file is not a PDF, Word, Excel, PowerPoint or OpenDocument file or a "
            "JPEG or PNG image, whatever its name says: send one of these."
        )
    return files.message(error)


def clean_filename(name: str, content_type: str) -> str:
    """The name a file is sent under (files.clean_filename's rules), ending in the
    extension of what the file is."""
    if content_type in files.EXTENSIONS:
        return files.clean_filename(name, content_type)
    extension = EXTENSIONS[content_type]
    # Cleaned by the same rules, with ".pdf" put on and taken off again.
    stem = files.clean_filename(name, files.PDF)[: -len(".pdf")]
    for known in OFFICE_EXTENSIONS:
        if stem.lower().endswith(known):
            stem = stem[: -len(known)].strip(" .")
            break
    stem = stem or "document"
    return stem[: files.FILENAME_MAX - len(extension)].rstrip(" .") + extension


# --- Changing documents ------------------------------------------------------------------


@dataclass
class DocumentInput:
    title: dict[str, str]
    kind: DocumentKind
    visibility: Visibility
    session_id: int | None = None


def _session_of(meeting: Meeting, session_id: int | None) -> AgendaSession | None:
    if session_id is None:
        return None
    session = db.session.get(AgendaSession, session_id)
    if session is None or session.meeting_id != meeting.id:
        raise MaterialsError("unknown_session")
    return session


def _apply(document: MeetingDocument, meeting: Meeting, values: DocumentInput) -> None:
    document.session = _session_of(meeting, values.session_id)
    document.title = {
        lang: text.strip()[:TITLE_MAX]
        for lang, text in values.title.items()
        if lang in meeting.languages and text and text.strip()
    }
    document.kind = values.kind
    document.visibility = values.visibility


def create_document(meeting: Meeting, values: DocumentInput) -> MeetingDocument:
    """A new document of `meeting`, last in its list; MaterialsError for a session
    of another meeting."""
    last = db.session.execute(
        sa.select(sa.func.max(MeetingDocument.position)).where(
            MeetingDocument.meeting_id == meeting.id
        )
    ).scalar()
    document = MeetingDocument(meeting_id=meeting.id, position=(last or 0) + 1)
    _apply(document, meeting, values)
    db.session.add(document)
    db.session.flush()
    return document


def update_document(document: MeetingDocument, meeting: Meeting, values: DocumentInput) -> None:
    _apply(document, meeting, values)
    db.session.flush()


def add_file(
    document: MeetingDocument,
    meeting: Meeting,
    language: str,
    filename: str,
    data: bytes,
    uploaded_by: str,
) -> DocumentFile:
    """Stores `data` as the document's file in `language` (one of the meeting's),
    checked by its content (files.FileRefused otherwise); the file in force before in
    that language is superseded, and stays listed."""
    if language not in meeting.languages:
        raise MaterialsError("unknown_language")
    content_type = check(data)
    if content_type in files.IMAGES:
        data = files.clean_image(data, content_type)  # no EXIF, GPS or comments
    now = utcnow()
    db.session.execute(
        sa.update(DocumentFile)
        .where(
            DocumentFile.document_id == document.id,
            DocumentFile.language == language,
            DocumentFile.superseded_at.is_(None),
        )
        .values(superseded_at=now)
        .execution_options(synchronize_session="fetch")
    )
    stored = DocumentFile(
        document_id=document.id,
        language=language,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=uploaded_by[:300],
        uploaded_at=now,
    )
    db.session.add(stored)
    document.updated_at = now
    db.session.flush()
    db.session.expire(document, ["files"])
    return stored


def delete_document(document: MeetingDocument) -> None:
    """The document and all its files, superseded ones included."""
    db.session.delete(document)
    db.session.flush()


# --- Finding documents -------------------------------------------------------------------


def session_choices(meeting: Meeting) -> list[tuple[int, str]]:
    """(id, "13 June 09:00 · title") of the meeting's sessions (the working copy), in
    time order, for the form's list."""
    rows = db.session.execute(
        sa.select(AgendaSession.id, AgendaSession.starts_at, AgendaSession.title)
        .where(AgendaSession.meeting_id == meeting.id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    tz = meeting.tz
    return [
        (
            session_id,
            f"{starts_at.astimezone(tz):%Y-%m-%d %H:%M} · "
            f"{localized(title, meeting.default_language).text}",
        )
        for session_id, starts_at, title in rows
    ]


def visible_to_participant(participant: Participant) -> frozenset[Visibility]:
    """What a private link opens: an approved participant's, the participants' and
    the public documents; anyone else's (waiting, cancelled, declined), the public
    ones only."""
    if participant.status is RegistrationStatus.APPROVED:
        return PARTICIPANTS
    return PUBLIC


def get_document(meeting: Meeting, document_id: int) -> MeetingDocument | None:
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting.id:
        return None
    return document


def current_file(
    meeting: Meeting, document_id: int, language: str, visibilities: Iterable[Visibility]
) -> DocumentFile | None:
    """The file in force of the meeting's document in `language`, if the document is
    of one of `visibilities`; None otherwise (the caller answers 404)."""
    return db.session.execute(
        sa.select(DocumentFile)
        .join(MeetingDocument)
        .where(
            MeetingDocument.id == document_id,
            MeetingDocument.meeting_id == meeting.id,
            MeetingDocument.visibility.in_(list(visibilities)),
            DocumentFile.language == language,
            DocumentFile.superseded_at.is_(None),
        )
        .options(undefer(DocumentFile.content))
        .order_by(DocumentFile.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def any_file(meeting: Meeting, document_id: int, file_id: int) -> DocumentFile | None:
    """Any file of the meeting's document, superseded ones included (staff)."""
    found = db.session.execute(
        sa.select(DocumentFile)
        .join(MeetingDocument)
        .where(
            DocumentFile.id == file_id,
            MeetingDocument.id == document_id,
            MeetingDocument.meeting_id == meeting.id,
        )
        .options(undefer(DocumentFile.content))
    ).scalar_one_or_none()
    return found


def current_files(meeting: Meeting):
    """Every file in force of the meeting (content included), with its document:
    what the export writes."""
    return (
        db.session.execute(
            sa.select(DocumentFile)
            .join(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting.id, DocumentFile.superseded_at.is_(None))
            .options(undefer(DocumentFile.content))
            .order_by(MeetingDocument.position, MeetingDocument.id, DocumentFile.language)
        )
        .scalars()
        .all()
    )


@feed_links.provider
def document_links(participant: Participant, session_ids, base_url: str) -> dict[int, str]:
    """{session id: the address of the documents page of the person's private link,
    at that session} for those of `session_ids` that have a document in force the
    person may read (their calendar feed's entries link to it). One query."""
    ids = list(session_ids)
    if not ids:
        return {}
    with_documents = db.session.execute(
        sa.select(MeetingDocument.session_id)
        .join(DocumentFile)
        .where(
            MeetingDocument.meeting_id == participant.meeting_id,
            MeetingDocument.session_id.in_(ids),
            MeetingDocument.visibility.in_(list(visible_to_participant(participant))),
            DocumentFile.superseded_at.is_(None),
        )
        .distinct()
    ).scalars()
    page = f"{base_url}/r/{participant.token}/documents/"
    return {session_id: f"{page}#session-{session_id}" for session_id in with_documents}


def export_name(file: DocumentFile) -> str:
    """A safe, unique file name for the export: the document's number, the
    language, and the file's cleaned name."""
    return f"{file.document_id:04d}-{file.language}-{file.filename}"


# --- What a reader sees ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """A document as the lists need it: plain values read in two queries (no ORM
    objects: a thousand of them cost more than the page), and its files in force,
    per language (language, content type, size)."""

    id: int
    session_id: int | None
    kind: DocumentKind
    title: dict[str, str]
    visibility: Visibility
    files: dict[str, tuple[str, int]]


def listed(meeting: Meeting, visibilities: Iterable[Visibility]) -> list[Listed]:
    """The meeting's documents of these visibilities, in their order, with their
    files in force: two queries, however many documents."""
    visibilities = list(visibilities)
    documents = db.session.execute(
        sa.select(
            MeetingDocument.id,
            MeetingDocument.session_id,
            MeetingDocument.kind,
            MeetingDocument.title,
            MeetingDocument.visibility,
        )
        .where(
            MeetingDocument.meeting_id == meeting.id,
            MeetingDocument.visibility.in_(visibilities),
        )
        .order_by(MeetingDocument.position, MeetingDocument.id)
    ).all()
    in_force: dict[int, dict[str, tuple[str, int]]] = {}
    for document_id, language, content_type, size in db.session.execute(
        sa.select(
            DocumentFile.document_id,
            DocumentFile.language,
            DocumentFile.content_type,
            DocumentFile.size,
        )
        .join(MeetingDocument)
        .where(
            MeetingDocument.meeting_id == meeting.id,
            MeetingDocument.visibility.in_(visibilities),
            DocumentFile.superseded_at.is_(None),
        )
        .order_by(DocumentFile.id)  # the newest last, should two be in force
    ):
        in_force.setdefault(document_id, {})[language] = (content_type, size)
    return [Listed(*row, files=in_force.get(row[0], {})) for row in documents]


@dataclass(frozen=True, slots=True)
class ShownFile:
    language: str
    language_name: str
    link_text: str
    details: str  # "PDF, 1.2 MB"
    url: str


@dataclass(frozen=True, slots=True)
class ShownDocument:
    id: int
    title: Translated
    kind_label: str
    visibility: Visibility
    session_id: int | None
    files: list[ShownFile]  # the reader's language first
    languages: str  # "French, English"
    note: str  # "Available in: French. Not available in English."
    in_reader_language: bool


@dataclass
class Shelf:
    """A reader's documents of a meeting, ready to print: the meeting's own, and
    each session's (by the session's id)."""

    general: list[ShownDocument] = field(default_factory=list)
    by_session: dict[int, list[ShownDocument]] = field(default_factory=dict)
    reader_language: str = "en"

    def of_session(self, session_id: int) -> list[ShownDocument]:
        return self.by_session.get(session_id, [])

    def __len__(self) -> int:
        return len(self.general) + sum(len(d) for d in self.by_session.values())


def _size(size: int, decimal: str) -> str:
    if size >= files.MB:
        return f"{size / files.MB:.1f}".replace(".", decimal) + " MB"
    return f"{max(1, round(size / 1000))} kB"


def shelf(
    meeting: Meeting,
    documents: Iterable[Listed],
    base_url: str,
    language: str,
    *,
    sessions: set[int] | None = None,
) -> Shelf:
    """The documents (from `listed`) that have a file in force, for a reader of
    `language`: each file's link is `base_url` + "<document id>/<language>";
    offered in the reader's language first, then in the meeting's order of
    languages. `sessions`: the sessions shown (published ones); documents of others
    are left out. Worked out once per page: names, labels and sentences are made
    once per language or set of languages, not per document."""
    order: dict[str, int] = {}
    for lang in (language, *meeting.languages):
        order.setdefault(lang, len(order))
    names = {lang: language_name(lang, language) for lang in LANGUAGES}
    links = {lang: _("Download in %(language)s", language=names[lang]) for lang in names}
    kinds = {kind: str(kind.label) for kind in DocumentKind}
    decimal = get_decimal_symbol(language)
    missing = _("Not available in %(language)s.", language=names.get(language, language))
    notes: dict[tuple[str, ...], tuple[str, str]] = {}
    details: dict[tuple[str, int], str] = {}
    result = Shelf(reader_language=language)
    for document in documents:
        session_id = document.session_id
        if sessions is not None and session_id is not None and session_id not in sessions:
            continue
        if not document.files:
            continue
        key = tuple(sorted(document.files, key=lambda lang: (order.get(lang, 9), lang)))
        if key not in notes:
            named = ", ".join(names.get(lang, lang) for lang in key)
            note = _("Available in: %(languages)s.", languages=named)
            notes[key] = (named, note if key[0] == language else f"{note} {missing}")
        shown_files = []
        for lang in key:
            content_type, size = document.files[lang]
            if (content_type, size) not in details:
                details[content_type, size] = (
                    f"{TYPE_NAMES.get(content_type, '')}, {_size(size, decimal)}"
                )
            shown_files.append(
                ShownFile(
                    language=lang,
                    language_name=names.get(lang, lang),
                    link_text=links.get(lang, lang),
                    details=details[content_type, size],
                    url=f"{base_url}{document.id}/{lang}",
                )
            )
        shown = ShownDocument(
            id=document.id,
            title=localized(document.title, meeting.default_language, language),
            kind_label=kinds[document.kind],
            visibility=document.visibility,
            session_id=session_id,
            files=shown_files,
            languages=notes[key][0],
            note=notes[key][1],
            in_reader_language=key[0] == language,
        )
        if session_id is None:
            result.general.append(shown)
        else:
            result.by_session.setdefault(session_id, []).append(shown)
    return result
