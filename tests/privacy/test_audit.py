"""The audit log: staff actions on personal data are written down (without the
values themselves) and listed for organisers, page by page."""

import re

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.privacy import audit
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus


def _actions() -> list[str]:
    return list(db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_staff_actions_on_personal_data_are_logged_without_the_values(
    client, open_meeting, make_participant, organiser
):
    meeting = open_meeting(slug="board")
    person = make_participant(
        meeting, status=RegistrationStatus.SUBMITTED, phone="+1 555 0100", organisation="Ministry"
    )
    base = f"/manage/meetings/board/registrations/{person.id}"

    # Viewing a participant's page is not logged (it is the organisers' daily work).
    client.get(base)
    assert _actions() == []

    client.post(f"{base}/status", data={"action": "approve", "reason": ""})
    data = {
        "honorific": "ms",
        "given_name": "Amina",
        "family_name": person.family_name,
        "badge_name": person.badge_name,
        "email": person.email,
        "phone": "+1 555 0199",
        "delegation_id": "other",
        "organisation": "Ministry",
        "position": "",
        "category": "national_government",
        "preferred_language": "en",
        "role": "delegate",
    }
    assert client.post(f"{base}/edit", data=data).status_code == 302
    client.post(f"{base}/token")
    client.get("/manage/meetings/board/registrations/export.csv?status=approved")
    assert _actions() == [
        "participant.status",
        "participant.edited",
        "participant.new_link",
        "participants.exported",
    ]
    entries = db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert entries[0].details == "submitted → approved"
    assert entries[1].details == "honorific, phone"
    assert entries[3].details == "csv, 1"
    assert all(e.actor == "org@example.org" and e.meeting_id == meeting.id for e in entries)

    page = client.get("/manage/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for text in ("Status changed", "Registration edited", "Private link regenerated"):
        assert text in page
    assert "Participant list exported" in page
    assert "+1 555 0199" not in page and "+1 555 0100" not in page


def test_check_in_undo_and_document_downloads_are_logged(
    client, open_meeting, make_participant, organiser
):
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, needs_visa_letter=True)
    from meeting_app.desk.models import CheckIn

    record = CheckIn(participant_id=person.id, day=meeting.start_date)
    db.session.add(record)
    db.session.commit()
    response = client.post(f"/desk/meetings/board/check-ins/{record.id}/undo")
    assert response.status_code == 302
    # Every letter: a job, whose PDF is logged as it is downloaded.
    job_page = client.post("/manage/meetings/board/letters/jobs", follow_redirects=True)
    download = re.search(
        r'class="progress-download" href="([^"]+)"', job_page.get_data(as_text=True)
    )
    assert client.get(download.group(1)).status_code == 200
    assert (
        client.get(f"/manage/meetings/board/registrations/{person.id}/letter.pdf").status_code
        == 200
    )
    assert client.get("/desk/meetings/board/arrivals.csv").status_code == 200
    assert _actions() == [
        "check_in.undone",
        "documents.downloaded",
        "documents.downloaded",
        "arrivals.exported",
    ]
    entries = db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert entries[0].participant_id == person.id
    assert entries[1].details == "letter, 1" and entries[1].participant_id == person.id


def test_command_line_exports_are_logged(runner, open_meeting, make_participant, tmp_path):
    meeting = open_meeting(slug="board")
    make_participant(meeting)
    out = tmp_path / "people.xlsx"
    result = runner.invoke(args=["export", "participants", "--meeting", "board", "--out", str(out)])
    assert result.exit_code == 0, result.output
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.actor, entry.details) == (
        "participants.exported",
        "command line",
        "xlsx, 1",
    )


def test_audit_page_is_paginated_filtered_and_for_organisers_only(
    client, open_meeting, make_meeting, make_user, login
):
    board, other = open_meeting(slug="board"), make_meeting(slug="other")
    user = make_user(Role.ORGANISER, "org@example.org")
    for n in range(55):
        audit.record("participants.exported", user=user, meeting=board, details=f"csv, {n}")
    audit.record("meeting.purged", meeting=other, details="phone: 3")
    db.session.commit()

    assert client.get("/manage/audit").status_code == 302  # to the login page
    make_user(Role.HOST, "host@example.org")
    login("host@example.org")
    assert client.get("/manage/audit").status_code == 403
    client.post("/logout")
    login("org@example.org")

    first = client.get("/manage/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sensitive data purged" in first  # the newest first
    assert "csv, 54" in first and "csv, 5</td>" not in first
    assert "Page 1 of 2" in first
    second = client.get("/manage/audit?page=2").get_data(as_text=True)
    assert "csv, 0</td>" in second
    only = client.get("/manage/audit?meeting=other").get_data(as_text=True)
    assert "phone: 3" in only and "csv, " not in only
    assert client.get("/manage/audit?meeting=nope").status_code == 404
