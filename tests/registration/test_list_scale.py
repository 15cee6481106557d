"""The organisers' list at conference scale (issue 21): the same number of SQL
statements for a meeting of 50 and one of 5,000, whatever the filter, page or
search; a search by part of a name, e-mail or organisation with or without
accents, through the folded column that every write keeps in step; a search's
matches counted up to a limit, "more than" it beyond."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meeting_app.core.tokens import new_token, selector_of
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Country
from meeting_app.privacy import services as privacy
from meeting_app.registration import queries
from meeting_app.registration.models import Category, Participant, RegistrationStatus

S = RegistrationStatus
LIST = "/manage/meetings/board/registrations/"
NAMES = (("María", "Núñez"), ("Ndèye", "Diop"), ("Айгүл", "Сыдыкова"), ("Jean", "Lefèvre"))


@pytest.fixture
def organiser(client, make_user, login):
    from meeting_app.accounts.models import Role

    user = make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    return user


def add_people(meeting, delegations: list[Delegation], start: int, stop: int) -> None:
    """People `start` to `stop` of the meeting, in one bulk INSERT (as an import or
    the benchmark adds them: the folded column is filled on the way in)."""
    statuses = (S.APPROVED, S.SUBMITTED, S.WAITLISTED, S.DECLINED)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(start, stop):
        given, family = NAMES[n % len(NAMES)]
        token = new_token()
        rows.append(
            {
                "meeting_id": meeting.id,
                "delegation_id": delegations[n % len(delegations)].id if n % 3 else None,
                "given_name": given,
                "family_name": f"{family} {n:05d}",
                "badge_name": f"{given} {family}",
                "email": f"person{n}@example.org",
                "organisation": "Ministère de l'Intérieur" if n % 2 else "UNDP",
                "category": Category.NATIONAL_GOVERNMENT if n % 2 else Category.UN_AGENCY,
                "status": statuses[n % len(statuses)],
                "token": token,
                "token_selector": selector_of(token),
                "created_at": since + timedelta(minutes=n),
            }
        )
    db.session.execute(sa.insert(Participant), rows)
    db.session.commit()


@pytest.fixture
def conference(open_meeting):
    """The meeting "board" with 11 delegations; `grow(n)` brings it to n people."""
    meeting = open_meeting(slug="board", capacity=None)
    codes = db.session.execute(
        sa.select(Country.code).where(Country.code.not_in(["SN", "MA"])).limit(9)
    ).scalars()
    db.session.add_all([Delegation(meeting=meeting, country_code=code) for code in codes])
    db.session.commit()
    delegations = list(meeting.delegations)
    size = [0]

    def grow(n: int):
        add_people(meeting, delegations, size[0], n)
        size[0] = n
        return meeting

    grow.meeting = meeting
    grow.delegations = delegations
    return grow


def statements(client, url: str, **args) -> int:
    found = []

    def count(*_args):
        found.append(1)

    # Every engine: the page is served by another app instance than the test's.
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert client.get(url, query_string=args).status_code == 200
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(found)


def test_the_list_makes_as_many_queries_for_5000_people_as_for_50(client, organiser, conference):
    senegal = next(d for d in conference.delegations if d.country_code == "SN")
    asked = [
        {},
        {"status": "approved"},
        {"status": "waitlisted", "sort": "date"},
        {"delegation": str(senegal.id), "category": "un_agency"},
        {"delegation": "other"},
        {"q": "nunez"},
        {"q": "Núñez 000", "status": "approved"},
        {"q": "ministere", "sort": "date"},
    ]
    conference(50)
    client.get(LIST)  # what the first request reads once and keeps (the delegations)
    few = [statements(client, LIST, **args) for args in asked]
    conference(5000)
    assert [statements(client, LIST, **args) for args in asked] == few
    # Any page: as many as the first (a page past the end has no rows to load).
    deep = [{"page": "2"}, {"page": "50"}, {"sort": "date", "page": "100"}]
    deep += [{"status": "approved", "page": "20"}, {"q": "ministere", "page": "40"}]
    for args in deep:
        first = {key: value for key, value in args.items() if key != "page"}
        assert statements(client, LIST, **args) == statements(client, LIST, **first)


def test_without_a_narrowing_filter_the_counts_give_the_total(client, organiser, conference):
    """The counts per status are one grouped query, and tell the number of matches
    of the list unfiltered or filtered by status: no second count of the meeting."""
    conference(200)
    client.get(LIST)  # what the first request reads once and keeps (the delegations)
    plain = statements(client, LIST)
    by_status = statements(client, LIST, status="approved")
    narrowed = statements(client, LIST, category="un_agency")
    assert plain == by_status == narrowed - 1
    page = client.get(LIST).get_data(as_text=True)
    assert "200 registrations match" in page and "Page 1 of 4" in page
    page = client.get(LIST, query_string={"status": "waitlisted"}).get_data(as_text=True)
    assert "50 registrations match" in page and "Page 1 of" not in page
    page = client.get(LIST, query_string={"status": "cancelled"}).get_data(as_text=True)
    assert "0 registrations match" in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("nunez", {"Núñez"}),
        ("NÚÑEZ", {"Núñez"}),
        ("núñez", {"Núñez"}),
        ("maria nunez", {"Núñez"}),  # given and family name typed one after the other
        ("ndeye", {"Diop"}),
        ("сыдыкова", {"Сыдыкова"}),
        ("ministere de l'interieur", {"Diop", "Lefèvre"}),
        ("person2@", {"Сыдыкова"}),
        ("lefevre", {"Lefèvre"}),
        ("%", set()),
        ("_", set()),
    ],
)
def test_the_list_searches_part_of_a_name_with_or_without_accents(
    client, organiser, conference, query, found
):
    conference(4)
    page = client.get(LIST, query_string={"q": query}).get_data(as_text=True)
    assert {family for _given, family in NAMES if f"{family} 0000" in page} == found


def test_a_deep_page_and_the_date_order_read_the_right_rows(client, organiser, conference):
    conference(5000)
    last = client.get(LIST, query_string={"sort": "date", "page": "100"}).get_data(as_text=True)
    assert "Lefèvre 04999" in last and "Lefèvre 04947" not in last
    by_name = client.get(LIST, query_string={"page": "1"}).get_data(as_text=True)
    assert "Diop 00001" in by_name and "Núñez 00000" not in by_name


def test_every_write_keeps_the_search_text_in_step(app_context, make_meeting, make_participant):
    meeting = make_meeting()
    person = make_participant(
        meeting,
        given_name="Ndèye",
        family_name="Diop",
        badge_name="Ndèye Diop",
        email="n.diop@example.sn",
        organisation="Ministère des Affaires étrangères",
    )
    assert person.search_text == (
        "ndeye diop ndeye diop n.diop@example.sn ministere des affaires etrangeres"
    )
    person.family_name = "Ñúñez"
    db.session.commit()
    assert "nunez" in person.search_text and "diop ndeye" not in person.search_text
    person.phone = "+221"  # a field nobody searches: the text stays
    db.session.commit()
    assert "nunez" in person.search_text
    privacy.erase(person, by_user=None)
    db.session.commit()
    assert person.search_text == (
        f"erased participant erased participant erased-{person.id}@erased.invalid"
    )


def _names(page: str) -> list[str]:
    """The family names listed on a page of the list, in order."""
    return re.findall(r"(\w+ \d{5}),", page)


def test_a_search_with_more_matches_than_it_counts_says_so_and_pages_forward(
    client, organiser, conference, monkeypatch
):
    """A search counts its matches up to a limit (here 5): beyond it, the page says
    "more than", and with its last page unknown offers the next one while there is
    one. Bad outcome avoided: a count (and a sort) of every match of a common name,
    which grows with the meeting."""
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 5)
    conference(240)  # 60 Núñez
    first = client.get(LIST, query_string={"q": "nunez"}).get_data(as_text=True)
    assert "More than 5 registrations match" in first
    assert "Page 1 · more than 5 matches" in first and "Page 1 of" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    listed = _names(first)
    assert listed == [f"Núñez {n:05d}" for n in range(0, 200, 4)]
    second = client.get(LIST, query_string={"q": "nunez", "page": "2"}).get_data(as_text=True)
    assert _names(second) == [f"Núñez {n:05d}" for n in range(200, 240, 4)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    beyond = client.get(LIST, query_string={"q": "nunez", "page": "3"}).get_data(as_text=True)
    assert "No registration matches." in beyond and 'rel="prev"' in beyond
    # At most the limit: counted, and paged as before.
    few = client.get(LIST, query_string={"q": "nunez 0000"}).get_data(as_text=True)
    assert "3 registrations match" in few and "More than" not in few
    # Without a search, the counts stay exact.
    plain = client.get(LIST, query_string={"category": "un_agency"}).get_data(as_text=True)
    assert "120 registrations match" in plain and "Page 1 of 3" in plain


def test_a_search_lists_the_same_pages_whether_its_matches_are_counted_or_not(
    client, organiser, conference, monkeypatch
):
    """Within the limit, the matches are found by the search's index and sorted
    apart; beyond it, read in the order's index: the same names on each page, by
    name and by date, and a number written as the reader's language writes it."""
    conference(5000)
    asked = [
        {"q": "diop"},
        {"q": "diop", "page": "3"},
        {"q": "ministere", "sort": "date", "page": "2"},
        {"q": "Núñez", "status": "approved"},
    ]
    counted = [_names(client.get(LIST, query_string=args).get_data(as_text=True)) for args in asked]
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 1000)
    page = client.get(LIST, query_string={"q": "diop"}).get_data(as_text=True)
    assert "More than 1,000 registrations match" in page
    beyond = [_names(client.get(LIST, query_string=args).get_data(as_text=True)) for args in asked]
    assert beyond == counted
    assert counted[0][:2] == ["Diop 00001", "Diop 00005"] and len(counted[1]) == 50
    assert counted[2][0] == "Diop 00101"  # the 51st at the ministry (every other one)
