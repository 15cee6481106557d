"""Files sent with a message: a PDF the organiser uploads (checked, then stored
once, at compose time) and the programme booklet (made at send time, one PDF per
language its recipients read). Both are MailAttachment rows: each mail names the
ids of its files, and one stored copy serves every recipient.

A message lists its files as [{"kind": "booklet"}, {"kind": "upload", "id": 7}].
"""

import hashlib

import sqlalchemy as sa
from flask import current_app

from meeting_app.agenda.services import latest_version
from meeting_app.core.i18n import LANGUAGE_NAMES
from meeting_app.documents import booklet
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.mail.models import MailAttachment

BOOKLET = "booklet"
UPLOAD = "upload"
PDF = files.PDF


class AttachmentError(Exception):
    """An uploaded file refused: `code` says why (too_large, not_pdf, encrypted,
    javascript, too_large_together)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def max_bytes() -> int:
    return current_app.config["MESSAGE_ATTACHMENTS_MAX_BYTES"]


def booklet_available(meeting) -> bool:
    """The booklet can go with a message once an agenda is published (what the
    public agenda.pdf prints)."""
    return latest_version(meeting) is not None


def clean_filename(name: str) -> str:
    """The name a file is stored and sent under (files.services.clean_filename),
    ending in .pdf."""
    return files.clean_filename(name, PDF)


def check_pdf(data: bytes) -> None:
    """Raises AttachmentError unless `data` is a PDF (by its content, not its
    name) of at most max_bytes(), without a password and without JavaScript
    (files.services.check, with the codes this form has always used)."""
    try:
        files.check(data, frozenset({PDF}), max_bytes())
    except files.FileRefused as error:
        raise AttachmentError("not_pdf" if error.code == "type" else error.code) from error


def store(meeting, filename: str, content: bytes, content_type: str = PDF) -> MailAttachment:
    """A stored file; the same file under the same name for the same meeting is
    stored once (the booklet of every message until the agenda changes, a PDF
    attached again)."""
    digest = hashlib.sha256(content).hexdigest()
    existing = db.session.execute(
        sa.select(MailAttachment).where(
            MailAttachment.meeting_id == meeting.id,
            MailAttachment.sha256 == digest,
            MailAttachment.filename == filename,
            MailAttachment.size == len(content),
        )
    ).scalar()
    if existing is not None:
        return existing
    attachment = MailAttachment(
        meeting_id=meeting.id,
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        content=content,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def upload(meeting, filename: str, data: bytes, kept: list[MailAttachment]) -> MailAttachment:
    """Checks an organiser's file and stores it; `kept` are the files the message
    has already, whose sizes count towards the limit."""
    check_pdf(data)
    if sum(a.size for a in kept) + len(data) > max_bytes():
        raise AttachmentError("too_large_together")
    return store(meeting, clean_filename(filename), data)


def uploads(meeting, ids) -> list[MailAttachment]:
    """The meeting's stored files of `ids`, in that order (others' are ignored)."""
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return []
    found = {
        a.id: a
        for a in db.session.execute(
            sa.select(MailAttachment).where(
                MailAttachment.id.in_(ids), MailAttachment.meeting_id == meeting.id
            )
        ).scalars()
    }
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def listed(booklet_on: bool, files: list[MailAttachment]) -> list[dict]:
    """The message's `attachments` value."""
    booklet_part = [{"kind": BOOKLET}] if booklet_on else []
    return booklet_part + [{"kind": UPLOAD, "id": a.id} for a in files]


def wants_booklet(attachments: list[dict] | None) -> bool:
    return any(a.get("kind") == BOOKLET for a in attachments or ())


def upload_ids(attachments: list[dict] | None) -> list[int]:
    return [a["id"] for a in attachments or () if a.get("kind") == UPLOAD and "id" in a]


def booklet_language(participant, mail_language: str) -> str:
    """The booklet in the person's own language (it is complete in each of the
    interface's), whatever the language the message's text reaches them in."""
    language = participant.preferred_language
    return language if language in LANGUAGE_NAMES else mail_language


def booklets(meeting, languages) -> dict[str, int]:
    """{language: MailAttachment id} of the programme booklet, made once for each
    of `languages` (send time: the agenda as published then). Raises
    documents.pdf.RenderError if WeasyPrint fails."""
    if not booklet_available(meeting):
        return {}
    made = {}
    for language in sorted(set(languages)):
        pdf = booklet.booklet_pdf(meeting, language=language, paper="a4")
        made[language] = store(meeting, f"{meeting.slug}-programme-{language}.pdf", pdf).id
    return made
