""" "The heads of the selected delegations": added to whom the rest of the filter
picks, whatever it says; only those of the delegations selected; said in the log."""

import re

import sqlalchemy as sa

from meeting_app.delegations.services import name_head
from meeting_app.extensions import db
from meeting_app.messages import filters
from meeting_app.messages.models import Message
from meeting_app.registration.models import Category, ParticipantRole, RegistrationStatus
from tests.messages.conftest import compose


def heads(meeting, nepal, make_participant):
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    head = make_participant(
        meeting, given_name="Head", delegation=nepal, status=RegistrationStatus.SUBMITTED
    )
    name_head(nepal, head)
    member = make_participant(meeting, given_name="Member", delegation=nepal)
    # Registered in the head's role without being named (an import, say).
    deputy = make_participant(
        meeting, given_name="Deputy", delegation=nepal, role=ParticipantRole.HEAD_OF_DELEGATION
    )
    other_head = make_participant(meeting, given_name="OtherHead", delegation=senegal)
    name_head(senegal, other_head)
    media = make_participant(meeting, given_name="Press", category=Category.MEDIA)
    db.session.commit()
    return senegal, head, member, deputy, other_head, media


def picked(meeting, **criteria):
    return {p.given_name for p in filters.recipients(meeting, filters.Criteria(**criteria))}


def test_the_heads_are_added_whatever_the_other_criteria(meeting, nepal, make_participant):
    senegal, *_ = heads(meeting, nepal, make_participant)
    media_of_nepal = {"categories": ["media"], "delegations": [nepal.id]}
    assert picked(meeting, **media_of_nepal) == set()  # no journalist in Nepal's
    assert picked(meeting, **media_of_nepal, heads_of_delegations=True) == {"Head", "Deputy"}
    assert picked(meeting, delegations=[nepal.id, senegal.id], roles=["observer"]) == set()
    assert picked(
        meeting, delegations=[nepal.id, senegal.id], roles=["observer"], heads_of_delegations=True
    ) == {"Head", "Deputy", "OtherHead"}
    # No delegation selected: no head to add.
    assert picked(meeting, categories=["media"], heads_of_delegations=True) == {"Press"}


def test_the_box_on_the_page_and_in_the_log(client, organiser, meeting, nepal, make_participant):
    heads(meeting, nepal, make_participant)
    data = compose(
        meeting,
        statuses="approved",
        categories="media",
        delegations=str(nepal.id),
        heads_of_delegations="y",
        action="save",
    )
    response = client.post("/manage/meetings/rabat/messages/new", data=data)
    assert response.status_code == 302
    message = db.session.execute(sa.select(Message)).scalar_one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Send to 2 people" in page  # Head (not approved yet) and Deputy
    assert re.search(r'<input checked id="heads_of_delegations"', page)  # kept as saved
    log = client.get(f"/manage/meetings/rabat/messages/{message.id}/log").get_data(as_text=True)
    assert "The heads of the selected delegations, whatever the other criteria" in log


def test_the_box_without_a_delegation_is_explained(client, organiser, meeting, make_participant):
    make_participant(meeting)
    response = client.post(
        "/manage/meetings/rabat/messages/new",
        data=compose(meeting, statuses="approved", heads_of_delegations="y", action="send"),
    )
    assert response.status_code == 422
    assert "Select the delegations whose heads should receive it" in response.get_data(as_text=True)
