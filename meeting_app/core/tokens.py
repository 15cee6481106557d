"""Secret tokens for private links (a participant's page, a delegation's view).

A token is 256 random bits. The database finds a record by the token's first
characters (the selector, indexed); the whole token is then compared in
constant time, so response times say nothing about how much of a guess was right.
"""

import hashlib
import hmac
import secrets

SELECTOR_LENGTH = 16


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored of a token that is looked up whole (a staff session, an
    invitation or reset link): its SHA-256, so the database never holds the link."""
    return hashlib.sha256(token.encode()).hexdigest()


def selector_of(token: str) -> str:
    return token[:SELECTOR_LENGTH]


def same_token(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def plausible(token: str) -> bool:
    """Cheap shape check before touching the database."""
    return 40 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
