"""Check-in at the door: by the badge's QR code (its URL or code), by search,
once per person and day, idempotent retries, undo kept as a record, and the
bad inputs a desk meets (other meetings' badges, forged codes, private links,
double submits, people who must not come in)."""

from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.desk import services
from meeting_app.desk.models import CheckIn, CheckInMethod
from meeting_app.desk.services import BadCode, CodeProblem, Outcome
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus

# 08:52 in Casablanca (UTC+1) on the first day; the fixture's days are relative
# to today, so the tests build their moments from the meeting's first day.


def at(meeting, hour, minute, day_offset=0):
    local = datetime.combine(
        meeting.start_date + timedelta(days=day_offset), datetime.min.time()
    ).replace(hour=hour, minute=minute, tzinfo=meeting.tz)
    return local.astimezone(UTC)


def url(participant) -> str:
    return f"https://desk.example/desk/badge/{participant.badge_code}"


def active(participant) -> list[CheckIn]:
    return list(
        db.session.execute(
            db.select(CheckIn).filter_by(participant_id=participant.id, cancelled_at=None)
        ).scalars()
    )


# --- services ---------------------------------------------------------------------------


def test_a_badge_is_found_by_its_url_its_path_or_its_bare_code(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    for text in (
        url(person),
        f"/desk/badge/{person.badge_code}",
        person.badge_code,
        f" {url(person)}?utm=x \n",
    ):
        assert services.find_badge(desk_meeting, text).id == person.id


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://evil.example/<script>", CodeProblem.MALFORMED),
        ("hello world", CodeProblem.MALFORMED),
        ("https://desk.example/desk/badge/" + "x" * 16, CodeProblem.UNKNOWN),
        ("https://desk.example/desk/badge/'; DROP TABLE--", CodeProblem.MALFORMED),
        ("https://desk.example/desk/badge/" + "a" * 200, CodeProblem.MALFORMED),
        ("", CodeProblem.MALFORMED),
    ],
)
def test_forged_or_malformed_codes_are_refused(desk_meeting, text, problem):
    with pytest.raises(BadCode) as error:
        services.find_badge(desk_meeting, text)
    assert error.value.problem is problem


def test_a_participants_private_link_is_not_a_badge(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    for text in (f"https://desk.example/r/{person.token}", person.token):
        with pytest.raises(BadCode) as error:
            services.find_badge(desk_meeting, text)
        assert error.value.problem in (CodeProblem.PRIVATE_LINK, CodeProblem.MALFORMED)
    with pytest.raises(BadCode) as error:
        services.find_badge(desk_meeting, f"https://desk.example/r/{person.token}")
    assert error.value.problem is CodeProblem.PRIVATE_LINK


def test_a_badge_of_another_meeting_is_refused(desk_meeting, make_meeting, make_participant):
    other = make_participant(make_meeting(slug="elsewhere"))
    with pytest.raises(BadCode) as error:
        services.find_badge(desk_meeting, url(other))
    assert error.value.problem is CodeProblem.OTHER_MEETING
    assert error.value.meeting.slug == "elsewhere"


def test_second_scan_the_same_day_says_already_with_the_first_time(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    first = services.check_in(person, now=at(desk_meeting, 8, 52))
    second = services.check_in(person, now=at(desk_meeting, 10, 5))
    db.session.commit()
    assert first.outcome is Outcome.CHECKED_IN
    assert second.outcome is Outcome.ALREADY
    assert second.check_in.id == first.check_in.id
    assert len(active(person)) == 1


def test_each_day_of_the_meeting_has_its_own_check_in(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    services.check_in(person, now=at(desk_meeting, 8, 52))
    services.check_in(person, now=at(desk_meeting, 8, 40, day_offset=1))
    db.session.commit()
    days = sorted(c.day for c in active(person))
    assert days == [desk_meeting.start_date, desk_meeting.start_date + timedelta(days=1)]


def test_the_day_is_the_meetings_local_day(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    # 23:30 UTC on the eve is 00:30 the next day in Casablanca (UTC+1).
    eve = datetime.combine(desk_meeting.start_date, datetime.min.time(), tzinfo=UTC)
    moment = eve + timedelta(days=1) - timedelta(minutes=30)
    result = services.check_in(person, now=moment)
    assert result.check_in.day == desk_meeting.start_date + timedelta(days=1)


def test_a_retried_scan_id_is_recorded_once_and_answers_as_the_first_time(
    desk_meeting, make_participant
):
    person = make_participant(desk_meeting)
    first = services.check_in(person, scan_id="scan-0001-abcd", now=at(desk_meeting, 8, 52))
    retry = services.check_in(person, scan_id="scan-0001-abcd", now=at(desk_meeting, 9, 30))
    db.session.commit()
    assert first.outcome is retry.outcome is Outcome.CHECKED_IN
    assert retry.check_in.id == first.check_in.id
    assert len(active(person)) == 1


@pytest.mark.parametrize("status", [RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED])
def test_cancelled_and_declined_registrations_are_not_checked_in(
    desk_meeting, make_participant, status
):
    person = make_participant(desk_meeting, status=status)
    result = services.check_in(person)
    assert result.outcome is Outcome.REFUSED
    assert active(person) == []


@pytest.mark.parametrize("status", [RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED])
def test_undecided_registrations_wait_for_an_organiser(desk_meeting, make_participant, status):
    person = make_participant(desk_meeting, status=status)
    assert services.check_in(person).outcome is Outcome.NOT_APPROVED
    assert active(person) == []


def test_undo_keeps_the_record_and_allows_a_new_check_in(desk_meeting, make_participant, make_user):
    host = make_user(Role.HOST, "door@example.org")
    person = make_participant(desk_meeting)
    first = services.check_in(person, by_user=host, now=at(desk_meeting, 8, 52))
    assert services.undo(first.check_in, by_user=host) is True
    assert services.undo(first.check_in, by_user=host) is False  # a double click
    again = services.check_in(person, by_user=host, now=at(desk_meeting, 9, 0))
    db.session.commit()
    assert again.outcome is Outcome.CHECKED_IN
    history = services.check_ins_of(person)
    assert [c.active for c in history] == [True, False]
    assert history[1].cancelled_by_user_id == host.id


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("equateur", ["Guamán"]),
        ("ÉQUATEUR", ["Guamán"]),
        ("ecuador", ["Guamán"]),  # the English and Spanish names
        ("guaman", ["Guamán"]),
        ("nunez", ["Ñuñez"]),
        ("ministere interieur", ["Ñuñez"]),  # every word, in any field
        ("sydykova", []),
        ("Сыдыкова", ["Сыдыкова"]),
        ("%", []),
        ("   ", []),
    ],
)
def test_search_is_accent_and_case_insensitive(desk_meeting, make_participant, query, found):
    from meeting_app.delegations.models import Delegation

    ecuador = Delegation(meeting=desk_meeting, country_code="EC")
    db.session.add(ecuador)
    db.session.commit()
    make_participant(
        desk_meeting,
        given_name="María",
        family_name="Guamán",
        delegation=ecuador,
        organisation="Cancillería",
    )
    make_participant(
        desk_meeting,
        given_name="Jorge",
        family_name="Ñuñez",
        organisation="Ministère de l'Intérieur",
    )
    make_participant(desk_meeting, given_name="Айгүл", family_name="Сыдыкова")
    assert [p.family_name for p in services.search(desk_meeting, query)] == found


def test_search_stays_within_the_meeting(desk_meeting, make_meeting, make_participant):
    make_participant(make_meeting(slug="elsewhere"), family_name="Elsewhere")
    assert services.search(desk_meeting, "elsewhere") == []


# --- pages and the JSON endpoint --------------------------------------------------------


def post_scan(client, meeting, **body):
    return client.post(f"/desk/meetings/{meeting.slug}/check-in", json=body)


def test_scanning_a_badge_checks_in_and_answers_who_it_is(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting, badge_name="Ndèye Diop", organisation="MAE")
    response = post_scan(client, desk_meeting, code=url(person), scan_id="a1b2c3d4e5")
    assert response.status_code == 200
    data = response.get_json()
    assert data["outcome"] == "checked_in"
    assert data["message"].startswith("Checked in at ")
    assert data["participant"]["name"] == "Ndèye Diop"
    assert data["participant"]["status_label"] == "Approved"
    again = post_scan(client, desk_meeting, code=url(person), scan_id="f6e7d8c9b0").get_json()
    assert again["outcome"] == "already"
    assert again["message"] == f"Already checked in today at {data['check_in']['time']}."
    assert db.session.execute(db.select(CheckIn)).scalar_one().method is CheckInMethod.SCAN


def test_a_queued_scan_sent_twice_is_recorded_once(client, host, desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    answers = [
        post_scan(client, desk_meeting, code=url(person), scan_id="queued-0001").get_json()
        for _ in range(3)
    ]
    assert [a["outcome"] for a in answers] == ["checked_in"] * 3
    assert len(active(person)) == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"code": "https://x.example/desk/badge/" + "Z" * 16}, 404, "Unknown badge"),
        ({"code": "javascript:alert(1)"}, 422, "not a badge"),
        ({"code": "https://x.example/r/" + "t" * 43}, 422, "private link"),
        ({}, 422, "Scan a badge or choose a person"),
        ({"participant_id": "999999"}, 404, "No such participant"),
        ({"participant_id": "-1"}, 422, "Scan a badge or choose a person"),
        ({"code": 42}, 422, "Scan a badge or choose a person"),
    ],
)
def test_bad_scans_get_a_clear_answer_and_record_nothing(
    client, host, desk_meeting, body, status, message
):
    response = post_scan(client, desk_meeting, **body)
    assert response.status_code == status
    assert message in response.get_json()["message"]
    assert db.session.execute(db.select(CheckIn)).first() is None


def test_a_json_array_is_refused_cleanly(client, host, desk_meeting):
    response = client.post(f"/desk/meetings/{desk_meeting.slug}/check-in", json=[1, 2])
    assert response.status_code == 422


def test_another_meetings_badge_is_named_and_refused(
    client, host, desk_meeting, make_meeting, make_participant
):
    other = make_participant(make_meeting(slug="elsewhere", title={"en": "Dakar board"}))
    response = post_scan(client, desk_meeting, code=url(other))
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "This badge is for another meeting: Dakar board. Not checked in."
    )
    assert active(other) == []


def test_participant_of_another_meeting_cannot_be_checked_in_by_id(
    client, host, desk_meeting, make_meeting, make_participant
):
    other = make_participant(make_meeting(slug="elsewhere"))
    response = post_scan(client, desk_meeting, participant_id=str(other.id))
    assert response.status_code == 404
    assert active(other) == []


def test_cancelled_registration_is_shown_in_red_and_not_checked_in(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting, status=RegistrationStatus.CANCELLED)
    data = post_scan(client, desk_meeting, code=url(person)).get_json()
    assert data["tone"] == "bad"
    assert data["message"] == "Not checked in. Registration status: Cancelled."
    assert data["check_in"] is None


def test_search_page_finds_people_and_checks_in_without_javascript(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting, given_name="Hélène", family_name="Marchetti")
    page = client.get(f"/desk/meetings/{desk_meeting.slug}/check-in?q=helene")
    html = page.get_data(as_text=True)
    assert "Marchetti, Hélène" in html
    scan_id = html.split('name="scan_id" value="')[1].split('"')[0]
    data = {
        "participant_id": str(person.id),
        "scan_id": scan_id,
        "next": f"/desk/meetings/{desk_meeting.slug}/check-in?q=helene",
    }
    # A double submit of the same form: one check-in.
    for _ in range(2):
        response = client.post(f"/desk/meetings/{desk_meeting.slug}/check-in", data=data)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("check-in?q=helene")
    assert len(active(person)) == 1
    assert active(person)[0].method is CheckInMethod.SEARCH
    html = client.get(f"/desk/meetings/{desk_meeting.slug}/check-in?q=helene").get_data(
        as_text=True
    )
    assert "Hélène Marchetti: Checked in at" in html
    assert "Checked in at" in html and 'name="participant_id"' not in html


def test_a_scanned_url_typed_in_the_search_field_finds_the_person(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting, family_name="Wedge")
    html = client.get(
        f"/desk/meetings/{desk_meeting.slug}/check-in", query_string={"q": url(person)}
    ).get_data(as_text=True)
    assert "Wedge, Amina" in html
    bad = client.get(
        f"/desk/meetings/{desk_meeting.slug}/search", query_string={"q": "https://x/r/abc"}
    ).get_data(as_text=True)
    assert "private link, not a badge" in bad


def test_a_search_with_a_slash_is_a_search_not_a_badge(
    client, host, desk_meeting, make_participant
):
    make_participant(desk_meeting, family_name="Slash", organisation="Ministère / DGSN")
    html = client.get(
        f"/desk/meetings/{desk_meeting.slug}/search",
        query_string={"q": "ministere / dgsn"},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "Slash, Amina" in html
    assert "not a badge" not in html


def test_badge_page_shows_the_person_and_checks_in_only_on_post(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting, badge_name="Ndèye Diop")
    page = client.get(f"/desk/badge/{person.badge_code}")
    assert page.status_code == 200
    assert "Ndèye Diop" in page.get_data(as_text=True)
    assert active(person) == []  # a GET changes nothing
    html = page.get_data(as_text=True)
    scan_id = html.split('name="scan_id" value="')[1].split('"')[0]
    for _ in range(2):  # double submit
        response = client.post(
            f"/desk/badge/{person.badge_code}/check-in",
            data={"scan_id": scan_id},
            follow_redirects=True,
        )
    assert "Checked in at" in response.get_data(as_text=True)
    assert len(active(person)) == 1
    assert client.get("/desk/badge/" + "x" * 16).status_code == 404
    assert client.get(f"/desk/badge/{person.token}").status_code == 404
    assert client.post(f"/desk/badge/{person.token}/check-in").status_code == 404


def test_undo_from_the_badge_page(client, host, desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    data = post_scan(client, desk_meeting, code=url(person)).get_json()
    response = client.post(
        data["check_in"]["undo_url"],
        data={"next": f"/desk/badge/{person.badge_code}"},
        follow_redirects=True,
    )
    assert "undone" in response.get_data(as_text=True)
    assert active(person) == []
    record = db.session.execute(db.select(CheckIn)).scalar_one()
    assert record.cancelled_at is not None and record.cancelled_by_user_id == host.id
    again = client.post(data["check_in"]["undo_url"], json={}).get_json()
    assert again["message"].endswith("was already undone.")


def test_undo_of_another_meetings_check_in_is_refused(
    client, host, desk_meeting, make_meeting, make_participant
):
    other = make_participant(make_meeting(slug="elsewhere"))
    record = services.check_in(other).check_in
    db.session.commit()
    response = client.post(
        f"/desk/meetings/{desk_meeting.slug}/check-ins/{record.id}/undo", json={}
    )
    assert response.status_code == 404
    assert len(active(other)) == 1


def test_anonymous_people_are_sent_to_sign_in_and_change_nothing(
    client, desk_meeting, make_participant
):
    person = make_participant(desk_meeting)
    for method, path in [
        ("get", f"/desk/meetings/{desk_meeting.slug}/check-in"),
        ("get", f"/desk/meetings/{desk_meeting.slug}/arrivals"),
        ("get", f"/desk/meetings/{desk_meeting.slug}/arrivals.csv"),
        ("get", f"/desk/meetings/{desk_meeting.slug}/walk-in"),
        ("get", f"/desk/badge/{person.badge_code}"),
        ("post", f"/desk/badge/{person.badge_code}/check-in"),
        ("post", f"/desk/meetings/{desk_meeting.slug}/check-in"),
    ]:
        response = getattr(client, method)(
            path, json={"code": url(person)} if method == "post" else None
        )
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    assert active(person) == []


def test_hosts_and_organisers_use_the_desk(
    client, make_user, login, desk_meeting, make_participant
):
    person = make_participant(desk_meeting)
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    assert post_scan(client, desk_meeting, code=url(person)).status_code == 200
    assert client.get(f"/desk/meetings/{desk_meeting.slug}/check-in").status_code == 200


def test_desk_json_endpoint_needs_the_csrf_token(
    csrf_client, csrf_login, make_user, desk_meeting, make_participant
):
    make_user(Role.HOST, "door@example.org")
    csrf_login("door@example.org")
    person = make_participant(desk_meeting)
    response = csrf_client.post(
        f"/desk/meetings/{desk_meeting.slug}/check-in", json={"code": url(person)}
    )
    assert response.status_code == 400
    assert active(person) == []
    page = csrf_client.get(f"/desk/meetings/{desk_meeting.slug}/check-in").get_data(as_text=True)
    token = page.split('data-csrf="')[1].split('"')[0]
    response = csrf_client.post(
        f"/desk/meetings/{desk_meeting.slug}/check-in",
        json={"code": url(person)},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_a_scan_id_reused_for_someone_else_still_checks_them_in(desk_meeting, make_participant):
    first, second = make_participant(desk_meeting), make_participant(desk_meeting)
    services.check_in(first, scan_id="same-id-0001")
    result = services.check_in(second, scan_id="same-id-0001")
    db.session.commit()
    assert result.outcome is Outcome.CHECKED_IN
    assert result.check_in.scan_id is None
    assert len(active(first)) == len(active(second)) == 1


def test_a_retry_of_an_undone_scan_does_not_check_in_again(desk_meeting, make_participant):
    person = make_participant(desk_meeting)
    first = services.check_in(person, scan_id="undone-0001", now=at(desk_meeting, 8, 52))
    services.undo(first.check_in)
    retry = services.check_in(person, scan_id="undone-0001", now=at(desk_meeting, 8, 53))
    db.session.commit()
    assert retry.check_in.id == first.check_in.id
    assert active(person) == []


def test_a_new_check_in_is_one_insert(desk_meeting, make_participant, app):
    import sqlalchemy as sa

    person = make_participant(desk_meeting)
    assert person.status and person.meeting.timezone  # loaded before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        services.check_in(person, scan_id="count-0001")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and statements[0].startswith("INSERT")


def test_the_same_badge_scanned_at_once_on_many_devices_is_recorded_once(
    desk_meeting, make_participant, database_url
):
    """Threads with their own app, session and connection, released together: the
    unique index decides, on SQLite and on PostgreSQL."""
    import threading

    from tests.conftest import make_app

    people = [make_participant(desk_meeting) for _ in range(3)]
    ids = [p.id for p in people]
    apps = [make_app(database_url) for _ in range(8)]
    start = threading.Barrier(len(apps))
    outcomes = []

    def device(app, n):
        from meeting_app.registration.models import Participant

        with app.app_context():
            start.wait()
            for pid in ids:
                person = db.session.get(Participant, pid)
                result = services.check_in(person, scan_id=f"device-{n}-{pid}-x")
                outcomes.append(result.outcome)
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=device, args=(a, n)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.CHECKED_IN) == 3
    assert outcomes.count(Outcome.ALREADY) == 3 * (len(apps) - 1)
    db.session.expire_all()
    assert all(len(active(p)) == 1 for p in people)


def test_a_scan_kept_offline_records_the_time_it_was_made(
    client, host, desk_meeting, make_participant
):
    person = make_participant(desk_meeting)
    made = datetime.now(UTC) - timedelta(minutes=20)
    answer = post_scan(
        client,
        desk_meeting,
        code=url(person),
        scan_id="offline-0001",
        scanned_at=made.isoformat().replace("+00:00", "Z"),
    ).get_json()
    assert active(person)[0].checked_in_at == made
    local = made.astimezone(desk_meeting.tz).strftime("%H:%M")  # Casablanca, not UTC
    assert answer["message"] == f"Checked in at {local}."


@pytest.mark.parametrize(
    "value",
    [
        "2001-01-01T08:00:00+00:00",  # too old
        "2999-01-01T08:00:00+00:00",  # in the future
        "2026-11-29T08:00:00",  # no time zone
        "yesterday",
        12,
        "9" * 500,
    ],
)
def test_implausible_scan_times_give_way_to_the_servers_clock(value):
    assert services.scan_time(value) is None


def test_the_scan_page_warns_when_today_is_not_a_day_of_the_meeting(
    client, make_user, login, make_meeting
):
    later = make_meeting(slug="later")  # in 30 days
    make_user(Role.HOST, "door@example.org", meetings=[later])
    login("door@example.org")
    html = client.get("/desk/meetings/later/check-in").get_data(as_text=True)
    assert "Today is not a day of this meeting" in html
    assert later.slug == "later"


def test_the_scan_page_is_in_the_hosts_language(client, host, desk_meeting):
    client.post("/language", data={"language": "es"})
    html = client.get(f"/desk/meetings/{desk_meeting.slug}/check-in").get_data(as_text=True)
    assert "Lea una credencial, o escriba un nombre" in html
    assert "{count} lecturas se guardan" in html  # the script's texts, from the template


def test_hosts_cannot_change_whether_the_desk_approves_walk_ins(client, host, desk_meeting):
    path = f"/manage/meetings/{desk_meeting.slug}/registrations/settings"
    response = client.post(path, data={"desk_approves_walk_ins": "y"})
    assert response.status_code == 403
    db.session.refresh(desk_meeting)
    assert desk_meeting.desk_approves_walk_ins is False


def test_days_attended_leave_out_undone_check_ins(desk_meeting, make_participant):
    came, mistaken = make_participant(desk_meeting), make_participant(desk_meeting)
    services.check_in(came, now=at(desk_meeting, 8, 52))
    services.check_in(came, now=at(desk_meeting, 8, 30, day_offset=1))
    services.undo(services.check_in(mistaken, now=at(desk_meeting, 9, 0)).check_in)
    db.session.commit()
    second = desk_meeting.start_date + timedelta(days=1)
    assert services.days_attended([came.id, mistaken.id]) == {
        came.id: [desk_meeting.start_date, second]
    }
    assert services.days_attended([]) == {}
