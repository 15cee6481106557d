from datetime import UTC, date, datetime, time

import pytest

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.desk import services as desk
from meeting_app.extensions import db


@pytest.fixture
def organiser(client, make_user, login, rabat):
    """Rabat's organiser, signed in."""
    user = make_user(Role.ORGANISER, "secretariat@example.org", meetings=[rabat])
    login("secretariat@example.org")
    return user


@pytest.fixture
def session(add_session):
    return add_session(title="Opening plenary")


@pytest.fixture
def delegations(rabat):
    made = {code: Delegation(meeting=rabat, country_code=code) for code in ("SN", "MA")}
    db.session.add_all(made.values())
    db.session.commit()
    return made


@pytest.fixture
def check_in():
    """Checks `participant` in at 09:00 in Rabat on `day` (the meeting's local date)."""

    def factory(participant, day: date):
        moment = datetime.combine(day, time(9, 0), tzinfo=participant.meeting.tz).astimezone(UTC)
        result = desk.check_in(participant, now=moment)
        db.session.commit()
        return result.check_in

    return factory
