"""Print jobs in the database, run by tasks (here embedded: no broker, the tasks
run after the response): progress, who may follow and download them, failures
that print nothing, a job whose worker died marked failed on the next poll and
offered again, tasks delivered again that do nothing, and drawing ahead once per
badge however many tasks ask for it."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.core.tasks import commit
from meeting_app.documents import badges, jobs
from meeting_app.documents import tasks as document_tasks
from meeting_app.documents.models import BadgeDrawing, BadgePrint, BadgeRender, RenderJob
from meeting_app.extensions import db
from meeting_app.models import utcnow

JSON = {"Accept": "application/json"}


@pytest.fixture
def board(open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    people = [make_participant(meeting, badge_name=f"Person {i}") for i in range(5)]
    return meeting, people


@pytest.fixture
def host(client, make_user, login, board):
    user = make_user(Role.HOST, "door@example.org", meetings=[board[0]])
    login("door@example.org")
    return user


def _start(client, **form):
    started = client.post(
        "/desk/meetings/board/badges/jobs",
        data={"layout": "a4-4", "language": "en", **form},
        headers=JSON,
    )
    assert started.status_code == 202, started.get_data(as_text=True)
    return started.get_json()


def run(app, task, *args):
    """Runs a task now, as a worker would, with this app's settings (a task object
    alone belongs to whichever app was made last)."""
    return app.extensions["celery"].tasks[task.name].apply(args).get()


def _prints() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count(BadgePrint.id)))


def test_a_print_is_drawn_in_chunk_tasks_whose_progress_the_job_reports(
    client, host, board, monkeypatch
):
    meeting, people = board
    monkeypatch.setattr(badges, "CHUNK", 2)  # five badges: three chunk tasks
    seen = []
    real = jobs.part_done

    def progress(job_id, *args):
        last = real(job_id, *args)
        seen.append(db.session.scalar(db.select(RenderJob.done).where(RenderJob.id == job_id)))
        return last

    monkeypatch.setattr(jobs, "part_done", progress)
    job = client.get(_start(client)["status_url"], headers=JSON).get_json()
    assert seen == [2, 4, 5]
    assert job["state"] == "done" and job["done"] == job["total"] == 5
    pdf = client.get(job["download_url"])
    assert len(PdfReader(io.BytesIO(pdf.get_data())).pages) == 2
    assert _prints() == 5
    # Each chunk kept what it drew: the next print draws nothing.
    assert db.session.scalar(db.select(db.func.count(BadgeRender.id))) == 5


def test_a_job_is_followed_and_downloaded_by_its_user_only(
    client, board, make_user, login, open_meeting
):
    other = open_meeting(slug="other")
    make_user(Role.HOST, "door@example.org", meetings=[board[0], other])
    make_user(Role.HOST, "colleague@example.org", meetings=[board[0], other])
    login("door@example.org")
    started = _start(client)
    job = client.get(started["status_url"], headers=JSON).get_json()
    assert client.get(job["download_url"]).status_code == 200
    # Bad input: the job through the address of another meeting its user hosts...
    for url in (started["status_url"], started["page_url"], job["download_url"]):
        assert client.get(url.replace("/board/", "/other/")).status_code == 404, url
    # ...and by a colleague at the same desk.
    client.post("/logout")
    login("colleague@example.org")
    for url in (started["status_url"], started["page_url"], job["download_url"]):
        assert client.get(url).status_code == 404, url
    assert client.post(started["page_url"] + "/retry").status_code == 404


def test_a_failed_render_fails_the_job_with_its_reason_and_prints_nothing(
    client, host, board, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise badges.RenderError("layout failed")

    monkeypatch.setattr(badges, "render_each", broken)
    job = client.get(_start(client)["status_url"], headers=JSON | {"Accept-Language": "en"})
    job = job.get_json()
    assert job["state"] == "failed" and job["download_url"] is None
    assert "could not be prepared; nothing was marked printed" in job["message"]
    assert _prints() == 0


def _stalled_job(host, meeting, people) -> RenderJob:
    """A job whose worker died mid-print: running, its heartbeat long past."""
    job = document_tasks.badge_print(
        meeting, host, people, layout="a6", language="en", base_url="http://localhost"
    )
    job.state, job.parts, job.done = "running", 3, 2
    job.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    return job


def test_a_job_whose_worker_died_fails_on_the_next_poll_and_is_offered_again(client, host, board):
    meeting, people = board
    job = _stalled_job(host, meeting, people)
    base = f"/desk/meetings/board/badges/jobs/{job.id}"
    status = client.get(base + ".json", headers=JSON | {"Accept-Language": "en"}).get_json()
    assert status["state"] == "failed" and status["retry_url"] == base + "/retry"
    assert "The print stopped" in status["message"]
    page = client.get(base, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The print stopped" in page and "Try again" in page
    assert re.search(rf'class="progress-retry inline-form" action="{base}/retry"', page)
    # The chunk and assembly tasks still queued for it, delivered now, do nothing.
    run(client.application, document_tasks.render_part, job.id, 2, (people[4].id,))
    run(client.application, document_tasks.assemble, job.id)
    assert _prints() == 0 and db.session.get(RenderJob, job.id).state == "failed"

    again = client.post(base + "/retry", headers=JSON).get_json()
    assert again["status_url"] != status["status_url"]
    done = client.get(again["status_url"], headers=JSON).get_json()
    assert done["state"] == "done" and done["total"] == 5
    assert client.get(done["download_url"]).mimetype == "application/pdf"
    assert _prints() == 5
    # A job that has not failed is not started again.
    assert client.post(again["page_url"] + "/retry").status_code == 409


def test_the_sweep_fails_stalled_jobs_and_deletes_old_ones(app, host, board):
    meeting, people = board
    stalled = _stalled_job(host, meeting, people)
    old = _stalled_job(host, meeting, people)
    old.created_at = utcnow() - jobs.KEEP - timedelta(minutes=1)
    db.session.commit()
    stalled_id, old_id = stalled.id, old.id
    assert run(app, document_tasks.sweep_jobs) == 3  # two marked failed, one deleted
    db.session.expunge_all()
    assert db.session.get(RenderJob, stalled_id).state == "failed"
    assert db.session.get(RenderJob, old_id) is None


def test_without_javascript_the_form_leads_to_the_jobs_page(client, host, board):
    started = client.post(
        "/desk/meetings/board/badges/jobs", data={"layout": "a6", "language": "en"}
    )
    assert started.status_code == 303
    page = client.get(started.headers["Location"], headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert 'role="status"' in text and "The PDF is ready." in text
    assert 'class="progress-download" href="' in text


def test_two_drawings_ahead_draw_each_badge_once(app, board, monkeypatch):
    """Two tasks for the same meeting at once (two workers): the second finds the
    first at it and leaves it a note; the first goes round once more, finds the
    badges drawn, and nothing is drawn twice (nor collides on the unique key)."""
    meeting, people = board
    drawn = []
    real_draw = badges._draw

    def counting(meeting, plan, chunks, *args):
        drawn.append(sum(map(len, chunks)))
        return real_draw(meeting, plan, chunks, *args)

    monkeypatch.setattr(badges, "_draw", counting)
    second = []
    real_commit_claim = document_tasks._commit_claim

    def meanwhile(key):
        real_commit_claim(key)
        if not second:  # another worker gets a draw_ahead for the same meeting now
            second.append(run(app, document_tasks.draw_ahead, meeting.id, "http://x", "a6", "en"))

    monkeypatch.setattr(document_tasks, "_commit_claim", meanwhile)
    first = run(app, document_tasks.draw_ahead, meeting.id, "http://x", "a6", "en")
    assert (first, second) == (5, [0])
    assert drawn == [5, 0]  # the round after the note drew nothing new
    assert db.session.scalar(db.select(db.func.count(BadgeRender.id))) == 5
    drawing = db.session.execute(db.select(BadgeDrawing)).scalar_one()
    assert drawing.claimed_at is None and drawing.again is False
    # Later, another one: nothing to draw.
    assert run(app, document_tasks.draw_ahead, meeting.id, "http://x", "a6", "en") == 0


def test_a_change_that_is_rolled_back_draws_nothing(app, board, monkeypatch):
    meeting, people = board
    monkeypatch.setitem(app.config, "BADGES_AHEAD", True)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://meetings.example.org")
    people[0].badge_name = "Someone Else"
    db.session.flush()
    db.session.rollback()
    commit()
    assert db.session.scalar(db.select(db.func.count(BadgeRender.id))) == 0
    people[0].badge_name = "Someone Else"
    commit()
    assert db.session.scalar(db.select(db.func.count(BadgeRender.id))) == 5
