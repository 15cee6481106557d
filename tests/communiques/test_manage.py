"""The organisers' communiqué pages: only organisers, forms that keep what was typed
and say what is wrong, the live preview, the workflow buttons, versions and diffs."""

import re

import pytest

from meeting_app.accounts.models import Role
from meeting_app.communiques.models import Communique, CommuniqueStatus
from meeting_app.extensions import db


@pytest.fixture
def organiser(make_user, login):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")


@pytest.fixture
def meeting(make_meeting):
    return make_meeting(slug="rabat", venue="Centre", city="Rabat")


def only(model):
    return db.session.execute(db.select(model)).scalar_one()


def fresh(communique):
    db.session.expire_all()
    return db.session.get(Communique, communique.id)


@pytest.mark.parametrize("role", [None, Role.HOST])
def test_only_organisers_reach_the_communique_pages(client, make_user, login, role):
    if role:
        make_user(role, "desk@example.org")
        login("desk@example.org")
    for path in ("/manage/communiques/", "/manage/communiques/new"):
        response = client.get(path)
        assert response.status_code == (302 if role is None else 403), path
    response = client.post("/manage/communiques/preview", data={"language": "en"})
    assert response.status_code == (302 if role is None else 403)


def test_new_communique_with_bad_input_shows_each_problem_and_keeps_the_text(
    client, organiser, meeting
):
    # Tried: no title, no meeting, a goal that does not exist (18).
    response = client.post(
        "/manage/communiques/new",
        data={
            "meeting_id": "",
            "language": "fr",
            "title": "   ",
            "summary": "Un chapeau à garder",
            "body": "Le corps **à garder**",
            "sdgs": ["5", "18"],
        },
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Donnez un titre au communiqué." in html
    assert "Choisissez la réunion." in html
    assert "Un chapeau à garder" in html and "Le corps **à garder**" in html
    assert db.session.scalar(db.select(db.func.count(Communique.id))) == 0


def test_new_communique_is_a_draft_with_a_slug_and_its_first_version(client, organiser, meeting):
    response = client.post(
        "/manage/communiques/new",
        data={
            "meeting_id": str(meeting.id),
            "language": "fr",
            "title": "Égalité : le Conseil s'engage",
            "summary": "",
            "body": "Texte.",
            "sdgs": ["5", "10"],
        },
    )
    communique = only(Communique)
    assert response.headers["Location"] == f"/manage/communiques/{communique.id}/fr"
    assert communique.slug == "egalite-le-conseil-s-engage"
    assert communique.status is CommuniqueStatus.DRAFT and communique.sdgs == [5, 10]
    assert [r.action for r in communique.revisions] == ["created"]
    assert communique.revisions[0].by_user.email == "boss@example.org"


def test_preview_fills_placeholders_sanitises_and_flags_unknown_ones(client, organiser, meeting):
    response = client.post(
        "/manage/communiques/preview",
        data={
            "meeting_id": meeting.id,
            "language": "en",
            "title": "At {{venue}}",
            "summary": "",
            "body": "Held at {{venue}} <script>alert(1)</script> with {{nobody}}.",
        },
    )
    data = response.get_json()
    assert data["title"] == "At Centre, Rabat"
    assert "Held at Centre, Rabat" in data["html"] and "<script" not in data["html"]
    assert data["unknown"] == ["nobody"]
    assert "{{nobody}}" in data["message"]
    assert '<mark class="unknown-placeholder">{{nobody}}</mark>' in data["html"]
    assert client.post("/manage/communiques/preview", data={"language": "xx"}).status_code == 400


def edit_data(communique, **values):
    return {
        "version": str(communique.version),
        "title": "Title",
        "summary": "",
        "body": "Body.",
        "slug": communique.slug,
        "sdgs": [str(n) for n in communique.sdgs],
        **values,
    }


def test_second_organiser_saving_an_old_version_is_told_and_keeps_their_text(
    client, organiser, make_communique, meeting
):
    communique = make_communique(meeting, title="Title", body="Original.", publish=False)
    opened = edit_data(communique)
    first = client.post(
        f"/manage/communiques/{communique.id}/en", data={**opened, "body": "First edit."}
    )
    assert first.status_code == 302
    second = client.post(
        f"/manage/communiques/{communique.id}/en",
        data={**opened, "body": "Second edit, not lost."},
        headers={"Accept-Language": "en"},
    )
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Someone else saved this communiqué after you opened it" in html
    assert "Second edit, not lost." in html  # still in the form
    assert "<del>" in html and "First edit." in html  # their text, in the differences
    assert fresh(communique).text("en").body == "First edit."
    # The form now carries the current version: saving again is deliberate and works.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert int(version) == fresh(communique).version
    third = client.post(
        f"/manage/communiques/{communique.id}/en",
        data={**opened, "version": version, "body": "Second edit, not lost."},
    )
    assert third.status_code == 302
    assert fresh(communique).text("en").body == "Second edit, not lost."


def test_bad_slug_is_refused_next_to_the_field(client, organiser, make_communique, meeting):
    communique = make_communique(meeting, publish=False)
    other = make_communique(meeting, publish=False)
    for slug, message in (
        ("Not A Slug!", "Use lower-case letters, digits and single hyphens only."),
        (other.slug, "Another communiqué already uses (or used) this address."),
    ):
        response = client.post(
            f"/manage/communiques/{communique.id}/en",
            data=edit_data(communique, slug=slug, body="Kept body."),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in html and "Kept body." in html


def test_adding_a_translation_from_its_tab(client, organiser, make_communique, meeting):
    communique = make_communique(meeting, publish=False)
    page = client.get(f"/manage/communiques/{communique.id}/en").get_data(as_text=True)
    assert "Add a Spanish version" in page
    response = client.post(
        f"/manage/communiques/{communique.id}/es",
        data=edit_data(communique, title="Comunicado", body="Texto en español."),
    )
    assert response.status_code == 302
    assert fresh(communique).text("es").body == "Texto en español."


def test_arabic_and_russian_versions_are_typed_in_their_direction(
    client, organiser, make_communique, make_meeting
):
    meeting = make_meeting(slug="tunis", languages=["fr", "ar", "ru"], default_language="fr")
    communique = make_communique(meeting, publish=False)
    page = client.get(f"/manage/communiques/{communique.id}/ar").get_data(as_text=True)
    for name in ("title", "summary", "body"):
        (tag,) = re.findall(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page)
        assert 'dir="rtl"' in tag and 'lang="ar"' in tag, name
    response = client.post(
        f"/manage/communiques/{communique.id}/ar",
        data=edit_data(communique, title="بلاغ تونس", body="اجتمع المجلس في تونس."),
    )
    assert response.status_code == 302
    russian = client.post(
        f"/manage/communiques/{communique.id}/ru",
        data=edit_data(fresh(communique), title="Коммюнике", body="Совет собрался в Тунисе."),
    )
    assert russian.status_code == 302
    assert fresh(communique).text("ar").body == "اجتمع المجلس في تونس."
    assert fresh(communique).text("ru").title == "Коммюнике"
    # A new communiqué's language is chosen on the page itself: the browser sets the
    # direction from what is typed.
    new = client.get("/manage/communiques/new").get_data(as_text=True)
    (title,) = re.findall(r'<input[^>]*name="title"[^>]*>', new)
    assert 'dir="auto"' in title


def test_publish_unpublish_and_schedule_buttons(client, organiser, make_communique, meeting):
    communique = make_communique(meeting, title="News", body="Body.", publish=False)
    version = {"version": str(communique.version)}
    client.post(f"/manage/communiques/{communique.id}/publish", data=version)
    assert fresh(communique).status is CommuniqueStatus.PUBLISHED
    assert client.get(f"/communiques/{communique.slug}").status_code == 200
    version = {"version": str(fresh(communique).version)}
    client.post(f"/manage/communiques/{communique.id}/unpublish", data=version)
    assert fresh(communique).status is CommuniqueStatus.DRAFT
    assert client.get(f"/communiques/{communique.slug}").status_code == 404
    # A time in the past is refused and said so; a future one is taken, in the
    # meeting's time zone (Africa/Casablanca).
    version = {"version": str(fresh(communique).version)}
    response = client.post(
        f"/manage/communiques/{communique.id}/schedule",
        data={**version, "at": "2020-01-01T10:00"},
        follow_redirects=True,
    )
    assert "Choose a time in the future" in response.get_data(as_text=True)
    client.post(
        f"/manage/communiques/{communique.id}/schedule", data={**version, "at": "2099-06-15T10:00"}
    )
    scheduled = fresh(communique)
    assert scheduled.status is CommuniqueStatus.SCHEDULED
    assert scheduled.published_at.isoformat() == "2099-06-15T09:00:00+00:00"


def test_publishing_with_problems_is_refused_with_the_reason(
    client, organiser, make_communique, meeting
):
    communique = make_communique(meeting, body="{{particpants}} came.", publish=False)
    response = client.post(
        f"/manage/communiques/{communique.id}/publish",
        data={"version": str(communique.version)},
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert "uses placeholders that do not exist: {{particpants}}" in html
    assert fresh(communique).status is CommuniqueStatus.DRAFT
    empty = make_communique(meeting, body="", publish=False)
    html = client.post(
        f"/manage/communiques/{empty.id}/publish",
        data={"version": str(empty.version)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The English version has no text: write it before publishing." in html


def test_versions_page_lists_who_and_shows_the_differences(
    client, organiser, make_communique, meeting
):
    communique = make_communique(meeting, title="Title", body="Old line.", publish=False)
    client.post(
        f"/manage/communiques/{communique.id}/en",
        data=edit_data(communique, body="New line.", sdgs=["3"]),
    )
    versions = client.get(f"/manage/communiques/{communique.id}/versions").get_data(as_text=True)
    assert "boss@example.org" in versions and "Created" in versions and "Saved" in versions
    diff = client.get(f"/manage/communiques/{communique.id}/versions/2").get_data(as_text=True)
    assert '<del><span class="visually-hidden">removed: </span>- Old line.</del>' in diff
    assert '<ins><span class="visually-hidden">added: </span>+ New line.</ins>' in diff
    assert client.get(f"/manage/communiques/{communique.id}/versions/9").status_code == 404


def test_review_by_a_second_organiser(client, make_user, login, make_communique, meeting):
    make_user(Role.ORGANISER, "author@example.org")
    make_user(Role.ORGANISER, "reviewer@example.org")
    login("author@example.org")
    communique = make_communique(meeting, publish=False)
    client.post(
        f"/manage/communiques/{communique.id}/review", data={"version": str(communique.version)}
    )
    assert fresh(communique).status is CommuniqueStatus.IN_REVIEW
    html = client.post(
        f"/manage/communiques/{communique.id}/publish",
        data={"version": str(fresh(communique).version)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "another organiser publishes it" in html
    client.post("/logout")
    login("reviewer@example.org")
    page = client.get(f"/manage/communiques/{communique.id}/en").get_data(as_text=True)
    assert "author@example.org asked for a review" in page and "Approve and publish" in page
    client.post(
        f"/manage/communiques/{communique.id}/publish",
        data={"version": str(fresh(communique).version)},
    )
    assert fresh(communique).status is CommuniqueStatus.PUBLISHED


def test_a_button_pressed_on_an_out_of_date_page_does_nothing_and_says_so(
    client, organiser, make_communique, meeting
):
    communique = make_communique(meeting, title="Title", body="Body.", publish=False)
    seen = str(communique.version)
    client.post(f"/manage/communiques/{communique.id}/en", data=edit_data(communique))
    for tampered in (seen, "not-a-number"):
        html = client.post(
            f"/manage/communiques/{communique.id}/publish",
            data={"version": tampered},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "Someone else changed this communiqué after you opened it" in html
    assert fresh(communique).status is CommuniqueStatus.DRAFT


def test_a_goal_that_does_not_exist_is_refused(client, organiser, make_communique, meeting):
    communique = make_communique(meeting, publish=False)
    response = client.post(
        f"/manage/communiques/{communique.id}/en",
        data=edit_data(communique, sdgs=["3", "18"], body="Kept."),
    )
    assert response.status_code == 422
    assert "is not a valid choice" in response.get_data(as_text=True)
    assert fresh(communique).sdgs == []


def _queries(client, path: str) -> int:
    import sqlalchemy as sa

    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(statements)


def test_query_counts_do_not_grow_with_the_number_of_communiques(
    client, organiser, make_meeting, make_communique
):
    pages = ("/communiques/", "/communiques/feed.atom", "/", "/manage/communiques/")

    def add(count: int) -> None:
        for _ in range(count):
            make_communique(make_meeting(), translations={"fr": ("Titre", "", "Texte.")})

    add(2)
    few = [_queries(client, page) for page in pages]
    add(8)
    assert [_queries(client, page) for page in pages] == few


def test_a_draft_can_be_deleted_but_a_communique_once_published_is_kept(
    client, organiser, make_communique, meeting
):
    draft = make_communique(meeting, publish=False)
    draft_id = draft.id
    response = client.post(
        f"/manage/communiques/{draft_id}/delete", data={"version": str(draft.version)}
    )
    assert response.headers["Location"] == "/manage/communiques/"
    db.session.expunge_all()
    assert db.session.get(Communique, draft_id) is None

    published = make_communique(meeting)
    html = client.post(
        f"/manage/communiques/{published.id}/delete",
        data={"version": str(published.version)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "unpublish it instead" in html
    assert fresh(published).is_public()


def test_list_shows_a_communique_left_without_any_text(client, organiser):
    # A row migrated from before language versions could hold no text at all.
    communique = Communique(slug="empty-one", default_language="fr")
    db.session.add(communique)
    db.session.commit()
    assert "empty-one" in client.get("/manage/communiques/").get_data(as_text=True)
    editor = client.get(
        f"/manage/communiques/{communique.id}/fr", headers={"Accept-Language": "en"}
    )
    assert editor.status_code == 200
    assert "The French version (the communiqué&#39;s main language) is missing." in editor.get_data(
        as_text=True
    )
