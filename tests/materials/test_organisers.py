"""The organisers' pages: add a document with a file per language, replace one
(the old one stays listed, superseded), edit, delete after confirming; every bad
file is refused with a sentence under its field and nothing saved."""

import io
import re

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.materials.models import DocumentFile, MeetingDocument
from meeting_app.privacy.models import AuditEntry
from tests.materials import samples


@pytest.fixture
def meeting(make_meeting, make_user, login):
    meeting = make_meeting(languages=["fr", "en"], default_language="fr")
    make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    login("org@example.org")
    return meeting


def _form(**values) -> dict:
    return {
        "title_fr": "Note conceptuelle",
        "title_en": "Concept note",
        "kind": "concept_note",
        "visibility": "public",
        "session_id": "",
        **values,
    }


def _file(data: bytes, name: str):
    return (io.BytesIO(data), name)


def _post(client, url, **values):
    data = {name: value for name, value in _form(**values).items() if value is not None}
    return client.post(url, data=data, content_type="multipart/form-data")


def _audit(action):
    return (
        db.session.execute(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def test_an_organiser_adds_a_document_in_french_and_english(client, meeting):
    url = f"/manage/meetings/{meeting.slug}/documents/new"
    page = client.get(url).get_data(as_text=True)
    assert "Title in French" in page and "Title in Spanish" not in page  # the meeting's
    response = _post(
        client,
        url,
        file_fr=_file(samples.pdf("fr"), "note-fr.pdf"),
        file_en=_file(samples.docx(), "note-en.docx"),
    )
    assert response.status_code == 302
    document = db.session.execute(db.select(MeetingDocument)).scalar_one()
    assert document.title == {"fr": "Note conceptuelle", "en": "Concept note"}
    assert {f.language: f.filename for f in document.files} == {
        "fr": "note-fr.pdf",
        "en": "note-en.docx",
    }
    assert len(_audit("material.uploaded")) == 2
    listing = client.get(f"/manage/meetings/{meeting.slug}/documents/").get_data(as_text=True)
    assert "Concept note" in listing and "Public" in listing
    assert "French, English" in listing


def test_a_document_in_arabic_and_russian(client, meeting):
    """Its title typed right to left in Arabic; a file in each language; offered to
    readers in their language, named in it."""
    meeting.languages = ["fr", "ar", "ru"]
    db.session.commit()
    url = f"/manage/meetings/{meeting.slug}/documents/new"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Title in Arabic" in page and "File in Russian" in page
    (title,) = re.findall(r'<input[^>]*name="title_ar"[^>]*>', page)
    assert 'dir="rtl"' in title and 'lang="ar"' in title
    response = _post(
        client,
        url,
        title_en=None,
        title_ar="مذكرة مفاهيمية",
        title_ru="Концептуальная записка",
        file_ar=_file(samples.pdf("ar"), "note-ar.pdf"),
        file_ru=_file(samples.pdf("ru"), "note-ru.pdf"),
    )
    assert response.status_code == 302
    document = db.session.execute(db.select(MeetingDocument)).scalar_one()
    assert document.title == {
        "fr": "Note conceptuelle",
        "ar": "مذكرة مفاهيمية",
        "ru": "Концептуальная записка",
    }
    assert {f.language for f in document.files} == {"ar", "ru"}


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (samples.EXE, "setup.exe", "is not a PDF, Word, Excel"),
        (samples.HTML, "page.html", "is not a PDF, Word, Excel"),
        (samples.HTML, "disguised.pdf", "is not a PDF, Word, Excel"),
        (samples.plain_zip(), "report.docx", "is not a PDF, Word, Excel"),
        (b"%PDF-1.7 <html></html>", "broken.pdf", "or it is damaged"),
    ],
    ids=["exe", "html", "html-named-pdf", "zip-named-docx", "fake-pdf"],
)
def test_a_bad_file_is_refused_under_its_field_and_nothing_is_saved(
    client, meeting, data, name, says
):
    response = _post(
        client,
        f"/manage/meetings/{meeting.slug}/documents/new",
        file_fr=_file(samples.pdf(), "good.pdf"),
        file_en=_file(data, name),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert says in page
    assert 'id="file_en-error"' in page
    assert db.session.execute(db.select(MeetingDocument)).first() is None
    assert db.session.execute(db.select(DocumentFile)).first() is None
    assert _audit("material.uploaded") == []


def test_a_file_over_the_limit_is_refused(client, meeting, monkeypatch):
    monkeypatch.setitem(client.application.config, "DOCUMENT_MAX_BYTES", 2_000)
    response = _post(
        client,
        f"/manage/meetings/{meeting.slug}/documents/new",
        file_fr=_file(samples.pdf() + b"\n%" + b"x" * 3_000, "big.pdf"),
    )
    assert response.status_code == 422
    assert "This file is larger than 0 MB" in response.get_data(as_text=True)
    assert db.session.execute(db.select(MeetingDocument)).first() is None


def test_a_title_is_needed_and_a_session_of_another_meeting_is_refused(
    client, meeting, make_meeting, add_session
):
    url = f"/manage/meetings/{meeting.slug}/documents/new"
    response = _post(client, url, title_fr="", title_en="")
    assert response.status_code == 422
    assert "Give the title in at least one language." in response.get_data(as_text=True)
    foreign = add_session(title="Elsewhere")  # a session of the "rabat" meeting
    response = _post(client, url, session_id=str(foreign.id))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    response = _post(client, url, visibility="everyone")
    assert response.status_code == 422


def test_replacing_a_file_keeps_the_old_one_listed_as_superseded(client, meeting):
    document = samples.add_document(meeting, "Agenda", languages=("fr",))
    old = document.files[0]
    url = f"/manage/meetings/{meeting.slug}/documents/{document.id}/"
    response = _post(
        client,
        url,
        title_fr="Ordre du jour annoté",
        title_en="",
        kind="agenda",
        visibility="participants",
        file_fr=_file(samples.pdf("second"), "ordre-du-jour-v2.pdf"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    files = {f.filename: f for f in db.session.get(MeetingDocument, document.id).files}
    assert files["Agenda.pdf"].superseded_at is not None
    assert files["ordre-du-jour-v2.pdf"].superseded_at is None
    page = client.get(url).get_data(as_text=True)
    assert "Superseded on" in page and "In force" in page
    # Both versions stay downloadable by the organisers; the current one elsewhere.
    old_url = f"/manage/meetings/{meeting.slug}/documents/{document.id}/files/{old.id}"
    assert client.get(old_url).status_code == 200
    desk = client.get(f"/desk/meetings/{meeting.slug}/documents/{document.id}/fr")
    assert 'filename="ordre-du-jour-v2.pdf"' in desk.headers["Content-Disposition"]


def test_deleting_asks_first_then_removes_the_document_and_its_files(client, meeting):
    document = samples.add_document(meeting, "Logistics", languages=("fr", "en"))
    url = f"/manage/meetings/{meeting.slug}/documents/{document.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "Its 2 files, superseded ones included, are deleted with it" in page
    assert db.session.get(MeetingDocument, document.id) is not None
    response = client.post(url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(db.select(MeetingDocument)).first() is None
    assert db.session.execute(db.select(DocumentFile)).first() is None
    assert len(_audit("material.deleted")) == 1


def test_the_export_command_writes_every_file_in_force(runner, meeting, tmp_path):
    first = samples.add_document(meeting, "Concept note", languages=("fr", "en"))
    samples.add_document(meeting, "../Report", languages=("fr",))
    first_id = first.id
    out = tmp_path / "documents"
    result = runner.invoke(args=["export", "documents", "--meeting", meeting.slug, "--out", out])
    assert result.exit_code == 0, result.output
    assert "3 files written" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert f"{first_id:04d}-fr-Concept note.pdf" in names
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert len(names) == 3
    assert (out / f"{first_id:04d}-en-Concept note.pdf").read_bytes().startswith(b"%PDF-")
