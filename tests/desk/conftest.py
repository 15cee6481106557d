import pytest

from meeting_app.accounts.models import Role


@pytest.fixture
def desk_meeting(open_meeting):
    """A meeting whose two days are today and tomorrow (in its own time zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    from datetime import timedelta

    return open_meeting(slug="board", start_date=today, end_date=today + timedelta(days=1))


@pytest.fixture
def host(client, make_user, login, desk_meeting):
    """The host of the desk meeting, signed in."""
    user = make_user(Role.HOST, "door@example.org", meetings=[desk_meeting])
    login("door@example.org")
    return user
