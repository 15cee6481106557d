"""Minutes per session: written per language with the communiqué's sanitiser,
published in numbered versions to participants or the public, with the changes
shown paragraph by paragraph; and who may read which version."""

import re

from meeting_app.agenda import services as agenda
from meeting_app.extensions import db
from meeting_app.outcomes import minutes, services
from meeting_app.outcomes.models import OutcomeVersion
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus

HOSTILE = (
    "The Board **agreed** on the workplan.\n\n"
    "<script>alert('minutes')</script>Kept words.\n\n"
    '<img src="x.png" onerror="alert(1)">\n\n'
    "[Read more](javascript:alert(2)) and [the report](https://example.org/report)."
)


def base(session) -> str:
    return f"/manage/meetings/rabat/outcomes/minutes/{session.id}"


def save(client, session, text, language="fr"):
    return client.post(f"{base(session)}/{language}", data={"body": text})


def publish(client, session, audience="public"):
    return client.post(f"{base(session)}/publish", data={"audience": audience})


def test_organiser_writes_minutes_in_each_language_and_sees_the_preview(client, organiser, session):
    page = client.get(f"{base(session)}/fr")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Minutes: Opening plenary" in html
    for language in ("Français", "English", "Español"):
        assert language in html  # one tab per language of the meeting

    response = save(client, session, "Le Conseil a **adopté** le plan.", "fr")
    assert response.status_code == 302
    save(client, session, "The Board **adopted** the plan.", "en")
    assert minutes.minutes_of(session).text == {
        "fr": "Le Conseil a **adopté** le plan.",
        "en": "The Board **adopted** the plan.",
    }
    html = client.get(f"{base(session)}/en").get_data(as_text=True)
    assert "The Board **adopted** the plan." in html  # in the editor
    assert "<strong>adopted</strong>" in html  # and in its preview


def test_minutes_and_decisions_in_arabic_and_russian(client, organiser, rabat, session):
    rabat.languages = ["fr", "ar", "ru"]
    db.session.commit()
    html = client.get(f"{base(session)}/ar").get_data(as_text=True)
    (body,) = re.findall(r'<textarea[^>]*name="body"[^>]*>', html)
    assert 'dir="rtl"' in body and 'lang="ar"' in body
    assert save(client, session, "اعتمد المجلس **خطة العمل**.", "ar").status_code == 302
    assert save(client, session, "Совет **утвердил** план.", "ru").status_code == 302
    assert minutes.minutes_of(session).text == {
        "ar": "اعتمد المجلس **خطة العمل**.",
        "ru": "Совет **утвердил** план.",
    }
    assert client.get(f"{base(session)}/es").status_code == 404  # not one of its languages
    decision = client.get("/manage/meetings/rabat/outcomes/decisions/new").get_data(as_text=True)
    (text,) = re.findall(r'<textarea[^>]*name="text_ar"[^>]*>', decision)
    assert 'dir="rtl"' in text and "Text in Arabic" in decision and "Text in Russian" in decision
    assert 'name="text_en"' not in decision


def test_hostile_markup_is_sanitised_in_the_preview_and_the_published_minutes(
    client, organiser, session
):
    preview = client.post("/manage/meetings/rabat/outcomes/minutes/preview", data={"body": HOSTILE})
    assert preview.status_code == 200
    shown = preview.get_json()["html"]
    for hostile in ("<script", "alert('minutes')", "onerror", 'href="javascript'):
        assert hostile not in shown
    assert "Kept words." in shown and "<strong>agreed</strong>" in shown
    assert 'href="https://example.org/report"' in shown

    save(client, session, HOSTILE)
    assert publish(client, session).status_code == 302
    page = client.get("/meetings/rabat/outcomes").get_data(as_text=True)
    public = page.split('id="minutes-heading"')[1].split("</main>")[0]  # the minutes only
    assert "Kept words." in public
    assert "<strong>agreed</strong>" in public
    for hostile in ("<script", "alert('minutes')", "onerror", 'href="javascript'):
        assert hostile not in public
    # The javascript: link is no link (its words stay, as text).
    assert re.findall(r'<a href="([^"]*)"', public) == ["https://example.org/report"]


def test_publishing_empty_minutes_is_refused_with_a_message(client, organiser, session):
    save(client, session, "Only in English.", "en")  # the meeting's main language is French
    response = publish(client, session)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is nothing to publish: write the minutes in French" in page
    assert db.session.execute(db.select(OutcomeVersion)).first() is None


def test_versions_are_numbered_and_the_public_sees_the_changes(client, organiser, session):
    save(client, session, "First paragraph.\n\nSecond paragraph.")
    publish(client, session)
    save(client, session, "First paragraph.\n\nA new second paragraph.\n\nThird one.")
    response = publish(client, session)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Version 2 of the minutes is published to the public." in page

    versions = services.versions(session.meeting, services.minutes_subject(session.id))
    assert [v.number for v in versions] == [1, 2]
    public = client.get("/meetings/rabat/outcomes").get_data(as_text=True)
    assert "Version 2, published" in public
    assert "Changes since version 1" in public
    # Each change is said in words, not only by its colour.
    removed = re.search(r'<del class="paragraph-removed">(.*?)</del>', public, re.S).group(1)
    assert "Removed" in removed and "Second paragraph." in removed
    added = re.findall(r'<ins class="paragraph-added">(.*?)</ins>', public, re.S)
    assert len(added) == 2
    assert all("Added" in a for a in added)
    assert "A new second paragraph." in added[0] and "Third one." in added[1]


def test_publishing_the_same_minutes_to_the_same_readers_again_is_refused(
    client, organiser, session
):
    save(client, session, "Agreed.")
    publish(client, session, "participants")
    response = publish(client, session, "participants")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing has changed since version 1" in page
    # The same text to the public is a new version: its readers changed.
    publish(client, session, "public")
    assert [v.audience for v in services.versions(session.meeting, f"minutes:{session.id}")] == [
        "participants",
        "public",
    ]


def test_participants_versions_reach_approved_participants_only(
    client, organiser, session, make_participant, rabat
):
    approved = make_participant(rabat)
    cancelled = make_participant(rabat, status=RegistrationStatus.CANCELLED)
    save(client, session, "Said among participants only.")
    publish(client, session, "participants")

    assert "Said among participants only." not in client.get("/meetings/rabat/outcomes").get_data(
        as_text=True
    )
    own = client.get(f"/r/{approved.token}/outcomes")
    assert own.status_code == 200
    assert "Said among participants only." in own.get_data(as_text=True)
    assert own.headers["Cache-Control"] == "no-store"
    private = client.get(f"/r/{approved.token}").get_data(as_text=True)
    assert "Read the minutes and decisions" in private
    assert "Minutes of 1 session are published." in private

    assert client.get(f"/r/{cancelled.token}/outcomes").status_code == 404
    assert "Read the minutes and decisions" not in client.get(f"/r/{cancelled.token}").get_data(
        as_text=True
    )


def test_public_versions_are_linked_from_the_session_page(client, organiser, session, rabat):
    agenda.publish(rabat)
    db.session.commit()
    page = f"/meetings/rabat/sessions/{session.id}"
    assert "Minutes of this session" not in client.get(page).get_data(as_text=True)
    save(client, session, "Agreed.")
    publish(client, session, "participants")
    assert "Minutes of this session" not in client.get(page).get_data(as_text=True)
    publish(client, session, "public")
    html = client.get(page).get_data(as_text=True)
    assert f'href="/meetings/rabat/outcomes#minutes-{session.id}"' in html


def test_another_meetings_session_and_unused_languages_answer_404(
    client, organiser, make_meeting, add_session, rabat, session
):
    other = make_meeting(slug="dakar")
    foreign = add_session(title="Elsewhere", meeting=other)
    assert client.get(f"/manage/meetings/rabat/outcomes/minutes/{foreign.id}/fr").status_code == 404
    assert save(client, foreign, "Intrusion").status_code == 404
    assert publish(client, foreign).status_code == 404
    rabat.languages = ["fr", "en"]
    db.session.commit()
    assert client.get(f"{base(session)}/es").status_code == 404


def test_publications_are_audited(client, organiser, session):
    save(client, session, "Agreed.")
    publish(client, session)
    entry = db.session.execute(db.select(AuditEntry)).scalars().one()
    assert entry.action == "outcomes.published"
    assert entry.actor == "secretariat@example.org"
    assert entry.details == f"minutes:{session.id}, version 1, public"


def test_hosts_and_anonymous_visitors_cannot_open_the_minutes_editor(
    client, make_user, login, rabat, session
):
    assert client.get(f"{base(session)}/fr").status_code == 302  # to the sign-in page
    from meeting_app.accounts.models import Role

    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    login("door@example.org")
    assert client.get(f"{base(session)}/fr").status_code == 403
    assert client.get("/manage/meetings/rabat/outcomes/").status_code == 403
