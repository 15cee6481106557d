"""Who may open what: every route the app registers is requested as each kind of
visitor and answered with the status the table below expects. A route added
without a line in the table fails the first test, so none escapes review.

Visitors: anonymous; a participant with their own private link; a forger (a
link with a real selector and a wrong secret); the host and the organiser of the
demo meeting; an administrator; the host and the organiser of another meeting
(who must not learn this one exists: 404); an account disabled while signed in. Private
links (`<token>`) are filled with each visitor's own: the participant's real
one, a random one for anonymous and staff (being staff opens nobody's private
page), the forged one for the forger. Other parameters come from the demo
meeting (Rabat 2022); ids of another meeting must give 404 everywhere.
"""

import html
import io
from dataclasses import dataclass
from datetime import time

import pytest
import segno
from flask import url_for
from pypdf import PdfReader

from meeting_app.accounts.models import Role, User
from meeting_app.accounts.services import create_user
from meeting_app.agenda.models import AgendaSession
from meeting_app.communiques.models import Communique
from meeting_app.core import tokens
from meeting_app.delegations.models import Credential, Delegation, FocalPoint
from meeting_app.desk.models import CheckIn
from meeting_app.documents import export_jobs, jobs, letters
from meeting_app.documents import participant_list as lop
from meeting_app.documents.models import RenderJobPart
from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.mail.models import MailAttachment, OutgoingMail
from meeting_app.materials.models import DocumentFile, DocumentKind, MeetingDocument, Visibility
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.messages.models import Message, MessageState
from meeting_app.outcomes.models import Decision
from meeting_app.questions.models import FormAnswer, FormQuestion, QuestionType
from meeting_app.registration.models import Participant
from meeting_app.surveys.models import Survey, SurveyQuestion, SurveyRespondent, SurveyResponse
from meeting_app.travel.models import Hotel, HotelBooking, RoomBlock
from tests.conftest import make_app

ROLES = (
    "anonymous",
    "participant",
    "forger",
    "host",
    "organiser",
    "admin",
    "other_host",
    "other_organiser",
    "disabled",
)
# Signed in: the host and the organiser of the demo meeting (Rabat 2022), an
# administrator, the host and the organiser of the other demo meeting (Dakar), and
# an account disabled after signing in (its session no longer counts).
STAFF = ("host", "organiser", "admin", "other_host", "other_organiser")
LOGIN = "login"  # a redirect to the sign-in page


def everyone(status):
    return dict.fromkeys(ROLES, status)


def public(status=200):
    return everyone(status)


def desk(status=200):
    """The meeting's hosts and organisers, and administrators; staff of another
    meeting get 404 (as for an unknown meeting); others are sent to sign in."""
    return {
        **everyone(LOGIN),
        **dict.fromkeys(("host", "organiser", "admin"), status),
        **dict.fromkeys(("other_host", "other_organiser"), 404),
    }


def signed_in(status=200):
    """Any staff account signed in (a desk page about no one meeting, one's own
    account); others are sent to sign in."""
    return {**everyone(LOGIN), **dict.fromkeys(STAFF, status)}


def organisers(status=200):
    """The meeting's organisers and administrators; its host 403, staff of another
    meeting 404, others are sent to sign in."""
    return {
        **everyone(LOGIN),
        "host": 403,
        "organiser": status,
        "admin": status,
        "other_host": 404,
        "other_organiser": 404,
    }


def any_organisers(status=200):
    """A back-office page about no one meeting, filtered to one's own meetings:
    every organiser somewhere; hosts 403."""
    return {
        **organisers(status),
        "other_organiser": status,
        "other_host": 403,
    }


def admins(status=200):
    """Administrators only: other staff 403."""
    return {**everyone(LOGIN), **dict.fromkeys(STAFF, 403), "admin": status}


def private(status=200):
    """A private link: only its own participant gets in; every other token, a
    forged one included, is the same 404 (staff hold no participant's link)."""
    return {**everyone(404), "participant": status}


# (endpoint, method) -> status per visitor. GET for rules that answer GET, POST
# (empty form, CSRF off as in the test configuration) for POST-only rules.
EXPECTED = {
    # Public pages and feeds: the same for everyone.
    ("meetings.home", "GET"): public(),
    ("meetings.meeting_detail", "GET"): public(),
    ("registration.register", "GET"): public(),  # the demo meeting's "closed" page
    ("registration.send_link", "GET"): public(),
    ("registration.thanks", "GET"): public(302),  # nothing registered: back to the form
    ("delegations.public_list", "GET"): public(),
    ("agenda.agenda", "GET"): public(),
    ("agenda.agenda_ics", "GET"): public(),
    ("agenda.agenda_json", "GET"): public(),
    ("booklet.programme_pdf", "GET"): public(),
    ("agenda.meeting_ics", "GET"): public(),
    ("agenda.schedule_json", "GET"): public(),
    ("agenda.schedule_xml", "GET"): public(),
    ("agenda.session_detail", "GET"): public(),
    ("agenda.session_ics", "GET"): public(),
    ("materials.public_list", "GET"): public(),
    ("materials.public_file", "GET"): public(),
    ("communiques.index", "GET"): public(),
    ("communiques.detail", "GET"): public(),
    ("communiques.pdf", "GET"): public(),
    ("communiques.feed", "GET"): public(),
    ("core.healthz", "GET"): public(),
    ("core.set_language", "POST"): public(400),  # no language chosen
    ("static", "GET"): public(),
    # Signing in: staff already signed in go to their home page.
    ("accounts.login", "GET"): {**everyone(200), **dict.fromkeys(STAFF, 302)},
    ("accounts.logout", "POST"): public(302),
    ("accounts.login_code", "GET"): signed_in(302),  # no password given yet: back to it
    ("accounts.forgot_password", "GET"): public(),
    # One-time links: a wrong one is the same neutral 404 for everyone.
    ("accounts.reset_password", "GET"): public(404),
    ("accounts.invitation", "GET"): public(404),
    # One's own account.
    ("accounts.account", "GET"): signed_in(),
    ("accounts.change_password", "POST"): signed_in(422),
    ("accounts.change_language", "POST"): signed_in(422),
    ("accounts.two_factor_setup", "GET"): signed_in(),
    ("accounts.two_factor_off", "POST"): signed_in(422),
    ("accounts.new_recovery_codes", "POST"): signed_in(302),  # two-factor is off: set it up
    # Staff accounts: administrators only.
    ("staff.index", "GET"): admins(),
    ("staff.account", "GET"): admins(),
    ("staff.invite", "GET"): admins(),
    ("staff.settings", "POST"): admins(302),
    ("staff.grant", "POST"): admins(422),  # no meeting chosen
    ("staff.revoke", "POST"): admins(302),
    ("staff.admin", "POST"): admins(302),
    ("staff.disable", "POST"): admins(302),
    ("staff.enable", "POST"): admins(302),
    ("staff.send_reset", "POST"): admins(302),
    ("staff.resend_invitation", "POST"): admins(409),  # the account has a password already
    ("staff.revoke_invitation", "POST"): admins(409),
    # Private links.
    ("registration.private_page", "GET"): private(),
    ("registration.edit", "GET"): private(302),  # registration closed: back to the page
    ("registration.cancel", "POST"): private(302),
    ("registration.register_again", "POST"): private(302),  # not cancelled: back to the page
    ("registration.own_mail", "GET"): private(),
    ("registration.own_file", "GET"): private(),  # a file the person gave as an answer
    ("agenda.programme", "GET"): private(),
    ("travel.own_travel", "GET"): private(302),  # the demo meeting is archived: to the page
    ("agenda.programme_ics", "GET"): private(),
    ("agenda.choose", "POST"): private(302),
    ("documents.own_document", "GET"): private(),
    ("materials_private.own_list", "GET"): private(),
    ("materials_private.own_file", "GET"): private(),  # a public document, by the link
    # Travel support: the demo meeting does not offer it (back to the private page).
    ("sponsorship.support", "GET"): private(302),
    ("sponsorship.withdraw", "POST"): private(302),  # nothing asked: back with a word
    # A delegation's focal point's link (its older head-of-delegation link opens the
    # same pages); the demo meeting is archived: the page is read-only, and every
    # change sends back to it.
    ("focal_point.page", "GET"): private(),
    ("focal_point.credential", "GET"): private(),  # the delegation's credentials letter
    ("focal_point.nominate", "GET"): private(302),
    ("focal_point.replace", "GET"): private(302),
    ("focal_point.attach", "POST"): private(302),
    ("focal_point.invite", "POST"): private(302),
    ("focal_point.head", "POST"): private(302),
    ("focal_point.credentials", "POST"): private(302),
    # The desk: hosts and organisers.
    ("desk.index", "GET"): signed_in(),
    ("desk.meeting_desk", "GET"): desk(302),  # to the check-in page
    ("desk.check_in_page", "GET"): desk(),
    ("desk.search", "GET"): desk(),
    ("desk.check_in", "POST"): desk(302),  # nothing scanned: back with a message
    ("desk.undo", "POST"): desk(302),
    ("desk.badge", "GET"): desk(),
    ("desk.badge_check_in", "POST"): desk(302),
    ("desk.print_badge", "POST"): desk(),
    ("desk.photo", "GET"): desk(),  # the subject's photo
    ("desk.take_photo", "POST"): desk(302),  # the demo meeting is archived: no new photo
    ("desk.walk_in", "GET"): desk(302),  # the demo meeting is archived: no walk-ins
    ("desk.arrivals_board", "GET"): desk(),
    ("desk.arrivals_figures", "GET"): desk(),  # the board's figures, for its script
    ("desk.arrivals_export", "GET"): desk(),
    ("documents_desk.badge_page", "GET"): desk(),
    ("materials_desk.desk_list", "GET"): desk(),
    ("materials_desk.desk_file", "GET"): desk(),
    ("travel_desk.pickups", "GET"): desk(),
    ("travel_desk.departures", "GET"): desk(),
    ("travel_desk.rooming", "GET"): desk(),
    ("travel_desk.pickups_export", "GET"): desk(),
    ("travel_desk.departures_export", "GET"): desk(),
    ("travel_desk.rooming_export", "GET"): desk(),
    ("documents_desk.start_badge_job", "POST"): desk(422),  # nothing chosen
    # A job belongs to whoever started it (the organiser here).
    ("documents_desk.badge_job", "GET"): {**desk(), "host": 404, "admin": 404},
    ("documents_desk.badge_job_status", "GET"): {**desk(), "host": 404, "admin": 404},
    ("documents_desk.badge_job_pdf", "GET"): {**desk(), "host": 404, "admin": 404},
    # A job that has not failed is not started again.
    ("documents_desk.retry_badge_job", "POST"): {**desk(409), "host": 404, "admin": 404},
    ("documents_desk.badge_logo_image", "GET"): desk(),
    # The meeting's look is the organisers' choice, though on the desk's page.
    ("documents_desk.badge_colours", "POST"): organisers(302),
    ("documents_desk.badge_logo", "POST"): organisers(302),
    ("documents_desk.delete_badge_logo", "POST"): organisers(302),
    # The back office: organisers only.
    ("manage.index", "GET"): any_organisers(),
    ("manage.meeting", "GET"): organisers(),
    ("manage.outbox", "GET"): any_organisers(),
    ("manage.outbox_mail", "GET"): organisers(),
    ("manage.send_pending", "POST"): admins(302),
    ("manage.retry_mail", "POST"): organisers(302),
    # Meetings: creating one is the administrators'; its settings and lifecycle
    # its organisers'.
    ("manage.new_meeting", "GET"): admins(),
    ("manage.meeting_settings", "GET"): organisers(),
    ("manage.publish_meeting", "GET"): organisers(),
    ("manage.archive_meeting", "POST"): organisers(302),
    ("manage.delete_meeting", "GET"): organisers(),
    ("registration_manage.index", "GET"): organisers(),
    ("registration_manage.detail", "GET"): organisers(),
    ("registration_manage.answer_file", "GET"): organisers(),
    ("registration_manage.edit", "GET"): organisers(),
    ("registration_manage.new", "GET"): organisers(),
    ("registration_manage.import_csv", "GET"): organisers(),
    ("registration_manage.settings", "GET"): organisers(),
    ("registration_manage.export", "GET"): organisers(),
    ("registration_manage.bulk", "POST"): organisers(302),  # nothing selected: says so
    ("registration_manage.change_status", "POST"): organisers(302),
    ("registration_manage.resend", "POST"): organisers(302),
    ("registration_manage.new_token", "POST"): organisers(302),
    ("documents_manage.start_documents_job", "POST"): organisers(303),  # to the job's page
    ("documents_manage.documents_job", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.documents_job_status", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.documents_job_pdf", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.retry_documents_job", "POST"): {**organisers(409), "admin": 404},
    # A participant export written by a task: the organiser's alone.
    ("registration_manage.export_job", "GET"): {**organisers(), "admin": 404},
    ("registration_manage.export_job_status", "GET"): {**organisers(), "admin": 404},
    ("registration_manage.export_job_file", "GET"): {**organisers(), "admin": 404},
    ("registration_manage.retry_export_job", "POST"): {**organisers(409), "admin": 404},
    ("documents_manage.one_document", "GET"): organisers(),
    ("documents_manage.list_of_participants_page", "GET"): organisers(),
    ("documents_manage.list_of_participants", "GET"): organisers(),
    # A large list of participants drawn by a task: the organiser's alone.
    ("documents_manage.list_of_participants_job", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.list_of_participants_job_status", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.list_of_participants_job_file", "GET"): {**organisers(), "admin": 404},
    ("documents_manage.retry_list_of_participants_job", "POST"): {
        **organisers(409),
        "admin": 404,
    },
    ("sponsorship_manage.index", "GET"): organisers(),
    ("sponsorship_manage.settings", "POST"): organisers(302),
    ("sponsorship_manage.person", "GET"): organisers(),  # a person who did not ask
    ("sponsorship_manage.follow_up", "POST"): organisers(302),  # not funded: says so
    ("sponsorship_manage.report", "GET"): organisers(),
    ("sponsorship_manage.report_export", "GET"): organisers(),
    # Travel and hotels: the organisers' pages (a block holding a room is not deleted).
    ("materials_manage.index", "GET"): organisers(),
    ("materials_manage.new", "GET"): organisers(),
    ("materials_manage.edit", "GET"): organisers(),
    ("materials_manage.file", "GET"): organisers(),
    ("materials_manage.delete", "GET"): organisers(),
    ("travel_manage.index", "GET"): organisers(),
    ("travel_manage.new_hotel", "GET"): organisers(),
    ("travel_manage.hotel", "GET"): organisers(),
    ("travel_manage.add_block", "POST"): organisers(422),  # nothing typed
    ("travel_manage.block", "GET"): organisers(),
    ("travel_manage.delete_hotel", "POST"): organisers(302),  # someone holds a room: kept
    ("travel_manage.delete_block", "POST"): organisers(302),  # the same
    ("travel_manage.recount", "POST"): organisers(302),
    ("travel_manage.people", "GET"): organisers(),
    ("travel_manage.person", "GET"): organisers(),
    ("messages_manage.index", "GET"): organisers(),
    ("messages_manage.new", "GET"): organisers(),
    ("messages_manage.edit", "GET"): organisers(302),  # a sent message: to its log
    ("messages_manage.detail", "GET"): organisers(),
    ("messages_manage.export", "GET"): organisers(),
    ("messages_manage.cancel", "POST"): organisers(302),  # sent already: nothing done
    ("messages_manage.find_people", "GET"): organisers(),
    ("messages_manage.download_file", "GET"): organisers(),
    ("messages_manage.reminder_settings", "GET"): organisers(),
    ("messages_manage.automatic_texts", "GET"): organisers(),
    ("messages_manage.automatic_text", "GET"): organisers(),
    ("messages_manage.automatic_text_reset", "POST"): organisers(302),  # already the default
    ("questions_manage.index", "GET"): organisers(),
    ("questions_manage.new", "GET"): organisers(),
    ("questions_manage.edit", "GET"): organisers(),
    ("questions_manage.move", "POST"): organisers(400),  # no direction sent
    ("questions_manage.reorder", "POST"): organisers(400),  # no order sent
    ("questions_manage.builtin_fields", "POST"): organisers(302),
    ("questions_manage.restore", "POST"): organisers(302),  # not archived: nothing done
    # Answered: archived by the first, "archived already" for the next.
    ("questions_manage.delete", "POST"): organisers(302),
    ("delegations_manage.index", "GET"): organisers(),
    ("delegations_manage.export", "GET"): organisers(),
    ("delegations_manage.add", "POST"): organisers(302),
    ("delegations_manage.new_link", "POST"): organisers(302),
    # Accreditation, the secretariat's side.
    ("delegations_manage.delegation", "GET"): organisers(),  # POST: the head and size limit
    ("delegations_manage.quotas", "POST"): organisers(302),  # nothing set: nothing changed
    ("delegations_manage.add_focal_point", "POST"): organisers(422),  # no name or address
    ("delegations_manage.edit_focal_point", "GET"): organisers(),
    ("delegations_manage.send_focal_point_link", "POST"): organisers(302),
    ("delegations_manage.new_focal_point_link", "POST"): organisers(302),
    ("delegations_manage.revoke_focal_point", "POST"): organisers(302),
    ("delegations_manage.upload_credentials", "POST"): organisers(422),  # no file
    ("delegations_manage.credentials_file", "GET"): organisers(),
    ("delegations_manage.substitute", "GET"): organisers(),
    ("delegations_manage.accreditation_overview", "GET"): organisers(),
    ("delegations_manage.nominations", "GET"): organisers(),
    ("delegations_manage.remind", "GET"): organisers(),
    ("agenda_manage.index", "GET"): organisers(),
    ("agenda_manage.new_session", "GET"): organisers(),
    ("agenda_manage.edit_session", "GET"): organisers(),
    ("agenda_manage.rooms", "GET"): organisers(),
    ("agenda_manage.conflicts", "GET"): organisers(),
    ("agenda_manage.publish", "GET"): organisers(),
    ("agenda_manage.copy", "GET"): organisers(),
    ("agenda_manage.move", "POST"): organisers(400),  # the timetable's JSON is missing
    ("agenda_manage.delete_session", "POST"): organisers(302),
    ("communiques_manage.index", "GET"): any_organisers(),
    ("communiques_manage.new", "GET"): any_organisers(),
    ("communiques_manage.overview", "GET"): organisers(302),  # to its first language
    ("communiques_manage.edit", "GET"): organisers(),
    ("communiques_manage.versions", "GET"): organisers(),
    ("communiques_manage.version_diff", "GET"): organisers(),
    ("communiques_manage.preview", "POST"): any_organisers(400),  # no text sent
    ("communiques_manage.publish", "POST"): organisers(302),
    ("communiques_manage.schedule", "POST"): organisers(302),
    ("communiques_manage.unpublish", "POST"): organisers(302),
    ("communiques_manage.request_review", "POST"): organisers(302),
    ("communiques_manage.return_to_draft", "POST"): organisers(302),
    ("communiques_manage.delete", "POST"): organisers(302),
    # Privacy: the meeting's notice, a participant's own data, erasure and the audit log.
    ("privacy.meeting_privacy", "GET"): public(),
    ("privacy.data_download", "GET"): private(),
    ("privacy_manage.erase", "GET"): organisers(),
    ("privacy_manage.audit_log", "GET"): any_organisers(),
    # The outcome record: the public versions for all, every version to the approved
    # participants' own links, the editing to organisers; the attendance register is
    # read by the desk (hosts too) and signed off by organisers.
    ("outcomes.public_record", "GET"): public(),
    ("outcomes.participant_record", "GET"): private(),
    ("outcomes_manage.index", "GET"): organisers(),
    ("outcomes_manage.edit_minutes", "GET"): organisers(),
    ("outcomes_manage.preview_minutes", "POST"): organisers(),
    ("outcomes_manage.publish_minutes", "POST"): organisers(302),  # no minutes: refused
    ("outcomes_manage.decisions_page", "GET"): organisers(),
    ("outcomes_manage.new_decision", "GET"): organisers(),
    ("outcomes_manage.edit_decision", "GET"): organisers(),
    ("outcomes_manage.move_decision", "POST"): organisers(400),  # no direction sent
    ("outcomes_manage.publish_decisions", "POST"): organisers(302),
    # The organiser deletes it; for the administrator after them it is gone.
    ("outcomes_manage.delete_decision", "POST"): {**organisers(302), "admin": 404},
    ("outcomes_manage.sign_off", "POST"): organisers(422),  # no name typed
    ("outcomes_desk.register_page", "GET"): desk(),
    ("outcomes_desk.register_pdf", "GET"): desk(),
    ("outcomes_desk.register_xlsx", "GET"): desk(),
    # The feedback survey: built, opened and read by the organisers; answered through
    # the private link by those checked in.
    ("surveys_manage.index", "GET"): organisers(),
    ("surveys_manage.settings", "POST"): organisers(422),  # anonymity fixed once opened
    ("surveys_manage.new_question", "GET"): organisers(),
    ("surveys_manage.edit_question", "GET"): organisers(),
    ("surveys_manage.delete_question", "POST"): organisers(302),  # answered: refused
    ("surveys_manage.move_question", "POST"): organisers(400),  # no direction sent
    ("surveys_manage.open_survey", "POST"): organisers(302),
    ("surveys_manage.invite", "POST"): organisers(302),
    ("surveys_manage.close_survey", "POST"): organisers(302),
    ("surveys_manage.results_page", "GET"): organisers(),
    ("surveys_manage.export", "GET"): organisers(),
    ("surveys.answer", "GET"): private(),  # the link holder was checked in
}


@dataclass
class World:
    meeting: Meeting
    own: Participant  # holds the private link
    subject: Participant  # what staff pages are about (never the link holder)
    session: AgendaSession
    check_in: CheckIn
    delegation: Delegation
    communique: Communique
    mail: OutgoingMail
    message: Message  # a message sent to the participants
    attachment: MailAttachment  # a file sent with the meeting's messages
    question: FormQuestion  # a question of the registration form, answered
    survey_question: SurveyQuestion  # of the open feedback survey, answered
    own_file: StoredFile  # a file the link holder gave as an answer
    subject_file: StoredFile  # one the subject gave
    block: RoomBlock  # a hotel's room block, where the subject holds a room
    staff: User  # what the staff pages are about (none of the visitors)
    focal_point: FocalPoint  # of the subject's delegation
    credential: Credential  # the subject's delegation's credentials letter
    document: MeetingDocument  # a public document of the meeting, with a file in English
    decision: Decision  # a decision of the meeting's outcome record
    job_id: str  # the organiser's badge print
    letters_job_id: str  # the organiser's letters
    export_job_id: str  # the organiser's participant export
    list_job_id: str  # the organiser's list of participants
    forged: str
    stranger: str


def build_world() -> World:
    meeting = db.session.execute(db.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    people = (
        db.session.execute(db.select(Participant).filter_by(meeting_id=meeting.id).order_by("id"))
        .scalars()
        .all()
    )
    # Someone entitled to both documents, so that their links answer 200.
    own = next(
        p for p in people if letters.entitled_to_letter(p) and letters.entitled_to_certificate(p)
    )
    check_in = (
        db.session.execute(
            db.select(CheckIn)
            .join(Participant)
            .filter(Participant.meeting_id == meeting.id, Participant.id != own.id)
            .order_by(CheckIn.id)
        )
        .scalars()
        .first()
    )
    subject = check_in.participant
    session = (
        db.session.execute(db.select(AgendaSession).filter_by(meeting_id=meeting.id).order_by("id"))
        .scalars()
        .first()
    )
    mail = OutgoingMail(  # written to the participant whose link is tried
        meeting=meeting,
        participant=own,
        kind="test",
        recipient=own.email,
        subject="Test",
        body_text="Test",
    )
    db.session.add(mail)
    message = Message(
        meeting=meeting,
        texts={"en": {"subject": "Logistics", "body": "Dear {{ first_name }}"}},
        criteria={"statuses": ["approved"]},
        state=MessageState.SENT,
    )
    db.session.add(message)
    attachment = MailAttachment(
        meeting_id=meeting.id, filename="annex.pdf", size=4, sha256="", content=b"%PDF"
    )
    db.session.add(attachment)
    meeting.logo_png = tiny_png()
    question = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.TEXT, key="diet", label={"en": "Diet"}
    )
    db.session.add(FormAnswer(participant=subject, question=question, value="none"))
    photo = FormQuestion(
        meeting_id=meeting.id, type=QuestionType.PHOTO, key="photo", label={"en": "Photo"}
    )
    picture = StoredFile(
        meeting_id=meeting.id,
        participant_id=subject.id,
        filename="photo.jpg",
        content_type="image/jpeg",
        size=3,
        sha256="0" * 64,
        content=b"\xff\xd8\xff",
    )
    db.session.add(FormAnswer(participant=subject, question=photo, file=picture))
    own_file = StoredFile(
        meeting_id=meeting.id,
        participant_id=own.id,
        filename="annex.pdf",
        content_type="application/pdf",
        size=4,
        sha256="1" * 64,
        content=b"%PDF",
    )
    db.session.add(FormAnswer(participant=own, question=photo, file=own_file))
    survey_question = SurveyQuestion(type="rating", label={"en": "Useful?"}, position=1)
    survey = Survey(meeting_id=meeting.id, status="open", questions=[survey_question])
    db.session.add(survey)
    db.session.flush()
    db.session.add(SurveyRespondent(survey_id=survey.id, participant_id=subject.id))
    db.session.add(SurveyResponse(survey_id=survey.id, answers={str(survey_question.id): 4}))
    block = room_block(meeting, "Hôtel Tour Hassan")
    db.session.add(HotelBooking(participant=subject, block=block))
    staff = create_user(
        "subject-staff@example.org", "a long enough password", roles={meeting: Role.HOST}
    )
    focal_point, credential = accreditation_of(subject.delegation)
    document = meeting_document(meeting)
    decision = Decision(meeting_id=meeting.id, text={"fr": "Adopter le plan de travail"})
    db.session.add(decision)
    db.session.commit()
    return World(
        meeting=meeting,
        own=own,
        subject=subject,
        session=session,
        check_in=check_in,
        delegation=subject.delegation,
        communique=db.session.execute(db.select(Communique)).scalars().first(),
        mail=mail,
        message=message,
        attachment=attachment,
        question=question,
        survey_question=survey_question,
        own_file=own_file,
        subject_file=picture,
        block=block,
        staff=staff,
        focal_point=focal_point,
        credential=credential,
        document=document,
        decision=decision,
        job_id="no-such-job",  # the tests that follow jobs make their own
        letters_job_id="no-such-job",
        export_job_id="no-such-job",
        list_job_id="no-such-job",
        forged=own.token[: tokens.SELECTOR_LENGTH] + tokens.new_token()[tokens.SELECTOR_LENGTH :],
        stranger=tokens.new_token(),
    )


def accreditation_of(delegation: Delegation) -> tuple[FocalPoint, Credential]:
    """A focal point of `delegation` and its credentials letter."""
    focal_point = FocalPoint(
        delegation=delegation, name="Focal Point", email=f"fp-{delegation.id}@example.org"
    )
    credential = Credential(
        delegation=delegation, filename="credentials.pdf", size=4, sha256="", content=b"%PDF"
    )
    db.session.add_all([focal_point, credential])
    return focal_point, credential


def meeting_document(meeting: Meeting) -> MeetingDocument:
    """A public concept note with its English file."""
    document = MeetingDocument(
        meeting_id=meeting.id,
        kind=DocumentKind.CONCEPT_NOTE,
        title={"en": "Concept note"},
        visibility=Visibility.PUBLIC,
    )
    document.files.append(
        DocumentFile(
            language="en",
            filename="note.pdf",
            content_type="application/pdf",
            size=4,
            sha256="2" * 64,
            content=b"%PDF",
        )
    )
    db.session.add(document)
    return document


def room_block(meeting: Meeting, hotel: str) -> RoomBlock:
    """A hotel's block of 2 rooms, one taken (deleting it is refused, the page stays)."""
    block = RoomBlock(
        room_type="Double",
        first_night=meeting.start_date,
        last_night=meeting.end_date,
        rooms=2,
        rooms_taken=1,
    )
    db.session.add(Hotel(meeting=meeting, name=hotel, blocks=[block]))
    return block


def tiny_png() -> bytes:
    image = io.BytesIO()
    segno.make("logo").save(image, kind="png")
    return image.getvalue()


KINDS = {
    "documents.own_document": "letter",
    "documents_manage.start_documents_job": "letters",
    "documents_manage.one_document": "certificate",
}


def values_for(rule, role: str, world: World) -> dict:
    if rule.endpoint.startswith("focal_point."):  # a delegation's focal point's link
        real = world.focal_point.token
        forged = real[: tokens.SELECTOR_LENGTH] + world.stranger[tokens.SELECTOR_LENGTH :]
        token = {"participant": real, "forger": forged}.get(role, world.stranger)
    else:
        token = {"participant": world.own.token, "forger": world.forged}.get(role, world.stranger)
    known = {
        "slug": world.communique.slug
        if rule.endpoint.startswith("communiques.")
        else world.meeting.slug,
        "token": token,
        "code": world.subject.badge_code,
        "participant_id": world.subject.id,
        "session_id": world.session.id,
        "check_in_id": world.check_in.id,
        "delegation_id": world.delegation.id,
        "communique_id": world.communique.id,
        "number": 1,
        "mail_id": world.mail.id,
        "message_id": world.message.id,
        "attachment_id": world.attachment.id,
        "question_id": world.question.id,
        "survey_question_id": world.survey_question.id,
        "file_id": world.own_file.id
        if rule.endpoint.startswith("registration.")
        else world.subject_file.id,
        "hotel_id": world.block.hotel.id,
        "block_id": world.block.id,
        "user_id": world.staff.id,
        "focal_point_id": world.focal_point.id,
        "credential_id": world.credential.id,
        "document_id": world.document.id,
        "decision_id": world.decision.id,
        "version_id": world.document.files[0].id,
        "meeting_id": world.meeting.id,
        "job_id": world.list_job_id
        if "list_of_participants_job" in rule.endpoint
        else world.letters_job_id
        if rule.endpoint.startswith("documents_manage.")
        else world.export_job_id
        if rule.endpoint.startswith("registration_manage.")
        else world.job_id,
        "kind": KINDS.get(rule.endpoint),
        "language": "en",
        "key": "confirmation_submitted",
        "fmt": "pdf" if rule.endpoint == "documents_manage.list_of_participants" else "csv",
        "filename": "css/site.css",
    }
    return {name: known[name] for name in rule.arguments}


def method_of(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def request_order(rule) -> tuple:
    """Reads first, then changes; deleting, then signing out, last, so that no
    request takes away what a later one needs."""
    return (
        method_of(rule) == "POST",
        rule.endpoint == "accounts.logout",
        "delete" in rule.endpoint,
        rule.rule,
    )


def outcome(response):
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return LOGIN
    return response.status_code


def unlisted(app) -> list:
    """Routes the app answers that the table says nothing about."""
    rules = {(rule.endpoint, method_of(rule)) for rule in app.url_map.iter_rules()}
    return sorted(rules - EXPECTED.keys())


def test_every_route_has_an_expectation(server_app):
    assert unlisted(server_app) == []
    rules = {(rule.endpoint, method_of(rule)) for rule in server_app.url_map.iter_rules()}
    assert sorted(EXPECTED.keys() - rules) == []  # no line left for a removed route


def test_a_route_added_without_an_expectation_is_caught(database_url):
    app = make_app(database_url)
    app.add_url_rule("/manage/forgotten", "forgotten", lambda: "open to all")
    assert unlisted(app) == [("forgotten", "GET")]


@pytest.fixture
def clients(server_app, demo_loaded, make_user, login, monkeypatch):
    # The walk makes many failed look-ups of private links on purpose; the limit on
    # guessing them (tested on its own) would answer 429 half-way.
    monkeypatch.setitem(server_app.config, "TOKEN_LOOKUP_RATE_LIMIT", "10000 per minute")
    made = {role: server_app.test_client() for role in ROLES}
    rabat, dakar = (
        db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one()
        for slug in ("rabat-2022", "dakar-demo")
    )
    accounts = {
        "host": (Role.HOST, [rabat]),
        "organiser": (Role.ORGANISER, [rabat]),
        "admin": (Role.ORGANISER, None),  # without meetings: an administrator
        "other_host": (Role.HOST, [dakar]),
        "other_organiser": (Role.ORGANISER, [dakar]),
        "disabled": (Role.ORGANISER, [rabat]),
    }
    made["users"] = {}
    for name, (role, meetings) in accounts.items():
        email = f"{name.replace('_', '-')}@example.org"
        made["users"][name] = make_user(role, email, meetings=meetings)
        assert login(email, target=made[name]).status_code == 302
    made["users"]["disabled"].active = False
    db.session.commit()
    return made


@pytest.fixture
def organisers_jobs(clients):
    """A finished badge print, letters job, export and list of participants of the
    organiser's: nobody else may follow or fetch them."""
    meeting = db.session.execute(db.select(Meeting).filter_by(slug="rabat-2022")).scalar_one()
    made = []
    for kind in ("badges", "letters"):
        job = jobs.create(
            meeting,
            clients["users"]["organiser"],
            kind=kind,
            parameters={"ids": []},
            total=0,
            filename=f"{kind}.pdf",
        )
        job.state, job.pdf = "done", b"%PDF-1.4 test"
        made.append(job.id)
    export = jobs.create(
        meeting,
        clients["users"]["organiser"],
        kind=export_jobs.PARTICIPANTS,
        parameters={"fmt": "csv", "filters": {}},
        total=0,
        filename="participants.csv",
    )
    export.state, export.parts = "done", 1
    db.session.add(RenderJobPart(job_id=export.id, number=0, pdf=b"\xef\xbb\xbfStatus\r\n"))
    made.append(export.id)
    listed = export_jobs.create_list(
        meeting,
        clients["users"]["organiser"],
        fmt="pdf",
        language="en",
        edition=lop.Edition.PROVISIONAL,
        total=0,
    )
    listed.state, listed.parts = "done", 1
    db.session.add(RenderJobPart(job_id=listed.id, number=0, pdf=b"%PDF-1.4 test"))
    made.append(listed.id)
    db.session.commit()
    return made


def test_every_route_answers_each_visitor_as_expected(
    server_app, demo_loaded, clients, organisers_jobs
):
    world = build_world()
    world.job_id, world.letters_job_id, world.export_job_id, world.list_job_id = organisers_jobs
    rules = sorted(server_app.url_map.iter_rules(), key=request_order)
    observed = {}
    for rule in rules:
        for role in ROLES:
            with server_app.test_request_context():
                url = url_for(rule.endpoint, **values_for(rule, role, world))
            response = clients[role].open(url, method=method_of(rule))
            observed.setdefault((rule.endpoint, method_of(rule)), {})[role] = outcome(response)
            response.close()  # static files are streamed from an open file
    wrong = {key: got for key, got in observed.items() if EXPECTED.get(key) != got}
    assert wrong == {}


def test_forms_refuse_by_post_whom_their_page_refuses(server_app, demo_loaded, clients):
    """Pages that are also forms (GET and POST): a POST by someone the page turns
    away is turned away the same, before the form is read."""
    world = build_world()
    refusals = {LOGIN, 403, 404}
    checked, wrong = 0, {}
    for rule in server_app.url_map.iter_rules():
        if not {"GET", "POST"} <= rule.methods:
            continue
        for role, expected in EXPECTED[(rule.endpoint, "GET")].items():
            if expected not in refusals:
                continue
            with server_app.test_request_context():
                url = url_for(rule.endpoint, **values_for(rule, role, world))
            got = outcome(clients[role].post(url, data={"title": "x", "name": "x"}))
            checked += 1
            if got != expected:
                wrong[(rule.endpoint, role)] = got
    assert wrong == {}
    assert checked > 50


def test_post_only_addresses_do_nothing_on_get(server_app, demo_loaded, clients):
    """A link or a prefetch (GET) never changes anything: 405 for everyone."""
    world = build_world()
    rules = list(server_app.url_map.iter_rules())
    # The desk's check-in takes its POST at its page's own address.
    read = {rule.rule for rule in rules if "GET" in rule.methods}
    wrong = {}
    for rule in rules:
        if rule.rule in read:
            continue
        for role in ("anonymous", "organiser"):
            with server_app.test_request_context():
                url = url_for(rule.endpoint, **values_for(rule, role, world))
            status = clients[role].get(url).status_code
            if status != 405:
                wrong[(rule.endpoint, role)] = status
    assert wrong == {}


# --- Changing an id or a token reaches nobody else's data ------------------------------

ID_ARGUMENTS = {
    "participant_id",
    "session_id",
    "check_in_id",
    "delegation_id",
    "attachment_id",
    "question_id",
    "survey_question_id",
    "decision_id",
    "hotel_id",
    "block_id",
    "focal_point_id",
    "credential_id",
}


def other_meeting_ids() -> dict:
    """Ids of rows that belong to the other demo meeting (Dakar)."""
    dakar = db.session.execute(db.select(Meeting).filter_by(slug="dakar-demo")).scalar_one()
    person = dakar.participants[0]
    check_in = CheckIn(participant=person, day=dakar.start_date)
    db.session.add(check_in)
    attachment = MailAttachment(
        meeting_id=dakar.id, filename="dakar.pdf", size=4, sha256="", content=b"%PDF"
    )
    db.session.add(attachment)
    question = FormQuestion(
        meeting_id=dakar.id, type=QuestionType.YES_NO, key="visa", label={"en": "Visa?"}
    )
    db.session.add(question)
    block = room_block(dakar, "Radisson Blu Dakar")
    survey_question = SurveyQuestion(type="rating", label={"en": "Useful?"})
    db.session.add(Survey(meeting_id=dakar.id, questions=[survey_question]))
    focal_point, credential = accreditation_of(dakar.delegations[0])
    decision = Decision(meeting_id=dakar.id, text={"fr": "Décision de Dakar"})
    db.session.add(decision)
    db.session.commit()
    session = (
        db.session.execute(db.select(AgendaSession).filter_by(meeting_id=dakar.id))
        .scalars()
        .first()
    )
    return {
        "participant_id": person.id,
        "session_id": session.id,
        "check_in_id": check_in.id,
        "delegation_id": dakar.delegations[0].id,
        "attachment_id": attachment.id,
        "question_id": question.id,
        "survey_question_id": survey_question.id,
        "decision_id": decision.id,
        "hotel_id": block.hotel.id,
        "block_id": block.id,
        "focal_point_id": focal_point.id,
        "credential_id": credential.id,
    }


def test_an_id_from_another_meeting_is_not_found_on_this_meetings_pages(
    server_app, demo_loaded, clients
):
    """Every route that names a meeting and a row: the row of another meeting is 404,
    for an administrator (who may see both) as for the participant's own link."""
    world = build_world()
    foreign = other_meeting_ids()
    checked, wrong = 0, {}
    for rule in server_app.url_map.iter_rules():
        if not rule.arguments & ID_ARGUMENTS:
            continue
        role = "participant" if "token" in rule.arguments else "admin"
        values = {
            **values_for(rule, role, world),
            **{name: foreign[name] for name in rule.arguments & ID_ARGUMENTS},
        }
        with server_app.test_request_context():
            url = url_for(rule.endpoint, **values)
        # JSON for the desk's POSTs, which answer the scan page's script with a status.
        method = method_of(rule)
        extra = {"json": {}} if method == "POST" else {}
        status = clients[role].open(url, method=method, **extra).status_code
        checked += 1
        if status != 404:
            wrong[rule.endpoint] = status
    assert wrong == {}
    assert checked >= 15  # the routes above exist: the loop did not miss them all


def test_desk_and_bulk_forms_ignore_people_of_another_meeting(demo_loaded, clients):
    foreign = other_meeting_ids()
    person = db.session.get(Participant, foreign["participant_id"])
    status_before = person.status
    # Rabat's desk is closed (the meeting is archived): Dakar's, with a Rabat person.
    checked_in = clients["admin"].post(
        "/desk/meetings/dakar-demo/check-in",
        json={"participant_id": build_world().subject.id},
    )
    assert checked_in.status_code == 404
    assert "No such participant in this meeting" in checked_in.json["message"]
    bulk = clients["organiser"].post(
        "/manage/meetings/rabat-2022/registrations/bulk",
        data={"ids": [foreign["participant_id"]], "action": "cancel"},
        follow_redirects=True,
    )
    assert "0 registrations changed." in bulk.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Participant, foreign["participant_id"]).status is status_before


PRIVATE_PATHS = ("", "/edit", "/programme", "/programme.ics", "/letter.pdf", "/certificate.pdf")


def test_only_the_exact_current_private_link_opens_a_registration(demo_loaded, clients):
    world = build_world()
    own, client = world.own, clients["participant"]
    old = own.token
    near_misses = {
        "forged secret": world.forged,
        "one character changed": old[:-1] + ("A" if old[-1] != "A" else "B"),
        "other case": old.swapcase(),
        "longer": old + "x",
        "selector only": old[: tokens.SELECTOR_LENGTH],
        "badge code": own.badge_code,
        "delegation link": world.delegation.view_token,
    }
    for label, token in near_misses.items():
        for path in PRIVATE_PATHS:
            assert client.get(f"/r/{token}{path}").status_code == 404, (label, path)
    # The participant's token is no delegation link either.
    assert client.get(f"/d/{old}").status_code == 404

    # The organiser makes a new link: the old one opens nothing any more.
    assert (
        clients["organiser"]
        .post(f"/manage/meetings/rabat-2022/registrations/{own.id}/token")
        .status_code
        == 302
    )
    db.session.refresh(own)
    assert own.token != old
    for path in PRIVATE_PATHS:
        assert client.get(f"/r/{old}{path}").status_code == 404, path
        assert client.get(f"/r/{own.token}{path}").status_code in (200, 302), path


def test_a_private_link_shows_its_own_participant_and_nobody_else(demo_loaded, clients):
    world = build_world()
    own, other = world.own, world.subject
    client = clients["participant"]
    page = client.get(f"/r/{own.token}").get_data(as_text=True)
    assert html.escape(own.email) in page
    assert other.email not in page and other.family_name not in page
    programme = client.get(f"/r/{own.token}/programme").get_data(as_text=True)
    assert other.email not in programme
    calendar = client.get(f"/r/{own.token}/programme.ics").get_data(as_text=True)
    assert other.email not in calendar
    letter = pdf_text(client.get(f"/r/{own.token}/letter.pdf").data)
    assert own.family_name in letter and other.family_name not in letter


def test_a_delegation_link_lists_its_own_members_only(demo_loaded, clients):
    world = build_world()
    delegation = world.delegation
    page = clients["anonymous"].get(f"/d/{delegation.view_token}").get_data(as_text=True)

    def row(person) -> str:  # how the page names a member: a table row of its own
        name = html.escape(f"{person.given_name} {person.family_name}")
        return f'<th scope="row">{name}</th>'

    members = [p for p in world.meeting.participants if p.delegation_id == delegation.id]
    outsiders = [p for p in world.meeting.participants if p.delegation_id != delegation.id]
    assert members and all(row(p) in page for p in members)
    assert outsiders and [p.email for p in outsiders if row(p) in page] == []


def test_a_draft_meetings_public_addresses_are_not_found(server_app, make_meeting, clients):
    make_meeting(slug="secret-draft", status=MeetingStatus.DRAFT)
    public_rules = [
        rule
        for rule in server_app.url_map.iter_rules()
        if rule.rule.startswith("/meetings/<slug>") and "GET" in rule.methods
    ]
    with server_app.test_request_context():
        urls = [
            url_for(
                rule.endpoint,
                slug="secret-draft",
                **({"session_id": 1} if "session_id" in rule.arguments else {}),
                **({"document_id": 1} if "document_id" in rule.arguments else {}),
                **({"language": "en"} if "language" in rule.arguments else {}),
            )
            for rule in public_rules
        ]
    assert len(urls) >= 10
    assert {url: clients["anonymous"].get(url).status_code for url in urls} == dict.fromkeys(
        urls, 404
    )


def test_a_bulk_change_with_nothing_selected_says_so(demo_loaded, clients):
    """It answered 500 (a translated message joined as text) before."""
    response = clients["organiser"].post(
        "/manage/meetings/rabat-2022/registrations/bulk", data={}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Select at least one registration." in response.get_data(as_text=True)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_passport_number_is_shown_to_its_owner_and_organisers_only(demo_loaded, clients):
    world = build_world()
    world.subject.passport_number = "ZX9876543"
    db.session.commit()
    subject, slug = world.subject, world.meeting.slug
    seen = {
        "own page": clients["participant"].get(f"/r/{world.own.token}"),
        "desk badge": clients["host"].get(f"/desk/badge/{subject.badge_code}"),
        "desk search": clients["host"].get(
            f"/desk/meetings/{slug}/check-in", query_string={"q": subject.family_name}
        ),
        "arrivals": clients["host"].get(f"/desk/meetings/{slug}/arrivals.csv"),
        "delegation link": clients["anonymous"].get(f"/d/{world.delegation.view_token}"),
        "public list": clients["anonymous"].get(f"/meetings/{slug}/delegations"),
        "export": clients["organiser"].get(f"/manage/meetings/{slug}/registrations/export.csv"),
    }
    assert {where: b"ZX9876543" in r.data for where, r in seen.items()} == dict.fromkeys(
        seen, False
    )
    found = seen["desk search"].get_data(as_text=True)
    assert html.escape(subject.family_name, quote=False) in found  # the search found them
    organiser = clients["organiser"].get(f"/manage/meetings/{slug}/registrations/{subject.id}")
    assert b"ZX9876543" in organiser.data


def test_an_account_demoted_or_disabled_while_signed_in_loses_access_at_once(demo_loaded, clients):
    organiser, client = clients["users"]["organiser"], clients["organiser"]
    assert client.get("/manage/meetings/rabat-2022/").status_code == 200
    organiser.meeting_roles[0].role = Role.HOST
    db.session.commit()
    assert client.get("/manage/").status_code == 403
    assert client.get("/manage/meetings/rabat-2022/").status_code == 403
    assert client.get("/desk/meetings/rabat-2022/check-in").status_code == 200
    organiser.meeting_roles.clear()
    db.session.commit()
    assert client.get("/desk/meetings/rabat-2022/check-in").status_code == 404
    organiser.active = False
    db.session.commit()
    assert outcome(client.get("/desk/")) == LOGIN


def test_an_id_past_the_databases_range_is_not_found_rather_than_an_error(
    server_app, demo_loaded, clients
):
    """These answered 500 (the database refuses to compare such a number)."""
    world = build_world()
    wrong = {}
    for rule in server_app.url_map.iter_rules():
        # The <int:...> parameters (a badge job's id is a random string).
        numbers = {n for n in rule.arguments if n.endswith("_id") and n != "job_id"}
        numbers |= rule.arguments & {"number"}
        if not numbers:
            continue
        role = "participant" if "token" in rule.arguments else "organiser"
        values = values_for(rule, role, world)
        for huge in (2**31, 10**20):
            with server_app.test_request_context():
                url = url_for(rule.endpoint, **{**values, **dict.fromkeys(numbers, huge)})
            status = clients[role].open(url, method=method_of(rule), json={}).status_code
            if status != 404:
                wrong[(rule.endpoint, huge)] = status
    assert wrong == {}


def test_drafts_stay_off_every_public_address(client, rabat, add_session, make_communique):
    """A session only in the organisers' working copy and an unpublished communiqué:
    no public page, file or feed shows them."""
    from meeting_app.agenda import services as agenda

    published = add_session(title="Published panel")
    agenda.publish(rabat)
    draft = add_session(title="Secret draft panel", start=time(11, 0), end=time(12, 0))
    db.session.commit()
    for path in (
        f"/meetings/rabat/sessions/{draft.id}",
        f"/meetings/rabat/sessions/{draft.id}.ics",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/meetings/rabat/sessions/{published.id}").status_code == 200
    for path in (
        "/meetings/rabat/agenda",
        "/meetings/rabat/agenda.ics",
        "/meetings/rabat/agenda.json",
        "/meetings/rabat/schedule.xml",
        "/meetings/rabat/schedule.json",
    ):
        body = client.get(path).get_data(as_text=True)
        assert "Published panel" in body and "Secret draft panel" not in body, path

    communique = make_communique(rabat, title="Secret communiqué", publish=False)
    for path in (f"/communiques/{communique.slug}", f"/communiques/{communique.slug}.pdf"):
        assert client.get(path).status_code == 404, path
    for path in ("/communiques/", "/communiques/feed.atom", "/", "/meetings/rabat/"):
        assert "Secret communiqué" not in client.get(path).get_data(as_text=True), path
