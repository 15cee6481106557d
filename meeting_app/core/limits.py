"""A limit on guessing private links: /r/<token>, /d/<token> and /desk/badge/<code>.

Only failed look-ups count (answers 404), so people who follow their own link are
never slowed down; a client that misses too often in a minute gets 429 until the
window passes, even for a right token. The counters live in the limiter's storage
(Redis with RATELIMIT_STORAGE_URI), so every worker and server shares them.
"""

from flask import Flask, current_app

from meeting_app.extensions import limiter

# Every route under these prefixes, present or added later, is guarded.
GUARDED_PREFIXES = ("/r/", "/d/", "/desk/badge/")


def _token_lookup_limit() -> str:
    return current_app.config["TOKEN_LOOKUP_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code == 404


# One counter per client address for all guarded routes together: trying tokens
# on /r/ and then on /d/ does not double the allowance.
failed_lookup_limit = limiter.shared_limit(
    _token_lookup_limit, scope="token-lookup", deduct_when=_failed
)


def guard_token_routes(app: Flask) -> None:
    """Puts the failed look-up limit on every view reached by a token or a badge code."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GUARDED_PREFIXES):
            view = app.view_functions[rule.endpoint]
            if not getattr(view, "_token_lookup_guarded", False):
                guarded = failed_lookup_limit(view)
                guarded._token_lookup_guarded = True
                app.view_functions[rule.endpoint] = guarded
