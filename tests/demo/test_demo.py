"""The demo meetings: what PRODUCT.md promises, loaded twice without change."""

import io
import os
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

import config
from meeting_app.accounts.models import Role, User
from meeting_app.accounts.services import find_user
from meeting_app.agenda import attendance
from meeting_app.agenda.models import AgendaSession, Room
from meeting_app.communiques.models import Communique, CommuniqueStatus
from meeting_app.delegations.models import Delegation
from meeting_app.demo.loader import DEMO_ACCOUNTS, load_demo, next_demo_dates
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import (
    Category,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)
from tests.conftest import make_app

ELEVEN = {"BD", "EC", "JM", "KG", "MD", "MA", "NP", "PH", "SN", "RS", "TN"}


def _meeting(slug: str) -> Meeting:
    return db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one()


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (
            Meeting,
            Delegation,
            Participant,
            Room,
            AgendaSession,
            Communique,
            User,
            CheckIn,
        )
    }


def test_rabat_meeting_is_as_described(demo_loaded):
    rabat = _meeting("rabat-2022")
    assert (rabat.start_date, rabat.end_date) == (date(2022, 6, 13), date(2022, 6, 14))
    assert rabat.timezone == "Africa/Casablanca"
    assert rabat.host_country_code == "MA" and rabat.city == "Rabat"
    assert rabat.number_in_series == 2
    assert {d.country_code for d in rabat.delegations} == ELEVEN
    assert all(d.head is not None and d.head.delegation is d for d in rabat.delegations)
    assert len(rabat.participants) == 64
    statuses = Counter(p.status for p in rabat.participants)
    assert set(statuses) == set(RegistrationStatus)
    assert statuses[RegistrationStatus.APPROVED] >= 50
    assert {p.category for p in rabat.participants} >= {
        Category.NATIONAL_GOVERNMENT,
        Category.LOCAL_GOVERNMENT,
        Category.UN_AGENCY,
        Category.DONOR,
        Category.PRIVATE_SECTOR,
        Category.CIVIL_SOCIETY,
    }
    assert len(rabat.rooms) == 2
    assert 10 <= len(rabat.sessions) <= 14
    assert {
        s.starts_at.astimezone(ZoneInfo("Africa/Casablanca")).date() for s in rabat.sessions
    } == {date(2022, 6, 13), date(2022, 6, 14)}


def test_opening_plenary_is_at_nine_in_rabat_which_is_eight_utc(demo_loaded):
    first = _meeting("rabat-2022").sessions[0]
    assert first.kind.value == "plenary"
    assert first.starts_at == datetime(2022, 6, 13, 8, 0, tzinfo=UTC)
    local = first.starts_at.astimezone(ZoneInfo("Africa/Casablanca"))
    assert (local.hour, local.minute) == (9, 0)


def test_names_keep_their_scripts(demo_loaded):
    names = " ".join(p.full_name for p in _meeting("rabat-2022").participants)
    assert any("\u0400" <= ch <= "\u04ff" for ch in names)  # Cyrillic
    assert any("\u0600" <= ch <= "\u06ff" for ch in names)  # Arabic
    assert any(ch in names for ch in "éèñçđ")


def test_communique_is_published_in_french_english_and_arabic_with_its_goals(demo_loaded):
    (communique,) = db.session.execute(db.select(Communique)).scalars()
    assert communique.status is CommuniqueStatus.PUBLISHED
    assert communique.meeting.slug == "rabat-2022"
    assert communique.is_public()
    assert {t.language for t in communique.published_texts} == {"fr", "en", "ar"}
    assert all(len(t.published_body) > 500 for t in communique.published_texts)
    assert communique.text("fr").title.startswith("Rabat 2022 : le Conseil")
    assert communique.text("ar").title.startswith("الرباط 2022")
    assert communique.sdgs == [1, 3, 4, 5, 8, 10, 16, 17]
    assert [r.number for r in communique.revisions] == [1]


def test_rabat_is_also_in_arabic(demo_loaded, client):
    """The host's language: the meeting's title (and host) and the communiqué, on the
    pages an Arabic reader opens."""
    rabat = _meeting("rabat-2022")
    assert "ar" in rabat.languages
    assert rabat.title["ar"] == "الاجتماع الثاني لمجلس البرنامج"
    assert rabat.host["ar"] == "حكومة المملكة المغربية"
    arabic = {"Accept-Language": "ar"}
    page = client.get("/meetings/rabat-2022/", headers=arabic).get_data(as_text=True)
    assert "<h1>الاجتماع الثاني لمجلس البرنامج</h1>" in page
    assert "/communiques/rabat-2022-communique?lang=ar" in page
    communique = client.get("/communiques/rabat-2022-communique?lang=ar").get_data(as_text=True)
    assert '<article class="communique" lang="ar"' in communique
    assert "الرباط 2022: مجلس البرنامج" in communique


def test_dakar_is_the_next_meeting_open_for_registration(demo_loaded):
    dakar = _meeting("dakar-demo")
    loaded_on = date(2026, 11, 29)
    assert dakar.start_date.weekday() == 0 and dakar.end_date == dakar.start_date + timedelta(1)
    assert dakar.start_date - loaded_on >= timedelta(days=60)
    assert dakar.start_date - loaded_on < timedelta(days=67)
    assert dakar.timezone == "Africa/Dakar" and dakar.host_country_code == "SN"
    assert dakar.requires_approval and dakar.capacity == 80
    assert dakar.status is MeetingStatus.PUBLISHED
    dakar_tz = ZoneInfo("Africa/Dakar")
    assert dakar.registration_opens_at.astimezone(dakar_tz).date() == loaded_on
    assert dakar.registration_closes_at.astimezone(dakar_tz).date() == (
        dakar.start_date - timedelta(days=7)
    )
    assert 3 <= len(dakar.participants) <= 10
    assert dakar.sessions and dakar.series is _meeting("rabat-2022").series


def test_next_demo_dates_are_the_first_monday_sixty_days_on():
    assert next_demo_dates(date(2026, 11, 29)) == (date(2027, 2, 1), date(2027, 2, 2))
    # 60 days after 2026-12-03 falls on Monday 2027-02-01 itself.
    assert next_demo_dates(date(2026, 12, 3))[0] == date(2027, 2, 1)
    assert next_demo_dates(date(2026, 12, 4))[0] == date(2027, 2, 8)


def test_loading_twice_changes_nothing(demo_loaded):
    before = _counts()
    report = load_demo(today=date(2027, 3, 1))
    db.session.commit()
    assert report.created == []
    assert _counts() == before
    assert before["meetings"] == 2 and before["delegations"] == 22


def test_demo_command_loads_and_reports(runner, app_context):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "created  rabat-2022" in first.output
    second = runner.invoke(args=["demo"])
    assert "present  rabat-2022" in second.output and "created" not in second.output


def test_demo_accounts_sign_in(client, demo_loaded, login):
    for email, password, role in DEMO_ACCOUNTS:
        response = login(email, password)
        # The demo organiser is an administrator; the demo host hosts both meetings.
        assert response.headers["Location"] == ("/manage/" if role is None else "/desk/")
        client.post("/logout")


def test_the_demo_host_hosts_both_demo_meetings_and_the_organiser_is_an_administrator(
    demo_loaded,
):
    organiser = find_user("organiser@demo.example.org")
    host = find_user("host@demo.example.org")
    assert organiser.is_admin and not organiser.meeting_roles
    assert not host.is_admin
    assert sorted((r.role, r.meeting_id) for r in host.meeting_roles) == sorted(
        (Role.HOST, m.id)
        for m in db.session.execute(db.select(Meeting)).scalars()
        if m.slug in ("rabat-2022", "dakar-demo")
    )


def test_demo_pages_render(client, demo_loaded):
    for path in ("/", "/meetings/rabat-2022/", "/meetings/dakar-demo/"):
        assert client.get(path).status_code == 200
    html = client.get("/meetings/rabat-2022/", headers={"Accept-Language": "en"}).get_data(True)
    assert "<dd>11</dd>" in html


def test_demo_command_is_refused_with_the_production_configuration(app, database_url):
    production_like = make_app(database_url, DEMO_ACCOUNTS_ALLOWED=False)
    result = production_like.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "refused with the production configuration" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


@pytest.mark.parametrize(
    "command",
    [
        ["demo"],
        ["countries", "sync"],
        ["users", "create", "--email", "a@example.org", "--role", "host"],
    ],
)
def test_commands_on_an_unmigrated_database_name_the_upgrade(tmp_path, command):
    app = make_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = app.test_cli_runner().invoke(args=command, input="x" * 12 + "\n" + "x" * 12 + "\n")
    assert result.exit_code == 1
    assert "run `flask --app wsgi db upgrade` first" in result.output
    assert "Traceback" not in result.output


def _person(meeting: Meeting, given_name: str) -> Participant:
    return next(p for p in meeting.participants if p.given_name == given_name)


def test_each_demo_head_of_delegation_is_the_one_named_and_prints_so(client, demo_loaded, login):
    """Nepal's head in Rabat, printed at the desk by the demo host: the badge (in the
    meeting's French) says head of delegation; and nobody but a delegation's named
    head holds that role."""
    for meeting in db.session.execute(db.select(Meeting)).scalars():
        for delegation in meeting.delegations:
            heads = [m for m in delegation.members if m.role is ParticipantRole.HEAD_OF_DELEGATION]
            assert heads == ([delegation.head] if delegation.head else []), delegation.country_code
    rabat = _meeting("rabat-2022")
    nepal = next(d for d in rabat.delegations if d.country_code == "NP")
    login("host@demo.example.org", "demo-host-2022")
    response = client.post(
        f"/desk/meetings/rabat-2022/participants/{nepal.head.id}/badge.pdf",
        data={"layout": "a6"},
    )
    assert response.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert nepal.head.badge_name in text
    assert "chef de délégation" in text.casefold()


def test_dakar_has_a_published_agenda_and_changes_waiting_in_the_working_copy(
    client, demo_loaded, login
):
    """A newcomer tries "My programme" on the Dakar demo: the public agenda is the
    first version (the panel at 11:00, no side event yet); the organisers' publish
    page lists what they changed since; publishing makes it public."""
    dakar = _meeting("dakar-demo")
    agenda = client.get("/meetings/dakar-demo/agenda", headers={"Accept-Language": "en"})
    page = agenda.get_data(as_text=True)
    assert agenda.status_code == 200
    assert "Working group: shared monitoring indicators" in page
    assert "Diaspora investment in territorial development" in page
    assert "Side event: remittances by mobile phone" not in page

    # A registration waiting for approval picks an open session in their programme.
    newcomer = _person(dakar, "Babacar")
    assert newcomer.status is RegistrationStatus.SUBMITTED
    before = client.get(f"/r/{newcomer.token}/programme", headers={"Accept-Language": "en"})
    page = before.get_data(as_text=True)
    assert "The agenda has not been published yet." not in page
    assert "Add to my programme" in page and "Remove from my programme" not in page
    panel = next(s for s in dakar.sessions if s.title["en"].startswith("Diaspora investment"))
    client.post(f"/r/{newcomer.token}/programme/{panel.id}", data={"attend": "1"})
    after = client.get(f"/r/{newcomer.token}/programme", headers={"Accept-Language": "en"})
    assert "Remove from my programme" in after.get_data(as_text=True)
    assert attendance.chosen_session_ids(newcomer) == {panel.id}

    login("organiser@demo.example.org", "demo-organiser-2022")
    waiting = client.get("/manage/meetings/dakar-demo/agenda/publish").get_data(as_text=True)
    assert "The public now sees version 1" in waiting
    assert "Side event: remittances by mobile phone" in waiting  # added
    assert "Diaspora investment in territorial development" in waiting  # moved to day 2
    assert client.post("/manage/meetings/dakar-demo/agenda/publish").status_code == 302
    page = client.get("/meetings/dakar-demo/agenda", headers={"Accept-Language": "en"})
    assert "Side event: remittances by mobile phone" in page.get_data(as_text=True)


OUTER_MAKE = ("HOST", "PORT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")


def test_make_run_serves_on_the_host_and_port_given():
    """`make run HOST=0.0.0.0 PORT=8080` (dry run: nothing is installed or served)."""

    def served(*arguments: str) -> str:
        result = subprocess.run(
            ["make", "--dry-run", "--no-print-directory", "run", *arguments],
            cwd=config.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
            # Run from `make test`, the parent's variables would reach this make too.
            env={k: v for k, v in os.environ.items() if k not in OUTER_MAKE},
        )
        return result.stdout.strip().splitlines()[-1]

    assert served().endswith("run --host 127.0.0.1 --port 5000")
    assert served("HOST=0.0.0.0", "PORT=8080").endswith("run --host 0.0.0.0 --port 8080")


def test_dakar_delegations_are_accredited_by_focal_points(demo_loaded, client):
    dakar = _meeting("dakar-demo")
    delegations = {d.country_code: d for d in dakar.delegations}
    assert all(len(d.focal_points) == 1 for d in delegations.values())
    nepal = delegations["NP"]
    assert {q.category: q.size_limit for q in nepal.quotas} == {
        Category.NATIONAL_GOVERNMENT: 2,
        Category.LOCAL_GOVERNMENT: 1,
        Category.CIVIL_SOCIETY: 1,
    }
    assert {code for code, d in delegations.items() if d.credential} == {"SN", "MA", "EC", "PH"}
    letter = delegations["SN"].credential
    assert PdfReader(io.BytesIO(letter.content)).pages  # a real PDF, one page
    emails = [fp.email for d in delegations.values() for fp in d.focal_points]
    assert len(set(emails)) == len(emails)
