"""Sessions end on the server: a copy of a session cookie taken before sign-out, a
password change or reset, disabling or a role change opens nothing afterwards."""

from meeting_app.accounts.models import Role, StaffSession, User
from meeting_app.extensions import db
from tests.accounts.conftest import link_in, session_cookie
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _signed_in_copy(client, login, email) -> str:
    assert login(email).status_code == 302
    return session_cookie(client)


def test_a_copied_cookie_works_while_the_session_lasts(client, make_user, login, replay):
    make_user(Role.ORGANISER, "boss@example.org")
    copy = _signed_in_copy(client, login, "boss@example.org")
    assert replay(copy) == 200


def test_replayed_cookie_is_refused_after_sign_out(client, make_user, login, replay):
    make_user(Role.ORGANISER, "boss@example.org")
    copy = _signed_in_copy(client, login, "boss@example.org")
    client.post("/logout")
    assert replay(copy) == 302
    assert replay(copy, "/manage/") == 302


def test_replayed_cookie_is_refused_after_a_password_reset(client, make_user, login, replay, inbox):
    make_user(Role.ORGANISER, "boss@example.org")
    copy = _signed_in_copy(client, login, "boss@example.org")
    anonymous = client.application.test_client()
    anonymous.post("/login/forgot", data={"email": "boss@example.org"})
    link = link_in(inbox, "boss@example.org", "/reset/")
    response = anonymous.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert replay(copy) == 302
    assert client.get("/account").status_code == 302  # the browser itself, too


def test_changing_the_password_signs_out_the_other_browsers_only(client, make_user, login, replay):
    make_user(Role.ORGANISER, "boss@example.org")
    elsewhere = client.application.test_client()
    login("boss@example.org", target=elsewhere)
    other_copy = session_cookie(elsewhere)
    login("boss@example.org")
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert replay(other_copy) == 302
    assert client.get("/account").status_code == 200


def test_replayed_cookie_is_refused_after_disabling(client, make_user, login, replay):
    make_user(Role.ORGANISER, "boss@example.org")
    host = make_user(Role.HOST, "door@example.org")
    admin = client.application.test_client()
    login("boss@example.org", target=admin)
    copy = _signed_in_copy(client, login, "door@example.org")
    assert admin.post(f"/manage/staff/{host.id}/disable").status_code == 302
    assert replay(copy) == 302
    db.session.expire_all()
    assert db.session.execute(db.select(StaffSession).filter_by(user_id=host.id)).first() is None
    # Enabled again, the old cookie stays dead: the session row is gone.
    admin.post(f"/manage/staff/{host.id}/enable")
    assert replay(copy) == 302


def test_replayed_cookie_is_refused_after_a_role_change(
    client, make_user, make_meeting, login, replay
):
    rabat, dakar = make_meeting(slug="rabat"), make_meeting(slug="dakar")
    make_user(Role.ORGANISER, "boss@example.org")
    host = make_user(Role.HOST, "door@example.org", meetings=[rabat])
    admin = client.application.test_client()
    login("boss@example.org", target=admin)
    copy = _signed_in_copy(client, login, "door@example.org")
    response = admin.post(
        f"/manage/staff/{host.id}/roles", data={"grant-meeting": dakar.id, "grant-role": "host"}
    )
    assert response.status_code == 302
    assert replay(copy) == 302
    second = _signed_in_copy(client, login, "door@example.org")
    admin.post(f"/manage/staff/{host.id}/roles/{rabat.id}/revoke")
    assert replay(second) == 302


def test_an_administrator_changing_their_own_roles_stays_signed_in(
    client, make_user, make_meeting, login, replay
):
    rabat = make_meeting(slug="rabat")
    boss = make_user(Role.ORGANISER, "boss@example.org")
    make_user(Role.ORGANISER, "second@example.org")
    elsewhere = client.application.test_client()
    login("boss@example.org", target=elsewhere)
    other_copy = session_cookie(elsewhere)
    login("boss@example.org")
    client.post(
        f"/manage/staff/{boss.id}/roles", data={"grant-meeting": rabat.id, "grant-role": "host"}
    )
    assert client.get("/account").status_code == 200
    assert replay(other_copy) == 302


def test_a_role_change_from_the_command_line_ends_the_sessions(
    client, make_user, make_meeting, login, replay, runner
):
    rabat = make_meeting(slug="rabat")
    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    copy = _signed_in_copy(client, login, "door@example.org")
    result = runner.invoke(
        args=["users", "grant", "door@example.org", "--role", "organiser", "--meeting", "rabat"]
    )
    assert result.exit_code == 0, result.output
    assert replay(copy) == 302
    user = db.session.execute(db.select(User).filter_by(email="door@example.org")).scalar_one()
    db.session.refresh(user)
    assert user.role_in(rabat.id) is Role.ORGANISER
