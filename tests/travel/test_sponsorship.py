"""Sponsored participation (issue 18): a participant asks for travel support from
their private link; the meeting's organisers decide (funded, partly funded, not
funded) with a note that is e-mailed in the person's language; for the funded they
record the ticket and the daily subsistence allowance, whose amount is computed;
the report counts the funded per delegation, gender and category with the
allowances per currency, as a page, CSV and XLSX. Organisers of the meeting only,
audited, never on a public page."""

import csv
import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from meeting_app.accounts.models import Role
from meeting_app.core.collation import sort_key
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.manage import services as manage
from meeting_app.meetings import services as meetings
from meeting_app.models import utcnow
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Category, RegistrationStatus
from meeting_app.travel import sponsorship as ops
from meeting_app.travel.models import FundingDecision, Sponsorship

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
NOTE = "Le billet depuis Dakar et trois nuits : mon ministère ne peut pas les financer."


@pytest.fixture
def meeting(open_meeting):
    return open_meeting(slug="rabat", sponsorship_enabled=True, languages=["en", "fr"])


@pytest.fixture
def person(make_participant, meeting):
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    return make_participant(
        meeting,
        given_name="Ndèye",
        family_name="Diop",
        email="ndeye.diop@example.org",
        preferred_language="fr",
        delegation=senegal,
        gender="woman",
        consent_public_list=True,
    )


@pytest.fixture
def organiser(make_user, login, meeting):
    user = make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    return user


def _support(person) -> str:
    return f"/r/{person.token}/support"


def _person_url(meeting, person) -> str:
    return f"/manage/meetings/{meeting.slug}/sponsorship/{person.id}"


def _sponsorship(person) -> Sponsorship | None:
    db.session.expire_all()
    return db.session.execute(
        db.select(Sponsorship).filter_by(participant_id=person.id)
    ).scalar_one_or_none()


def _tied(html: str, field: str) -> bool:
    """Whether the page shows an error for `field` that the field refers to."""
    return f'id="{field}-error"' in html and re.search(
        rf'aria-describedby="[^"]*\b{re.escape(field)}-error"', html
    )


def _audit(action: str) -> list[AuditEntry]:
    # In the order written: without ORDER BY, PostgreSQL may return them either way.
    return list(
        db.session.execute(
            db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)
        ).scalars()
    )


def _decide(client, meeting, person, decision="funded", note="", **headers):
    return client.post(
        _person_url(meeting, person),
        data={"decision-decision": decision, "decision-note": note},
        headers=headers or EN,
    )


def _follow_up(client, meeting, person, **values):
    data = {
        "follow_up-ticket_issued": "y",
        "follow_up-ticket_reference": "RAM-4821-XK",
        "follow_up-dsa_days": "4",
        "follow_up-dsa_rate": "150.50",
        "follow_up-currency": "USD",
        **{f"follow_up-{key}": value for key, value in values.items()},
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"{_person_url(meeting, person)}/follow-up", data=data, headers=EN)


def _funded(person, decision=FundingDecision.FUNDED, **values) -> Sponsorship:
    """A decision recorded as the organisers' page records it, without the mail."""
    sponsorship = Sponsorship(
        participant=person,
        request_note="Ticket please.",
        decision=decision,
        decision_note="Vu.",
        decided_at=None if decision is FundingDecision.PENDING else utcnow(),
        **values,
    )
    db.session.add(sponsorship)
    db.session.commit()
    return sponsorship


# --- The participant ----------------------------------------------------------------------


def test_a_participant_asks_for_support_from_the_private_link_and_follows_it(
    client, meeting, person
):
    private = client.get(f"/r/{person.token}", headers=EN).get_data(as_text=True)
    assert _support(person) in private
    page = client.get(_support(person), headers=EN)
    assert page.status_code == 200
    assert "Ask for travel support" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"

    # Sent without a note: refused, the message tied to the field.
    empty = client.post(_support(person), data={"note": "   "}, headers=EN)
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert _tied(html, "note")
    assert "Say why you ask for support and what you need." in html
    assert _sponsorship(person) is None

    sent = client.post(_support(person), data={"note": NOTE}, headers=EN)
    assert sent.status_code == 302
    sponsorship = _sponsorship(person)
    assert (sponsorship.request_note, sponsorship.decision) == (NOTE, FundingDecision.PENDING)
    page = client.get(_support(person), headers=EN).get_data(as_text=True)
    assert "Awaiting a decision" in page and "Withdraw my request" in page
    assert "trois nuits : mon ministère" in page

    # Changed while it awaits a decision, then withdrawn: the person may ask again.
    client.post(_support(person), data={"note": "Le billet seulement."}, headers=EN)
    assert _sponsorship(person).request_note == "Le billet seulement."
    withdrawn = client.post(f"{_support(person)}/withdraw", headers=EN)
    assert withdrawn.status_code == 302 and withdrawn.headers["Location"].endswith(
        f"/r/{person.token}"
    )
    assert _sponsorship(person) is None
    assert client.post(_support(person), data={"note": NOTE}).status_code == 302
    assert _sponsorship(person) is not None
    # A participant's request is theirs, not a staff action: nothing in the audit log.
    assert _audit("sponsorship.decided") == []


def test_a_note_with_control_characters_or_too_long_is_refused(client, meeting, person):
    for note in ("Billet\x1b[31m", "x" * (ops.NOTE_MAX + 1)):
        response = client.post(_support(person), data={"note": note}, headers=EN)
        assert response.status_code == 422, repr(note[:12])
    assert _sponsorship(person) is None


def test_nobody_asks_where_the_section_is_off_or_the_registration_is_over(
    client, open_meeting, make_participant, meeting, person
):
    off = open_meeting(slug="no-support")
    someone = make_participant(off)
    assert _support(someone) not in client.get(f"/r/{someone.token}").get_data(as_text=True)
    assert client.get(_support(someone)).status_code == 302
    assert client.post(_support(someone), data={"note": NOTE}).status_code == 302
    assert _sponsorship(someone) is None

    declined = make_participant(meeting, status=RegistrationStatus.DECLINED)
    page = client.get(_support(declined), headers=EN).get_data(as_text=True)
    assert "Travel support cannot be asked for with this registration." in page
    assert client.post(_support(declined), data={"note": NOTE}).status_code == 302
    assert _sponsorship(declined) is None


def test_a_decided_request_can_neither_change_nor_be_withdrawn(client, meeting, person):
    _funded(person, decision=FundingDecision.NOT_FUNDED)
    page = client.get(_support(person), headers=EN).get_data(as_text=True)
    assert "Not funded" in page and "Vu." in page
    assert "Withdraw my request" not in page and 'name="note"' not in page
    client.post(_support(person), data={"note": "Encore ?"})
    client.post(f"{_support(person)}/withdraw")
    sponsorship = _sponsorship(person)
    assert (sponsorship.request_note, sponsorship.decision) == (
        "Ticket please.",
        FundingDecision.NOT_FUNDED,
    )


def test_a_wrong_link_opens_no_request(client, meeting, person):
    assert client.get("/r/" + "x" * 43 + "/support").status_code == 404
    assert client.post("/r/" + "x" * 43 + "/support/withdraw").status_code == 404


# --- The organisers' decision ---------------------------------------------------------------


def test_the_decision_is_emailed_in_french_with_the_note(client, organiser, meeting, person, inbox):
    client.post(_support(person), data={"note": NOTE})
    response = _decide(client, meeting, person, "partly_funded", "Le billet oui, le DSA non.")
    assert response.status_code == 302
    sponsorship = _sponsorship(person)
    assert sponsorship.decision is FundingDecision.PARTLY_FUNDED
    assert sponsorship.decided_by == "boss@example.org" and sponsorship.decided_at
    (message,) = inbox.to("ndeye.diop@example.org")
    assert meeting.title["fr"] in message["Subject"]
    body = inbox.body(message).replace("\r\n", "\n")
    assert body.startswith("Bonjour Ndèye Diop,\n\n")
    assert "Note des organisateurs :\nLe billet oui, le DSA non." in body
    assert f"/r/{person.token}" in body and body.rstrip().endswith("Les organisateurs")
    mail = db.session.execute(db.select(OutgoingMail)).scalar_one()
    assert (mail.kind, mail.language) == ("sponsorship:partly_funded", "fr")
    (entry,) = _audit("sponsorship.decided")
    assert (entry.participant_id, entry.details) == (person.id, "pending → partly_funded")
    # The person reads it on their page too.
    page = client.get(_support(person), headers=EN).get_data(as_text=True)
    assert "Partly funded" in page and "Le billet oui, le DSA non." in page

    # The same decision saved again sends nothing; a new one is mailed again.
    assert _decide(client, meeting, person, "partly_funded", "Le billet oui, le DSA non.")
    assert len(inbox.to("ndeye.diop@example.org")) == 1
    _decide(client, meeting, person, "funded")
    assert len(inbox.to("ndeye.diop@example.org")) == 2
    assert [e.details for e in _audit("sponsorship.decided")][-1] == "partly_funded → funded"


def test_the_three_mails_are_in_the_automatic_mails_editor(client, organiser, meeting):
    base = f"/manage/meetings/{meeting.slug}/messages/automatic/"
    html = client.get(base, headers=EN).get_data(as_text=True)
    assert "Travel support" in html
    for key in ("sponsorship_funded", "sponsorship_partly_funded", "sponsorship_not_funded"):
        assert f"{base}{key}/fr" in html
        preview = client.get(f"{base}{key}/fr", headers=EN)
        assert preview.status_code == 200 and "{{ note }}" in preview.get_data(as_text=True)


def test_an_english_reader_gets_the_english_wording(
    client, organiser, meeting, make_participant, inbox
):
    someone = make_participant(meeting, email="karim@example.org", preferred_language="en")
    _decide(client, meeting, someone, "not_funded", "The budget is spent.")
    (message,) = inbox.to("karim@example.org")
    body = inbox.body(message)
    assert "cannot fund your participation" in body and "The budget is spent." in body
    assert "does not change your registration" in body


@pytest.mark.parametrize(
    ("decision", "note", "field", "error"),
    [
        ("", "", "decision-decision", "Choose a decision."),
        ("maybe", "", "decision-decision", "Choose funded, partly funded or not funded."),
        ("pending", "", "decision-decision", "Choose funded, partly funded or not funded."),
        ("not_funded", "  ", "decision-note", "why it is not funded"),
        ("partly_funded", "", "decision-note", "which part is funded"),
        ("funded", "Bien\x00reçu", "decision-note", "invisible control characters"),
        ("funded", "x" * 2001, "decision-note", "At most 2000 characters."),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_sent(
    client, organiser, meeting, person, inbox, decision, note, field, error
):
    """Tried: no decision, an unknown one, "pending" (not a decision), not funded and
    partly funded without a note, a NUL byte in the note, a note too long."""
    response = _decide(client, meeting, person, decision, note)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error in html
    assert _tied(html, field)
    assert _sponsorship(person) is None
    assert inbox.messages == [] and _audit("sponsorship.decided") == []


def test_organisers_may_decide_for_someone_who_did_not_ask(
    client, organiser, meeting, person, inbox
):
    found = client.get(f"/manage/meetings/{meeting.slug}/sponsorship/?q=diop", headers=EN).get_data(
        as_text=True
    )
    assert _person_url(meeting, person) in found
    page = client.get(_person_url(meeting, person), headers=EN).get_data(as_text=True)
    assert "did not ask from their private link" in page
    assert _decide(client, meeting, person, "funded").status_code == 302
    sponsorship = _sponsorship(person)
    assert (sponsorship.request_note, sponsorship.decision) == ("", FundingDecision.FUNDED)
    assert len(inbox.to(person.email)) == 1


def test_an_erased_person_gets_no_mail(client, organiser, meeting, person, inbox):
    person.erased_at = person.created_at
    db.session.commit()
    assert _decide(client, meeting, person, "funded").status_code == 302
    assert inbox.messages == []


# --- Ticket and allowance ------------------------------------------------------------------


def test_the_allowance_is_days_times_rate_shown_in_the_readers_language(
    client, organiser, meeting, person
):
    _funded(person)
    assert _follow_up(client, meeting, person, currency=" usd ").status_code == 302
    sponsorship = _sponsorship(person)
    assert sponsorship.ticket_issued and sponsorship.ticket_reference == "RAM-4821-XK"
    assert (sponsorship.dsa_days, sponsorship.dsa_rate, sponsorship.currency) == (
        4,
        Decimal("150.50"),
        "USD",
    )
    assert sponsorship.dsa_amount == Decimal("602.00") and not sponsorship.paid
    english = client.get(_person_url(meeting, person), headers=EN).get_data(as_text=True)
    assert "$602.00" in english
    french = client.get(_person_url(meeting, person), headers=FR).get_data(as_text=True)
    assert "602,00\xa0$US" in french
    assert 'value="150,50"' in french  # the rate as a French reader writes it
    (entry,) = _audit("sponsorship.updated")
    assert entry.details == "ticket_issued, ticket_reference, dsa_days, dsa_rate"  # no values

    # A French reader types the rate the French way; paid, in euros.
    client.post(
        f"{_person_url(meeting, person)}/follow-up",
        data={
            "follow_up-dsa_days": "3",
            "follow_up-dsa_rate": "1 200,5",
            "follow_up-currency": "EUR",
            "follow_up-paid": "y",
        },
        headers=FR,
    )
    sponsorship = _sponsorship(person)
    assert sponsorship.dsa_amount == Decimal("3601.50") and sponsorship.paid
    assert not sponsorship.ticket_issued  # unticked
    page = client.get(_support(person), headers=EN).get_data(as_text=True)
    assert "3 days × €1,200.50 = €3,601.50" in page and "paid" in page


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"dsa_days": "-2"}, "dsa_days", "Enter a number of days from 0 to 366."),
        ({"dsa_days": "400"}, "dsa_days", "Enter a number of days from 0 to 366."),
        ({"dsa_days": "two"}, "dsa_days", "Not a valid integer value."),
        ({"dsa_rate": "-150"}, "dsa_rate", "Enter a daily rate of 0 or more"),
        ({"dsa_rate": "150.555"}, "dsa_rate", "At most two decimals."),
        ({"dsa_rate": "1e5"}, "dsa_rate", "Enter an amount in figures"),
        ({"dsa_rate": "NaN"}, "dsa_rate", "Enter an amount in figures"),
        ({"dsa_rate": "100000000"}, "dsa_rate", "Enter a daily rate of 0 or more"),
        ({"currency": "US"}, "currency", "three-letter ISO 4217 code"),
        ({"currency": "EURO"}, "currency", "three-letter ISO 4217 code"),
        ({"currency": "ABC"}, "currency", "three-letter ISO 4217 code"),
        ({"currency": "12$"}, "currency", "three-letter ISO 4217 code"),
        ({"currency": ""}, "currency", "three-letter ISO 4217 code"),
        ({"ticket_reference": "RAM\x1b4821"}, "ticket_reference", "invisible control"),
        ({"ticket_reference": "RAM\u202e1284"}, "ticket_reference", "direction of the text"),
        ({"ticket_reference": "R" * 101}, "ticket_reference", "At most 100 characters."),
    ],
)
def test_bad_ticket_and_allowance_input_is_refused_field_by_field(
    client, organiser, meeting, person, values, field, error
):
    """Tried: negative, too many and worded days; a negative rate, three decimals, an
    exponent, NaN and one past the column; currencies of two, four, unknown three
    letters, digits, none; a reference with an escape, a direction override, too long."""
    _funded(person)
    response = _follow_up(client, meeting, person, **values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error in html
    assert _tied(html, f"follow_up-{field}")
    sponsorship = _sponsorship(person)
    assert (sponsorship.dsa_days, sponsorship.dsa_rate, sponsorship.ticket_reference) == (
        None,
        None,
        "",
    )


def test_the_services_refuse_the_same_bad_values(app_context, meeting, person):
    _funded(person)
    for bad in (
        ops.FollowUp(dsa_days=-1),
        ops.FollowUp(dsa_rate=Decimal("-0.01")),
        ops.FollowUp(dsa_rate=Decimal("NaN")),
        ops.FollowUp(currency="usd"),
        ops.FollowUp(currency="XYZ"),
        ops.FollowUp(ticket_reference="A\tB"),
    ):
        with pytest.raises(ops.SponsorshipError):
            ops.update_follow_up(person, bad, by_user=None)


def test_ticket_and_allowance_are_for_the_funded_only(client, organiser, meeting, person):
    _funded(person, decision=FundingDecision.NOT_FUNDED)
    page = client.get(_person_url(meeting, person), headers=EN).get_data(as_text=True)
    assert "Ticket and allowance" not in page
    response = _follow_up(client, meeting, person)
    assert response.status_code == 302
    followed = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Record the ticket and allowance of a funded person only." in followed
    assert _sponsorship(person).dsa_days is None


# --- The list and the report ----------------------------------------------------------------


def test_the_list_filters_by_decision_and_delegation(
    client, organiser, meeting, person, make_participant
):
    morocco = next(d for d in meeting.delegations if d.country_code == "MA")
    karim = make_participant(meeting, given_name="Karim", family_name="Alaoui", delegation=morocco)
    _funded(person)
    _funded(karim, decision=FundingDecision.PENDING)
    base = f"/manage/meetings/{meeting.slug}/sponsorship/"

    def names(query=""):
        html = client.get(base + query, headers=EN).get_data(as_text=True)
        return [n for n in ("Diop, Ndèye", "Alaoui, Karim") if n in html]

    assert names() == ["Diop, Ndèye", "Alaoui, Karim"]
    assert names("?decision=pending") == ["Alaoui, Karim"]
    assert names(f"?delegation={morocco.id}") == ["Alaoui, Karim"]
    assert names("?delegation=other") == []
    assert names("?decision=nonsense&delegation=drop") == ["Diop, Ndèye", "Alaoui, Karim"]


@pytest.fixture
def funded_people(meeting, make_participant):
    """Seven decisions: five funded or partly funded, one pending, one not funded."""
    for code in ("EG", "ZW"):
        db.session.add(Delegation(meeting=meeting, country_code=code))
    db.session.commit()
    delegation = {d.country_code: d for d in meeting.delegations}
    people = [
        # (delegation, gender, category, decision, days, rate, currency, paid)
        ("SN", "woman", Category.NATIONAL_GOVERNMENT, "funded", 4, "150.00", "USD", True),
        ("SN", "man", Category.NATIONAL_GOVERNMENT, "partly_funded", 2, "150.00", "USD", False),
        ("EG", "woman", Category.CIVIL_SOCIETY, "funded", 3, "120.50", "EUR", False),
        ("ZW", "", Category.LOCAL_GOVERNMENT, "funded", None, None, "USD", False),
        (None, "other", Category.CIVIL_SOCIETY, "partly_funded", 1, "99.99", "USD", True),
        ("MA", "woman", Category.NATIONAL_GOVERNMENT, "pending", 5, "100.00", "USD", True),
        ("MA", "man", Category.DONOR, "not_funded", 5, "100.00", "USD", True),
    ]
    for code, gender, category, decision, days, rate, currency, paid in people:
        person = make_participant(
            meeting, delegation=delegation.get(code), gender=gender, category=category
        )
        _funded(
            person,
            decision=FundingDecision(decision),
            dsa_days=days,
            dsa_rate=Decimal(rate) if rate else None,
            currency=currency,
            paid=paid,
        )


def _counts(lines):
    return [(line.label, line.funded, line.partly_funded) for line in lines]


def test_the_report_counts_the_funded_per_delegation_gender_and_category(
    app_context, meeting, funded_people
):
    report = ops.report(meeting, "fr")
    # Sorted as French sorts (É among the E's), people without a delegation last.
    assert _counts(report.delegations) == [
        ("Égypte", 1, 0),
        ("Sénégal", 1, 1),
        ("Zimbabwe", 1, 0),
        ("Organisation internationale / autre", 0, 1),
    ]
    with force_locale("fr"):
        woman, man, other, unsaid = (str(ops.GENDERS[g]) for g in ("woman", "man", "other", ""))
        national = Category.NATIONAL_GOVERNMENT.label
        local, civil = Category.LOCAL_GOVERNMENT.label, Category.CIVIL_SOCIETY.label
    french = sort_key("fr")
    assert _counts(report.genders) == [
        *sorted([(woman, 2, 0), (man, 0, 1), (other, 0, 1)], key=lambda c: french(c[0])),
        (unsaid, 1, 0),  # last, whatever its name
    ]
    assert _counts(report.categories) == sorted(
        [(national, 1, 1), (civil, 1, 1), (local, 1, 0)], key=lambda c: french(c[0])
    )
    assert (report.total.funded, report.total.partly_funded, report.total.people) == (3, 2, 5)
    # DSA per currency: pending and not funded count nowhere; no days, no amount.
    assert report.currencies == ["EUR", "USD"]
    assert report.total.amounts == {"USD": Decimal("999.99"), "EUR": Decimal("361.50")}
    assert report.total.paid == {"USD": Decimal("699.99")}
    senegal = report.delegations[1]
    assert senegal.amounts == {"USD": Decimal("900.00")} and senegal.paid == {
        "USD": Decimal("600.00")
    }


def test_the_report_page_and_its_exports(client, organiser, meeting, funded_people):
    page = client.get(f"/manage/meetings/{meeting.slug}/sponsorship/report", headers=EN)
    html = page.get_data(as_text=True)
    assert "5 people funded in all." in html
    assert "$999.99" in html and "€361.50" in html and "$300.00" in html  # still to pay
    assert html.index("Egypt") < html.index("Senegal") < html.index("Zimbabwe")

    response = client.get(
        f"/manage/meetings/{meeting.slug}/sponsorship/report.csv?sep=comma", headers=EN
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="rabat-travel-support.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Grouped by",
        "Group",
        "Funded",
        "Partly funded",
        "People funded",
        "DSA total (EUR)",
        "DSA paid (EUR)",
        "DSA total (USD)",
        "DSA paid (USD)",
    ]
    assert ["Delegation", "Senegal", "1", "1", "2", "", "", "900.00", "600.00"] in rows
    assert ["Gender", "Woman", "2", "0", "2", "361.50", "", "600.00", "600.00"] in rows
    assert rows[-1] == [
        "Total",
        "All funded participants",
        "3",
        "2",
        "5",
        "361.50",
        "",
        "999.99",
        "699.99",
    ]

    xlsx = client.get(f"/manage/meetings/{meeting.slug}/sponsorship/report.xlsx", headers=EN)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == rows[0]
    # Counts and amounts are number cells; an amount not recorded is an empty cell.
    assert cells[-1] == ["Total", "All funded participants", 3, 2, 5, 361.5, None, 999.99, 699.99]
    assert [e.details for e in _audit("sponsorship.exported")] == ["csv, 5", "xlsx, 5"]


# --- The setting, cloning, and who sees what -------------------------------------------------


def test_an_organiser_switches_the_section_on_and_a_clone_keeps_it(
    client, open_meeting, make_user, login
):
    meeting = open_meeting(slug="later")
    make_user(Role.ORGANISER, "boss@example.org", meetings=[meeting])
    login("boss@example.org")
    url = f"/manage/meetings/{meeting.slug}/sponsorship/settings"
    assert client.post(url, data={"enabled": "y"}).status_code == 302
    db.session.expire_all()
    assert meeting.sponsorship_enabled
    (entry,) = _audit("sponsorship.switched")
    assert entry.details == "on"
    clone = manage.clone_meeting(meeting, replace(meetings.input_from(meeting), slug="next"))
    db.session.commit()
    assert clone.sponsorship_enabled
    client.post(url, data={})
    db.session.expire_all()
    assert not meeting.sponsorship_enabled


def test_only_the_meetings_organisers_see_the_requests(
    client, meeting, person, open_meeting, make_user, login
):
    _funded(person)
    other = open_meeting(slug="elsewhere")
    urls = [
        f"/manage/meetings/{meeting.slug}/sponsorship/",
        _person_url(meeting, person),
        f"/manage/meetings/{meeting.slug}/sponsorship/report",
        f"/manage/meetings/{meeting.slug}/sponsorship/report.csv",
    ]
    make_user(Role.ORGANISER, "other@example.org", meetings=[other])
    login("other@example.org")
    assert [client.get(url).status_code for url in urls] == [404] * 4
    assert _decide(client, meeting, person, "not_funded", "Non.").status_code == 404
    client.post("/logout")
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    login("door@example.org")
    assert [client.get(url).status_code for url in urls] == [403] * 4
    assert _follow_up(client, meeting, person).status_code == 403
    assert _sponsorship(person).decision is FundingDecision.FUNDED


def test_a_person_of_another_meeting_is_not_found_on_this_meetings_pages(
    client, organiser, meeting, open_meeting, make_participant, make_user
):
    other = open_meeting(slug="elsewhere")
    outsider = make_participant(other, email="outsider@example.org")
    _funded(outsider)
    assert client.get(_person_url(meeting, outsider)).status_code == 404
    assert _decide(client, meeting, outsider, "not_funded", "Non.").status_code == 404
    assert _follow_up(client, meeting, outsider).status_code == 404
    assert _sponsorship(outsider).decision is FundingDecision.FUNDED
    # Nor in this meeting's list, report or search.
    html = client.get(f"/manage/meetings/{meeting.slug}/sponsorship/?q=outsider").get_data(
        as_text=True
    )
    assert "outsider@example.org" not in html and outsider.family_name not in html
    assert ops.report(meeting, "en").total.people == 0


def test_nothing_of_it_appears_on_the_public_pages(client, meeting, person):
    _funded(person, ticket_issued=True, ticket_reference="RAM-4821-XK", dsa_days=4)
    for url in (f"/meetings/{meeting.slug}/delegations", f"/meetings/{meeting.slug}/"):
        html = client.get(url, headers=EN).get_data(as_text=True)
        for secret in ("Funded", "Vu.", "Ticket please.", "RAM-4821-XK", "support", "sponsor"):
            assert secret not in html, (url, secret)
    # The person is listed (they consented): the list shows them, not their funding.
    assert "Diop" in client.get(f"/meetings/{meeting.slug}/delegations").get_data(as_text=True)


def test_the_persons_data_download_and_erasure_helpers(app_context, meeting, person):
    assert ops.personal_data(person) is None
    _funded(person, ticket_reference="RAM-1", dsa_days=2, dsa_rate=Decimal("10.00"))
    data = ops.personal_data(person)
    assert data["decision"] == "funded" and data["request_note"] == "Ticket please."
    assert (data["dsa_amount"], data["ticket_reference"]) == ("20.00", "RAM-1")
    assert "decided_by" not in data
    ops.forget_texts(person)
    db.session.commit()
    sponsorship = _sponsorship(person)
    assert (sponsorship.request_note, sponsorship.decision_note, sponsorship.ticket_reference) == (
        "",
        "",
        "",
    )
    assert sponsorship.decision is FundingDecision.FUNDED and sponsorship.dsa_days == 2
