"""Public communiqué pages: the list, one communiqué (in the language asked for,
with its other languages offered), its PDF and the Atom feed."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from meeting_app.communiques import exports, services
from meeting_app.communiques.markup import published_html
from meeting_app.communiques.models import Communique
from meeting_app.communiques.sdgs import GOALS, badges
from meeting_app.core.database import requested_page
from meeting_app.core.i18n import current_language, language_from_address
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow

bp = Blueprint("communiques", __name__, url_prefix="/communiques")

PER_PAGE = 10
FEED_ENTRIES = 50
# Open Graph names a locale with its territory (Facebook's list: "ar_AR" is its
# Arabic). A language missing here is a test failure, not a page without og:locale.
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB", "es": "es_ES", "ar": "ar_AR", "ru": "ru_RU"}


@bp.get("/")
@language_from_address
def index():
    meeting_slug = request.args.get("meeting", "")
    goal = request.args.get("sdg", type=int)
    if goal not in GOALS:
        goal = None
    page = db.paginate(
        services.public_list(meeting_slug, goal),
        page=requested_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "communiques/index.html",
        page=page,
        items=[(c, services.pick_text(c, None, current_language())) for c in page.items],
        meetings=services.meetings_with_communiques(),
        goals=GOALS.values(),
        chosen_meeting=meeting_slug,
        chosen_goal=goal,
    )


def _public(slug: str, endpoint: str):
    communique, current_slug = services.find_public(slug)
    if communique is None:
        # An old slug: the communiqué lives at its new address now.
        return None, redirect(url_for(endpoint, slug=current_slug, **request.args), 301)
    return communique, None


@bp.get("/<slug>")
def detail(slug: str):
    communique, moved = _public(slug, ".detail")
    if moved:
        return moved
    wanted = request.args.get("lang")
    text = services.pick_text(communique, wanted, current_language())
    return render_template(
        "communiques/detail.html",
        communique=communique,
        text=text,
        body=published_html(text.published_body),
        others=[t for t in communique.published_texts if t.language != text.language],
        texts=communique.published_texts,
        goals=badges(communique.sdgs, text.language),
        published_on=exports.published_on(communique, text.language),
        corrected_on=exports.corrected_on(communique, text.language),
        og_locale=OG_LOCALES.get(text.language, text.language),
        og_locales=OG_LOCALES,
        missing=wanted is not None and wanted != text.language,
    )


@bp.get("/<slug>.pdf")
def pdf(slug: str):
    communique, moved = _public(slug, ".pdf")
    if moved:
        return moved
    text = services.pick_text(communique, request.args.get("lang"), current_language())
    try:
        body = exports.communique_pdf(communique, text)
    except RenderError:
        current_app.logger.exception("Communiqué PDF failed for %s", slug)
        abort(500)
    response = Response(body, mimetype="application/pdf")
    # The slug is ours (ASCII letters, digits, hyphens), never raw user text.
    response.headers["Content-Disposition"] = (
        f'inline; filename="{communique.slug}-{text.language}.pdf"'
    )
    return response


@bp.get("/feed.atom")
@language_from_address  # ?lang=ar: the feed's own texts (its title) in Arabic
def feed():
    # Each entry names its programme (meeting -> series): loaded with the entries.
    query = services.public_query().options(
        selectinload(Communique.meeting).selectinload(Meeting.series)
    )
    communiques = list(db.session.execute(query.limit(FEED_ENTRIES)).scalars())
    updated = max((c.published_at for c in communiques), default=None) or utcnow()
    body = exports.atom_feed(
        communiques, title=_("Communiqués"), updated=updated, language=current_language()
    )
    return Response(body, mimetype="application/atom+xml")
