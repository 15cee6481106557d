"""The demo: the Rabat 2022 Programme Board and the next meeting in Dakar.

Everything comes from `rabat_2022.json` (invented people, our own text).
Loading twice changes nothing: each part is skipped when its slug or e-mail
already exists.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf

from meeting_app.accounts.models import Role, User
from meeting_app.accounts.services import create_user
from meeting_app.agenda.models import AgendaSession, Room, SessionKind, SessionPerson, SessionRole
from meeting_app.agenda.services import (
    PersonInput,
    SessionInput,
    move_session,
    publish,
    save_session,
)
from meeting_app.communiques.models import (
    Communique,
    CommuniqueRevision,
    CommuniqueStatus,
    CommuniqueText,
)
from meeting_app.communiques.services import snapshot
from meeting_app.delegations.models import Credential, Delegation, DelegationQuota, FocalPoint
from meeting_app.desk.models import CheckIn, CheckInMethod
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingSeries, MeetingStatus
from meeting_app.meetings.services import sync_countries
from meeting_app.models import utcnow
from meeting_app.registration.models import (
    Category,
    Honorific,
    Participant,
    ParticipantRole,
    RegistrationStatus,
)
from meeting_app.registration.seats import recount

DATA_FILE = Path(__file__).with_name("rabat_2022.json")
DELEGATION_COUNTRIES = ("BD", "EC", "JM", "KG", "MD", "MA", "NP", "PH", "SN", "RS", "TN")

# Named in the README; refused when the app runs with the production configuration.
# The organiser is an administrator; the host hosts both demo meetings.
DEMO_ACCOUNTS = (
    ("organiser@demo.example.org", "demo-organiser-2022", None),
    ("host@demo.example.org", "demo-host-2022", Role.HOST),
)
DEMO_SLUGS = ("rabat-2022", "dakar-demo")

SERIES = {
    "slug": "programme-board",
    "title": {
        "en": "Programme Board meetings",
        "fr": "Réunions du Comité de programme",
        "es": "Reuniones de la Junta del Programa",
        "ar": "اجتماعات مجلس البرنامج",
    },
    "programme": {
        "en": "Global Programme on Migration for Sustainable Development",
        "fr": "Programme mondial sur la migration pour le développement durable",
        "es": "Programa mundial sobre migración para el desarrollo sostenible",
        "ar": "البرنامج العالمي بشأن الهجرة من أجل التنمية المستدامة",
    },
}


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_demo(today: date | None = None) -> DemoReport:
    """Loads whatever part of the demo is missing; the caller commits."""
    today = today or utcnow().date()
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    report = DemoReport()
    sync_countries()
    series = _series()
    for label, exists, build in (
        ("rabat-2022", _meeting_exists("rabat-2022"), lambda: _rabat(series, data)),
        ("dakar-demo", _meeting_exists("dakar-demo"), lambda: _dakar(series, data, today)),
    ):
        if exists:
            report.skipped.append(label)
        else:
            build()
            report.created.append(label)
    for email, password, role in DEMO_ACCOUNTS:
        if db.session.execute(db.select(User.id).filter_by(email=email)).first():
            report.skipped.append(email)
        else:
            meetings = db.session.execute(
                db.select(Meeting).filter(Meeting.slug.in_(DEMO_SLUGS))
            ).scalars()
            create_user(
                email,
                password,
                is_admin=role is None,
                roles={m: role for m in meetings} if role else None,
                is_demo=True,
            )
            report.created.append(email)
    db.session.flush()
    return report


def _meeting_exists(slug: str) -> bool:
    return db.session.execute(db.select(Meeting.id).filter_by(slug=slug)).first() is not None


def _series() -> MeetingSeries:
    series = db.session.execute(
        db.select(MeetingSeries).filter_by(slug=SERIES["slug"])
    ).scalar_one_or_none()
    if series is None:
        series = MeetingSeries(**SERIES)
        db.session.add(series)
    return series


def _clock(hhmm: str) -> time:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return time(hour, minute)


def _local(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, _clock(hhmm), tzinfo=tz).astimezone(UTC)


def _rabat(series: MeetingSeries, data: dict) -> None:
    tz = ZoneInfo("Africa/Casablanca")
    meeting = Meeting(
        slug="rabat-2022",
        series=series,
        number_in_series=2,
        title={
            "en": "2nd Programme Board meeting",
            "fr": "2e réunion du Comité de programme",
            "es": "2.ª reunión de la Junta del Programa",
            "ar": "الاجتماع الثاني لمجلس البرنامج",
        },
        description={
            "en": "The Programme Board brings together the eleven member countries, the UN "
            "agencies and the donors of the programme to review a year of results and "
            "agree on the priorities for the next one.",
            "fr": "Le Comité de programme réunit les onze pays membres, les agences des Nations "
            "Unies et les bailleurs du programme pour examiner une année de résultats et "
            "convenir des priorités de la suivante.",
            "es": "La Junta del Programa reúne a los once países miembros, las agencias de las "
            "Naciones Unidas y los donantes del programa para examinar un año de "
            "resultados y acordar las prioridades del siguiente.",
            "ar": "يجمع مجلس البرنامج البلدان الأعضاء الأحد عشر ووكالات الأمم المتحدة "
            "والجهات المانحة للبرنامج لاستعراض نتائج سنة كاملة والاتفاق على أولويات "
            "السنة المقبلة.",
        },
        host_country_code="MA",
        host={
            "en": "Government of the Kingdom of Morocco",
            "fr": "Gouvernement du Royaume du Maroc",
            "es": "Gobierno del Reino de Marruecos",
            "ar": "حكومة المملكة المغربية",
        },
        city="Rabat",
        venue="Centre de conférences Bab Rouah",
        venue_address="Avenue Annakhil, Hay Riad, Rabat",
        timezone="Africa/Casablanca",
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
        default_language="fr",
        # The host's language too: its title, host and communiqué are also in Arabic.
        languages=["fr", "en", "es", "ar"],
        registration_opens_at=datetime(2022, 4, 1, 8, 0, tzinfo=UTC),
        registration_closes_at=datetime(2022, 6, 6, 23, 0, tzinfo=UTC),
        capacity=80,
        requires_approval=True,
        status=MeetingStatus.ARCHIVED,
    )
    db.session.add(meeting)
    people = _participants_and_delegations(meeting, data["participants"])
    rooms = _rooms(meeting, data["rooms"])
    _sessions(meeting, data["sessions"], rooms, people, tz)
    recount(meeting)
    # The past meeting's agenda is public (as it was the week before).
    publish(meeting).published_at = datetime(2022, 6, 6, 10, 0, tzinfo=UTC)
    first_morning = _local(meeting.start_date, "08:15", tz)
    for index, (row, participant) in enumerate(
        (row, people[row["key"]]) for row in data["participants"]
    ):
        if row["checked_in"]:
            db.session.add(
                CheckIn(
                    participant=participant,
                    day=meeting.start_date,
                    checked_in_at=first_morning + timedelta(minutes=index % 45),
                    method=CheckInMethod.SCAN,
                )
            )
    _communique(meeting, data["communique"])


def _communique(meeting: Meeting, data: dict) -> None:
    """The published communiqué, in French, English and Arabic, as organisers would
    write it."""
    communique = Communique(
        meeting=meeting,
        slug=data["slug"],
        default_language="fr",
        status=CommuniqueStatus.PUBLISHED,
        published_at=datetime.fromisoformat(data["published_at"].replace("Z", "+00:00")),
        version=1,
    )
    communique.first_published_at = communique.published_at
    communique.sdgs = data["sdgs"]
    for language, title in data["title"].items():
        summary, body = data["summary"][language], data["body"][language]
        communique.texts.append(
            CommuniqueText(
                language=language,
                title=title,
                summary=summary,
                body=body,
                published_title=title,
                published_summary=summary,
                published_body=body,
            )
        )
    db.session.add(communique)
    db.session.flush()
    db.session.add(
        CommuniqueRevision(
            communique=communique,
            number=1,
            action="published",
            at=communique.published_at,
            snapshot=snapshot(communique),
        )
    )


def next_demo_dates(today: date) -> tuple[date, date]:
    """The first Monday at least 60 days after `today`, and the Tuesday after it."""
    earliest = today + timedelta(days=60)
    monday = earliest + timedelta(days=(7 - earliest.weekday()) % 7)
    return monday, monday + timedelta(days=1)


def _dakar(series: MeetingSeries, data: dict, today: date) -> None:
    tz = ZoneInfo("Africa/Dakar")
    start, end = next_demo_dates(today)
    meeting = Meeting(
        slug="dakar-demo",
        series=series,
        number_in_series=3,
        title={
            "en": "3rd Programme Board meeting",
            "fr": "3e réunion du Comité de programme",
            "es": "3.ª reunión de la Junta del Programa",
        },
        description={
            "en": "The third Programme Board, hosted by Senegal, looks at the programme's "
            "next phase. Registration requires the secretariat's approval.",
            "fr": "Le troisième Comité de programme, accueilli par le Sénégal, prépare la "
            "prochaine phase du programme. Les inscriptions sont validées par le "
            "secrétariat.",
            "es": "La tercera Junta del Programa, acogida por el Senegal, prepara la próxima "
            "fase del programa. Las inscripciones requieren la aprobación de la "
            "secretaría.",
        },
        host_country_code="SN",
        host={
            "en": "Government of the Republic of Senegal",
            "fr": "Gouvernement de la République du Sénégal",
            "es": "Gobierno de la República del Senegal",
        },
        city="Dakar",
        venue="Centre international de conférences de Dakar",
        venue_address="Route de l'Aéroport, Dakar",
        timezone="Africa/Dakar",
        start_date=start,
        end_date=end,
        default_language="fr",
        registration_opens_at=datetime.combine(today, time(0, 0), tzinfo=tz).astimezone(UTC),
        registration_closes_at=datetime.combine(
            start - timedelta(days=7), time(0, 0), tzinfo=tz
        ).astimezone(UTC),
        capacity=80,
        requires_approval=True,
        status=MeetingStatus.PUBLISHED,
    )
    db.session.add(meeting)
    dakar = data["dakar"]
    people = _participants_and_delegations(meeting, dakar["participants"])
    rooms = _rooms(meeting, data["dakar_rooms"])
    sessions = _sessions(meeting, dakar["sessions"], rooms, people, tz)
    _accreditation(meeting, today)
    recount(meeting)
    # A first version is public, so that a newcomer can choose sessions in "My
    # programme"; the organisers have worked on since (a session moved, one added),
    # which the publish page lists until the next version.
    publish(meeting).published_at = meeting.registration_opens_at
    _working_copy(meeting, dakar["working_copy"], sessions, rooms, people)


def _working_copy(
    meeting: Meeting,
    data: dict,
    sessions: dict[str, AgendaSession],
    rooms: dict[str, Room],
    people: dict[str, Participant],
) -> None:
    """Changes made after publishing, through the services the agenda pages use."""
    for move in data["moved"]:
        session = sessions[move["session"]]
        move_session(
            meeting,
            session,
            day=meeting.start_date + timedelta(days=move["day"] - 1),
            start=_clock(move["start"]),
            end=_clock(move["end"]),
            room_id=session.room_id,
            expected_revision=session.revision,
        )
    for row in data["added"]:
        save_session(
            meeting,
            SessionInput(
                kind=SessionKind(row["kind"]),
                title=row["title"],
                description=row["description"],
                day=meeting.start_date + timedelta(days=row["day"] - 1),
                start=_clock(row["start"]),
                end=_clock(row["end"]),
                room_id=rooms[row["room"]].id,
                capacity=row["capacity"],
                people=[
                    PersonInput(
                        role=SessionRole(person["role"]),
                        participant_id=people[person["participant"]].id,
                    )
                    for person in row["people"]
                ],
            ),
        )


# Dakar's delegations are accredited by focal points (invented people): each has
# one; Nepal sets quotas per category; four credentials letters have arrived.
FOCAL_POINTS = {
    "BD": ("Farhana Chowdhury", "Ministry of Expatriates' Welfare", ["en"]),
    "EC": ("Lucía Andrade", "Ministerio de Relaciones Exteriores", ["es", "en"]),
    "JM": ("Devon Campbell", "Ministry of Foreign Affairs and Foreign Trade", ["en"]),
    "KG": ("Aibek Sadykov", "Ministry of Labour and Migration", ["en"]),
    "MD": ("Ion Rusu", "Bureau for Diaspora Relations", ["fr", "en"]),
    "MA": ("Salma Benjelloun", "Ministère des Affaires étrangères", ["fr"]),
    "NP": ("Sunita Adhikari", "Ministry of Labour, Employment and Social Security", ["en"]),
    "PH": ("Maria Santos", "Department of Migrant Workers", ["en"]),
    "SN": ("Awa Diop", "Direction générale des Sénégalais de l'extérieur", ["fr"]),
    "RS": ("Milica Jovanović", "Ministry of Foreign Affairs", ["en", "fr"]),
    "TN": ("Karim Ben Salah", "Office des Tunisiens à l'étranger", ["fr"]),
}
NEPAL_QUOTAS = {
    Category.NATIONAL_GOVERNMENT: 2,
    Category.LOCAL_GOVERNMENT: 1,
    Category.CIVIL_SOCIETY: 1,
}
CREDENTIALS_FROM = ("SN", "MA", "EC", "PH")


def _blank_pdf() -> bytes:
    """A one-page letter standing for a scanned note verbale."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _accreditation(meeting: Meeting, today: date) -> None:
    letter = _blank_pdf()
    for delegation in meeting.delegations:
        code = delegation.country_code
        name, organisation, languages = FOCAL_POINTS[code]
        email = name.lower().split()[-1].translate(str.maketrans("éćöü", "ecou"))
        delegation.focal_points.append(
            FocalPoint(
                name=name,
                email=f"{email}.{code.lower()}@focal.example.org",
                organisation=organisation,
                languages=languages,
            )
        )
        if code == "NP":
            delegation.size_limit = 5
            delegation.quotas.extend(
                DelegationQuota(category=category, size_limit=limit)
                for category, limit in NEPAL_QUOTAS.items()
            )
        if code in CREDENTIALS_FROM:
            delegation.credentials.append(
                Credential(
                    dated=today,
                    reference=f"NV/{code}/{today.year}/014",
                    filename=f"note-verbale-{code.lower()}.pdf",
                    size=len(letter),
                    sha256=hashlib.sha256(letter).hexdigest(),
                    content=letter,
                    uploaded_by=f"{name} <{email}.{code.lower()}@focal.example.org>",
                )
            )


def _participants_and_delegations(meeting: Meeting, rows: list[dict]) -> dict[str, Participant]:
    delegations = {
        code: Delegation(meeting=meeting, country_code=code) for code in DELEGATION_COUNTRIES
    }
    db.session.add_all(delegations.values())
    people: dict[str, Participant] = {}
    for row in rows:
        participant = Participant(
            meeting=meeting,
            delegation=delegations[row["delegation"]] if row["delegation"] else None,
            honorific=Honorific(row["honorific"]),
            given_name=row["given_name"],
            family_name=row["family_name"],
            badge_name=row["badge_name"],
            email=row["email"].lower(),
            phone=row["phone"],
            organisation=row["organisation"],
            position=row["position"],
            category=Category(row["category"]),
            role=ParticipantRole(row["role"]),
            preferred_language=row["preferred_language"],
            dietary_needs=row["dietary_needs"],
            accessibility_needs=row["accessibility_needs"],
            needs_visa_letter=row["needs_visa_letter"],
            consent_public_list=row["consent_public_list"],
            status=RegistrationStatus(row["status"]),
        )
        db.session.add(participant)
        people[row["key"]] = participant
        if participant.role is ParticipantRole.HEAD_OF_DELEGATION and participant.delegation:
            participant.delegation.head = participant
    return people


def _rooms(meeting: Meeting, rows: list[dict]) -> dict[str, Room]:
    rooms = {
        row["key"]: Room(
            meeting=meeting, name=row["name"], capacity=row["capacity"], notes=row["notes"]
        )
        for row in rows
    }
    db.session.add_all(rooms.values())
    return rooms


def _sessions(
    meeting: Meeting,
    rows: list[dict],
    rooms: dict[str, Room],
    people: dict[str, Participant],
    tz: ZoneInfo,
) -> dict[str, AgendaSession]:
    sessions = {}
    for row in rows:
        day = meeting.start_date + timedelta(days=row["day"] - 1)
        session = AgendaSession(
            meeting=meeting,
            room=rooms[row["room"]],
            kind=SessionKind(row["kind"]),
            title=row["title"],
            description=row["description"],
            starts_at=_local(day, row["start"], tz),
            ends_at=_local(day, row["end"], tz),
            capacity=row.get("capacity"),
        )
        for position, person in enumerate(row["people"]):
            session.people.append(
                SessionPerson(
                    participant=people[person["participant"]]
                    if person.get("participant")
                    else None,
                    guest_name=person.get("guest_name", ""),
                    role=SessionRole(person["role"]),
                    position=position,
                )
            )
        db.session.add(session)
        sessions[row["key"]] = session
    return sessions
