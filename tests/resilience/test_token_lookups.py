"""Guessing private links is slowed down: failed look-ups of /r/<token>, /d/<token>
and /desk/badge/<code> are counted per address, and past the limit the address
gets 429 for a while; people who use their own link are never counted."""

import uuid

from meeting_app.accounts.models import Role
from meeting_app.core.tokens import new_token
from tests.conftest import make_app

LIMIT = 30  # the default TOKEN_LOOKUP_RATE_LIMIT, per minute


def test_failed_token_look_ups_end_in_429_for_that_address(client, open_meeting, make_participant):
    meeting = open_meeting()
    participant = make_participant(meeting)
    token = participant.token
    guesses = [client.get(f"/r/{new_token()}").status_code for _ in range(LIMIT)]
    assert guesses == [404] * LIMIT

    blocked = client.get(f"/r/{new_token()}", headers={"Accept-Language": "fr"})
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    # Past the limit even a right token waits: the guesser cannot tell which one it was.
    assert client.get(f"/r/{token}").status_code == 429
    # Another address is not affected.
    other = client.get(f"/r/{token}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_one_allowance_for_all_kinds_of_private_links(client, make_user, make_meeting, login):
    make_user(Role.HOST, "door@example.org", meetings=[make_meeting()])
    login("door@example.org")
    paths = [f"/r/{new_token()}/programme", f"/d/{new_token()}", "/desk/badge/NOSUCHCODE"]
    statuses = [client.get(paths[i % 3]).status_code for i in range(LIMIT)]
    assert statuses == [404] * LIMIT
    assert {client.get(path).status_code for path in paths} == {429}
    # Other pages are not limited.
    assert client.get("/").status_code == 200


def test_using_your_own_link_is_never_limited(client, open_meeting, make_participant):
    meeting = open_meeting()
    participant = make_participant(meeting)
    delegation = meeting.delegations[0]
    for _ in range(2 * LIMIT):
        assert client.get(f"/r/{participant.token}").status_code == 200
    for _ in range(LIMIT):
        assert client.get(f"/d/{delegation.view_token}").status_code == 200


def test_failed_look_ups_are_counted_in_redis_across_workers(
    database_url, open_meeting, make_participant, make_user
):
    """Two app instances (two gunicorn workers) share one counter through Redis."""
    # A prefix of this run's own: other runs on the machine share the Redis server.
    prefix = f"test-{uuid.uuid4().hex}"
    participant = make_participant(open_meeting())
    workers = [
        make_app(
            database_url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
            RATELIMIT_KEY_PREFIX=prefix,
            TOKEN_LOOKUP_RATE_LIMIT="4 per minute",
        ).test_client()
        for _ in range(2)
    ]
    statuses = [workers[i % 2].get(f"/r/{new_token()}").status_code for i in range(5)]
    assert statuses == [404, 404, 404, 404, 429]
    assert workers[0].get(f"/r/{participant.token}").status_code == 429
    assert workers[1].get(f"/r/{participant.token}").status_code == 429
