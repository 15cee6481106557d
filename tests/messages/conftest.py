import pytest

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db


@pytest.fixture
def meeting(make_meeting):
    meeting = make_meeting(slug="rabat", languages=["en", "fr"], default_language="en")
    db.session.add_all([Delegation(meeting=meeting, country_code=c) for c in ("NP", "SN")])
    db.session.commit()
    return meeting


@pytest.fixture
def nepal(meeting):
    return next(d for d in meeting.delegations if d.country_code == "NP")


@pytest.fixture
def organiser(make_user, login, meeting):
    user = make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    return user


def compose(meeting, **values) -> dict:
    """The compose form as a browser posts it."""
    data = {
        "t_en-subject": "Logistics for {{ meeting }}",
        "t_en-body": "Dear {{ first_name }}, your link: {{ private_link }}",
        "t_fr-subject": "",
        "t_fr-body": "",
        "action": "preview",
    }
    data.update(values)
    return data
