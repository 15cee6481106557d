"""What every registration form lists is kept from one request to the next (issue
21: the countries in each language, a meeting's delegations, the form's fixed
choices, its questions), and never shown as it was before a change: what the
organisers change is on the very next form, in each language."""

import html
import re

import pytest
import sqlalchemy as sa

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import Country
from meeting_app.registration.models import Participant
from tests.conftest import registration_data

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
ES = {"Accept-Language": "es"}


@pytest.fixture
def public(server_app):
    """Someone registering, in a browser of their own (the organisers sign in on
    `client`)."""
    return server_app.test_client()


@pytest.fixture
def organiser(make_user, login):
    def sign_in(meeting):
        make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
        login("boss@example.org")

    return sign_in


def _form(browser, slug: str, headers=EN) -> str:
    response = browser.get(f"/meetings/{slug}/register", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _options(page: str, name: str) -> list[str]:
    """The labels of the options of the select `name`, in order."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.DOTALL).group(0)
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def _delegations(page: str) -> list[str]:
    """The countries the delegation list offers (without "Choose…" and "other")."""
    return _options(page, "delegation_id")[1:-1]


def _register(browser, meeting, email: str, delegation: Delegation | None):
    data = registration_data(
        email=email, delegation_id=str(delegation.id) if delegation else "other"
    )
    return browser.post(f"/meetings/{meeting.slug}/register", data=data)


def test_a_delegation_the_organisers_add_is_on_the_next_form(
    client, public, organiser, open_meeting, inbox
):
    meeting = open_meeting(slug="conf")
    assert _delegations(_form(public, "conf")) == ["Morocco", "Senegal"]
    organiser(meeting)
    response = client.post("/manage/meetings/conf/delegations/add", data={"country_code": "NP"})
    assert response.status_code == 302
    assert _delegations(_form(public, "conf")) == ["Morocco", "Nepal", "Senegal"]
    nepal = db.session.execute(sa.select(Delegation).filter_by(country_code="NP")).scalar_one()
    assert _register(public, meeting, "ram@example.org", nepal).status_code == 302
    person = db.session.execute(sa.select(Participant)).scalar_one()
    assert person.delegation_id == nepal.id
    (confirmation,) = inbox.to("ram@example.org")  # in French, the person's language
    assert "Délégation: Népal" in inbox.body(confirmation)


def test_a_delegation_added_or_removed_by_any_code_is_so_on_the_next_form(public, open_meeting):
    """Not only the organisers' page: an import, the demo, another server."""
    meeting = open_meeting(slug="conf")
    morocco = next(d for d in meeting.delegations if d.country_code == "MA")
    assert _delegations(_form(public, "conf")) == ["Morocco", "Senegal"]
    kyrgyzstan = Delegation(meeting_id=meeting.id, country_code="KG")
    db.session.add(kyrgyzstan)
    db.session.commit()
    assert _delegations(_form(public, "conf")) == ["Kyrgyzstan", "Morocco", "Senegal"]
    db.session.delete(morocco)
    db.session.commit()
    assert _delegations(_form(public, "conf")) == ["Kyrgyzstan", "Senegal"]
    kyrgyzstan.country_code = "NP"
    db.session.commit()
    assert _delegations(_form(public, "conf")) == ["Nepal", "Senegal"]
    # A delegation gone is refused, even to a form shown before it went.
    response = _register(public, meeting, "late@example.org", morocco)
    assert response.status_code == 422
    assert db.session.execute(sa.select(Participant)).first() is None


def test_each_language_has_its_own_lists(public, open_meeting):
    open_meeting(slug="conf")
    open_meeting(slug="other")
    for headers, delegations, honorific, category, nationality in (
        (FR, ["Maroc", "Sénégal"], "Mme", "Gouvernement national", "Maroc"),
        (ES, ["Marruecos", "Senegal"], "Sra.", "Gobierno nacional", "Marruecos"),
        (EN, ["Morocco", "Senegal"], "Ms", "National government", "Morocco"),
        (FR, ["Maroc", "Sénégal"], "Mme", "Gouvernement national", "Maroc"),
    ):
        for slug in ("conf", "other"):
            page = _form(public, slug, headers)
            assert _delegations(page) == delegations
            assert honorific in _options(page, "honorific")
            assert category in _options(page, "category")
            assert nationality in _options(page, "nationality_code")


def test_questions_and_fields_the_organisers_change_are_on_the_next_form(
    client, public, organiser, open_meeting
):
    open_meeting(slug="conf")
    meeting = open_meeting(slug="conf2")
    organiser(meeting)
    assert "Arrival flight" not in _form(public, "conf2")
    assert 'name="phone"' in _form(public, "conf2")
    question = {
        "type": "text",
        "label_en": "Arrival flight",
        "label_fr": "Vol d'arrivée",
        "key": "",
        "condition_question_id": "",
        "min_value": "",
        "max_value": "",
        "max_mb": "5",
        "action": "save",
    }
    response = client.post("/manage/meetings/conf2/form/new", data=question)
    assert response.status_code == 302
    assert "Arrival flight" in _form(public, "conf2")
    assert "Arrival flight" not in _form(public, "conf")
    edit = client.get("/manage/meetings/conf2/form/").get_data(as_text=True)
    (path,) = set(re.findall(r'href="(/manage/meetings/conf2/form/\d+)"', edit))
    response = client.post(path, data={**question, "label_en": "Flight number"})
    assert response.status_code == 302
    page = _form(public, "conf2")
    assert "Flight number" in page and "Arrival flight" not in page
    # A built-in field the organisers stop asking.
    asked = ["position", "badge_name", "gender", "dietary_needs", "accessibility_needs"]
    response = client.post("/manage/meetings/conf2/form/fields", data={"asked": asked})
    assert response.status_code == 302
    assert 'name="phone"' not in _form(public, "conf2")
    assert 'name="phone"' in _form(public, "conf")


def _statements(send) -> int:
    """The SQL statements `send()` makes (through any engine: the requests are
    served by another app instance than the test's)."""
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        send()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(statements)


def test_a_registration_makes_as_many_statements_however_many_delegations(public, open_meeting):
    meeting = open_meeting(slug="conf", capacity=None)
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    sent = iter(range(1000))

    def registration(delegation) -> int:
        email = f"p{next(sent)}@example.org"
        responses = []
        count = _statements(lambda: responses.append(_register(public, meeting, email, delegation)))
        assert responses[0].status_code == 302
        return count

    first = registration(senegal)
    few = registration(senegal)
    assert few < first  # the delegations are read for the first form, then kept
    codes = db.session.scalars(
        sa.select(Country.code).where(Country.code.not_in(["SN", "MA"])).limit(60)
    )
    db.session.add_all(Delegation(meeting_id=meeting.id, country_code=code) for code in codes)
    db.session.commit()
    assert registration(senegal) > few  # the new list, read once
    assert registration(senegal) == few
    assert registration(None) < few  # no delegation's seat to take


def test_a_registration_reads_its_meeting_once(client, open_meeting):
    """The upload limit finds the meeting by its address before the view (with its
    questions); the view uses that row rather than looking it up again."""
    meeting = open_meeting(slug="board")
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "meetings.slug = " in statement:
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        response = client.post("/meetings/board/register", data=registration_data(meeting))
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    assert response.status_code == 302
    assert len(seen) == 1, seen
