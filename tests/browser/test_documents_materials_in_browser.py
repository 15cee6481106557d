"""A meeting's documents in a real browser: the organiser uploads a concept note in
French and English (after a disguised file is refused), a staff-only report and a
participants-only presentation; then who sees what: anonymous, an approved
participant, a cancelled one, the host, the organiser. Every page is checked by
axe-core as it opens."""

import io

import pikepdf
import pytest
from playwright.sync_api import expect

from meeting_app.accounts.models import Role
from meeting_app.agenda.published import published_agenda
from meeting_app.extensions import db
from meeting_app.materials.models import MeetingDocument
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.registration.models import RegistrationStatus
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SLUG = "dakar-demo"


def _pdf(text: str) -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Title"] = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _file(name: str, data: bytes, mime: str = "application/pdf") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


@pytest.fixture
def dakar(app_context, make_participant):
    """The demo loaded today (Dakar is to come, its agenda published), with an
    approved and a cancelled participant."""
    from meeting_app.demo.loader import load_demo

    load_demo(today=utcnow().date())
    db.session.commit()
    meeting = db.session.execute(db.select(Meeting).filter_by(slug=SLUG)).scalar_one()
    approved = make_participant(meeting, status=RegistrationStatus.APPROVED)
    cancelled = make_participant(meeting, status=RegistrationStatus.CANCELLED)
    session = published_agenda(meeting).sessions[0]
    return approved.token, cancelled.token, session.id


def _document_id(title: str) -> int:
    db.session.expire_all()
    for document in db.session.execute(db.select(MeetingDocument)).scalars():
        if title in document.title.values():
            return document.id
    raise AssertionError(title)


def _add(page, titles: dict, kind: str, visibility: str, files: dict, session_label=None):
    page.goto(f"/manage/meetings/{SLUG}/documents/new")
    for label, text in titles.items():
        page.get_by_label(label).fill(text)
    page.get_by_label("Kind").select_option(label=kind)
    page.get_by_label(visibility, exact=True).check()
    if session_label is not None:
        page.get_by_label("Attached to").select_option(index=session_label)
    for label, upload in files.items():
        page.get_by_label(label).set_input_files(files=[upload])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Document added.")).to_be_visible()


def test_organiser_uploads_documents_and_each_reader_sees_their_own(
    browser, live_server, page, dakar
):
    approved, cancelled, session_id = dakar
    sign_in(page, Role.ORGANISER)

    # A web page dressed as a PDF is refused, with the reason under its field.
    page.goto(f"/manage/meetings/{SLUG}/documents/new")
    page.get_by_label("Title in English").fill("Concept note")
    page.get_by_label("Kind").select_option(label="Concept note")
    english = page.get_by_label("File in English")
    english.set_input_files(files=[_file("note.pdf", b"<html><script>alert(1)</script></html>")])
    page.get_by_role("button", name="Save").click()
    expect(english).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("whatever its name says")).to_be_visible()

    _add(
        page,
        {"Title in French": "Note conceptuelle", "Title in English": "Concept note"},
        "Concept note",
        "Public",
        {
            "File in French": _file("note-fr.pdf", _pdf("fr")),
            "File in English": _file("note-en.pdf", _pdf("en")),
        },
    )
    _add(
        page,
        {"Title in English": "Secretariat report"},
        "Report",
        "Staff only",
        {"File in English": _file("report.pdf", _pdf("report"))},
    )
    _add(
        page,
        {"Title in English": "Opening presentation"},
        "Presentation",
        "Approved participants",
        {"File in English": _file("slides.pdf", _pdf("slides"))},
        session_label=1,  # the first session of the list
    )
    page.goto(f"/manage/meetings/{SLUG}/documents/")
    expect(page.get_by_role("cell", name="French, English")).to_be_visible()
    note, report, slides = (
        _document_id(t) for t in ("Concept note", "Secretariat report", "Opening presentation")
    )

    # Anonymous: the public concept note only, in both languages, English first.
    visitor = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    visitor.goto(f"/meetings/{SLUG}/")
    expect(visitor.get_by_text("Concept note", exact=True)).to_be_visible()
    visitor.goto(f"/meetings/{SLUG}/documents/")
    expect(visitor.get_by_text("Available in: English, French.")).to_be_visible()
    links = visitor.get_by_role("link", name="Download in")
    expect(links.first).to_have_attribute("href", f"/meetings/{SLUG}/documents/{note}/en")
    expect(visitor.get_by_text("Secretariat report")).to_have_count(0)
    expect(visitor.get_by_text("Opening presentation")).to_have_count(0)
    download = visitor.request.get(f"/meetings/{SLUG}/documents/{note}/fr")
    assert download.status == 200 and download.headers["x-content-type-options"] == "nosniff"
    for hidden in (report, slides):
        assert visitor.request.get(f"/meetings/{SLUG}/documents/{hidden}/en").status == 404
    visitor.context.close()

    # An approved participant: the presentation and the note, never the report.
    reader = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    reader.goto(f"/r/{approved}")
    expect(reader.get_by_role("heading", name="Meeting documents")).to_be_visible()
    reader.get_by_role("link", name="All the documents").click()
    expect(reader.get_by_text("Opening presentation")).to_be_visible()
    expect(reader.get_by_text("Concept note", exact=True)).to_be_visible()
    expect(reader.get_by_text("Secretariat report")).to_have_count(0)
    assert reader.request.get(f"/r/{approved}/documents/{slides}/en").status == 200
    assert reader.request.get(f"/r/{approved}/documents/{report}/en").status == 404
    reader.context.close()

    # A cancelled participant: the public note only.
    gone = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    gone.goto(f"/r/{cancelled}/documents/")
    expect(gone.get_by_text("Concept note", exact=True)).to_be_visible()
    expect(gone.get_by_text("Opening presentation")).to_have_count(0)
    assert gone.request.get(f"/r/{cancelled}/documents/{slides}/en").status == 404
    gone.context.close()

    # The host: every document on the desk's page, but not the organisers' pages.
    host = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    sign_in(host, Role.HOST)
    host.goto(f"/desk/meetings/{SLUG}/documents/")
    expect(host.get_by_text("Secretariat report")).to_be_visible()
    expect(host.get_by_text("Opening presentation")).to_be_visible()
    assert host.request.get(f"/desk/meetings/{SLUG}/documents/{report}/en").status == 200
    assert host.request.get(f"/manage/meetings/{SLUG}/documents/").status == 403
    host.context.close()

    # The organiser replaces the English note (the old one stays, superseded) and
    # deletes the report after confirming.
    page.goto(f"/manage/meetings/{SLUG}/documents/{note}/")
    page.get_by_label("File in English").set_input_files(
        files=[_file("note-en-v2.pdf", _pdf("en v2"))]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Document saved.")).to_be_visible()
    expect(page.get_by_text("Superseded on")).to_be_visible()
    page.goto(f"/manage/meetings/{SLUG}/documents/{report}/")
    page.get_by_role("link", name="Delete this document…").click()
    page.get_by_role("button", name="Delete this document").click()
    expect(page.get_by_text("Document deleted: Secretariat report.")).to_be_visible()
    assert page.request.get(f"/desk/meetings/{SLUG}/documents/{report}/en").status == 404
