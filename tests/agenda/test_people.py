"""People of a session typed by name: linked to the participant who has that name,
asked about when several have it, kept as guests when the organiser says so."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.agenda import attendance, services
from meeting_app.agenda.published import published_agenda
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.agenda.conftest import SPEAKER

NEW = "/manage/meetings/rabat/agenda/sessions/new"


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


def _form(**people):
    return {
        "kind": "panel",
        "day": "2022-06-13",
        "start": "09:00",
        "end": "10:00",
        "room_id": "",
        "title_en": "Financing the agenda",
        "revision": "",
        **people,
    }


def _people(session):
    return [(p.participant_id, p.guest_name, p.role.value) for p in session.people]


def test_a_typed_name_of_one_participant_links_them(client, organiser, rabat, make_participant):
    """Bad input: the names typed as organisers type them, without picking the
    suggestion: other case, spaces doubled, accents left out, family name first."""
    sita = make_participant(
        rabat,
        given_name="Sita",
        family_name="Gurung",
        organisation="Ministry of Health",
        status=RegistrationStatus.SUBMITTED,
    )
    ndeye = make_participant(rabat, given_name="Ndèye Fatou", family_name="Diop")
    response = client.post(
        NEW,
        data=_form(
            **{
                "people-0-name": "Sita Gurung",
                "people-0-role": "chair",
                "people-1-name": "  ndeye   fatou DIOP ",
                "people-1-role": "speaker",
                "people-2-name": "GURUNG Sita",
                "people-2-role": "rapporteur",
            }
        ),
    )
    assert response.status_code == 302
    (session,) = services.sessions_of(rabat)
    assert _people(session) == [
        (sita.id, "", "chair"),
        (ndeye.id, "", "speaker"),
        (sita.id, "", "rapporteur"),
    ]
    # What the guest row hid: her programme has the session she chairs, and the
    # check sees that her registration is not approved.
    services.publish(rabat)
    db.session.commit()
    mine = attendance.programme(sita, published_agenda(rabat).sessions)
    assert [item.session.id for item in mine] == [session.id]
    assert any(
        c.kind == "not_approved" and c.subject == "Sita Gurung" for c in services.conflicts(rabat)
    )


def test_a_name_several_participants_have_asks_which_one(
    client, organiser, rabat, make_participant
):
    """Bad input: a name two participants share; then the answer to the question, an
    answer sent for a name the row no longer holds, and answers that name nobody."""
    nepal = make_participant(
        rabat, given_name="Sita", family_name="Gurung", organisation="Ministry of Health"
    )
    pokhara = make_participant(
        rabat, given_name="Sita", family_name="Gurung", organisation="City of Pokhara"
    )
    asked = client.post(
        NEW,
        data=_form(**{"people-0-name": "Sita Gurung", "people-0-role": "speaker"}),
        headers={"Accept-Language": "en"},
    )
    assert asked.status_code == 422
    html = asked.get_data(as_text=True)
    error = html.split('id="people-0-name-error">', 1)[1].split("</p>", 1)[0]
    assert "Several participants are named Sita Gurung" in error
    assert "say which one is meant" in html
    question = html.split('class="namesakes"', 1)[1].split("</fieldset>", 1)[0]
    assert "Which Sita Gurung?" in question
    assert f'name="people-0-pick" value="{nepal.id}"' in question
    assert f'name="people-0-pick" value="{pokhara.id}"' in question
    assert "Ministry of Health" in question and "City of Pokhara" in question
    assert services.sessions_of(rabat) == []

    # A pick made for another name is no answer: the question comes back.
    stale = client.post(
        NEW,
        data=_form(
            **{
                "people-0-name": "Sita  GURUNG",
                "people-0-role": "speaker",
                "people-0-pick": str(pokhara.id),
                "people-0-asked": "Ram Gurung",
            }
        ),
    )
    assert stale.status_code == 422
    # Nor is a pick that is no participant's id of this meeting.
    for pick in ("²", "99999999999", "-1"):
        odd = client.post(
            NEW,
            data=_form(
                **{
                    "people-0-name": "Sita Gurung",
                    "people-0-role": "speaker",
                    "people-0-pick": pick,
                    "people-0-asked": "Sita Gurung",
                }
            ),
        )
        assert odd.status_code == 422, pick

    answered = client.post(
        NEW,
        data=_form(
            **{
                "people-0-name": "Sita Gurung",
                "people-0-role": "speaker",
                "people-0-pick": str(pokhara.id),
                "people-0-asked": "Sita Gurung",
            }
        ),
    )
    assert answered.status_code == 302
    (session,) = services.sessions_of(rabat)
    assert _people(session) == [(pokhara.id, "", "speaker")]


def test_a_guest_stays_possible_and_is_shown_as_such(client, organiser, rabat, make_participant):
    """Bad input: a guest who happens to share a registered participant's name, and a
    guest with a role in two sessions at once."""
    registered = make_participant(rabat, given_name="Sita", family_name="Gurung")
    response = client.post(
        NEW,
        data=_form(
            **{
                "people-0-name": "Sita Gurung",
                "people-0-role": "speaker",
                "people-0-guest": "y",
                "people-1-name": "Invited Guest",
                "people-1-role": "chair",
            }
        ),
    )
    assert response.status_code == 302
    (session,) = services.sessions_of(rabat)
    assert _people(session) == [(None, "Sita Gurung", "speaker"), (None, "Invited Guest", "chair")]

    page = client.get(
        f"/manage/meetings/rabat/agenda/sessions/{session.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    first_row = page.split('id="people-0-name"', 1)[1].split('id="people-1-name"', 1)[0]
    assert '<input checked id="people-0-guest" name="people-0-guest" type="checkbox"' in first_row
    assert "A registered participant has this name" in first_row
    assert f"(#{registered.id})" in first_row
    empty_row = page.split('id="people-2-name"', 1)[1].split('id="people-3-name"', 1)[0]
    assert '<input checked id="people-2-guest"' not in empty_row
    assert '<input id="people-2-guest"' in empty_row

    # Saved again as it is shown, the guest stays a guest.
    again = client.post(
        f"/manage/meetings/rabat/agenda/sessions/{session.id}",
        data=_form(
            revision=str(session.revision),
            **{
                "people-0-name": "Sita Gurung",
                "people-0-role": "speaker",
                "people-0-guest": "y",
            },
        ),
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert _people(services.sessions_of(rabat)[0]) == [(None, "Sita Gurung", "speaker")]

    overlap = _form(
        start="09:30",
        end="10:30",
        **{"people-0-name": "Sita Gurung", "people-0-role": "speaker", "people-0-guest": "y"},
    )
    assert client.post(NEW, data=overlap).status_code == 302
    conflicts = client.get(
        "/manage/meetings/rabat/agenda/conflicts", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Sita Gurung (guest) chairs or speaks in two overlapping sessions" in conflicts


def test_a_cancelled_registration_is_no_namesake(rabat, make_participant, add_session):
    """Bad input: the name of someone who cancelled, the one participant with it."""
    make_participant(
        rabat, given_name="Sita", family_name="Gurung", status=RegistrationStatus.CANCELLED
    )
    session = add_session(people=[("Sita Gurung", SPEAKER)])
    assert _people(session) == [(None, "Sita Gurung", "speaker")]


@pytest.mark.parametrize(
    ("typed", "name", "same"),
    [
        ("  sita\tGURUNG ", "Sita Gurung", True),
        ("Ndeye Diop", "Ndèye Diop", True),
        ("NDÈYE DIOP", "Ndèye Diop", True),
        ("Sita Gurungs", "Sita Gurung", False),
        ("", "Sita Gurung", False),
    ],
)
def test_names_compare_without_case_accents_or_spacing(typed, name, same):
    """Bad input: the ways one name gets typed, and a near miss."""
    assert (services.name_key(typed) == services.name_key(name)) is same
