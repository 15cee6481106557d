"""Printing badges from the desk, and every letter from the back office, in a real
browser: the page shows the job's progress and the PDF downloads by itself; a job
whose worker died says so and is started again with one button."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from meeting_app.accounts.models import Role, User
from meeting_app.demo.loader import DEMO_ACCOUNTS
from meeting_app.documents import badges
from meeting_app.documents.tasks import badge_print
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_badges_print_with_progress_and_download(page, demo_loaded):
    sign_in(page, Role.HOST)
    page.goto("/desk/meetings/rabat-2022/badges")
    page.get_by_label("Layout").select_option("a4-4")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Print (PDF)").click()
        status = page.get_by_role("status")
        expect(status).to_be_visible()
    expect(status).to_contain_text("The PDF is ready")
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    approved = page.locator("table tbody tr").count()
    assert len(pdf.pages) == -(-approved // 4)
    # The list now shows every badge printed once.
    page.reload()
    expect(page.get_by_role("cell", name="Not yet")).to_have_count(0)


def test_a_selection_of_nobody_is_said_by_the_page(page, demo_loaded):
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    badges.record_prints(badges.select(meeting), "a6")
    db.session.commit()
    sign_in(page, Role.HOST)
    page.goto("/desk/meetings/rabat-2022/badges")
    page.get_by_label("Only badges not printed yet").check()
    page.get_by_role("button", name="Print (PDF)").click()
    expect(page.get_by_text("No approved participant matches")).to_be_visible()


def test_a_print_whose_worker_died_is_offered_again(page, demo_loaded):
    meeting = db.session.execute(sa.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    email = next(account[0] for account in DEMO_ACCOUNTS if account[2] is Role.HOST)
    host = db.session.execute(sa.select(User).filter_by(email=email)).scalar_one()
    people = badges.select(meeting)[:6]
    job = badge_print(
        meeting, host, people, layout="a4-4", language="en", base_url="http://127.0.0.1"
    )
    job.state, job.heartbeat_at = "running", utcnow() - timedelta(minutes=10)
    db.session.commit()
    sign_in(page, Role.HOST)
    page.goto(f"/desk/meetings/rabat-2022/badges/jobs/{job.id}")
    status = page.get_by_role("status")
    expect(status).to_contain_text("The print stopped")
    with page.expect_download() as download_info:
        status.get_by_role("button", name="Try again").click()
        expect(status).to_contain_text("The PDF is ready")
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(pdf.pages) == 2
    expect(status.get_by_role("button", name="Try again")).to_be_hidden()


def test_organisers_get_every_visa_letter_from_a_page_that_follows_the_job(page, demo_loaded):
    sign_in(page, Role.ORGANISER)
    page.goto("/manage/meetings/rabat-2022/registrations/")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Visa invitation letters (PDF)").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Visa invitation letters")
        status = page.get_by_role("status")
        expect(status).to_contain_text("The PDF is ready")
    expect(status.get_by_role("link", name="Download the PDF")).to_be_visible()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(pdf.pages) > 1  # one letter per person who asked for one
