"""`flask meetings ...`: the same services as the back office, one line on bad input."""

from datetime import date

import pytest

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingSeries, MeetingStatus
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant

CREATE = [
    "meetings",
    "create",
    "--slug",
    "kathmandu-2027",
    "--series",
    "programme-board",
    "--title-en",
    "4th Programme Board meeting",
    "--title-fr",
    "4e réunion du Comité de programme",
    "--start",
    "2027-06-08",
    "--end",
    "2027-06-09",
    "--timezone",
    "Asia/Kathmandu",
    "--city",
    "Kathmandu",
    "--venue",
    "Soaltee Hotel",
    "--host-country",
    "np",
    "--languages",
    "en,fr",
]


def _meeting(slug: str) -> Meeting | None:
    db.session.expire_all()
    return db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()


def _with(args: list[str], option: str, value: str) -> list[str]:
    args = list(args)
    args[args.index(option) + 1] = value
    return args


def test_create_makes_a_draft_meeting_and_its_series(runner, app_context):
    result = runner.invoke(args=CREATE)
    assert result.exit_code == 0, result.output
    assert "Created the draft meeting kathmandu-2027" in result.output
    meeting = _meeting("kathmandu-2027")
    assert meeting.status is MeetingStatus.DRAFT
    assert meeting.timezone == "Asia/Kathmandu" and meeting.host_country_code == "NP"
    assert meeting.languages == ["fr", "en"] and meeting.default_language == "en"
    assert meeting.series.slug == "programme-board"
    # A second meeting of the series finds it.
    again = _with(_with(CREATE, "--slug", "kathmandu-2028"), "--start", "2028-06-08")
    assert runner.invoke(args=_with(again, "--end", "2028-06-09")).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(MeetingSeries.id))) == 1
    actions = db.session.execute(db.select(AuditEntry.action, AuditEntry.actor)).all()
    assert ("meeting.created", "command line") in actions


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--slug", "Kathmandu 2027", "slug: Use lower-case letters"),
        ("--slug", "a/b", "slug: Use lower-case letters"),
        ("--timezone", "Asia/Katmandoo", "timezone: Unknown time zone"),
        ("--end", "2027-06-01", "end_date: The last day cannot be before the first day."),
        ("--start", "8 June 2027", "--start: '8 June 2027' is not a date as YYYY-MM-DD."),
        (
            "--languages",
            "fr,de",
            "languages: Choose the languages among French (fr), English (en), Spanish (es), "
            "Arabic (ar), Russian (ru).",
        ),
        ("--languages", "fr,es", "default_language: The default language must be one of"),
        ("--title-en", "", "title: Give the title in at least one"),
        ("--host-country", "XX", "host_country_code: Choose the host country"),
    ],
)
def test_create_refuses_bad_input_with_one_line_and_a_non_zero_exit(
    runner, app_context, option, value, message
):
    args = _with(CREATE, option, value)
    if option == "--title-en":
        args = _with(args, "--title-fr", "")
    if value == "fr,es":
        args += ["--default-language", "en"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _meeting("kathmandu-2027") is None


def test_create_refuses_a_slug_already_used(runner, app_context, make_meeting):
    make_meeting(slug="kathmandu-2027")
    result = runner.invoke(args=CREATE)
    assert result.exit_code != 0
    assert "slug: This address is already used by another meeting." in result.output


def test_clone_copies_rabat_with_its_agenda_and_no_person(runner, demo_loaded):
    result = runner.invoke(
        args=["meetings", "clone", "rabat-2022", "--slug", "board-2023", "--start", "2023-06-12"]
    )
    assert result.exit_code == 0, result.output
    new, rabat = _meeting("board-2023"), _meeting("rabat-2022")
    assert (new.start_date, new.end_date) == (date(2023, 6, 12), date(2023, 6, 13))
    assert new.title == rabat.title and new.number_in_series == 3
    assert new.series_id == rabat.series_id and new.status is MeetingStatus.DRAFT
    assert len(new.delegations) == len(rabat.delegations) and new.sessions == []
    assert len(new.rooms) == len(rabat.rooms)
    count = db.select(db.func.count(Participant.id)).filter_by(meeting_id=new.id)
    assert db.session.scalar(count) == 0
    with_agenda = runner.invoke(
        args=[
            "meetings",
            "clone",
            "rabat-2022",
            "--slug",
            "board-2024",
            "--start",
            "2024-06-10",
            "--with-agenda",
        ]
    )
    assert with_agenda.exit_code == 0, with_agenda.output
    assert len(_meeting("board-2024").sessions) == len(rabat.sessions)


def test_clone_refuses_an_unknown_source_or_a_taken_slug(runner, demo_loaded):
    unknown = runner.invoke(
        args=["meetings", "clone", "nowhere", "--slug", "x", "--start", "2023-06-12"]
    )
    assert unknown.exit_code != 0 and "No meeting with the slug 'nowhere'." in unknown.output
    taken = runner.invoke(
        args=["meetings", "clone", "rabat-2022", "--slug", "dakar-demo", "--start", "2023-06-12"]
    )
    assert taken.exit_code != 0 and "already used" in taken.output


def test_publish_archive_and_list(runner, app_context):
    assert runner.invoke(args=CREATE).exit_code == 0
    archived_draft = runner.invoke(args=["meetings", "archive", "kathmandu-2027"])
    assert archived_draft.exit_code != 0
    assert "Only a published meeting can be archived." in archived_draft.output
    published = runner.invoke(args=["meetings", "publish", "kathmandu-2027"])
    assert published.exit_code == 0 and "Published kathmandu-2027." in published.output
    assert "Warning: missing registration, delegations, signatory." in published.output
    assert _meeting("kathmandu-2027").status is MeetingStatus.PUBLISHED
    assert runner.invoke(args=["meetings", "publish", "kathmandu-2027"]).exit_code != 0
    assert runner.invoke(args=["meetings", "archive", "kathmandu-2027"]).exit_code == 0
    assert _meeting("kathmandu-2027").status is MeetingStatus.ARCHIVED
    listed = runner.invoke(args=["meetings", "list"])
    assert listed.exit_code == 0
    assert "kathmandu-2027\tarchived\t2027-06-08–2027-06-09\tAsia/Kathmandu" in listed.output
    assert runner.invoke(args=["meetings", "publish", "nowhere"]).exit_code != 0


def test_create_takes_a_title_in_each_language(runner, app_context):
    args = _with(CREATE, "--languages", "fr,ar,ru")
    args += ["--title-ar", "الاجتماع الرابع", "--title-ru", "Четвёртое заседание"]
    args += ["--default-language", "ar"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    meeting = _meeting("kathmandu-2027")
    assert meeting.languages == ["fr", "ar", "ru"] and meeting.default_language == "ar"
    assert meeting.title["ar"] == "الاجتماع الرابع"
    assert meeting.title["ru"] == "Четвёртое заседание"
    helped = runner.invoke(args=["meetings", "create", "--help"]).output
    assert "--title-ar" in helped and "The title in Arabic." in helped
    assert "among fr,en,es,ar,ru" in helped


def test_every_language_option_offers_the_five_languages(runner, app_context):
    for command in (["export", "calendar"], ["users", "invite"]):
        helped = runner.invoke(args=[*command, "--help"]).output
        assert "[fr|en|es|ar|ru]" in helped, command
    refused = runner.invoke(args=["export", "calendar", "--language", "de", "--meeting", "x"])
    assert refused.exit_code == 2 and "'ar', 'ru'" in refused.output
