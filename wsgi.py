from meeting_app import create_app

app = create_app()
# `celery -A wsgi.celery_app worker` (make worker) and `... beat` (make beat).
celery_app = app.extensions["celery"]
