"""The desk takes a person's photo (or replaces it): the answer to the meeting's
photo question, as if they had uploaded it themselves. The badge, drawn ahead
again once the change is committed (documents/ahead.py), then shows it.

Services flush; the view commits."""

from meeting_app.documents.photos import photo_answer, photo_question
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.files.models import StoredFile
from meeting_app.privacy import audit
from meeting_app.questions.models import FormAnswer, FormQuestion
from meeting_app.registration.models import Participant

# What the desk accepts, whatever the question's own limit for participants: a
# photo straight from a phone's camera, which is then reduced to a badge's size.
MAX_BYTES = 15 * files.MB
FILENAME = "photo.jpg"


def desk_question(meeting_id: int) -> FormQuestion | None:
    """The photo question the desk answers, or None when the desk offers no photo:
    the meeting asks for none, or its photo is sensitive (the desk sees no
    sensitive answer)."""
    question = photo_question(meeting_id)
    return question if question is not None and not question.sensitive else None


def current_photo(participant: Participant, question: FormQuestion) -> StoredFile | None:
    answer = photo_answer(participant.id, question.id)
    return answer.file if answer is not None else None


def take_photo(
    participant: Participant, question: FormQuestion, data: bytes, *, by_user
) -> StoredFile:
    """Stores `data` (a JPEG or PNG) as the person's photo: checked by its content,
    cropped to 35:45 and encoded again (files.photo), answering `question`; the
    photo it replaces is deleted. Raises files.FileRefused."""
    files.check(data, files.IMAGES, MAX_BYTES)
    picture = files.photo(data)
    stored = files.store(participant.meeting_id, participant.id, FILENAME, picture, files.JPEG)
    answer = photo_answer(participant.id, question.id)
    if answer is None:
        answer = FormAnswer(participant_id=participant.id, question_id=question.id, value=None)
        db.session.add(answer)
    replaced = answer.file
    answer.file = stored
    if replaced is not None:
        db.session.delete(replaced)
    audit.record(
        "photo.taken",
        user=by_user,
        meeting=participant.meeting,
        participant=participant,
        details="replaced" if replaced is not None else "new",
    )
    db.session.flush()
    return stored
