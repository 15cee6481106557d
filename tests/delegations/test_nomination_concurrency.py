"""A quota is never overbooked: 50 nominations posted at the same moment into a
quota of 3, through several gunicorn worker processes (each with several
threads) against the real database, give exactly 3 nominees; the 47 others are
refused, with nothing stored. The gunicorn server and the request helper are the
registration concurrency test's (tests/registration/test_concurrency.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from meeting_app.delegations.models import Delegation, DelegationQuota, FocalPoint
from meeting_app.extensions import db
from meeting_app.meetings.models import MeetingStatus
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from tests.registration.test_concurrency import FORM, _request, gunicorn  # noqa: F401

NOMINATIONS = 50
QUOTA = 3


def test_50_nominations_at_once_into_a_quota_of_3_give_exactly_3(gunicorn, make_meeting):  # noqa: F811
    now = datetime.now(UTC)
    meeting = make_meeting(
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
        status=MeetingStatus.PUBLISHED,
        capacity=200,
        requires_approval=True,
    )
    delegation = Delegation(meeting=meeting, country_code="NP", size_limit=20)
    db.session.add(delegation)
    db.session.add(
        DelegationQuota(
            delegation=delegation, category=Category.NATIONAL_GOVERNMENT, size_limit=QUOTA
        )
    )
    focal_point = FocalPoint(delegation=delegation, name="Sita Sharma", email="sita@example.np")
    db.session.add(focal_point)
    db.session.commit()
    url = f"{gunicorn}/d/{focal_point.token}/nominate"
    barrier = threading.Barrier(NOMINATIONS, timeout=30)

    def nominate(n: int) -> tuple[int, str]:
        person = {"family_name": f"Gurung {n}", "email": f"nominee{n}@example.np"}
        return _request(url, {**FORM, **person})

    with ThreadPoolExecutor(max_workers=NOMINATIONS, initializer=barrier.wait) as executor:
        responses = list(executor.map(nominate, range(NOMINATIONS)))

    statuses = [status for status, _location in responses]
    assert statuses.count(302) == QUOTA
    assert statuses.count(422) == NOMINATIONS - QUOTA  # refused, the quota named
    db.session.expire_all()
    nominees = (
        db.session.execute(db.select(Participant).filter_by(meeting_id=meeting.id)).scalars().all()
    )
    assert len(nominees) == QUOTA
    assert {p.status for p in nominees} == {RegistrationStatus.SUBMITTED}
    assert {p.nominated_by_id for p in nominees} == {focal_point.id}
    assert {p.delegation_id for p in nominees} == {delegation.id}
    assert delegation.quotas[0].seats_taken == QUOTA
    assert delegation.seats_taken == QUOTA
    assert meeting.seats_taken == QUOTA
