"""What the pages that follow a render job share (the desk's badge prints, the
organisers' letters and certificates): the job's page, its state as JSON for
the page's script (static/js/render-jobs.js), the download and the retry. The
routes are in each blueprint, behind its own role guard."""

from dataclasses import dataclass

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meeting_app.core import tasks
from meeting_app.core.forms import EmptyForm
from meeting_app.core.views import attachment
from meeting_app.documents import jobs
from meeting_app.documents.models import RenderJob
from meeting_app.documents.tasks import BADGES, start_job

TITLES = {
    "badges": _l("Badges"),
    "letters": _l("Visa invitation letters"),
    "certificates": _l("Certificates of attendance"),
}
FAILED = {
    (True, jobs.RENDER): _l(
        "The badges could not be prepared; nothing was marked printed. "
        "Try again, or with fewer badges."
    ),
    (True, jobs.STOPPED): _l(
        "The print stopped: the server preparing it stopped, or none took it up. "
        "Nothing was marked printed. Try again."
    ),
    (True, jobs.ERROR): _l(
        "The badges could not be prepared; nothing was marked printed. Try again."
    ),
    (False, jobs.RENDER): _l("The documents could not be prepared. Try again."),
    (False, jobs.STOPPED): _l(
        "Preparing the documents stopped: the server preparing them stopped, or none "
        "took them up. Try again."
    ),
    (False, jobs.ERROR): _l("The documents could not be prepared. Try again."),
}


@dataclass(frozen=True)
class Routes:
    """A blueprint's endpoints for its jobs."""

    page: str
    status: str
    pdf: str
    retry: str
    kinds: tuple[str, ...]


def wants_json() -> bool:
    """The page's script asks for JSON; a browser without it, for pages."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def message(job: RenderJob) -> str:
    if job.state != jobs.FAILED:
        return ""
    return str(FAILED[job.kind == BADGES, job.failure or jobs.ERROR])


def job_or_404(meeting, job_id: str, routes: Routes) -> RenderJob:
    job = jobs.find(job_id, current_user, meeting, routes.kinds)
    if job is None:
        abort(404)
    tasks.commit()  # a job found stopped is recorded so
    return job


def status(meeting, job: RenderJob, routes: Routes) -> dict:
    urls = {"slug": meeting.slug, "job_id": job.id}
    return {
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "message": message(job),
        "status_url": url_for(routes.status, **urls),
        "page_url": url_for(routes.page, **urls),
        "download_url": url_for(routes.pdf, **urls) if job.state == jobs.DONE else None,
        "retry_url": url_for(routes.retry, **urls) if job.state == jobs.FAILED else None,
    }


def started(meeting, job: RenderJob, routes: Routes):
    """Sends the job's first task once it is stored, and answers with where to
    follow it: JSON for the page's script, the job's page for a browser."""
    tasks.enqueue(start_job, job.id)
    tasks.commit()
    if wants_json():
        return jsonify(status(meeting, job, routes)), 202
    return redirect(url_for(routes.page, slug=meeting.slug, job_id=job.id), 303)


def page(meeting, job: RenderJob, routes: Routes, back: str):
    """The job's page: its progress (followed by the script; without it, a link to
    look again), the download once done, the reason and a retry if it failed."""
    return render_template(
        "documents/job.html",
        meeting=meeting,
        job=job,
        title=TITLES[job.kind],
        job_status=status(meeting, job, routes),
        back=back,
        empty_form=EmptyForm(),
    )


def download(job: RenderJob, filename: str | None = None):
    pdf = jobs.result(job)
    if pdf is None:
        abort(404)
    return attachment(pdf, filename or job.filename, "application/pdf")


def retry(meeting, job: RenderJob, routes: Routes):
    """A new job with the same selection and options (the failed one stays failed)."""
    if job.state != jobs.FAILED:
        abort(409)
    return started(meeting, jobs.again(job, meeting, current_user), routes)
