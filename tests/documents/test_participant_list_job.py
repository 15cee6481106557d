"""The official list of participants of a large meeting (issue 21): beyond
LIST_IN_REQUEST_MAX_PEOPLE it is drawn by a task (a job with its progress page),
not in the request that gunicorn's timeout could kill, and downloaded once done:
the same document as one drawn in the request; the job is its own meeting's and
organiser's; a failed one can be tried again; the export is audited once."""

import io
import time
from datetime import date

import docx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

import config
from meeting_app.accounts.models import Role
from meeting_app.core import tasks as core_tasks
from meeting_app.delegations.models import Delegation
from meeting_app.documents import export_jobs, jobs
from meeting_app.documents import participant_list as lop
from meeting_app.documents.models import RenderJob
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from tests.conftest import form_token

JSON = {"Accept": "application/json"}
PEOPLE = 60  # three pages of the PDF
URL = "/manage/meetings/summit/list-of-participants"


@pytest.fixture
def summit(make_meeting):
    """A meeting of PEOPLE listed people (named "Family 000", "Family 001", ...)
    in the delegations of Ecuador and Jamaica or in none, and two it does not
    list (not approved; did not agree)."""
    meeting = make_meeting(
        slug="summit",
        languages=["en", "fr"],
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
    )
    delegations = [Delegation(meeting=meeting, country_code=code) for code in ("EC", "JM")]
    people = [
        Participant(
            meeting=meeting,
            given_name="Ana",
            family_name=f"Family {n:03d}",
            badge_name=f"Ana {n}",
            email=f"p{n}@example.org",
            position="Adviser",
            organisation="Ministry of Foreign Affairs",
            delegation=delegations[n % 2] if n % 3 else None,
            category=Category.CIVIL_SOCIETY if n % 3 == 0 else Category.NATIONAL_GOVERNMENT,
            status=RegistrationStatus.APPROVED,
            consent_public_list=True,
        )
        for n in range(PEOPLE)
    ]
    people += [
        Participant(
            meeting=meeting,
            given_name="Ana",
            family_name=family,
            badge_name=family,
            email=f"{family}@example.org",
            category=Category.CIVIL_SOCIETY,
            status=status,
            consent_public_list=consent,
        )
        for family, status, consent in (
            ("Pending", RegistrationStatus.SUBMITTED, True),
            ("Shy", RegistrationStatus.APPROVED, False),
        )
    ]
    db.session.add_all([*delegations, *people])
    db.session.commit()
    return meeting


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")


@pytest.fixture
def a_few_in_the_request(client):
    """Lists of more than 5 people are drawn by a task."""
    client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 5
    yield
    client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 1000


@pytest.fixture
def progress_seen(monkeypatch):
    """The job's progress as the page's poll reads it, each time the task writes it."""
    seen = []
    real = export_jobs._progress

    def progress(job_id, done):
        real(job_id, done)
        with db.engine.connect() as connection:
            seen.append(connection.scalar(sa.select(RenderJob.done).where(RenderJob.id == job_id)))

    monkeypatch.setattr(export_jobs, "_progress", progress)
    return seen


def _in_request(client, path: str):
    client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 10_000
    try:
        response = client.get(path)
    finally:
        client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 5
    assert response.status_code == 200
    return response


def _finished(client, started) -> dict:
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    assert page.status_code == 200
    job = client.get(page.request.path + ".json", headers=JSON).get_json()
    assert job["state"] == "done", job
    return job


def _pdf_text(body: bytes) -> tuple[str, int]:
    pages = PdfReader(io.BytesIO(body)).pages
    return "\n".join(page.extract_text() for page in pages), len(pages)


def _names(text: str) -> list[str]:
    return [f"FAMILY {n:03d}" for n in range(PEOPLE) if f"FAMILY {n:03d}" in text]


def test_a_large_list_is_a_job_whose_page_follows_the_pages_laid_out_then_its_pdf(
    client, organiser, summit, a_few_in_the_request, progress_seen, monkeypatch
):
    monkeypatch.setattr(export_jobs, "PEOPLE_PER_PAGE", 1)  # a page laid out: one more
    monkeypatch.setattr(export_jobs, "LIST_PROGRESS_PEOPLE", 1)
    monkeypatch.setattr(export_jobs, "PIECE_BYTES", 10_000)  # the file in several pieces
    path = URL + ".pdf?language=en&edition=provisional"
    started = client.get(path)
    assert started.status_code == 303
    assert "/list-of-participants/jobs/" in started.headers["Location"]

    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "List of participants" in page
    assert f'href="{URL}"' in page  # the breadcrumb, back to choosing the list
    assert "Provisional · English · PDF · 60 people" in page
    assert "summit-list-of-participants-en-provisional.pdf" in page
    job = _finished(client, started)
    assert job["done"] == job["total"] == PEOPLE

    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="summit-list-of-participants-en-provisional.pdf"'
    )
    body = download.get_data()
    assert db.session.scalar(sa.select(RenderJob.parts)) == -(-len(body) // 10_000) > 1
    text, pages = _pdf_text(body)
    assert pages > 1
    assert f"Page {pages} of {pages}" in text
    assert "PROVISIONAL" in text
    assert _names(text) == [f"FAMILY {n:03d}" for n in range(PEOPLE)]
    assert "PENDING" not in text and "SHY" not in text
    # Progress: built (0), each page laid out (one person a page here), then drawn.
    assert progress_seen == sorted(progress_seen)
    assert set(progress_seen) == {0, *range(1, pages), PEOPLE}

    # The same document as one drawn in the request (the same date, words and pages).
    in_request = _in_request(client, path)
    assert in_request.headers["Content-Disposition"] == download.headers["Content-Disposition"]
    assert _pdf_text(in_request.get_data()) == (text, pages)


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_large_xlsx_or_docx_list_counts_the_people_written(
    client, organiser, summit, a_few_in_the_request, progress_seen, monkeypatch, fmt
):
    monkeypatch.setattr(export_jobs, "LIST_PROGRESS_PEOPLE", 20)
    path = URL + f".{fmt}?language=fr&edition=provisional"
    job = _finished(client, client.get(path))
    assert progress_seen == sorted(progress_seen)
    assert set(progress_seen) == {0, 20, 40, PEOPLE}
    download = client.get(job["download_url"])
    assert download.mimetype == lop.MIMETYPES[fmt]
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="summit-list-of-participants-fr-provisional.{fmt}"'
    )
    in_order = _names_in_request_order(summit)
    assert sorted(in_order) == [f"FAMILY {n:03d}" for n in range(PEOPLE)]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(download.get_data())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][3] == "Nom de famille"
        assert len(rows) == PEOPLE + 1
        assert [row[3] for row in rows[1:]] == in_order
        assert rows[-1][0] == _built(summit).groups[-1].heading
    else:
        paragraphs = [p.text for p in docx.Document(io.BytesIO(download.get_data())).paragraphs]
        listed = [p.split("\n")[0].removeprefix("Ana ") for p in paragraphs if "FAMILY" in p]
        assert listed == in_order
        assert "Équateur" in paragraphs and "Jamaïque" in paragraphs


def _built(meeting) -> lop.ParticipantList:
    return lop.build(meeting, language="fr", edition=lop.Edition.PROVISIONAL)


def _names_in_request_order(meeting) -> list[str]:
    return [e.family_name for g in _built(meeting).groups for e in g.entries]


def test_up_to_the_setting_the_list_is_drawn_in_the_request(client, organiser, summit):
    client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = PEOPLE
    try:
        response = client.get(URL + ".xlsx?language=en")
    finally:
        client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 1000
    assert response.status_code == 200
    assert response.mimetype == lop.MIMETYPES["xlsx"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderJob)) == 0


def _statements(send) -> list[str]:
    """The SQL statements `send()` runs."""
    seen = []

    def note(_connection, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        send()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)
    return seen


def test_starting_the_job_counts_the_people_without_reading_them(
    client, organiser, summit, a_few_in_the_request, monkeypatch
):
    """Bad outcome avoided: the request that hands the list to a task reading and
    ordering everyone first (what takes the time at 50,000)."""
    monkeypatch.setattr(core_tasks, "send", lambda task, *args: None)  # no worker takes it
    monkeypatch.setattr(lop, "build", lambda *a, **k: pytest.fail("built in the request"))
    started = []
    statements = _statements(
        lambda: started.append(client.get(URL + ".pdf?language=en&edition=provisional"))
    )
    assert started[0].status_code == 303
    job = db.session.execute(sa.select(RenderJob)).scalar_one()
    assert job.state == jobs.QUEUED
    assert job.parameters == {"fmt": "pdf", "language": "en", "edition": "provisional"}
    assert job.total == PEOPLE
    assert [s for s in statements if "given_name" in s] == []  # nobody read
    assert len([s for s in statements if "count(" in s.lower()]) == 1


def test_the_count_is_one_query_and_agrees_with_the_list(summit):
    counted = {}
    for edition in lop.Edition:
        db.session.refresh(summit)

        def count(edition=edition):
            counted[edition] = lop.listed_count(summit, edition)

        assert len(_statements(count)) == 1
        assert counted[edition] == len(lop.listed_people(summit, edition))
    assert counted == {lop.Edition.PROVISIONAL: PEOPLE, lop.Edition.FINAL: 0}  # nobody came yet


def test_a_list_job_is_not_found_from_another_meeting_nor_by_another_organiser(
    client, organiser, summit, a_few_in_the_request, make_meeting, make_user, login
):
    other = make_meeting(slug="other")
    started = client.get(URL + ".xlsx")
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"{URL}/jobs/{job_id}/file").status_code == 200
    for suffix in ("", ".json", "/file"):
        path = f"/manage/meetings/other/list-of-participants/jobs/{job_id}{suffix}"
        assert client.get(path).status_code == 404, path
    # A letters job's page does not show it either.
    assert client.get(f"/manage/meetings/summit/jobs/{job_id}").status_code == 404
    make_user(Role.ORGANISER, "colleague@example.org", meetings=[summit, other])
    client.post("/logout")
    login("colleague@example.org")
    assert client.get(URL).status_code == 200
    for suffix in ("", ".json", "/file"):
        assert client.get(f"{URL}/jobs/{job_id}{suffix}").status_code == 404, suffix
    assert client.post(f"{URL}/jobs/{job_id}/retry").status_code == 404


def test_a_failed_list_job_says_so_and_is_tried_again_with_the_forms_token(
    csrf_client, csrf_login, make_user, summit, monkeypatch
):
    make_user(Role.ORGANISER, "org@example.org")
    csrf_login("org@example.org")
    csrf_client.application.config["LIST_IN_REQUEST_MAX_PEOPLE"] = 5
    real = lop.to_pdf
    monkeypatch.setattr(lop, "to_pdf", lambda document: (_ for _ in ()).throw(RenderError("x")))
    started = csrf_client.get(URL + ".pdf?language=en")
    assert started.status_code == 303
    page = csrf_client.get(started.headers["Location"]).get_data(as_text=True)
    job = csrf_client.get(started.headers["Location"] + ".json", headers=JSON).get_json()
    assert job["state"] == "failed" and job["message"] and job["download_url"] is None
    assert job["message"] in page
    assert csrf_client.get(started.headers["Location"] + "/file").status_code == 404

    monkeypatch.setattr(lop, "to_pdf", real)
    assert csrf_client.post(job["retry_url"]).status_code == 400  # no token: refused
    retried = csrf_client.post(job["retry_url"], data={"csrf_token": form_token(page)})
    assert retried.status_code == 303
    assert retried.headers["Location"] != started.headers["Location"]
    done = csrf_client.get(retried.headers["Location"] + ".json", headers=JSON).get_json()
    assert done["state"] == "done" and done["total"] == PEOPLE
    text, _pages = _pdf_text(csrf_client.get(done["download_url"]).get_data())
    assert "FAMILY 059" in text
    # The failed job stays failed; a finished one is not tried again.
    assert csrf_client.get(job["status_url"], headers=JSON).get_json()["state"] == "failed"
    again = csrf_client.post(
        retried.headers["Location"] + "/retry", data={"csrf_token": form_token(page)}
    )
    assert again.status_code == 409


def test_a_render_quiet_for_longer_than_the_heartbeat_window_is_not_taken_for_dead(
    client, organiser, summit, a_few_in_the_request, monkeypatch
):
    """Bad outcome avoided: a poll failing a job whose worker is alive but inside one
    of WeasyPrint's long silent steps (writing a 50,000-person PDF: 39 s)."""
    monkeypatch.setitem(client.application.config, "RENDER_HEARTBEAT_SECONDS", 2)
    real = lop.to_pdf
    lapsed = []

    def quiet(document):
        time.sleep(3)  # longer than the window, without a word from WeasyPrint
        (job_id,) = db.session.execute(sa.select(RenderJob.id)).scalars()
        lapsed.append(jobs.fail_lapsed(job_id))  # as the page's poll would
        db.session.commit()
        return real(document)

    monkeypatch.setattr(lop, "to_pdf", quiet)
    job = _finished(client, client.get(URL + ".pdf?language=en"))
    assert lapsed == [False]
    assert job["done"] == PEOPLE


def test_the_export_is_audited_once_when_the_job_starts(
    client, organiser, summit, a_few_in_the_request
):
    started = client.get(URL + ".docx?language=fr&edition=provisional")
    job = _finished(client, started)
    client.get(job["download_url"])
    client.get(job["download_url"])
    entries = db.session.execute(sa.select(AuditEntry)).scalars().all()
    assert [(e.action, e.details) for e in entries] == [
        ("participants.exported", f"list of participants, docx, fr, provisional, {PEOPLE}")
    ]


def test_the_setting_is_read_from_the_environment():
    settings = config.from_environment(config.TestingConfig, {"LIST_IN_REQUEST_MAX_PEOPLE": "250"})
    assert settings["LIST_IN_REQUEST_MAX_PEOPLE"] == 250
