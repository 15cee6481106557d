"""The automatic reminders of a meeting, under /manage/meetings/<slug>/messages/reminders
(on the messages blueprint, whose organiser guard covers it): switched on and
off, what each will do and when, how many went, and links to their wording."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.core.i18n import format_date_range, format_local_datetime, language_name
from meeting_app.core.tasks import commit
from meeting_app.meetings import services as meetings
from meeting_app.messages import reminders
from meeting_app.messages.reminder_forms import DEFAULT_DAYS, ReminderSettingsForm
from meeting_app.messages.views import bp

# The editor of automatic mails' wording (messages/texts_views.py).
TEXT_EDITOR = "messages_manage.automatic_text"


@dataclass
class Reminder:
    """One reminder as the page shows it."""

    title: str
    on: bool
    when: list[str] = field(default_factory=list)  # what it will do, and when
    sent: list[str] = field(default_factory=list)  # how many went so far
    wording: list[tuple[str, str]] = field(default_factory=list)  # (language name, link)


@bp.route("/reminders", methods=["GET", "POST"])
def reminder_settings(slug: str):
    meeting = meetings.get_meeting(slug)
    form = ReminderSettingsForm()
    if not form.is_submitted():
        form.before.data = bool(meeting.reminder_days_before)
        form.days_before.data = (
            ", ".join(str(n) for n in sorted(meeting.reminder_days_before, reverse=True))
            or DEFAULT_DAYS
        )
        form.visa_days.data = meeting.visa_reminder_days
        form.certificate.data = meeting.certificate_reminder
    elif form.validate():
        if reminders.configure(meeting, form.settings(), current_user._get_current_object()):
            commit()
            flash(_("Reminders saved."), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for(".reminder_settings", slug=meeting.slug))
    return render_template(
        "messages/reminders.html",
        meeting=meeting,
        form=form,
        reminders=_reminders(meeting),
    ), 422 if form.errors else 200


def _reminders(meeting) -> list[Reminder]:
    sent = reminders.sent_counts(meeting)
    before = Reminder(
        _("Before the meeting, to approved participants"),
        bool(meeting.reminder_days_before),
        wording=_wording(meeting, "reminder_before"),
    )
    for days in sorted(meeting.reminder_days_before or (), reverse=True):
        day = format_date_range(*(2 * [meeting.start_date - timedelta(days=days)]))
        before.when.append(
            ngettext(
                "%(num)d day before the first day: on %(date)s.",
                "%(num)d days before the first day: on %(date)s.",
                days,
                date=day,
            )
        )
    if meeting.reminder_days_before:
        before.when.append(
            _(
                "Each reminder goes to those approved before its day began; someone approved"
                " later gets the next one only, someone approved on the last reminder's day"
                " or after it gets none (the approval e-mail tells them what they need)."
            )
        )
    before_sent = {
        int(kind.removeprefix("before:")): count
        for kind, count in sent.items()
        if kind.startswith("before:")
    }
    for days, count in sorted(before_sent.items(), reverse=True):
        before.sent.append(
            _(
                "%(when)s: %(count)s.",
                when=ngettext("%(num)d day before", "%(num)d days before", days),
                count=_sent(count),
            )
        )

    visa = Reminder(
        _("Unfinished visa letter requests, before registration closes"),
        meeting.visa_reminder_days is not None,
        wording=_wording(meeting, "reminder_visa"),
    )
    if meeting.visa_reminder_days is not None:
        closes = meeting.registration_closes_at
        if closes is None:
            visa.when.append(_("Registration has no closing date: this reminder cannot go."))
        else:
            visa.when.append(
                ngettext(
                    "From %(num)d day before registration closes on %(closes)s, to those who asked"
                    " for a visa letter but have not given their nationality or passport number"
                    " (registrations submitted, approved or on the waiting list).",
                    "From %(num)d days before registration closes on %(closes)s, to those who"
                    " asked for a visa letter but have not given their nationality or passport"
                    " number (registrations submitted, approved or on the waiting list).",
                    meeting.visa_reminder_days,
                    closes=format_local_datetime(closes, meeting.timezone),
                )
            )
    if reminders.VISA in sent:
        visa.sent.append(_sent(sent[reminders.VISA]))

    certificate = Reminder(
        _("Certificate of attendance, after the meeting"),
        meeting.certificate_reminder,
        wording=_wording(meeting, "reminder_certificate"),
    )
    if meeting.certificate_reminder:
        first = meeting.end_date + timedelta(days=1)
        last = meeting.end_date + timedelta(days=reminders.CERTIFICATE_DAYS)
        certificate.when.append(
            _(
                "From %(first)s to %(last)s, to those checked in at least once: the link to"
                " their certificate.",
                first=format_date_range(first, first),
                last=format_date_range(last, last),
            )
        )
    if reminders.CERTIFICATE in sent:
        certificate.sent.append(_sent(sent[reminders.CERTIFICATE]))
    return [before, visa, certificate]


def _sent(count: int) -> str:
    return ngettext("%(num)d sent", "%(num)d sent", count)


def _wording(meeting, key: str) -> list[tuple[str, str]]:
    """(language, link to the editor of `key`'s wording) for each of the meeting's
    languages; the editor's address is built by hand if it is not there to ask."""
    links = []
    known = TEXT_EDITOR in current_app.view_functions
    base = url_for(".index", slug=meeting.slug)
    for language in meeting.languages:
        if known:
            link = url_for(TEXT_EDITOR, slug=meeting.slug, key=key, language=language)
        else:
            link = f"{base}automatic/{key}/{language}"
        links.append((language_name(language), link))
    return links
