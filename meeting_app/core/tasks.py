"""Background work: the Celery app, and the one commit that starts it.

Work that must not hold a web request (mail, prints, drawing badges) is a Celery
task. Code that changes data asks for a task with `enqueue(task, *args)`; the
task starts only once the transaction commits (`commit()`), never for work that
was rolled back. Tasks take ids, not objects, and read the rows again.

With CELERY_BROKER_URL set (Redis), tasks go to the broker and run in `make
worker` processes, on any server. Without it (development, `make run`), they
run in the web process after the response has gone to the browser; outside a
request (a command, a task), right after the commit. The same tasks either way.

Should the broker be down when a task is sent, nothing is lost: what a task
works on is a row (a mail, a print job), and the periodic sweeps (beat) take up
rows nobody is working on.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import redis
from celery import Celery, Task
from celery.signals import worker_process_init, worker_ready, worker_shutting_down
from flask import Flask, current_app, g, has_app_context, has_request_context

from meeting_app.extensions import db

log = logging.getLogger(__name__)

# session.info keys: callbacks for after this transaction's commit, and those whose
# transaction has committed, waiting to run.
PENDING = "on_commit"
READY = "on_commit_ready"
COLLECTED = "on_commit_lists"
KEYS = "on_commit_keys"
AFTER_RESPONSE = "tasks_after_response"  # flask.g: this request's tasks (embedded)
# The Redis key a worker refreshes while it runs (see `worker_status`).
WORKER_SEEN = "meeting_app:worker-seen"
WORKER_SEEN_EVERY = 15  # seconds
# How long /healthz waits for Redis at most.
HEALTH_TIMEOUT = 0.3


def init_app(app: Flask) -> Celery:
    """The app's Celery app (app.extensions["celery"], exposed as wsgi.celery_app)."""

    class FlaskTask(Task):
        """Runs in an app context of its own, with its own database session; what it
        asked for after its commits is sent once it is done."""

        def __call__(self, *args, **kwargs):
            # Run in a process that has an app (a command, the embedded mode, a test):
            # that app, with its settings and database; in a worker: this one.
            flask_app = current_app._get_current_object() if has_app_context() else app
            with flask_app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    _run_ready()  # what it committed before failing still goes
                    db.session.remove()

    config = app.config
    broker = config["CELERY_BROKER_URL"]
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=config["CELERY_RESULT_BACKEND"] or None,
        # Results (a print, a mail's state) live in the database.
        task_ignore_result=not config["CELERY_RESULT_BACKEND"],
        # A task is taken off the queue once it is done, not when it starts: a worker
        # killed mid-task leaves it for another one.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # A task whose worker vanished entirely comes back after this long.
        broker_transport_options={"visibility_timeout": 900},
        task_soft_time_limit=600,
        task_time_limit=660,
        broker_connection_retry_on_startup=True,
        # Sending to a broker that is down gives up quickly: the row waits for the sweep.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
        broker_connection_timeout=2,
        task_default_queue=config["CELERY_QUEUE"],
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule=beat_schedule(),
        include=TASK_MODULES,
    )
    celery.flask_app = app
    app.extensions["celery"] = celery
    app.before_request(lambda: setattr(g, AFTER_RESPONSE, []))
    app.after_request(_after_request)
    _register_listeners()
    return celery


# The modules that define tasks, imported by the workers.
TASK_MODULES = [
    "meeting_app.mail.tasks",
    "meeting_app.documents.tasks",
    "meeting_app.documents.export_jobs",
    "meeting_app.privacy.tasks",
    "meeting_app.messages.tasks",
]


def beat_schedule() -> dict:
    """What `make beat` starts, and how often."""
    return {
        "mail-sweep": {"task": "mail.sweep", "schedule": timedelta(minutes=1)},
        "render-jobs-sweep": {"task": "documents.sweep_jobs", "schedule": timedelta(minutes=1)},
        "retention-purge": {"task": "privacy.purge", "schedule": timedelta(days=1)},
        "messages-send-due": {"task": "messages.send_due", "schedule": timedelta(minutes=1)},
        "messages-send-reminders": {
            "task": "messages.send_reminders",
            "schedule": timedelta(minutes=15),
        },
    }


def embedded(app: Flask | None = None) -> bool:
    """True when no broker is configured: tasks run in the web process."""
    return not (app or current_app).config["CELERY_BROKER_URL"]


def on_commit(callback: Callable[[], None]) -> None:
    """`callback` runs once the current transaction commits; if it is rolled back,
    never. (It runs in the process that committed: it should only send tasks.)"""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback even before any query drops the callback
    session.info.setdefault(PENDING, []).append(callback)


def enqueue(task, *args) -> None:
    """Sends `task(*args)` once the current transaction commits; the same task with
    the same arguments asked for twice in a transaction is sent once."""
    info = db.session().info
    key = (task.name, repr(args))  # arguments may be lists (ids), which don't hash
    asked = info.setdefault(KEYS, set())
    if key in asked:
        return
    asked.add(key)
    on_commit(lambda: send(task, *args))


def enqueue_later(task, *args, delay: int) -> None:
    """Sends `task(*args)` to run `delay` seconds after this transaction commits,
    once for every same ask within that time, from any request on any server: the
    first sets a Redis key that lives `delay` seconds, and those that find it add
    nothing, as the task will read what they committed. For work done on demand
    anyway, that a burst of changes should trigger once: embedded (no broker), it is
    not sent at all rather than run in the request."""
    app = current_app._get_current_object()
    if embedded(app):
        return
    key = f"meeting_app:later:{task.name}:{args!r}"

    def send_once() -> None:
        try:
            if _redis(app.config["CELERY_BROKER_URL"]).set(key, "1", nx=True, ex=delay):
                app.extensions["celery"].tasks[task.name].apply_async(args, countdown=delay)
        except Exception:  # the broker is down: the work is done on demand instead
            log.warning("could not send task %s to the broker", task.name, exc_info=True)

    info = db.session().info
    asked = info.setdefault(KEYS, set())
    if key not in asked:
        asked.add(key)
        on_commit(send_once)


def collect(key: str, item, callback: Callable[[list], None]) -> None:
    """Adds `item` to this transaction's list under `key`; once the transaction
    commits, `callback(items)` runs once with all of them (the mails a request
    wrote, say, sent as one task)."""
    lists = db.session().info.setdefault(COLLECTED, {})
    if key not in lists:
        items = lists[key] = []
        on_commit(lambda: callback(items))
    lists[key].append(item)


def commit() -> None:
    """The one commit of a request, a command or a task: stores its work, then
    sends what it asked for after the commit."""
    db.session.commit()
    _run_ready()


def send(task, *args) -> None:
    """Starts `task(*args)` now: on the broker, or (embedded) after the response, or
    at once outside a request. Prefer `enqueue`, which waits for the commit."""
    app = current_app._get_current_object()
    task = app.extensions["celery"].tasks[task.name]  # this app's, with its settings
    if not embedded(app):
        try:
            task.apply_async(args)
        except Exception:  # the broker is down: the periodic sweeps take the rows up
            log.warning("could not send task %s to the broker", task.name, exc_info=True)
        return
    if has_request_context() and AFTER_RESPONSE in g:  # a request being served
        g.get(AFTER_RESPONSE).append((task, args))
    else:  # a command, a task, or a request context made up to build links
        _apply(task, args)


def _apply(task, args) -> None:
    result = task.apply(args)
    if result.failed():
        log.error("task %s failed: %r", task.name, result.result)


def _register_listeners() -> None:
    import sqlalchemy as sa

    if sa.event.contains(db.session, "after_commit", _committed):
        return
    sa.event.listen(db.session, "after_commit", _committed)
    # Every rollback, also of a transaction that had not reached the database yet.
    # (The app uses no savepoints: a rollback drops all the transaction asked for.)
    sa.event.listen(db.session, "after_soft_rollback", _rolled_back)


def _committed(session) -> None:
    pending = session.info.pop(PENDING, None)
    session.info.pop(KEYS, None)
    session.info.pop(COLLECTED, None)
    if pending:
        session.info.setdefault(READY, []).extend(pending)


def _rolled_back(session, _previous_transaction) -> None:
    for key in (PENDING, KEYS, COLLECTED):
        session.info.pop(key, None)


def _run_ready() -> None:
    """Runs the callbacks of transactions that have committed (by `commit()` or a
    plain session commit), each once."""
    info = db.session().info
    while info.get(READY):
        callback = info[READY].pop(0)
        try:
            callback()
        except Exception:  # one failed callback must not keep the others from running
            log.exception("after-commit callback failed")


def _after_request(response):
    """Sends what a view committed with a plain session commit, and (embedded) runs
    the request's tasks once the response is sent: WSGI servers close a response
    after its last byte is written."""
    _run_ready()
    tasks = g.pop(AFTER_RESPONSE, None)
    if tasks:
        batch = _AfterResponse(current_app._get_current_object(), tasks)
        response.call_on_close(batch.run)
    return response


# Werkzeug's development server (`make run`) skips closing a response when the
# browser has already dropped the connection: a timer then runs its tasks.
CLOSE_FALLBACK_SECONDS = 2.0


class _AfterResponse:
    """A request's tasks (embedded mode): run once, when the server closes the
    response, or by the timer if it never does."""

    def __init__(self, app: Flask, tasks: list):
        self.app, self.tasks = app, tasks
        self._taken = threading.Lock()
        self._timer = threading.Timer(CLOSE_FALLBACK_SECONDS, self.run)
        self._timer.daemon = True
        self._timer.start()

    def run(self) -> None:
        if not self._taken.acquire(blocking=False):
            return  # run already
        self._timer.cancel()
        with self.app.app_context():
            # Tasks these tasks enqueue run right after them (no request here).
            for task, args in self.tasks:
                _apply(task, args)


# The worker's sign of life, read by /healthz.


def _redis(url: str):
    return redis.Redis.from_url(
        url, socket_timeout=HEALTH_TIMEOUT, socket_connect_timeout=HEALTH_TIMEOUT
    )


_beating = threading.Event()


@worker_ready.connect
def _start_heartbeat(sender=None, **_):
    url = sender.app.conf.broker_url
    if not url.startswith("redis"):
        return
    _beating.set()

    def beat():
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        while _beating.is_set():
            with contextlib.suppress(redis.RedisError):
                client.set(WORKER_SEEN, str(time.time()), ex=WORKER_SEEN_EVERY * 8)
            time.sleep(WORKER_SEEN_EVERY)

    threading.Thread(target=beat, name="worker-heartbeat", daemon=True).start()


@worker_process_init.connect
def _own_connections(**_):
    """Each worker process opens its own database connections: those of the process
    it was forked from must not be shared."""
    import celery

    app = getattr(celery.current_app, "flask_app", None)
    if app is not None:
        with app.app_context():
            db.engine.dispose(close=False)


@worker_shutting_down.connect
def _stop_heartbeat(**_):
    _beating.clear()


def worker_status() -> dict:
    """For /healthz: the broker, and how long ago a worker last said it runs;
    Redis gets HEALTH_TIMEOUT seconds at most."""
    url = current_app.config["CELERY_BROKER_URL"]
    if not url:
        return {"tasks": "embedded"}
    try:
        client = _redis(url)
        client.ping()
        seen = client.get(WORKER_SEEN)
    except redis.RedisError:
        return {"tasks": "broker", "broker": "unreachable"}
    if seen is None:
        return {"tasks": "broker", "broker": "ok", "worker": "none seen"}
    return {
        "tasks": "broker",
        "broker": "ok",
        "worker": "ok",
        "worker_seen_seconds_ago": round(max(time.time() - float(seen), 0), 1),
    }
