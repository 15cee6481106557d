from datetime import date, time

import pytest

from meeting_app.agenda import services
from meeting_app.agenda.models import SessionKind, SessionRole
from meeting_app.agenda.services import PersonInput, SessionInput
from meeting_app.extensions import db


@pytest.fixture
def rabat(make_meeting):
    """A meeting in Rabat, 13–14 June 2022, with two rooms."""
    meeting = make_meeting(
        slug="rabat",
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
        timezone="Africa/Casablanca",
        default_language="fr",
    )
    services.save_room(
        meeting, name="Plénière", capacity=150, notes="", available_from=None, available_until=None
    )
    services.save_room(
        meeting,
        name="Salle B",
        capacity=40,
        notes="",
        available_from=time(8, 0),
        available_until=time(18, 0),
    )
    db.session.commit()
    return meeting


@pytest.fixture
def add_session(rabat):
    def factory(
        title="Session",
        day=date(2022, 6, 13),
        start=time(9, 0),
        end=time(10, 0),
        room="Plénière",
        people=(),
        kind=SessionKind.PANEL,
        meeting=None,
        **values,
    ):
        meeting = meeting or rabat
        rooms = {r.name: r.id for r in services.rooms_of(meeting)}
        session = services.save_session(
            meeting,
            SessionInput(
                kind=kind,
                title={"en": title, "fr": title},
                day=day,
                start=start,
                end=end,
                room_id=rooms.get(room),
                people=[
                    PersonInput(
                        role=role,
                        participant_id=pid if isinstance(pid, int) else None,
                        guest_name=pid if isinstance(pid, str) else "",
                    )
                    for pid, role in people
                ],
                **values,
            ),
        )
        db.session.commit()
        return session

    return factory


SPEAKER = SessionRole.SPEAKER
CHAIR = SessionRole.CHAIR
