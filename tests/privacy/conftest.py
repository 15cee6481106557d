import pytest

from meeting_app.accounts.models import Role


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    return user
