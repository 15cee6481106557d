"""Staff sign-in, the rate limit, and the role guards on /manage and /desk."""

import re
import uuid

import pytest
from werkzeug.security import check_password_hash

from meeting_app.accounts.models import Role, User
from meeting_app.extensions import db
from tests.conftest import PASSWORD, make_app


def test_organiser_signs_in_with_the_right_password(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    response = login("Boss@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.last_login_at is not None


def test_host_lands_on_the_desk(client, make_user, login):
    make_user(Role.HOST, "door@example.org")
    assert login("door@example.org").headers["Location"] == "/desk/"


@pytest.mark.parametrize(
    ("email", "password"),
    [("boss@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)],
)
def test_wrong_password_or_unknown_email_get_the_same_answer(
    client, make_user, login, email, password
):
    make_user(Role.ORGANISER, "boss@example.org")
    response = login(email, password)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wrong e-mail or password." in page
    assert f'value="{email}"' in page  # what was typed is shown again
    assert client.get("/manage/").status_code == 302


def test_empty_and_malformed_fields_get_a_message_each(client):
    response = client.post("/login", data={"email": "not-an-address", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in page
    assert "Enter your password." in page


def test_disabled_account_cannot_sign_in(client, make_user, login):
    user = make_user(Role.ORGANISER, "gone@example.org")
    user.active = False
    db.session.commit()
    assert login("gone@example.org").status_code == 422


def test_passwords_are_stored_hashed_with_scrypt_outside_tests(database_url, app_context):
    from meeting_app.accounts.services import hash_password

    production_like = make_app(database_url, PASSWORD_HASH_METHOD="scrypt")
    with production_like.app_context():
        hashed = hash_password(PASSWORD)
    assert hashed.startswith("scrypt:")
    assert check_password_hash(hashed, PASSWORD)


def test_sign_in_starts_a_new_session_but_keeps_the_language(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "es"
    login("boss@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "es"
        assert session["_user_id"]


def test_sign_out_needs_a_post_and_ends_the_session(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/manage/").status_code == 302


def test_login_is_rate_limited(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    statuses = [login("boss@example.org", f"guess number {i}").status_code for i in range(10)]
    assert statuses == [422] * 10
    blocked = login("boss@example.org")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302


def test_rate_limit_counters_are_shared_between_workers_through_redis(
    database_url, app_context, make_user
):
    """Two app instances (two gunicorn workers) count against one limit in Redis."""
    # A prefix of this run's own: other runs on the machine share the Redis server.
    prefix = f"test-{uuid.uuid4().hex}"
    make_user(Role.ORGANISER, "boss@example.org")
    workers = [
        make_app(
            database_url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
            RATELIMIT_KEY_PREFIX=prefix,
            LOGIN_RATE_LIMIT="3 per minute",
        ).test_client()
        for _ in range(2)
    ]
    data = {"email": "boss@example.org", "password": "wrong password!"}
    statuses = [workers[i % 2].post("/login", data=data).status_code for i in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_next_page_is_followed_but_only_on_this_site(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    response = client.post(
        "/login?next=/desk/", data={"email": "boss@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/desk/"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(
            f"/login?next={target}", data={"email": "boss@example.org", "password": PASSWORD}
        )
        assert response.headers["Location"] == "/manage/"
        client.post("/logout")


@pytest.mark.parametrize("path", ["/manage/", "/desk/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_host_is_refused_the_back_office(client, make_user, make_meeting, login):
    make_user(Role.HOST, "door@example.org", meetings=[make_meeting()])
    login("door@example.org")
    response = client.get("/manage/", headers={"Accept-Language": "fr"})
    assert response.status_code == 403
    assert client.get("/desk/").status_code == 200


def test_organiser_may_use_the_desk_too(client, make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    assert client.get("/desk/").status_code == 200


def test_every_staff_view_is_guarded(app):
    """The guard is set per blueprint: list every /manage and /desk rule and try
    each anonymously, so a view added later cannot slip through."""
    client = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(("/manage", "/desk"))]
    assert rules
    for rule in rules:
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        path = re.sub(r"<any\((\w+)[^>]*>", r"\1", path)
        path = re.sub(r"<\w+>", "sample", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            assert response.status_code == 302, (method, rule.rule)
            assert response.headers["Location"].startswith("/login"), (method, rule.rule)


def test_demo_accounts_are_refused_in_production(database_url, app_context, make_user):
    make_user(Role.ORGANISER, "organiser@demo.example.org", is_demo=True)
    production_like = make_app(database_url, DEMO_ACCOUNTS_ALLOWED=False)
    response = production_like.test_client().post(
        "/login", data={"email": "organiser@demo.example.org", "password": PASSWORD}
    )
    assert response.status_code == 422


def test_navigation_links_the_account_and_for_administrators_the_staff(
    client, make_user, make_meeting, login
):
    make_user(Role.ORGANISER, "boss@example.org")
    make_user(Role.HOST, "door@example.org", meetings=[make_meeting()])
    login("door@example.org")
    nav = client.get("/").get_data(as_text=True).split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'href="/account"' in nav and 'href="/manage/staff/"' not in nav
    client.post("/logout")
    login("boss@example.org")
    nav = client.get("/").get_data(as_text=True).split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'href="/account"' in nav and 'href="/manage/staff/"' in nav
