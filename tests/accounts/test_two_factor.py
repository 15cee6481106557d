"""Two-factor sign-in: set-up with a QR code and a first code, sign-in with a code
accepted once, recovery codes used once, rate limits, turning it off."""

import re
import time

import pyotp
import pytest

from meeting_app.accounts import two_factor
from meeting_app.accounts.models import RecoveryCode, Role, User
from meeting_app.accounts.services import REQUIRE_TWO_FACTOR, set_setting
from meeting_app.extensions import db
from tests.conftest import PASSWORD


def _account(email="boss@example.org"):
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def _setup_secret(client) -> str:
    with client.session_transaction() as session:
        return session["two_factor_setup_secret"]


def test_set_up_shows_a_qr_code_and_the_key_and_needs_a_first_code(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page
    secret = _setup_secret(client)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "This code is wrong" in wrong.get_data(as_text=True)
    assert not _account().two_factor_enabled
    right = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", right.get_data(as_text=True))
    assert len(set(codes)) == 10
    user = _account()
    assert user.two_factor_enabled and user.totp_secret == secret
    hashes = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
    assert len(hashes) == 10 and not any(
        code.replace("-", "") in h for code in codes for h in hashes
    )
    # Shown once: the page now says it is on, without the codes.
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert codes[0] not in page and "10 recovery codes left." in page


def test_the_password_alone_does_not_sign_in(client, make_user, login, with_two_factor):
    with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    response = login("boss@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert client.get("/manage/").status_code == 302
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session and "staff_session" not in session


def test_signing_in_with_the_right_code(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    login("boss@example.org")
    response = client.post("/login/code", data={"code": totp.now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200


def test_a_wrong_code_is_refused(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    login("boss@example.org")
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    response = client.post("/login/code", data={"code": wrong})
    assert response.status_code == 422
    assert "This code is wrong, expired or already used." in response.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302


def test_the_same_code_is_refused_the_second_time(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    code = totp.now()
    login("boss@example.org")
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    login("boss@example.org")
    assert client.post("/login/code", data={"code": code}).status_code == 422
    assert client.get("/manage/").status_code == 302


def test_codes_of_the_neighbouring_steps_count_but_not_older_ones(app_context, make_user):
    user = make_user(Role.ORGANISER, "boss@example.org")
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = user.created_at
    db.session.commit()
    totp, now = pyotp.TOTP(user.totp_secret), time.time()
    assert not two_factor.verify(user, totp.at(now - 90), at=now)
    assert two_factor.verify(user, totp.at(now - 30), at=now)
    assert two_factor.verify(user, totp.at(now), at=now)
    assert not two_factor.verify(user, totp.at(now - 30), at=now)  # older than the last one


def test_a_recovery_code_signs_in_once(client, make_user, login, with_two_factor):
    user = make_user(Role.ORGANISER, "boss@example.org")
    with_two_factor(user)
    codes = two_factor.new_recovery_codes(user)
    db.session.commit()
    login("boss@example.org")
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    client.post("/logout")
    login("boss@example.org")
    again = client.post("/login/code", data={"code": codes[3]})
    assert again.status_code == 422
    assert client.post("/login/code", data={"code": codes[4]}).status_code == 302
    assert two_factor.recovery_codes_left(_account()) == 8


def test_the_code_step_needs_a_recent_right_password(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    assert client.get("/login/code").headers["Location"] == "/login"
    login("boss@example.org")
    with client.session_transaction() as session:
        session["pending_two_factor"]["at"] -= 600
        session.modified = True
    response = client.post("/login/code", data={"code": totp.now()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/manage/").status_code == 302


def test_the_code_step_is_rate_limited(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    login("boss@example.org")
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(10)]
    assert statuses == [422] * 10
    assert client.post("/login/code", data={"code": totp.now()}).status_code == 429


def test_turning_it_off_needs_the_password(client, make_user, login, with_two_factor):
    totp = with_two_factor(make_user(Role.HOST, "door@example.org"))
    login("door@example.org")
    client.post("/login/code", data={"code": totp.now()})
    assert client.get("/account/two-factor").status_code == 200
    wrong = client.post("/account/two-factor/off", data={"password": "not my password"})
    assert wrong.status_code == 422
    assert _account("door@example.org").two_factor_enabled
    assert client.post("/account/two-factor/off", data={"password": PASSWORD}).status_code == 302
    assert not _account("door@example.org").two_factor_enabled


def test_it_cannot_be_turned_off_where_administrators_require_it(
    client, make_user, login, with_two_factor
):
    totp = with_two_factor(make_user(Role.ORGANISER, "boss@example.org"))
    set_setting(REQUIRE_TWO_FACTOR, "yes")
    db.session.commit()
    login("boss@example.org")
    client.post("/login/code", data={"code": totp.now()})
    assert client.get("/manage/").status_code == 200
    client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert _account().two_factor_enabled


@pytest.mark.parametrize("required", [False, True])
def test_setting_it_up_when_required_opens_the_back_office(client, make_user, login, required):
    make_user(Role.ORGANISER, "boss@example.org")
    if required:
        set_setting(REQUIRE_TWO_FACTOR, "yes")
        db.session.commit()
    login("boss@example.org")
    assert client.get("/manage/").status_code == (302 if required else 200)
    client.get("/account/two-factor")
    secret = _setup_secret(client)
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/manage/").status_code == 200  # this browser stays signed in
