"""Files sent with a message: an organiser's PDF (checked by its content, stored
once, kept across saves, removable, listed in the log) and the programme booklet
in each person's language; both reach a real mailbox, with the test to oneself
too. Bad files are refused under the field, keeping what was typed."""

import io
import re
import time
from datetime import time as clock

import pikepdf
import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from meeting_app.agenda import services as agenda
from meeting_app.agenda.models import SessionKind
from meeting_app.documents import booklet
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.mail import delivery
from meeting_app.mail.models import MailAttachment, MailStatus, OutgoingMail
from meeting_app.messages import attachments
from meeting_app.messages.models import Message, MessageState
from tests.messages.conftest import compose

NEW = "/manage/meetings/rabat/messages/new"


def pdf_bytes(javascript: str = "", where: str = "open") -> bytes:
    """A one-page PDF made with pikepdf, with a script where asked."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(javascript))
    if javascript and where == "open":
        pdf.Root.OpenAction = action
    elif javascript and where == "annotation":
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 100, 100],
            AA=pikepdf.Dictionary(E=action),
        )
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([link]))
    elif javascript and where == "names":
        tree = pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(action)])
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=tree))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def with_file(data: bytes, name: str = "Ordre du jour.pdf") -> dict:
    return {"upload": (io.BytesIO(data), name)}


@pytest.fixture
def people(meeting, nepal, make_participant):
    return [
        make_participant(meeting, given_name="Ana", family_name="Alpha", preferred_language="en"),
        make_participant(meeting, given_name="Zoé", family_name="Zed", preferred_language="fr"),
    ]


def publish_agenda(meeting):
    agenda.save_session(
        meeting,
        agenda.SessionInput(
            kind=SessionKind.PLENARY,
            title={"en": "Opening plenary", "fr": "Plénière d'ouverture"},
            day=meeting.start_date,
            start=clock(9, 0),
            end=clock(10, 0),
        ),
    )
    agenda.publish(meeting)
    db.session.commit()


def kept_ids(page: str) -> list[str]:
    return re.findall(r'name="kept_uploads" value="(\d+)"', page)


def wait_for(inbox, addresses: set[str], timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = {m["To"]: m for m in inbox.messages if m["To"] in addresses}
        if len(got) == len(addresses):
            return got
        time.sleep(0.05)
    return {m["To"]: m for m in inbox.messages if m["To"] in addresses}


def files_of(mail) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in mail.iter_attachments()}


def test_an_uploaded_pdf_is_kept_across_saves_and_reaches_every_recipient(
    client, organiser, meeting, people, inbox
):
    document = pdf_bytes()
    page = client.post(
        NEW, data=compose(meeting, statuses="approved", action="attach") | with_file(document)
    ).get_data(as_text=True)
    assert "Ordre du jour.pdf" in page and "Remove" in page
    [kept] = kept_ids(page)
    data = compose(meeting, statuses="approved", kept_uploads=kept)
    saved = client.post(NEW, data=data | {"action": "save"})
    message = db.session.execute(sa.select(Message)).scalar_one()
    assert saved.headers["Location"].endswith(f"/messages/{message.id}/")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert kept_ids(page) == [kept]  # still there when the draft is opened again

    client.post(f"/manage/meetings/rabat/messages/{message.id}/", data=data | {"action": "send"})
    mails = wait_for(inbox, {p.email for p in people})
    assert set(mails) == {p.email for p in people}
    for mail in mails.values():
        assert files_of(mail) == {"Ordre du jour.pdf": document}
        assert "Logistics for" in mail["Subject"]
    # One stored copy, named by every mail.
    assert db.session.scalar(sa.select(sa.func.count(MailAttachment.id))) == 1
    log = client.get(f"/manage/meetings/rabat/messages/{message.id}/log").get_data(as_text=True)
    assert "Ordre du jour.pdf" in log
    download = client.get(f"/manage/meetings/rabat/messages/files/{kept}")
    assert download.data == document and "attachment" in download.headers["Content-Disposition"]


def test_an_attachment_can_be_removed_keeping_the_rest(client, organiser, meeting, people):
    page = client.post(
        NEW, data=compose(meeting, statuses="approved", action="attach") | with_file(pdf_bytes())
    ).get_data(as_text=True)
    [kept] = kept_ids(page)
    page = client.post(
        NEW,
        data=compose(
            meeting,
            statuses="approved",
            kept_uploads=kept,
            remove_upload=kept,
            **{"t_en-subject": "Still here"},
        ),
    ).get_data(as_text=True)
    assert kept_ids(page) == [] and "Ordre du jour.pdf" not in page
    assert 'value="Still here"' in page


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (PNG, "photo.pdf", "is not a PDF document"),
        (b"<html><script>alert(1)</script></html>", "page.pdf", "is not a PDF document"),
        (b"%PDF-1.7\n<html>not really</html>", "fake.pdf", "is not a PDF document"),
        (pdf_bytes("app.alert(1)", "open"), "open.pdf", "contains JavaScript"),
        (pdf_bytes("app.alert(1)", "annotation"), "link.pdf", "contains JavaScript"),
        (pdf_bytes("app.alert(1)", "names"), "names.pdf", "contains JavaScript"),
    ],
)
def test_a_file_that_is_no_safe_pdf_is_refused_under_the_field(
    client, organiser, meeting, people, data, name, says
):
    response = client.post(
        NEW,
        data=compose(meeting, statuses="approved", action="send", **{"t_en-subject": "Typed"})
        | with_file(data, name),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="upload-error">([^<]*)</p>', page).group(1)
    assert says in error
    assert 'value="Typed"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count(MailAttachment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0


def test_a_file_over_the_limit_is_refused_under_the_field(
    client, organiser, meeting, people, monkeypatch
):
    monkeypatch.setitem(client.application.config, "MESSAGE_ATTACHMENTS_MAX_BYTES", 2_000)
    response = client.post(
        NEW,
        data=compose(meeting, statuses="approved", action="attach", **{"t_en-subject": "Typed"})
        | with_file(pdf_bytes() + b"%" * 2_000, "big.pdf"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This file is larger than 2 kB" in page
    assert 'value="Typed"' in page
    assert db.session.scalar(sa.select(sa.func.count(MailAttachment.id))) == 0


def test_a_request_far_over_the_limit_gets_the_413_page(client, organiser, meeting, monkeypatch):
    # The limit of the request: the files' and 2 MB for the texts around them.
    monkeypatch.setitem(client.application.config, "MESSAGE_ATTACHMENTS_MAX_BYTES", 2_000)
    # Built in memory: the test client would spool it to a file it never closes.
    upload = FileStorage(io.BytesIO(b"%PDF-" + b"x" * 2_100_000), "big.pdf")
    boundary, body = encode_multipart(compose(meeting, action="attach") | {"upload": upload})
    response = client.post(NEW, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Too much sent at once" in response.get_data(as_text=True)


def test_a_hostile_file_name_is_cleaned(client, organiser, meeting, people, inbox):
    # A folder to climb out of, a right-to-left override, controls, header syntax.
    hostile = "..\\..\\etc/\u202eReport\tBcc: spy@example.com <x>\x07.PDF"
    page = client.post(
        NEW,
        data=compose(meeting, statuses="approved", action="test") | with_file(pdf_bytes(), hostile),
        follow_redirects=True,
    ).get_data(as_text=True)
    cleaned = "Report Bcc_ spy@example.com _x_.pdf"
    assert db.session.execute(sa.select(MailAttachment.filename)).scalar_one() == cleaned
    assert cleaned in page and "etc/" not in page
    [mail] = wait_for(inbox, {"boss@example.org"}).values()
    assert list(files_of(mail)) == [cleaned]
    assert mail["Bcc"] is None
    assert not [m for m in inbox.messages if "spy@example.com" in (m["To"] or "")]


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\ana\\Agenda.PDF", "Agenda.pdf"),
        ("a\r\nBcc: spy@example.com.pdf", "a Bcc_ spy@example.com.pdf"),
        ("\u202efdp.exe", "fdp.exe.pdf"),
        ("nul\x00byte.pdf", "nul byte.pdf"),
        ("...", "document.pdf"),
        ("", "document.pdf"),
        ("é" * 300 + ".pdf", "é" * 196 + ".pdf"),
        ("Réunion – ordre du jour.pdf", "Réunion – ordre du jour.pdf"),
    ],
)
def test_file_names_lose_paths_controls_and_length(name, cleaned):
    assert attachments.clean_filename(name) == cleaned


def test_another_meetings_file_cannot_be_attached(client, organiser, meeting, people, make_meeting):
    other = make_meeting(slug="elsewhere")
    foreign = MailAttachment(
        meeting_id=other.id, filename="secret.pdf", size=3, sha256="", content=b"%PDF"
    )
    db.session.add(foreign)
    db.session.commit()
    page = client.post(
        NEW, data=compose(meeting, statuses="approved", kept_uploads=str(foreign.id))
    ).get_data(as_text=True)
    assert "secret.pdf" not in page and kept_ids(page) == []
    assert client.get(f"/manage/meetings/rabat/messages/files/{foreign.id}").status_code == 404


def test_the_booklet_is_offered_once_an_agenda_is_published(client, organiser, meeting):
    label = "The programme booklet (PDF), in each person"
    assert label not in client.get(NEW).get_data(as_text=True)
    publish_agenda(meeting)
    assert label in client.get(NEW).get_data(as_text=True)


def test_the_booklet_goes_in_each_persons_language(client, organiser, meeting, people, inbox):
    publish_agenda(meeting)
    client.post(NEW, data=compose(meeting, statuses="approved", booklet="y", action="send"))
    ana, zoe = people
    mails = wait_for(inbox, {ana.email, zoe.email})
    [(english_name, english)] = files_of(mails[ana.email]).items()
    [(french_name, french)] = files_of(mails[zoe.email]).items()
    assert english_name == "rabat-programme-en.pdf" and french_name == "rabat-programme-fr.pdf"
    assert "Opening plenary" in text_of(english)
    assert "Plénière d'ouverture" in text_of(french)
    # Made once per language for the message, not once per person.
    assert db.session.scalar(sa.select(sa.func.count(MailAttachment.id))) == 2
    message = db.session.execute(sa.select(Message)).scalar_one()
    log = client.get(f"/manage/meetings/rabat/messages/{message.id}/log").get_data(as_text=True)
    assert "The programme booklet (PDF)" in log


def test_a_booklet_that_cannot_be_drawn_does_not_hold_the_message(
    client, organiser, meeting, people, inbox, monkeypatch
):
    publish_agenda(meeting)

    def broken(*args, **kwargs):
        raise RenderError("no fonts")

    monkeypatch.setattr(booklet, "booklet_pdf", broken)
    client.post(NEW, data=compose(meeting, statuses="approved", booklet="y", action="send"))
    mails = wait_for(inbox, {p.email for p in people})
    assert len(mails) == 2 and not any(files_of(m) for m in mails.values())
    message = db.session.execute(sa.select(Message)).scalar_one()
    db.session.refresh(message)
    assert message.state is MessageState.SENT
    # The log says what went: no booklet.
    assert message.attachments == []


def test_the_test_to_myself_carries_the_files(client, organiser, meeting, people, inbox):
    publish_agenda(meeting)
    document = pdf_bytes()
    client.post(
        NEW,
        data=compose(meeting, statuses="approved", booklet="y", action="test")
        | with_file(document, "annex.pdf"),
    )
    [mail] = wait_for(inbox, {"boss@example.org"}).values()
    files = files_of(mail)
    # Sent as the first recipient (Ana, English) gets it.
    assert files["annex.pdf"] == document
    assert "Opening plenary" in text_of(files["rabat-programme-en.pdf"])
    assert mail["Subject"].startswith("[TEST]")


def test_a_batch_of_mails_reads_its_shared_file_once(app_context, meeting, inbox):
    document = pdf_bytes()
    stored = MailAttachment(
        meeting_id=meeting.id, filename="a.pdf", size=len(document), sha256="", content=document
    )
    db.session.add(stored)
    db.session.flush()
    addresses = {f"p{n}@example.org" for n in range(5)}
    db.session.add_all(
        OutgoingMail(
            kind="message",
            recipient=address,
            subject="S",
            body_text="B\n",
            status=MailStatus.PENDING,
            attachment_ids=[stored.id],
        )
        for address in addresses
    )
    db.session.commit()
    reads = []

    def count(conn, cursor, statement, *args):
        if "FROM mail_attachments" in statement:
            reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert delivery.deliver_pending()[MailStatus.SENT] == 5
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(reads) == 1
    mails = wait_for(inbox, addresses)
    assert all(files_of(m) == {"a.pdf": document} for m in mails.values())


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
