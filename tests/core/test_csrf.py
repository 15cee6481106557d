"""With CSRF protection on (as everywhere but most tests), a form sent without
its token or with a tampered one is refused with a friendly page, and nothing
is done."""

import pytest

from meeting_app.accounts.models import Role, User
from meeting_app.extensions import db
from tests.conftest import PASSWORD, form_token


def _last_login():
    return db.session.execute(db.select(User.last_login_at)).scalar_one()


@pytest.mark.parametrize("token", [None, "tampered", "ImFiYyI.ZZZ.bad"])
def test_login_without_a_valid_token_is_refused_and_signs_nobody_in(csrf_client, make_user, token):
    make_user(Role.ORGANISER, "boss@example.org")
    data = {"email": "boss@example.org", "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = csrf_client.post("/login", data=data, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Traceback" not in page
    assert _last_login() is None
    assert csrf_client.get("/manage/").status_code == 302


def test_login_with_the_token_from_the_form_works(csrf_client, make_user):
    make_user(Role.ORGANISER, "boss@example.org")
    token = form_token(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post(
        "/login", data={"email": "boss@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert _last_login() is not None


def test_language_switch_and_sign_out_need_the_token_too(csrf_client):
    response = csrf_client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 400
    assert csrf_client.post("/logout").status_code == 400
    assert '<html lang="en">' in csrf_client.get("/").get_data(as_text=True)
