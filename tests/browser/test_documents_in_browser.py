"""Printing badges from the desk in a real browser: the page shows the job's
progress and the PDF downloads by itself."""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.documents import badges
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
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
    expect(status).to_contain_text("The badges are ready")
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
