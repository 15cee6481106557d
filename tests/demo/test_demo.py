"""The demo meetings: what PRODUCT.md promises, loaded twice without change."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from meeting_app.accounts.models import Role, User
from meeting_app.accounts.services import find_user
from meeting_app.agenda.models import AgendaSession, Room
from meeting_app.communiques.models import Communique, CommuniqueStatus
from meeting_app.delegations.models import Delegation
from meeting_app.demo.loader import DEMO_ACCOUNTS, load_demo, next_demo_dates
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import Category, Participant, RegistrationStatus
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


def test_communique_is_published_in_french_and_english_with_its_goals(demo_loaded):
    (communique,) = db.session.execute(db.select(Communique)).scalars()
    assert communique.status is CommuniqueStatus.PUBLISHED
    assert communique.meeting.slug == "rabat-2022"
    assert communique.is_public()
    assert {t.language for t in communique.published_texts} == {"fr", "en"}
    assert all(len(t.published_body) > 500 for t in communique.published_texts)
    assert communique.text("fr").title.startswith("Rabat 2022 : le Conseil")
    assert communique.sdgs == [1, 3, 4, 5, 8, 10, 16, 17]
    assert [r.number for r in communique.revisions] == [1]


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
