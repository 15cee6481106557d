"""The participant export at conference scale (issue 21): streamed as it is read,
complete and well-formed, in as many SQL statements for 5,000 people as for 50;
beyond EXPORT_IN_REQUEST_MAX_ROWS, written by a task (a job with its progress
page) and downloaded once done; a job is its own meeting's and organiser's."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from meeting_app.accounts.models import Role
from meeting_app.core import tasks as core_tasks
from meeting_app.documents import export_jobs, jobs
from meeting_app.documents.models import RenderJob
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration import exports
from meeting_app.registration.models import Category, Participant, RegistrationStatus

JSON = {"Accept": "application/json"}
BOM = "\ufeff"


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


@pytest.fixture
def conference(open_meeting):
    """`conference(n)`: a hybrid meeting of `n` people (every third online, named in
    order "Family 00000", ...) with a number, a choice, a country and a file
    question, each answered by most of them."""

    def factory(count: int, slug: str = "conference"):
        meeting = open_meeting(slug=slug, capacity=None, participation_mode="hybrid")
        senegal = next(d for d in meeting.delegations if d.country_code == "SN")
        questions = {
            kind: FormQuestion(
                meeting=meeting,
                position=position,
                key=kind.value,
                type=kind,
                label={"en": kind.value.title()},
                options=[{"value": "veg", "label": {"en": "Vegetarian"}}]
                if kind is QuestionType.CHOICE
                else None,
            )
            for position, kind in enumerate(
                (QuestionType.NUMBER, QuestionType.CHOICE, QuestionType.COUNTRY, QuestionType.FILE)
            )
        }
        document = StoredFile(
            meeting_id=meeting.id,
            filename="passport.pdf",
            content_type="application/pdf",
            size=4,
            sha256="",
            content=b"%PDF",
        )
        db.session.add_all([*questions.values(), document])
        start = datetime(2025, 1, 1, tzinfo=UTC)
        people = [
            Participant(
                meeting=meeting,
                given_name="Aïssatou",
                family_name=f"Family {n:05d}",
                badge_name=f"Aïssatou {n}",
                email=f"p{n}@example.org",
                organisation='=HYPERLINK("http://x")' if n % 7 == 0 else "Ministère",
                delegation=senegal if n % 2 else None,
                category=Category.NATIONAL_GOVERNMENT,
                status=RegistrationStatus.APPROVED,
                attendance_mode="online" if n % 3 == 0 else "in_person",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(count)
        ]
        db.session.add_all(people)
        db.session.flush()
        answers = []
        for n, person in enumerate(people):
            if n % 10 == 9:
                continue  # some answer nothing
            answers += [
                {
                    "participant_id": person.id,
                    "question_id": questions[QuestionType.NUMBER].id,
                    "value": n,
                    "file_id": None,
                },
                {
                    "participant_id": person.id,
                    "question_id": questions[QuestionType.CHOICE].id,
                    "value": "veg",
                    "file_id": None,
                },
                {
                    "participant_id": person.id,
                    "question_id": questions[QuestionType.COUNTRY].id,
                    "value": "MA",
                    "file_id": None,
                },
            ]
            if n % 5 == 4:
                answers.append(
                    {
                        "participant_id": person.id,
                        "question_id": questions[QuestionType.FILE].id,
                        "value": None,
                        "file_id": document.id,
                    }
                )
        if answers:
            db.session.execute(sa.insert(FormAnswer), answers)
        db.session.commit()
        return meeting

    return factory  # fmt: skip


def statements(send) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        send()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(seen)


def _rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_streamed_csv_holds_every_row_in_the_lists_order(
    client, organiser, conference, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 7)  # several chunks from 50 people
    conference(50)
    response = client.get("/manage/meetings/conference/registrations/export.csv?sep=comma")
    assert response.status_code == 200
    header, *rows = _rows(response.get_data())
    assert len(rows) == 50
    assert [r[header.index("Family name")] for r in rows] == [f"Family {n:05d}" for n in range(50)]
    last = dict(zip(header, rows[-1], strict=True))
    assert last["Family name"] == "Family 00049"
    assert last["Takes part"] == "In person"  # 49 is not a multiple of 3
    assert last["Number (number)"] == ""  # and answered nothing
    answered = dict(zip(header, rows[48], strict=True))
    assert answered["Takes part"] == "Online"
    assert answered["Number (number)"] == "48"
    assert answered["Choice (choice)"] == "Vegetarian"
    assert answered["Country (country)"] == "Morocco"
    assert answered["File (file)"] == ""
    assert dict(zip(header, rows[44], strict=True))["File (file)"] == "passport.pdf"
    assert dict(zip(header, rows[1], strict=True))["Delegation"] == "Senegal"
    # A formula typed as an organisation still starts with an apostrophe.
    assert rows[0][header.index("Organisation")] == '\'=HYPERLINK("http://x")'


def test_a_streamed_xlsx_opens_with_every_row(client, organiser, conference, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 7)
    conference(50)
    response = client.get("/manage/meetings/conference/registrations/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 51
    header = rows[0]
    assert rows[-1][header.index("Family name")] == "Family 00049"
    assert rows[49][header.index("Number (number)")] == 48  # a number cell
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}51"


def test_the_export_reads_5000_people_in_as_many_statements_as_50(
    client, organiser, conference, runner, tmp_path
):
    """Bad outcome avoided: a query per chunk of people (their answers), or per
    person; and the whole meeting held before the first byte is written."""
    client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 10_000
    try:
        counts = {}
        for count in (50, 5000):
            slug = f"meeting-{count}"
            conference(count, slug=slug)
            path = f"/manage/meetings/{slug}/registrations/export"
            body = []
            counts[count, "csv"] = statements(
                lambda path=path, body=body: body.append(client.get(f"{path}.csv").get_data())
            )
            assert len(_rows(body[-1])) == count + 1
            counts[count, "xlsx"] = statements(
                lambda path=path, body=body: body.append(client.get(f"{path}.xlsx").get_data())
            )
            out = tmp_path / f"{slug}.csv"
            counts[count, "command"] = statements(
                lambda slug=slug, out=out: runner.invoke(
                    args=["export", "participants", "--meeting", slug, "--out", str(out)]
                )
            )
            assert len(_rows(out.read_bytes())) == count + 1
    finally:
        client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 2000
    for kind in ("csv", "xlsx", "command"):
        assert counts[5000, kind] == counts[50, kind], counts


@pytest.fixture
def small_threshold(client):
    client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 10
    yield
    client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 2000


def test_a_large_export_is_a_job_whose_progress_the_page_follows_then_its_file(
    client, organiser, conference, small_threshold, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 20)
    monkeypatch.setattr(export_jobs, "PIECE_BYTES", 1000)  # the file in several pieces
    seen = []
    real = export_jobs._progress

    def progress(job_id, done):
        real(job_id, done)
        with db.engine.connect() as connection:  # as the page's poll reads it
            seen.append(connection.scalar(sa.select(RenderJob.done).where(RenderJob.id == job_id)))

    monkeypatch.setattr(export_jobs, "_progress", progress)
    conference(50)
    path = "/manage/meetings/conference/registrations/export.csv?sep=comma"
    started = client.get(path)
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    assert page.status_code == 200
    assert "Export CSV" in page.get_data(as_text=True)
    assert seen == [20, 40]
    job = client.get(page.request.path + ".json", headers=JSON).get_json()
    assert job["state"] == "done" and job["done"] == job["total"] == 50
    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="conference-participants.csv"'
    )
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    stored = download.get_data()
    assert db.session.scalar(sa.select(RenderJob.parts)) == -(-len(stored) // 1000) > 1
    # The same file as one streamed in the request.
    client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 10_000
    assert client.get(path).get_data() == stored

    # Asked by the page's script: JSON, 202.
    client.application.config["EXPORT_IN_REQUEST_MAX_ROWS"] = 10
    again = client.get(path.replace(".csv", ".xlsx"), headers=JSON)
    assert again.status_code == 202
    job = client.get(again.get_json()["status_url"], headers=JSON).get_json()
    sheet = load_workbook(io.BytesIO(client.get(job["download_url"]).get_data())).active
    assert sheet.max_row == 51


def test_an_export_job_that_fails_says_so_and_can_be_tried_again(
    client, organiser, conference, small_threshold, monkeypatch
):
    conference(20)
    real = exports.participant_export
    monkeypatch.setattr(
        exports, "participant_export", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x"))
    )
    started = client.get("/manage/meetings/conference/registrations/export.csv")
    job = client.get(started.headers["Location"] + ".json", headers=JSON).get_json()
    assert job["state"] == "failed" and job["message"] and job["download_url"] is None
    assert client.get(started.headers["Location"] + "/file").status_code == 404
    monkeypatch.setattr(exports, "participant_export", real)
    retried = client.post(job["retry_url"], headers=JSON)
    assert retried.status_code == 202
    done = client.get(retried.get_json()["status_url"], headers=JSON).get_json()
    assert done["state"] == "done" and done["total"] == 20


def test_a_job_is_not_found_from_another_meeting_nor_by_another_organiser(
    client, organiser, conference, small_threshold, make_user, login
):
    meeting = conference(20)
    other = conference(0, slug="other")
    started = client.get("/manage/meetings/conference/registrations/export.csv")
    job_id = started.headers["Location"].rsplit("/", 1)[1]
    for suffix in ("", ".json", "/file"):
        assert (
            client.get(f"/manage/meetings/other/registrations/exports/{job_id}{suffix}").status_code
            == 404
        )
    make_user(Role.ORGANISER, "colleague@example.org", meetings=[meeting, other])
    client.post("/logout")
    login("colleague@example.org")
    assert client.get("/manage/meetings/conference/registrations/").status_code == 200
    for suffix in ("", ".json", "/file"):
        path = f"/manage/meetings/conference/registrations/exports/{job_id}{suffix}"
        assert client.get(path).status_code == 404


def test_an_export_job_whose_worker_died_is_failed_on_the_next_look(
    client, organiser, conference, small_threshold, monkeypatch
):
    conference(20)
    monkeypatch.setattr(core_tasks, "send", lambda task, *args: None)  # no worker takes it
    started = client.get("/manage/meetings/conference/registrations/export.csv")
    db.session.execute(
        sa.update(RenderJob).values(heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
    )
    db.session.commit()
    job = client.get(started.headers["Location"] + ".json", headers=JSON).get_json()
    assert job["state"] == jobs.FAILED
