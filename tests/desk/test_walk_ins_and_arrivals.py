"""Walk-ins registered at the desk (approved only where the meeting lets the desk
approve), one badge reprinted and recorded, and the arrivals board with its CSV."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.delegations.models import Delegation
from meeting_app.desk import services
from meeting_app.desk.models import CheckIn, CheckInMethod
from meeting_app.documents.models import BadgePrint
from meeting_app.extensions import db
from meeting_app.registration.models import Participant, ParticipantRole, RegistrationStatus
from tests.conftest import registration_data


def walk_in_data(meeting, **values):
    data = registration_data(meeting, country="SN", role="delegate", **values)
    data.pop("acknowledge_data_use")
    return data


def test_walk_in_waits_for_an_organiser_when_the_meeting_approves(
    client, host, desk_meeting, inbox
):
    response = client.post(
        f"/desk/meetings/{desk_meeting.slug}/walk-in", data=walk_in_data(desk_meeting)
    )
    person = db.session.execute(db.select(Participant)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/desk/badge/{person.badge_code}?print=1"
    assert person.status is RegistrationStatus.SUBMITTED
    assert person.changes[0].actor == "host"
    assert db.session.execute(db.select(CheckIn)).first() is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not checked in until an organiser approves" in page
    assert "Print the badge (PDF)" in page
    assert inbox.to("ndeye.diop@example.org")  # the confirmation with the private link


def test_walk_in_is_approved_and_checked_in_where_the_desk_may_approve(client, host, desk_meeting):
    desk_meeting.desk_approves_walk_ins = True
    db.session.commit()
    response = client.post(
        f"/desk/meetings/{desk_meeting.slug}/walk-in",
        data=walk_in_data(desk_meeting),
        follow_redirects=True,
    )
    assert "Ndèye Diop is registered and checked in." in response.get_data(as_text=True)
    person = db.session.execute(db.select(Participant)).scalar_one()
    assert person.status is RegistrationStatus.APPROVED
    check_in = db.session.execute(db.select(CheckIn)).scalar_one()
    assert check_in.method is CheckInMethod.WALK_IN and check_in.by_user_id == host.id


def test_walk_in_form_shows_every_problem_and_keeps_the_input(client, host, desk_meeting):
    # Tried: no names, a malformed address, an unknown delegation, a control character.
    data = walk_in_data(
        desk_meeting,
        given_name="",
        family_name="",
        email="not-an-address",
        delegation_id="99999",
        organisation="Ministère\x00",
        position="Conseillère technique",
    )
    response = client.post(f"/desk/meetings/{desk_meeting.slug}/walk-in", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "Enter your given name.",
        "Enter your family name.",
        "Enter a valid e-mail address.",
        "Not a valid choice.",
        "Remove the invisible control characters from this field.",
    ):
        assert message in html
    assert 'value="Conseillère technique"' in html
    assert db.session.execute(db.select(Participant)).first() is None


def test_walk_in_already_registered_is_told_to_search(client, host, desk_meeting, make_participant):
    make_participant(desk_meeting, email="ndeye.diop@example.org")
    response = client.post(
        f"/desk/meetings/{desk_meeting.slug}/walk-in", data=walk_in_data(desk_meeting)
    )
    assert response.status_code == 422
    assert "already registered for this meeting: search for the person" in response.get_data(
        as_text=True
    )


def test_walk_in_when_the_meeting_is_full_goes_to_the_waiting_list(client, host, desk_meeting):
    desk_meeting.capacity = 1
    desk_meeting.seats_taken = 1
    desk_meeting.desk_approves_walk_ins = True
    db.session.commit()
    client.post(f"/desk/meetings/{desk_meeting.slug}/walk-in", data=walk_in_data(desk_meeting))
    person = db.session.execute(db.select(Participant)).scalar_one()
    assert person.status is RegistrationStatus.WAITLISTED
    assert db.session.execute(db.select(CheckIn)).first() is None


def test_organisers_decide_whether_the_desk_approves_walk_ins(
    client, make_user, login, desk_meeting
):
    from meeting_app.accounts.models import Role

    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    page = client.get(f"/manage/meetings/{desk_meeting.slug}/registrations/settings")
    assert "desk approves the walk-ins it registers" in page.get_data(as_text=True)
    client.post(
        f"/manage/meetings/{desk_meeting.slug}/registrations/settings",
        data={
            "opens_at": "2020-01-01T09:00",
            "closes_at": "2020-02-01T09:00",
            "capacity": "50",
            "requires_approval": "y",
            "desk_approves_walk_ins": "y",
        },
    )
    db.session.refresh(desk_meeting)
    assert desk_meeting.desk_approves_walk_ins is True


def test_reprint_returns_the_badge_and_is_recorded(client, host, desk_meeting, make_participant):
    person = make_participant(desk_meeting, badge_name="Hélène Marchetti")
    path = f"/desk/meetings/{desk_meeting.slug}/participants/{person.id}/badge.pdf"
    first = client.post(path, data={"layout": "a6"})
    second = client.post(path, data={"layout": "cr80"})
    assert first.status_code == second.status_code == 200
    assert second.mimetype == "application/pdf" and second.data.startswith(b"%PDF")
    prints = db.session.execute(db.select(BadgePrint).order_by(BadgePrint.id)).scalars().all()
    assert [(p.layout, p.reprint, p.by_user_id) for p in prints] == [
        ("a6", False, host.id),
        ("cr80", True, host.id),
    ]
    # Tried: an unknown layout; and a participant of another meeting's address.
    bad = client.post(path, data={"layout": "poster"}, follow_redirects=True)
    assert "Choose a badge layout." in bad.get_data(as_text=True)
    assert len(prints) == db.session.execute(db.select(db.func.count(BadgePrint.id))).scalar()


# --- arrivals ----------------------------------------------------------------------------


@pytest.fixture
def crowd(desk_meeting, make_participant):
    senegal = next(d for d in desk_meeting.delegations if d.country_code == "SN")
    morocco = next(d for d in desk_meeting.delegations if d.country_code == "MA")
    people = [make_participant(desk_meeting, delegation=senegal) for _ in range(3)]
    people += [make_participant(desk_meeting, delegation=morocco) for _ in range(2)]
    make_participant(desk_meeting, delegation=morocco, status=RegistrationStatus.CANCELLED)
    first = datetime.combine(desk_meeting.start_date, datetime.min.time(), tzinfo=UTC)
    services.check_in(people[0], now=first + timedelta(hours=8))
    services.check_in(people[1], now=first + timedelta(hours=8, minutes=5))
    services.check_in(people[3], now=first + timedelta(hours=8, minutes=10))
    services.check_in(people[0], now=first + timedelta(days=1, hours=8))
    undone = services.check_in(people[4], now=first + timedelta(hours=9)).check_in
    services.undo(undone)
    db.session.commit()
    return people


def test_arrivals_board_counts_per_day_delegation_and_category(client, host, desk_meeting, crowd):
    board = services_board(desk_meeting, desk_meeting.start_date)
    assert (board.arrived, board.expected) == (3, 5)
    assert [(r.label, r.arrived, r.expected) for r in board.by_delegation] == [
        ("Morocco", 1, 2),
        ("Senegal", 2, 3),
    ]
    assert [(r.label, r.arrived, r.expected) for r in board.by_category] == [
        ("National government", 3, 5)
    ]
    second = services_board(desk_meeting, desk_meeting.start_date + timedelta(days=1))
    assert (second.arrived, second.expected) == (1, 5)
    html = client.get(
        f"/desk/meetings/{desk_meeting.slug}/arrivals?day={desk_meeting.start_date.isoformat()}"
    ).get_data(as_text=True)
    assert "3 checked in / 5 expected" in html
    # Tried: a day that is not a date, and one outside the meeting: the default day.
    for day in ("yesterday", "1999-01-01"):
        response = client.get(f"/desk/meetings/{desk_meeting.slug}/arrivals?day={day}")
        assert response.status_code == 200


def test_the_board_updates_its_figures_in_place_rather_than_reloading(
    client, host, desk_meeting, crowd
):
    """The board reloaded itself every 30 seconds (<meta http-equiv="refresh">), which
    sends a screen reader back to the top: now its script fetches the figures alone
    (for the day shown) and a button pauses that; no live region reads them out."""
    day = desk_meeting.start_date.isoformat()
    html = client.get(f"/desk/meetings/board/arrivals?day={day}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert 'id="arrivals-pause" aria-pressed="false"' in html
    assert "js/arrivals.js" in html
    assert "aria-live" not in html
    url = f"/desk/meetings/board/arrivals/figures?day={day}"
    assert f'data-url="{url}"' in html
    figures = client.get(url)
    assert figures.headers["Cache-Control"] == "no-store"
    text = figures.get_data(as_text=True)
    assert "3 checked in / 5 expected" in text
    assert "<html" not in text and "<nav" not in text  # the figures, not a page
    services.check_in(crowd[2])
    db.session.commit()
    assert "4 checked in / 5 expected" in client.get(url).get_data(as_text=True)


def services_board(meeting, day):
    from flask import current_app

    from meeting_app.desk import arrivals

    with current_app.test_request_context():  # the labels are translated
        return arrivals.board(meeting, day, "en")


def test_arrivals_csv_lists_each_person_with_their_times(client, host, desk_meeting, crowd):
    response = client.get(f"/desk/meetings/{desk_meeting.slug}/arrivals.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    first, second = (
        desk_meeting.start_date.isoformat(),
        (desk_meeting.start_date + timedelta(days=1)).isoformat(),
    )
    assert rows[0][-2:] == [first, second]
    assert len(rows) == 1 + 5  # the approved; the cancelled one never came
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[crowd[0].family_name][-2:] == ["09:00", "09:00"]  # Casablanca, UTC+1
    assert by_name[crowd[4].family_name][-2:] == ["", ""]  # undone


def test_delegation_rows_list_international_participants_too(
    desk_meeting, make_participant, app_context
):
    make_participant(desk_meeting)
    board = services_board(desk_meeting, desk_meeting.start_date)
    assert board.by_delegation[-1].label == "International organisation / other"
    assert isinstance(desk_meeting.delegations[0], Delegation)


def test_arrivals_export_from_the_command_line(runner, desk_meeting, crowd, tmp_path):
    out = tmp_path / "arrivals.csv"
    result = runner.invoke(
        args=[
            "export",
            "arrivals",
            "--meeting",
            desk_meeting.slug,
            "--out",
            str(out),
            "--language",
            "fr",
        ]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Nom de famille", "Prénom", "Délégation"]
    assert len(rows) == 6
    missing = runner.invoke(args=["export", "arrivals", "--meeting", "nope", "--out", str(out)])
    assert missing.exit_code != 0 and "No meeting with the slug 'nope'" in missing.output


@pytest.mark.parametrize(
    ("language", "senegal", "morocco"),
    [("ar", "السنغال", "المغرب"), ("ru", "Сенегал", "Марокко"), ("es", "Senegal", "Marruecos")],
)
def test_arrivals_name_the_delegations_in_the_exports_language(
    runner, desk_meeting, crowd, tmp_path, language, senegal, morocco
):
    out = tmp_path / "arrivals.csv"
    args = ["export", "arrivals", "--meeting", desk_meeting.slug, "--out", str(out)]
    result = runner.invoke(args=[*args, "--language", language])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert sorted(row[2] for row in rows[1:]) == sorted([senegal] * 3 + [morocco] * 2)


@pytest.mark.parametrize(
    ("requires_approval", "desk_approves", "status"),
    [
        (True, False, RegistrationStatus.SUBMITTED),
        (True, True, RegistrationStatus.APPROVED),
        (False, False, RegistrationStatus.APPROVED),
    ],
)
def test_walk_in_status_follows_the_meetings_settings(
    desk_meeting, requires_approval, desk_approves, status
):
    desk_meeting.requires_approval = requires_approval
    desk_meeting.desk_approves_walk_ins = desk_approves
    assert services.walk_in_status(desk_meeting) is status


def test_the_meetings_desk_address_opens_the_check_in_page(client, host, desk_meeting):
    response = client.get(f"/desk/meetings/{desk_meeting.slug}/")
    assert response.headers["Location"] == f"/desk/meetings/{desk_meeting.slug}/check-in"
    assert client.get("/desk/meetings/nope/check-in").status_code == 404
    index = client.get("/desk/").get_data(as_text=True)
    assert f'href="/desk/meetings/{desk_meeting.slug}/check-in"' in index


def test_a_walk_in_is_a_delegate_unless_the_host_chooses_otherwise(client, host, desk_meeting):
    """The host fills in the walk-in form and leaves the role as the form offers it:
    the badge must not say "Head of delegation"."""
    page = client.get(f"/desk/meetings/{desk_meeting.slug}/walk-in").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option([^>]*)>", select)
    # What a browser sends: the selected option, else the first one.
    offered = next((o for o in options if re.search(r"\bselected\b", o)), options[0])
    role = re.search(r'value="([^"]*)"', offered).group(1)
    assert role == "delegate"
    data = {**walk_in_data(desk_meeting), "role": role}
    client.post(f"/desk/meetings/{desk_meeting.slug}/walk-in", data=data)
    person = db.session.execute(db.select(Participant)).scalar_one()
    assert person.role is ParticipantRole.DELEGATE
