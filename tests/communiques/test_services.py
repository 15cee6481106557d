"""Writing and publishing communiqués: slugs, placeholders filled and frozen, the
workflow, versions and their differences, and two organisers saving at once."""

from datetime import UTC, datetime, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.communiques import services
from meeting_app.communiques.models import CommuniqueStatus
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus


@pytest.fixture
def board(make_meeting, make_participant):
    """A meeting in Rabat with 3 approved people from Senegal and Morocco, 1 waiting."""
    meeting = make_meeting(
        slug="board",
        venue="Centre de conférences",
        city="Rabat",
        host={"fr": "le Gouvernement du Maroc", "en": "the Government of Morocco"},
        start_date=datetime(2022, 6, 13).date(),
        end_date=datetime(2022, 6, 14).date(),
    )
    sn, ma = (
        Delegation(meeting=meeting, country_code="SN"),
        Delegation(meeting=meeting, country_code="MA"),
    )
    db.session.add_all([sn, ma])
    db.session.commit()
    people = [
        make_participant(meeting, delegation=sn),
        make_participant(meeting, delegation=sn),
        make_participant(meeting, delegation=ma),
        make_participant(meeting, delegation=ma, status=RegistrationStatus.WAITLISTED),
    ]
    meeting.people = people
    return meeting


def draft(meeting, body="Text.", title="Rabat 2022: the Board meets", language="en", **kw):
    communique = services.create_communique(
        meeting, language=language, title=title, body=body, **kw
    )
    db.session.commit()
    return communique


def test_slug_comes_from_the_title_with_accents_transliterated_and_is_unique(board):
    first = draft(board, title="Égalité à Rabat : le Conseil s'engage !", language="fr")
    second = draft(board, title="Égalité à Rabat — le conseil s’engage", language="fr")
    assert first.slug == "egalite-a-rabat-le-conseil-s-engage"
    assert second.slug == "egalite-a-rabat-le-conseil-s-engage-2"
    assert services.slugify("Бишкек 2024") == "2024"
    assert services.slugify("الرباط") == "communique"


def test_slug_can_change_before_publication_and_the_old_one_is_kept(board):
    communique = draft(board)
    old = communique.slug
    services.save_text(
        communique,
        language="en",
        title="T",
        summary="",
        body="B",
        sdgs=[],
        slug="board-communique",
        expected_version=communique.version,
    )
    db.session.commit()
    assert communique.slug == "board-communique"
    assert [o.slug for o in communique.old_slugs] == [old]
    # Nobody else may take the old address, which still leads here.
    other = draft(board, title="Other")
    with pytest.raises(services.CommuniqueError) as refused:
        services.save_text(
            other,
            language="en",
            title="Other",
            summary="",
            body="",
            sdgs=[],
            slug=old,
            expected_version=other.version,
        )
    assert refused.value.code == "slug_taken"


def test_slug_is_fixed_after_the_first_publication(board):
    communique = draft(board)
    services.publish(communique, expected_version=communique.version)
    with pytest.raises(services.CommuniqueError) as refused:
        services.save_text(
            communique,
            language="en",
            title="T",
            summary="",
            body="B",
            sdgs=[],
            slug="another-address",
            expected_version=communique.version,
        )
    assert refused.value.code == "slug_locked"


def test_placeholders_are_filled_from_live_data_in_each_language(board):
    values = services.placeholder_values(board, "fr")
    assert values["participants"] == "3"  # approved; the wait-listed person is not counted
    assert values["countries_count"] == "2"
    assert values["countries"] == "Maroc et Sénégal"
    assert values["dates"] == "13–14 juin 2022"
    assert values["venue"] == "Centre de conférences, Rabat"
    assert values["host"] == "le Gouvernement du Maroc"
    english = services.placeholder_values(board, "en")
    assert english["countries"] == "Morocco and Senegal"
    assert english["dates"].replace("\u2009", " ") == "Jun 13 – 14, 2022"
    # Once people are checked in at the door, they are the ones counted.
    db.session.add(CheckIn(participant=board.people[0], day=board.start_date))
    db.session.commit()
    values = services.placeholder_values(board, "en")
    assert (values["participants"], values["countries"]) == ("1", "Senegal")


def test_placeholders_are_frozen_when_published(board, make_participant):
    communique = draft(
        board, title="{{participants}} experts", body="{{participants}} experts from {{countries}}."
    )
    services.publish(communique, expected_version=communique.version)
    db.session.commit()
    text = communique.text("en")
    assert text.published_title == "3 experts"
    assert text.published_body == "3 experts from Morocco and Senegal."
    # Later registrations change the preview, not what was published.
    make_participant(board, delegation=board.delegations[0])
    assert "4 experts" in services.preview(board, "en", text.title, "", text.body).html
    db.session.refresh(text)
    assert text.published_body == "3 experts from Morocco and Senegal."


def test_unknown_placeholder_is_flagged_in_preview_and_blocks_publishing(board):
    communique = draft(board, body="We met {{particpants}} experts.")
    result = services.preview(board, "en", "T", "", communique.text("en").body)
    assert result.unknown == ["particpants"]
    assert '<mark class="unknown-placeholder">{{particpants}}</mark>' in result.html
    with pytest.raises(services.CommuniqueError) as refused:
        services.publish(communique, expected_version=communique.version)
    assert refused.value.code == "unknown_placeholders"
    assert refused.value.details["names"] == ["particpants"]
    db.session.rollback()
    assert communique.status is CommuniqueStatus.DRAFT
    assert communique.text("en").published_body is None


@pytest.mark.parametrize("body", ["", "   \n\n  "])
def test_publishing_an_empty_body_is_refused(board, body):
    communique = draft(board, body=body)
    with pytest.raises(services.CommuniqueError) as refused:
        services.publish(communique, expected_version=communique.version)
    assert (refused.value.code, refused.value.details["language"]) == ("empty_body", "en")


def test_publish_schedule_and_unpublish(board):
    now = datetime.now(UTC)
    communique = draft(board)
    assert not communique.is_public()
    services.publish(communique, expected_version=communique.version, at=now + timedelta(hours=2))
    db.session.commit()
    assert communique.status is CommuniqueStatus.SCHEDULED
    assert not communique.is_public(now) and communique.is_public(now + timedelta(hours=3))
    assert services.latest() == []
    services.unpublish(communique, expected_version=communique.version)
    assert communique.status is CommuniqueStatus.DRAFT
    services.publish(communique, expected_version=communique.version)
    db.session.commit()
    assert communique.is_public() and services.latest() == [communique]
    with pytest.raises(services.CommuniqueError) as refused:
        services.publish(communique, expected_version=communique.version, at=now - timedelta(1))
    assert refused.value.code == "schedule_in_past"


def test_published_text_stays_until_published_again(board):
    communique = draft(board, body="First words.")
    services.publish(communique, expected_version=communique.version)
    services.save_text(
        communique,
        language="en",
        title="New title",
        summary="",
        body="Second words.",
        sdgs=[5],
        slug=None,
        expected_version=communique.version,
    )
    db.session.commit()
    assert communique.text("en").published_body == "First words."
    assert communique.status is CommuniqueStatus.PUBLISHED
    services.publish(communique, expected_version=communique.version)
    assert communique.text("en").published_body == "Second words."


def test_review_is_done_by_a_second_organiser(board, make_user):
    author = make_user(Role.ORGANISER, "author@example.org")
    reviewer = make_user(Role.ORGANISER, "reviewer@example.org")
    communique = draft(board, user=author)
    services.request_review(communique, expected_version=communique.version, user=author)
    assert communique.status is CommuniqueStatus.IN_REVIEW
    with pytest.raises(services.CommuniqueError) as refused:
        services.publish(communique, expected_version=communique.version, user=author)
    assert refused.value.code == "own_review"
    services.publish(communique, expected_version=communique.version, user=reviewer)
    assert communique.status is CommuniqueStatus.PUBLISHED
    assert communique.review_requested_by is None


def test_every_save_is_a_version_with_who_and_the_differences(board, make_user):
    author = make_user(Role.ORGANISER, "author@example.org")
    communique = draft(board, body="Line one.\nLine two.", user=author)
    services.save_text(
        communique,
        language="en",
        title="Rabat 2022: the Board meets",
        summary="",
        body="Line one.\nLine 2.",
        sdgs=[1, 17],
        slug=None,
        expected_version=communique.version,
        user=author,
    )
    services.save_text(
        communique,
        language="fr",
        title="Rabat 2022 : le Conseil se réunit",
        summary="",
        body="Ligne un.",
        sdgs=[1, 17],
        slug=None,
        expected_version=communique.version,
        user=author,
    )
    db.session.commit()
    revisions = communique.revisions
    assert [(r.number, r.action) for r in revisions] == [(3, "saved"), (2, "saved"), (1, "created")]
    assert all(r.by_user == author for r in revisions)
    changes = services.diff(revisions[2].snapshot, revisions[1].snapshot)
    assert [(c.language, c.field) for c in changes] == [(None, "sdgs"), ("en", "body")]
    assert changes[1].lines == [("same", "Line one."), ("del", "Line two."), ("add", "Line 2.")]
    added = services.diff(revisions[1].snapshot, revisions[0].snapshot)
    assert {(c.language, c.field) for c in added} == {("fr", "title"), ("fr", "body")}


def test_second_of_two_saves_from_the_same_version_is_told_not_applied(board):
    communique = draft(board, body="Original.")
    opened_at = communique.version
    services.save_text(
        communique,
        language="en",
        title="T",
        summary="",
        body="First organiser's text.",
        sdgs=[],
        slug=None,
        expected_version=opened_at,
    )
    db.session.commit()
    with pytest.raises(services.StaleCommunique) as stale:
        services.save_text(
            communique,
            language="en",
            title="T",
            summary="",
            body="Second organiser's text.",
            sdgs=[],
            slug=None,
            expected_version=opened_at,
        )
    assert stale.value.details["current_version"] == opened_at + 1
    db.session.rollback()
    assert communique.text("en").body == "First organiser's text."
    assert len(communique.revisions) == 2


def test_publishing_a_correction_keeps_the_first_date_and_says_when_it_changed(board):
    communique = draft(board, body="First words.")
    first = datetime(2022, 6, 15, 10, tzinfo=UTC)
    services.publish(communique, expected_version=communique.version, now=first)
    services.save_text(
        communique,
        language="en",
        title="T",
        summary="",
        body="Corrected words.",
        sdgs=[],
        slug=None,
        expected_version=communique.version,
    )
    later = datetime(2022, 6, 20, 9, tzinfo=UTC)
    services.publish(communique, expected_version=communique.version, now=later)
    assert (communique.dated, communique.corrected) == (first, later)


def test_a_public_communique_cannot_be_scheduled_over_and_a_called_off_schedule_is_forgotten(
    board,
):
    now = datetime.now(UTC)
    public = draft(board)
    services.publish(public, expected_version=public.version)
    with pytest.raises(services.CommuniqueError) as refused:
        services.publish(public, expected_version=public.version, at=now + timedelta(days=1))
    assert refused.value.code == "schedule_while_public"
    assert public.is_public()

    planned = draft(board, title="Planned")
    services.publish(planned, expected_version=planned.version, at=now + timedelta(days=1))
    assert planned.first_published_at is not None
    services.unpublish(planned, expected_version=planned.version)
    # Never public: its date is the day it is really published, and its address may change.
    assert planned.first_published_at is None


def test_facts_count_approved_people_checked_in_on_the_meetings_days(board, make_participant):
    """Check-ins on days that are not the meeting's (a rehearsal at the desk the day
    before, a scan the day after) and a checked-in person who is not approved: before,
    any of them switched the facts to "people at the door" and counted them, so the
    communiqué read "2 participants from 1 countries" with 3 approved."""
    sn, ma = board.delegations
    waiting = board.people[3]  # wait-listed, from Morocco
    cancelled = make_participant(board, delegation=ma, status=RegistrationStatus.CANCELLED)
    db.session.add_all(
        [
            CheckIn(participant=board.people[0], day=board.start_date - timedelta(days=1)),
            CheckIn(participant=board.people[1], day=board.end_date + timedelta(days=1)),
            CheckIn(participant=waiting, day=board.start_date),
            CheckIn(participant=cancelled, day=board.end_date),
        ]
    )
    db.session.commit()
    values = services.placeholder_values(board, "en")
    # Nobody counted at the door yet: the approved are.
    assert (values["participants"], values["countries_count"]) == ("3", "2")
    assert values["participants_text"] == "3 participants"
    assert values["countries_count_text"] == "2 countries"
    # One approved person arrives on the meeting's last day: the door counts.
    db.session.add(CheckIn(participant=board.people[2], day=board.end_date))
    db.session.commit()
    values = services.placeholder_values(board, "en")
    assert values["participants"] == "1" and values["countries"] == "Morocco"
    assert values["participants_text"] == "1 participant"
    assert values["countries_count_text"] == "1 country"


def test_counted_facts_take_the_plural_form_in_the_text(board):
    """The facts with their noun, in a published text: before there was only the bare
    number, and "{{countries_count}} countries" gave "1 countries"."""
    db.session.add(CheckIn(participant=board.people[0], day=board.start_date))
    db.session.commit()
    communique = draft(board, body="{{participants_text}} from {{countries_count_text}} met.")
    services.publish(communique, expected_version=communique.version)
    db.session.commit()
    assert communique.text("en").published_body == "1 participant from 1 country met."
