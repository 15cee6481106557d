"""The registration form builder (issue 18): an organiser adds questions of every
type with labels in the meeting's languages, orders them with buttons or by drag
and drop, shows one only when another has an answer, archives and restores, hides
built-in fields; bad input is refused field by field with what was typed kept; no
answer is ever lost; a cloned meeting gets the form; only the meeting's organisers."""

import html
import re
from datetime import date

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.manage import services as manage
from meeting_app.privacy.models import AuditEntry
from meeting_app.questions import services
from meeting_app.questions.answers import questions_of
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType

EN = {"Accept-Language": "en"}


@pytest.fixture
def meeting(make_meeting):
    return make_meeting(slug="rabat", languages=["en", "fr"], default_language="en")


@pytest.fixture
def organiser(make_user, login, meeting):
    user = make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    return user


def url(meeting, path: str = "/") -> str:
    return f"/manage/meetings/{meeting.slug}/form{path}"


def question_data(**values) -> dict:
    """The question form as a browser posts it (a box left unticked is not sent:
    None leaves a field out)."""
    data = {
        "type": "text",
        "label_en": "Passport number",
        "label_fr": "Numéro de passeport",
        "help_en": "",
        "help_fr": "",
        "key": "",
        "condition_question_id": "",
        "min_value": "",
        "max_value": "",
        "max_mb": "5",
        "action": "save",
        **values,
    }
    return {name: value for name, value in data.items() if value is not None}


def options(*rows) -> dict:
    """Option rows: ("Vegetarian", "Végétarien") or (value, "Vegetarian", "Végétarien")."""
    data = {}
    for n, row in enumerate(rows):
        value, en, fr = row if len(row) == 3 else ("", *row)
        data |= {
            f"options-{n}-value": value,
            f"options-{n}-label_en": en,
            f"options-{n}-label_fr": fr,
        }
    return data


def add(client, meeting, **values) -> FormQuestion:
    response = client.post(url(meeting, "/new"), data=question_data(**values))
    assert response.status_code == 302, _errors(response)
    db.session.expire_all()
    return questions_of(meeting.id)[-1]


def _errors(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [html.unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', page)]


def _audit() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def _answer(meeting, make_participant, question, value) -> FormAnswer:
    answer = FormAnswer(participant=make_participant(meeting), question=question, value=value)
    db.session.add(answer)
    db.session.commit()
    return answer


# --- Adding questions --------------------------------------------------------------------

EACH_TYPE = {
    "section": {"label_en": "Travel", "label_fr": "Voyage"},
    "text": {},
    "paragraph": {"label_en": "Why do you attend?", "label_fr": "Pourquoi venez-vous ?"},
    "number": {"label_en": "Nights", "label_fr": "Nuits", "min_value": "1", "max_value": "14"},
    "date": {"label_en": "Arrival", "label_fr": "Arrivée"},
    "yes_no": {"label_en": "Need a visa?", "label_fr": "Besoin d'un visa ?"},
    "choice": {
        "label_en": "Meal",
        "label_fr": "Repas",
        **options(("Vegetarian", "Végétarien"), ("Halal", "Halal")),
    },
    "choices": {
        "label_en": "Workshops",
        "label_fr": "Ateliers",
        **options(("Data", "Données"), ("Remittances", "Transferts")),
    },
    "country": {"label_en": "Country of residence", "label_fr": "Pays de résidence"},
    "email": {"label_en": "Assistant's e-mail", "label_fr": "E-mail de l'assistant"},
    "phone": {"label_en": "Mobile", "label_fr": "Portable"},
    "file": {"label_en": "Credentials", "label_fr": "Lettre de créance", "max_mb": "8"},
    "photo": {"label_en": "Photo", "label_fr": "Photo", "max_mb": ""},
}


@pytest.mark.parametrize("kind", list(EACH_TYPE))
def test_an_organiser_adds_a_question_of_each_type(client, organiser, meeting, kind):
    page = client.get(url(meeting, f"/new?type={kind}"), headers=EN).get_data(as_text=True)
    assert f'<option selected value="{kind}">' in page
    question = add(client, meeting, type=kind, **EACH_TYPE[kind])
    assert question.type is QuestionType(kind)
    assert question.label["en"] == EACH_TYPE[kind].get("label_en", "Passport number")
    listed = html.unescape(client.get(url(meeting), headers=EN).get_data(as_text=True))
    assert question.label["en"] in listed
    assert question.type.label in listed and f"<code>{question.key}</code>" in listed
    if kind == "number":
        assert (question.min_value, question.max_value) == (1, 14)
    if kind in ("choice", "choices"):
        labels = [o["label"] for o in question.options]
        assert labels[0] == {"en": "Vegetarian", "fr": "Végétarien"} or labels[0]["en"] == "Data"
        assert len({o["value"] for o in question.options}) == 2
    if kind == "file":
        assert question.max_bytes == 8_000_000
    if kind == "photo":
        assert question.max_bytes == 5_000_000  # the default, left empty
    if kind == "section":
        assert "<h3" in listed


def test_labels_and_help_are_kept_in_each_language(client, organiser, meeting):
    question = add(
        client,
        meeting,
        label_en="Dietary needs",
        label_fr="Régime alimentaire",
        help_en="Allergies included.",
        help_fr="Allergies comprises.",
        required="y",
    )
    assert question.label == {"en": "Dietary needs", "fr": "Régime alimentaire"}
    assert question.help == {"en": "Allergies included.", "fr": "Allergies comprises."}
    assert question.required and question.key == "dietary_needs"
    french = client.get(url(meeting), headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Régime alimentaire" in french
    form = client.get(url(meeting, f"/{question.id}"), headers=EN).get_data(as_text=True)
    assert 'lang="fr"' in form and "Allergies comprises." in form
    # A language the meeting does not use is not asked.
    assert 'name="label_es"' not in form


def test_arabic_and_russian_labels_and_options_are_typed_in_their_direction(
    client, organiser, meeting
):
    meeting.languages = ["en", "ar", "ru"]
    db.session.commit()
    question = add(
        client,
        meeting,
        type="choice",
        label_ar="النظام الغذائي",
        label_ru="Питание",
        **{
            "options-0-label_en": "Vegetarian",
            "options-0-label_ar": "نباتي",
            "options-0-label_ru": "Вегетарианское",
        },
    )
    assert question.label == {"en": "Passport number", "ar": "النظام الغذائي", "ru": "Питание"}
    assert question.options[0]["label"] == {
        "en": "Vegetarian",
        "ar": "نباتي",
        "ru": "Вегетарианское",
    }
    form = client.get(url(meeting, f"/{question.id}"), headers=EN).get_data(as_text=True)
    for name, direction in (("label_ar", "rtl"), ("help_ar", "rtl"), ("label_ru", "ltr")):
        (tag,) = re.findall(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', form)
        assert f'dir="{direction}"' in tag and f'lang="{name[-2:]}"' in tag
    (option,) = re.findall(r'<input[^>]*name="options-0-label_ar"[^>]*>', form)
    assert 'dir="rtl"' in option and "نباتي" in option
    # The option's column is named by the language, in the reader's language.
    assert ">Arabic<" in form or ">Arabic (" in form
    arabic = client.get(url(meeting), headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "النظام الغذائي" in arabic


def test_keys_are_made_from_the_label_unique_and_editable(client, organiser, meeting):
    first = add(client, meeting, label_en="Dietary needs (if any)")
    second = add(client, meeting, label_en="Dietary needs (if any)")
    arabic = add(client, meeting, label_en="الاسم", label_fr="")
    assert (first.key, second.key, arabic.key) == (
        "dietary_needs_if_any",
        "dietary_needs_if_any_2",
        "question",
    )
    response = client.post(
        url(meeting, f"/{second.id}"),
        data=question_data(label_en="Dietary needs (if any)", key="Diet_2027"),
    )
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.key == "diet_2027"
    # Saving again without touching the key keeps it, whatever the label becomes.
    client.post(url(meeting, f"/{second.id}"), data=question_data(label_en="Food", key="diet_2027"))
    db.session.refresh(second)
    assert second.key == "diet_2027"


def test_options_keep_their_values_when_their_wording_changes(client, organiser, meeting):
    question = add(
        client,
        meeting,
        type="choice",
        label_en="Meal",
        **options(("Vegetarian", "Végétarien"), ("Halal", "Halal")),
    )
    veg, halal = (o["value"] for o in question.options)
    assert (veg, halal) == ("vegetarian", "halal")
    response = client.post(
        url(meeting, f"/{question.id}"),
        data=question_data(
            type="choice",
            label_en="Meal",
            **options(
                (veg, "Vegetarian (no fish)", "Végétarien (sans poisson)"),
                (halal, "Halal", "Halal"),
                ("", "Vegan", "Végétalien"),
            ),
            **{"options-0-order": "3", "options-1-order": "1", "options-2-order": "2"},
        ),
    )
    assert response.status_code == 302
    db.session.refresh(question)
    assert [o["value"] for o in question.options] == [halal, "vegan", veg]
    assert question.options[2]["label"] == {
        "en": "Vegetarian (no fish)",
        "fr": "Végétarien (sans poisson)",
    }


def test_more_option_rows_keep_what_was_typed(client, organiser, meeting):
    data = question_data(type="choice", label_en="Meal", action="more_options")
    data |= options(("Vegetarian", "Végétarien"))
    response = client.post(url(meeting, "/new"), data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Végétarien"' in page
    assert 'name="options-3-label_en"' in page
    assert db.session.scalar(db.select(db.func.count(FormQuestion.id))) == 0


# --- Order -------------------------------------------------------------------------------


def _keys(meeting) -> list[str]:
    db.session.expire_all()
    return [q.key for q in questions_of(meeting.id)]


def test_the_up_and_down_buttons_move_a_question(client, organiser, meeting):
    for label in ("First", "Second", "Third"):
        add(client, meeting, label_en=label)
    third = questions_of(meeting.id)[2]
    response = client.post(url(meeting, f"/{third.id}/move"), data={"direction": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#question-{third.id}")
    assert _keys(meeting) == ["first", "third", "second"]
    client.post(url(meeting, f"/{third.id}/move"), data={"direction": "up"})
    client.post(url(meeting, f"/{third.id}/move"), data={"direction": "up"})  # first already
    assert _keys(meeting) == ["third", "first", "second"]
    client.post(url(meeting, f"/{third.id}/move"), data={"direction": "down"})
    assert _keys(meeting) == ["first", "third", "second"]
    # A direction that is neither (a forged form) changes nothing.
    assert (
        client.post(url(meeting, f"/{third.id}/move"), data={"direction": "top"}).status_code == 400
    )
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert page.index(">First<") < page.index(">Third<") < page.index(">Second<")


def test_drag_and_drop_posts_every_id_in_the_new_order(client, organiser, meeting):
    for label in ("First", "Second", "Third"):
        add(client, meeting, label_en=label)
    first, second, third = (q.id for q in questions_of(meeting.id))
    json = {"Accept": "application/json"}
    response = client.post(
        url(meeting, "/order"), data={"order": [third, first, second]}, headers=json
    )
    assert response.status_code == 200 and response.json == {"message": "The new order is saved."}
    assert _keys(meeting) == ["third", "first", "second"]
    # A list that misses a question (one added in another tab) is refused whole.
    response = client.post(url(meeting, "/order"), data={"order": [first, second]}, headers=json)
    assert response.status_code == 409 and "reload" in response.json["error"]
    # Ids of nothing, or not numbers.
    for bad in ([third, first, 999_999], ["x", "1"]):
        response = client.post(url(meeting, "/order"), data={"order": bad}, headers=json)
        assert response.status_code in (400, 409)
    assert _keys(meeting) == ["third", "first", "second"]
    # Without the script's Accept header: back to the page with a message.
    response = client.post(
        url(meeting, "/order"), data={"order": [first, second, third]}, follow_redirects=True
    )
    assert "The new order is saved." in response.get_data(as_text=True)
    assert _keys(meeting) == ["first", "second", "third"]
    assert _audit().count("form.reordered") == 2


# --- Conditions --------------------------------------------------------------------------


def test_a_question_shown_only_when_another_has_an_answer(client, organiser, meeting):
    visa = add(client, meeting, type="yes_no", label_en="Need a visa?", label_fr="Visa ?")
    form = client.get(url(meeting, "/new"), headers=EN).get_data(as_text=True)
    assert "conditions have one level" in form
    passport = add(
        client,
        meeting,
        label_en="Passport number",
        condition_question_id=str(visa.id),
        **{f"cond_{visa.id}": "yes"},
    )
    assert passport.condition_question_id == visa.id
    assert passport.condition_values == ["yes"]
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert "Shown when “Need a visa?” is: Yes" in html.unescape(page)
    # The condition holds as the form filled in will read it.
    assert services.condition_met(passport, True) and not services.condition_met(passport, False)
    # The passport question is conditional: no third question can depend on it.
    candidates = services.condition_candidates(meeting)
    assert candidates == [visa]
    # And the visa question cannot move below the question that depends on it.
    response = client.post(
        url(meeting, f"/{visa.id}/move"), data={"direction": "down"}, follow_redirects=True
    )
    assert "must stay after it" in html.unescape(response.get_data(as_text=True))
    assert _keys(meeting) == ["need_a_visa", "passport_number"]
    # Nor be deleted while a question depends on it.
    response = client.post(url(meeting, f"/{visa.id}/delete"), follow_redirects=True)
    assert "change their condition first" in response.get_data(as_text=True)
    assert db.session.get(FormQuestion, visa.id) is not None


def test_a_condition_on_a_choice_and_on_a_country(client, organiser, meeting):
    meal = add(
        client,
        meeting,
        type="choices",
        label_en="Meals",
        **options(("Vegetarian", "Végétarien"), ("Other", "Autre")),
    )
    country = add(client, meeting, type="country", label_en="Residence")
    other = add(
        client,
        meeting,
        label_en="Which other meal?",
        condition_question_id=str(meal.id),
        **{f"cond_{meal.id}": "other"},
    )
    assert services.condition_met(other, ["vegetarian", "other"])
    assert not services.condition_met(other, ["vegetarian"])
    page = client.get(url(meeting, "/new"), headers=EN).get_data(as_text=True)
    assert f'id="cond_{country.id}" multiple name="cond_{country.id}" size="8">' in page
    local = add(
        client,
        meeting,
        label_en="Local address",
        condition_question_id=str(country.id),
        **{f"cond_{country.id}": ["MA", "SN"]},
    )
    assert local.condition_values == ["MA", "SN"]
    assert services.condition_met(local, "SN") and not services.condition_met(local, "FR")


# --- Bad input ---------------------------------------------------------------------------


def test_each_bad_input_is_refused_under_its_field_with_what_was_typed_kept(
    client, organiser, meeting
):
    visa = add(client, meeting, type="yes_no", label_en="Need a visa?")
    passport = add(
        client,
        meeting,
        label_en="Passport",
        key="passport",
        condition_question_id=str(visa.id),
        **{f"cond_{visa.id}": "yes"},
    )
    meal = add(client, meeting, type="choice", label_en="Meal", **options(("Fish", "Poisson")))
    tried = {
        # The meeting's main language left empty (French typed).
        "empty label": (
            {"label_en": "", "label_fr": "Numéro de passeport"},
            "Write the question in English (the meeting's main language).",
            'value="Numéro de passeport"',
        ),
        "choice without options": (
            {"type": "choice", "label_en": "Meal plan"},
            "Write at least one option, one per row.",
            'value="Meal plan"',
        ),
        "option without its main-language label": (
            {"type": "choice", "label_en": "Meal plan", **options(("", "Poisson"))},
            "Write this option in English (the meeting's main language).",
            'value="Poisson"',
        ),
        "the same option twice": (
            {"type": "choices", "label_en": "Days", **options(("Monday", "Lundi"), ("monday", ""))},
            "“monday” is listed twice.",
            'value="Lundi"',
        ),
        "min above max": (
            {"type": "number", "label_en": "Nights", "min_value": "10", "max_value": "2"},
            "The largest number must not be smaller than the smallest.",
            'value="10"',
        ),
        "not a number": (
            {"type": "number", "label_en": "Nights", "min_value": "ten"},
            "Not a valid float value.",
            'value="Nights"',
        ),
        "a 50 MB file limit": (
            {"type": "file", "label_en": "Annex", "max_mb": "50"},
            "Choose a limit from 1 to 20 MB.",
            'value="50"',
        ),
        "a key with spaces": (
            {"key": "passport no!"},
            "Use letters a–z, digits and underscores only, at most 60 characters.",
            'value="passport no!"',
        ),
        "a duplicate key": (
            {"key": "passport"},
            "Another question of this meeting has the key “passport” (archived questions "
            "keep theirs): choose another.",
            'value="passport"',
        ),
        "a condition on a conditional question": (
            {"condition_question_id": str(passport.id)},
            "“Passport” has no fixed list of answers: a condition can look at yes-or-no, "
            "choice and country questions only.",
            'value="Passport number"',
        ),
        "a condition without an answer ticked": (
            {"condition_question_id": str(visa.id)},
            "Tick at least one answer of “Need a visa?” that shows this question.",
            'value="Passport number"',
        ),
        "a value not among the options": (
            {"condition_question_id": str(meal.id), f"cond_{meal.id}": "caviar"},
            "“caviar” is not an answer of “Meal”: choose among its answers.",
            'value="Passport number"',
        ),
        "an unknown category": (
            {"categories": "kings"},
            "'kings' is not a valid choice for this field.",
            'value="Passport number"',
        ),
    }
    for case, (values, message, kept) in tried.items():
        response = client.post(url(meeting, "/new"), data=question_data(**values), headers=EN)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, case
        assert message in _errors(response), (case, _errors(response))
        assert kept in page, case
        assert 'aria-invalid="true"' in page or "has-error" in page, case
    assert len(questions_of(meeting.id)) == 3  # nothing was added


def test_a_condition_on_a_later_question_or_on_a_conditional_one_is_refused(
    client, organiser, meeting
):
    first = add(client, meeting, type="yes_no", label_en="Travel funded?")
    later = add(client, meeting, type="yes_no", label_en="Need a visa?")
    # The first question made to depend on a later one (a form posted by hand:
    # the page offers earlier questions only).
    page = client.get(url(meeting, f"/{first.id}"), headers=EN).get_data(as_text=True)
    assert f'name="cond_{later.id}"' not in page
    response = client.post(
        url(meeting, f"/{first.id}"),
        data=question_data(
            type="yes_no",
            label_en="Travel funded?",
            condition_question_id=str(later.id),
            **{f"cond_{later.id}": "yes"},
        ),
        headers=EN,
    )
    assert response.status_code == 422
    assert (
        "“Need a visa?” comes after this question in the form: a condition can look at "
        "an earlier question only. Move this question below it first."
    ) in _errors(response)
    # A conditional yes-or-no question is no condition for a third.
    client.post(
        url(meeting, f"/{later.id}"),
        data=question_data(
            type="yes_no",
            label_en="Need a visa?",
            condition_question_id=str(first.id),
            **{f"cond_{first.id}": "no"},
        ),
    )
    response = client.post(
        url(meeting, "/new"),
        data=question_data(condition_question_id=str(later.id), **{f"cond_{later.id}": "yes"}),
        headers=EN,
    )
    assert response.status_code == 422
    assert (
        "“Need a visa?” is shown only under a condition itself: conditions have one level. "
        "Choose a question that is always shown."
    ) in _errors(response)
    # And a question others depend on cannot get a condition of its own.
    other = add(client, meeting, type="yes_no", label_en="Accompanied?")
    response = client.post(
        url(meeting, f"/{first.id}"),
        data=question_data(type="yes_no", label_en="Travel funded?"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.condition_candidates(meeting, db.session.get(FormQuestion, other.id)) == [
        db.session.get(FormQuestion, first.id)
    ]


# --- Answers are never lost ----------------------------------------------------------------


def test_deleting_a_question_with_answers_archives_it_and_keeps_them(
    client, organiser, meeting, make_participant
):
    question = add(client, meeting, label_en="Passport number")
    answer = _answer(meeting, make_participant, question, "AB123456")
    form = client.get(url(meeting, f"/{question.id}"), headers=EN).get_data(as_text=True)
    assert "1 person answered it: it will be archived" in form
    response = client.post(url(meeting, f"/{question.id}/delete"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "is archived: its answer (1) is kept" in page
    db.session.expire_all()
    assert db.session.get(FormQuestion, question.id).archived_at is not None
    assert db.session.get(FormAnswer, answer.id).value == "AB123456"
    assert questions_of(meeting.id) == []
    assert "Archived questions: answers kept" in page and "1 answer" in page
    # Archived, it is no longer edited or moved; deleting it again changes nothing.
    assert client.get(url(meeting, f"/{question.id}")).status_code == 404
    response = client.post(url(meeting, f"/{question.id}/delete"), follow_redirects=True)
    assert "is archived already" in response.get_data(as_text=True)
    assert db.session.get(FormAnswer, answer.id) is not None
    # Restored: back at the end of the form, with its answer.
    add(client, meeting, label_en="Another")
    response = client.post(url(meeting, f"/{question.id}/restore"), follow_redirects=True)
    assert "is back on the form, at its end." in response.get_data(as_text=True)
    assert _keys(meeting) == ["another", "passport_number"]
    assert _audit()[-3:] == [
        "form.question_archived",
        "form.question_saved",
        "form.question_restored",
    ]


def test_deleting_a_question_nobody_answered_deletes_it(client, organiser, meeting):
    question = add(client, meeting, label_en="Shoe size")
    form = client.get(url(meeting, f"/{question.id}"), headers=EN).get_data(as_text=True)
    assert "Nobody answered it yet: it will be deleted." in form
    response = client.post(url(meeting, f"/{question.id}/delete"), follow_redirects=True)
    assert "“Shoe size” is deleted." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(FormQuestion.id))) == 0
    entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.details) == ("form.question_deleted", "shoe_size")


def test_the_type_of_an_answered_question_cannot_change(
    client, organiser, meeting, make_participant
):
    question = add(client, meeting, label_en="Nights", type="text")
    _answer(meeting, make_participant, question, "three")
    response = client.post(
        url(meeting, f"/{question.id}"),
        data=question_data(type="number", label_en="Nights"),
        headers=EN,
    )
    assert response.status_code == 422
    assert (
        "1 person answered this question, so its type cannot change: archive it (its "
        "answers are kept) and add a new question of the other type."
    ) in _errors(response)
    db.session.refresh(question)
    assert question.type is QuestionType.TEXT
    # Its wording may change: the answers stay.
    response = client.post(
        url(meeting, f"/{question.id}"), data=question_data(type="text", label_en="Nights booked")
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(FormAnswer.value)) == "three"


def test_an_option_people_chose_cannot_be_removed(client, organiser, meeting, make_participant):
    question = add(
        client,
        meeting,
        type="choices",
        label_en="Meals",
        **options(("Vegetarian", "Végétarien"), ("Halal", "Halal"), ("Kosher", "Casher")),
    )
    _answer(meeting, make_participant, question, ["halal"])
    _answer(meeting, make_participant, question, ["vegetarian", "halal"])
    kept_rows = options(
        ("vegetarian", "Vegetarian", "Végétarien"),
        ("halal", "Halal", "Halal"),
        ("kosher", "Kosher", "Casher"),
    )
    response = client.post(
        url(meeting, f"/{question.id}"),
        data=question_data(
            type="choices", label_en="Meals", **kept_rows, **{"options-1-remove": "y"}
        ),
        headers=EN,
    )
    assert response.status_code == 422
    assert (
        "“Halal” cannot be removed: 2 people chose it. Change its wording instead, or "
        "archive the question and add a new one."
    ) in _errors(response)
    # One nobody chose goes: the tick box, or its labels emptied.
    emptied = kept_rows | {"options-2-label_en": "", "options-2-label_fr": ""}
    response = client.post(
        url(meeting, f"/{question.id}"),
        data=question_data(type="choices", label_en="Meals", **emptied),
    )
    assert response.status_code == 302
    db.session.refresh(question)
    assert [o["value"] for o in question.options] == ["vegetarian", "halal"]


# --- Built-in fields -----------------------------------------------------------------------


def test_organisers_hide_optional_built_in_fields(client, organiser, meeting):
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert "Always asked: Title, given and family names, E-mail" in page
    assert "add a photo question first" in page and 'name="photo_on_badges"' not in page
    asked = [n for n in services.HIDEABLE_FIELDS if n not in ("phone", "needs_visa_letter")]
    response = client.post(url(meeting, "/fields"), data={"asked": asked})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.hidden_fields == ["phone", "needs_visa_letter"]
    assert services.hidden_fields(meeting) == {
        "phone",
        "needs_visa_letter",
        "nationality_code",
        "passport_number",
    }
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert (
        'value="phone">' in page
        and 'checked id="asked-1" name="asked" type="checkbox" value="phone"' not in page
    )
    # A field that cannot be hidden, sent by hand, is refused.
    response = client.post(url(meeting, "/fields"), data={"asked": ["email"]})
    db.session.refresh(meeting)
    assert meeting.hidden_fields == ["phone", "needs_visa_letter"]
    # With a photo question, photos may go on badges.
    add(client, meeting, type="photo", label_en="Photo")
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert "Put the participant's photo on badges" in page
    client.post(
        url(meeting, "/fields"),
        data={"asked": list(services.HIDEABLE_FIELDS), "photo_on_badges": "y"},
    )
    db.session.refresh(meeting)
    assert meeting.hidden_fields == [] and meeting.photo_on_badges
    entries = db.session.scalars(
        db.select(AuditEntry.details).filter_by(action="form.fields_hidden").order_by(AuditEntry.id)
    )
    assert list(entries) == [
        "hidden: phone, needs_visa_letter; photo on badges: no",
        "hidden: none; photo on badges: yes",
    ]


# --- Cloning -------------------------------------------------------------------------------


def test_a_meeting_started_from_this_one_gets_its_form(
    client, organiser, meeting, make_participant
):
    visa = add(client, meeting, type="yes_no", label_en="Need a visa?", label_fr="Visa ?")
    add(client, meeting, type="section", label_en="Travel")
    passport = add(
        client,
        meeting,
        label_en="Passport",
        condition_question_id=str(visa.id),
        sensitive="y",
        **{f"cond_{visa.id}": "yes"},
    )
    old = add(client, meeting, label_en="Old question")
    _answer(meeting, make_participant, old, "kept")
    client.post(url(meeting, f"/{old.id}/delete"))
    client.post(url(meeting, "/fields"), data={"asked": ["badge_name"]})
    db.session.refresh(meeting)
    meeting.photo_on_badges = True

    copy = manage.clone_meeting(
        meeting, manage.clone_input(meeting, slug="rabat-2", start=date(2030, 6, 3))
    )
    db.session.commit()
    copied = questions_of(copy.id, archived=True)
    assert [q.key for q in copied] == ["need_a_visa", "travel", "passport"]
    assert [q.position for q in copied] == [1, 2, 3]
    new_visa, _section, new_passport = copied
    assert new_visa.id != visa.id and new_visa.label == {"en": "Need a visa?", "fr": "Visa ?"}
    assert new_passport.condition_question_id == new_visa.id
    assert new_passport.condition_values == ["yes"] and new_passport.sensitive
    assert passport.condition_question_id == visa.id  # the original is untouched
    assert copy.hidden_fields == meeting.hidden_fields
    assert len(copy.hidden_fields) == len(services.HIDEABLE_FIELDS) - 1  # all but the badge name
    assert copy.photo_on_badges
    assert db.session.scalar(db.select(db.func.count(FormAnswer.id))) == 1


# --- Who may -------------------------------------------------------------------------------


def test_only_the_meetings_organisers_design_its_form(
    client, make_user, login, meeting, make_meeting
):
    question = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.TEXT, key="q", label={"en": "Q"}
    )
    db.session.add(question)
    db.session.commit()
    other = make_meeting(slug="dakar")
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    make_user(Role.ORGANISER, "dakar@example.org", meetings=[other])
    requests = [
        ("GET", url(meeting)),
        ("GET", url(meeting, "/new")),
        ("POST", url(meeting, "/new")),
        ("GET", url(meeting, f"/{question.id}")),
        ("POST", url(meeting, f"/{question.id}/delete")),
        ("POST", url(meeting, f"/{question.id}/move")),
        ("POST", url(meeting, "/order")),
        ("POST", url(meeting, "/fields")),
    ]
    for email, expected in (("door@example.org", 403), ("dakar@example.org", 404)):
        client.post("/logout")
        login(email)
        for method, path in requests:
            data = question_data() if method == "POST" else None
            assert client.open(path, method=method, data=data).status_code == expected, path
    # Dakar's organiser, on Dakar's form, cannot reach Rabat's question by its id.
    assert client.get(f"/manage/meetings/dakar/form/{question.id}").status_code == 404
    assert client.post(f"/manage/meetings/dakar/form/{question.id}/delete").status_code == 404
    assert db.session.get(FormQuestion, question.id) is not None
    assert client.get(url(meeting)).status_code == 404
    client.post("/logout")
    assert client.get(url(meeting)).status_code == 302  # to sign in


def test_every_change_is_in_the_audit_log(client, organiser, meeting, make_participant):
    first = add(client, meeting, label_en="First")
    second = add(client, meeting, label_en="Second")
    client.post(url(meeting, f"/{second.id}/move"), data={"direction": "up"})
    client.post(url(meeting, "/order"), data={"order": [first.id, second.id]})
    _answer(meeting, make_participant, first, "x")
    client.post(url(meeting, f"/{first.id}/delete"))
    client.post(url(meeting, f"/{second.id}/delete"))
    client.post(url(meeting, "/fields"), data={"asked": []})
    assert _audit() == [
        "form.question_saved",
        "form.question_saved",
        "form.reordered",
        "form.reordered",
        "form.question_archived",
        "form.question_deleted",
        "form.fields_hidden",
    ]
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert {e.meeting_id for e in entries} == {meeting.id}
    assert {e.actor for e in entries} == {"boss@example.org"}
    log = client.get(f"/manage/audit?meeting={meeting.slug}", headers=EN).get_data(as_text=True)
    assert "Registration form question archived (its answers kept)" in log


def test_labels_are_escaped(client, organiser, meeting):
    add(client, meeting, label_en='<script>alert("x")</script>', help_en="<b>bold</b>")
    page = client.get(url(meeting), headers=EN).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
