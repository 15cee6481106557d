"""Names the agenda tests share (their fixtures are in tests/conftest.py)."""

from meeting_app.agenda.models import SessionRole

SPEAKER = SessionRole.SPEAKER
CHAIR = SessionRole.CHAIR
