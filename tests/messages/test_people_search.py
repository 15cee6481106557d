"""Choosing people by name in a meeting of thousands: the page never lists
everyone; a search (accents and case aside, by name or e-mail, at most 20) offers
people to tick, with or without JavaScript; those chosen stay ticked; ids of
anyone outside the meeting are refused; the log names those chosen."""

import re

import sqlalchemy as sa

from meeting_app.extensions import db
from meeting_app.messages.models import Message
from meeting_app.models import utcnow
from tests.messages.conftest import compose

NEW = "/manage/meetings/rabat/messages/new"
SEARCH = "/manage/meetings/rabat/messages/people"


def ticked(page: str) -> set[str]:
    return set(re.findall(r'name="people" value="(\d+)"[^>]*checked', page))


def offered(page: str) -> set[str]:
    return set(re.findall(r'name="people" value="(\d+)"', page))


def test_the_compose_page_does_not_list_the_whole_meeting(
    client, organiser, meeting, make_participant
):
    everyone = [make_participant(meeting, family_name=f"Person{n}") for n in range(30)]
    page = client.get(NEW).get_data(as_text=True)
    assert offered(page) == set()
    assert not [p for p in everyone if p.full_name in page]


def test_the_search_folds_accents_and_finds_e_mail_addresses(
    client, organiser, meeting, make_participant, make_meeting
):
    nunez = make_participant(meeting, given_name="María", family_name="Núñez")
    make_participant(meeting, given_name="Ana", family_name="Nunes")
    by_mail = make_participant(meeting, given_name="Kim", email="k.ochieng@ministry.go.ke")
    make_participant(meeting, given_name="Gone", family_name="Núñez", erased_at=utcnow())
    elsewhere = make_meeting(slug="elsewhere")
    make_participant(elsewhere, given_name="Other", family_name="Núñez")

    found = client.get(SEARCH, query_string={"q": "maria NUNEZ"}).get_data(as_text=True)
    assert offered(found) == {str(nunez.id)}
    assert "María Núñez" in found and "1 person matches" in found
    found = client.get(SEARCH, query_string={"q": "ochieng@ministry"}).get_data(as_text=True)
    assert offered(found) == {str(by_mail.id)}
    found = client.get(SEARCH, query_string={"q": "zzz"}).get_data(as_text=True)
    assert "Nobody matches “zzz”." in found and offered(found) == set()


def test_the_search_shows_twenty_and_says_there_are_more(
    client, organiser, meeting, make_participant
):
    for n in range(25):
        make_participant(meeting, given_name="Amina", family_name=f"Diallo{n:02d}")
    found = client.get(SEARCH, query_string={"q": "diallo"}).get_data(as_text=True)
    assert len(offered(found)) == 20
    assert "More than 20 people match: the first 20 are shown." in found
    assert "Amina Diallo00" in found and "Amina Diallo24" not in found  # alphabetical


def test_without_javascript_find_offers_people_and_those_ticked_stay_chosen(
    client, organiser, meeting, make_participant
):
    nunez = make_participant(meeting, given_name="María", family_name="Núñez")
    other = make_participant(meeting, given_name="Ana", family_name="Nunes")
    typed = {"t_en-subject": "Visa appointment"}
    page = client.post(
        NEW, data=compose(meeting, people_query="nunez", action="find", **typed)
    ).get_data(as_text=True)
    assert offered(page) == {str(nunez.id)} and ticked(page) == set()
    assert 'value="Visa appointment"' in page
    # Ticked, then a second search: she stays chosen, the new match is offered.
    page = client.post(
        NEW,
        data=compose(meeting, people=str(nunez.id), people_query="nunes", action="find", **typed),
    ).get_data(as_text=True)
    assert ticked(page) == {str(nunez.id)}
    assert offered(page) == {str(nunez.id), str(other.id)}
    assert "Send to 1 person" in page
    client.post(NEW, data=compose(meeting, people=str(nunez.id), action="save", **typed))
    message = db.session.execute(sa.select(Message)).scalar_one()
    assert message.criteria["people"] == [nunez.id]
    page = client.get(f"/manage/meetings/rabat/messages/{message.id}/").get_data(as_text=True)
    assert ticked(page) == {str(nunez.id)} and offered(page) == {str(nunez.id)}
    log = client.get(f"/manage/meetings/rabat/messages/{message.id}/log").get_data(as_text=True)
    assert "María Núñez" in log and "Ana Nunes" not in log


def test_someone_outside_the_meeting_cannot_be_chosen(
    client, organiser, meeting, make_participant, make_meeting
):
    make_participant(meeting)
    stranger = make_participant(make_meeting(slug="elsewhere"), given_name="Stranger")
    response = client.post(
        NEW, data=compose(meeting, people=str(stranger.id), statuses="approved", action="save")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Stranger" not in page and "Send to 1 person" in page
    assert "Someone chosen is not, or no longer, a participant of this meeting" in page
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
