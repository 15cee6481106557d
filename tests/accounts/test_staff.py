"""/manage/staff: invitations (72 hours, once, re-send, revoke), roles per meeting,
disabling, and the site setting that requires two-factor sign-in."""

from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.accounts.models import AccountToken, Role, User
from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from tests.accounts.conftest import link_in

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin(client, make_user, login):
    user = make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    return user


def _account(email):
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()


def _audit(action):
    return (
        db.session.execute(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def _invite(client, email="new.host@example.org", meetings=(), **values):
    data = {"email": email, "role": "host", "meetings": [m.id for m in meetings], "language": "en"}
    return client.post("/manage/staff/invite", data={**data, **values})


def test_staff_pages_are_for_administrators_only(client, make_user, make_meeting, login):
    rabat = make_meeting(slug="rabat")
    assert client.get("/manage/staff/").status_code == 302
    make_user(Role.ORGANISER, "org@example.org", meetings=[rabat])
    login("org@example.org")
    assert client.get("/manage/staff/").status_code == 403
    assert client.post("/manage/staff/invite").status_code == 403


def test_the_list_shows_roles_last_sign_in_and_two_factor(client, admin, make_user, make_meeting):
    rabat = make_meeting(slug="rabat")
    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    page = client.get("/manage/staff/").get_data(as_text=True)
    assert "door@example.org" in page
    assert "Host: Board meeting" in page and "(rabat)" in page
    assert "Administrator" in page
    assert "Never" in page and "Off" in page


def test_invitation_arrives_by_mail_and_its_link_works_once(
    client, admin, make_meeting, inbox, server_app
):
    rabat = make_meeting(slug="rabat")
    response = _invite(client, meetings=[rabat])
    assert response.status_code == 302
    link = link_in(inbox, "new.host@example.org", "/invitation/")
    assert "72 hours" in inbox.body(inbox.to("new.host@example.org")[0])
    invited = _account("new.host@example.org")
    assert not invited.has_password
    assert invited.role_in(rabat.id) is Role.HOST
    assert "Invitation pending" in client.get("/manage/staff/").get_data(as_text=True)

    browser = server_app.test_client()
    assert browser.get(link).status_code == 200
    chosen = browser.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 302
    assert browser.get("/desk/").status_code == 200  # signed in
    assert browser.get("/manage/meetings/rabat/").status_code in (403, 404)
    again = server_app.test_client().get(link)
    assert again.status_code == 404
    assert "This link does not work" in again.get_data(as_text=True)
    assert _audit("staff.invited")


def test_invitation_expires_after_72_hours(client, admin, make_meeting, inbox, server_app):
    _invite(client, meetings=[make_meeting()])
    link = link_in(inbox, "new.host@example.org", "/invitation/")
    token = db.session.execute(db.select(AccountToken)).scalar_one()
    assert token.expires_at - token.created_at == timedelta(hours=72)
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    response = server_app.test_client().post(
        link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not _account("new.host@example.org").has_password
    assert "Invitation expired" in client.get("/manage/staff/").get_data(as_text=True)


def test_sending_again_makes_a_new_link_and_the_old_one_stops(
    client, admin, make_meeting, inbox, server_app
):
    _invite(client, meetings=[make_meeting()])
    old = link_in(inbox, "new.host@example.org", "/invitation/")
    invited = _account("new.host@example.org")
    assert client.post(f"/manage/staff/{invited.id}/invitation/resend").status_code == 302
    new = link_in(inbox, "new.host@example.org", "/invitation/")
    assert new != old
    browser = server_app.test_client()
    assert browser.get(old).status_code == 404
    assert browser.get(new).status_code == 200


def test_a_withdrawn_invitation_opens_nothing(client, admin, make_meeting, inbox, server_app):
    _invite(client, meetings=[make_meeting()])
    link = link_in(inbox, "new.host@example.org", "/invitation/")
    invited = _account("new.host@example.org")
    assert client.post(f"/manage/staff/{invited.id}/invitation/revoke").status_code == 302
    assert server_app.test_client().get(link).status_code == 404
    assert _account("new.host@example.org") is None
    assert _audit("staff.invitation_revoked")


def test_inviting_an_existing_address_offers_the_role_instead(
    client, admin, make_user, make_meeting, inbox
):
    rabat, dakar = make_meeting(slug="rabat"), make_meeting(slug="dakar")
    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    response = _invite(client, "Door@Example.org", meetings=[dakar])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already has an account" in page
    assert 'name="grant_existing"' in page
    assert 'value="Door@Example.org"' in page  # what was typed stays
    assert inbox.to("door@example.org") == []
    granted = _invite(client, "Door@Example.org", meetings=[dakar], grant_existing="1")
    assert granted.status_code == 302
    door = _account("door@example.org")
    assert door.role_in(dakar.id) is Role.HOST and door.role_in(rabat.id) is Role.HOST


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not an address"}, "Enter a valid e-mail address."),
        ({"meetings": []}, "Choose at least one meeting, or administrator."),
        ({"meetings": [99999]}, "Choose among the meetings listed."),
        ({"role": "king"}, "Not a valid choice"),
    ],
)
def test_bad_invitations_are_refused_by_the_field(client, admin, make_meeting, values, message):
    meeting = make_meeting()
    data = {"email": "x@example.org", "role": "host", "meetings": [meeting.id], "language": "en"}
    response = client.post("/manage/staff/invite", data={**data, **values})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _account("x@example.org") is None


def test_an_administrator_can_be_invited(client, admin, inbox):
    response = client.post(
        "/manage/staff/invite",
        data={"email": "chief@example.org", "is_admin": "y", "language": "fr"},
    )
    assert response.status_code == 302
    assert _account("chief@example.org").is_admin
    (mail,) = inbox.to("chief@example.org")
    assert "/invitation/" in inbox.body(mail)
    assert mail["Subject"]  # in French when the catalog has it; never empty


def test_roles_are_given_and_taken_per_meeting_into_the_audit_log(
    client, admin, make_user, make_meeting
):
    rabat, dakar = make_meeting(slug="rabat"), make_meeting(slug="dakar")
    door = make_user(Role.HOST, "door@example.org", meetings=[rabat])
    assert client.get(f"/manage/staff/{door.id}").status_code == 200
    client.post(
        f"/manage/staff/{door.id}/roles",
        data={"grant-meeting": dakar.id, "grant-role": "organiser"},
    )
    client.post(f"/manage/staff/{door.id}/roles/{rabat.id}/revoke")
    door = _account("door@example.org")
    assert door.role_in(dakar.id) is Role.ORGANISER
    assert door.role_in(rabat.id) is None
    (granted,) = _audit("staff.role_granted")
    assert granted.meeting_id == dakar.id and granted.actor == "boss@example.org"
    assert "organiser" in granted.details and "door@" not in granted.details
    (revoked,) = _audit("staff.role_revoked")
    assert revoked.meeting_id == rabat.id


def test_granting_an_unknown_meeting_is_a_field_error(client, admin, make_user, make_meeting):
    door = make_user(Role.HOST, "door@example.org", meetings=[make_meeting()])
    response = client.post(
        f"/manage/staff/{door.id}/roles", data={"grant-meeting": 424242, "grant-role": "host"}
    )
    assert response.status_code == 422
    assert "Choose a meeting." in response.get_data(as_text=True)
    assert client.get("/manage/staff/424242").status_code == 404


def test_disabling_and_enabling_are_recorded(client, admin, make_user, login, server_app):
    door = make_user(Role.HOST, "door@example.org")
    assert client.post(f"/manage/staff/{door.id}/disable").status_code == 302
    assert not _account("door@example.org").active
    other = server_app.test_client()
    assert login("door@example.org", target=other).status_code == 422
    client.post(f"/manage/staff/{door.id}/enable")
    assert _account("door@example.org").active
    assert _audit("staff.disabled") and _audit("staff.enabled")


def test_the_last_administrator_cannot_be_disabled_or_demoted(client, admin, make_user):
    assert client.post(f"/manage/staff/{admin.id}/disable").status_code == 302
    client.post(f"/manage/staff/{admin.id}/admin", data={"is_admin": "0"})
    me = _account("boss@example.org")
    assert me.active and me.is_admin
    assert client.get("/manage/staff/").status_code == 200


def test_administrators_may_be_made_and_unmade(client, admin, make_user):
    door = make_user(Role.HOST, "door@example.org")
    client.post(f"/manage/staff/{door.id}/admin", data={"is_admin": "1"})
    assert _account("door@example.org").is_admin
    client.post(f"/manage/staff/{door.id}/admin", data={"is_admin": "0"})
    assert not _account("door@example.org").is_admin
    assert [e.details.endswith("administrator") for e in _audit("staff.role_granted")] == [True]


def test_requiring_two_factor_sends_organisers_to_set_it_up(
    client, admin, make_user, make_meeting, login, server_app
):
    rabat = make_meeting(slug="rabat")
    make_user(Role.ORGANISER, "org@example.org", meetings=[rabat])
    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    assert (
        client.post("/manage/staff/settings", data={"require_two_factor": "y"}).status_code == 302
    )
    organiser = server_app.test_client()
    login("org@example.org", target=organiser)
    response = organiser.get("/manage/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-factor?required=1"
    page = organiser.get("/account/two-factor?required=1").get_data(as_text=True)
    assert "Administrators require two-factor sign-in" in page
    assert organiser.get("/account").status_code == 200
    assert organiser.get("/desk/").status_code == 302
    # Hosts see no passport numbers: the setting does not concern them.
    host = server_app.test_client()
    login("door@example.org", target=host)
    assert host.get("/desk/").status_code == 200
    # The administrator too must set it up now.
    assert client.get("/manage/staff/").status_code == 302
