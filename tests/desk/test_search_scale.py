"""The desk's search at conference scale (issue 21): one query on the folded
column with a LIMIT, the same number of statements for 50 people and 5,000, the
first twenty by name; the messages composer's people search likewise."""

import sqlalchemy as sa

from meeting_app.desk import services
from meeting_app.extensions import db
from meeting_app.messages import filters
from tests.registration.test_list_scale import add_people


def statements(function) -> tuple[int, object]:
    found = []

    def count(*_args):
        found.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(found), result


def test_the_desk_search_makes_as_many_queries_for_5000_people_as_for_50(desk_meeting):
    delegations = list(desk_meeting.delegations)
    # Every Diop is in the second delegation (or in none): found by its country too.
    country = delegations[1].country
    queries = ("nunez", "NÚÑEZ 01", f"{country.name_fr} diop", "ministere", "zzz", "сыдыкова")

    def run():
        return [statements(lambda q=q: services.search(desk_meeting, q)) for q in queries]

    add_people(desk_meeting, delegations, 0, 50)
    few = run()
    add_people(desk_meeting, delegations, 50, 5000)
    many = run()
    assert [count for count, _found in many] == [count for count, _found in few]
    # At most twenty, the first by name: the meeting's size shows only in how many match.
    found = dict(zip(queries, (people for _count, people in many), strict=True))
    assert [p.family_name for p in found["nunez"]] == [f"Núñez {n:05d}" for n in range(0, 80, 4)]
    assert len(found["NÚÑEZ 01"]) == 20 and found["zzz"] == []
    in_country = found[f"{country.name_fr} diop"]
    assert len(in_country) == 20
    assert {(p.delegation.country_code, p.badge_name) for p in in_country} == {
        (country.code, "Ndèye Diop")
    }


def test_the_messages_people_search_makes_as_many_queries_for_5000_as_for_50(desk_meeting):
    meeting = desk_meeting
    delegations = list(meeting.delegations)

    def run():
        return [
            statements(lambda q=q: filters.search(meeting, q, filters.SEARCH_LIMIT + 1))
            for q in ("maria nunez", "person12@", "zzz")
        ]

    add_people(meeting, delegations, 0, 50)
    few = run()
    add_people(meeting, delegations, 50, 5000)
    many = run()
    assert [count for count, _found in many] == [count for count, _found in few]
    assert len(many[0][1]) == 21
    assert [p.email for p in many[1][1]] == ["person12@example.org"]
    assert many[2][1] == []
