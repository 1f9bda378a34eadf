"""Long work in the background, with progress (issue 14, point 7).

A job is a row of ``jobs`` (who asked, for what, how it ended) and, while it runs, an RQ job
on the province's Redis (``THIDUA_REDIS_URL``) whose ``meta`` holds the progress (done,
total, a line of text). ``flask --app wsgi jobs worker`` runs the queue's worker with the
app's context (core/jobs_worker.py: it opens the units of work a service never does). Without Redis (or with ``THIDUA_JOBS=sync``) a job runs at once, in the
request that asked for it: the same code, only without a progress bar.

Jobs are registered here by kind (:data:`KINDS`); each runs in its own unit of work (all or
nothing), reports progress through a callback, and returns a JSON-able result. A result that
holds secrets (the generated passwords of an import) is shown once to the person who asked,
then erased (:func:`take_result`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.errors import DomainError, Forbidden, NotFound
from core.extensions import db
from core.models import User
from core.models.jobs import Job
from core.services import attachments, audit, clock

QUEUE = "thidua"
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class JobKind:
    title: str
    run: Callable[..., dict[str, Any]]  # (params, actor, progress) -> result
    secret_result: bool = False


KINDS: dict[str, JobKind] = {}


def register(kind: str, title: str, *, secret_result: bool = False):
    def decorate(func):
        KINDS[kind] = JobKind(title, func, secret_result)
        return func
    return decorate


# -- the queue -------------------------------------------------------------------------------

def redis_connection():
    """The Redis the jobs use, or None (no URL, ``THIDUA_JOBS=sync``, or not answering)."""
    config = current_app.config
    url = config.get("THIDUA_REDIS_URL")
    if not url or config.get("THIDUA_JOBS") == "sync":
        return None
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    try:
        connection.ping()
    except (RedisError, OSError):
        current_app.logger.warning("Redis at %s does not answer: jobs run synchronously", url)
        return None
    return connection


def queue(connection=None):
    from rq import Queue

    connection = connection or redis_connection()
    return Queue(QUEUE, connection=connection) if connection is not None else None


# -- submitting --------------------------------------------------------------------------------

def submit(kind: str, params: dict[str, Any], *, actor: User,
           data: bytes | None = None) -> Job:
    """Record a job for ``actor`` and start it: queued on Redis when there is one (the
    caller's unit of work commits the row; the queue gets the job right after the commit),
    else run now. ``data`` (an uploaded file) is kept in the content-addressed store and
    passed by its SHA-256."""
    if kind not in KINDS:
        raise NotFound(f"Không có loại công việc '{kind}'.", code="job_kind_unknown")
    params = dict(params)
    if data is not None:
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        attachments.write_blob(digest, data)
        params["blob"] = digest
    job = Job(id=str(uuid.uuid4()), kind=kind, title=KINDS[kind].title, status="queued",
              params=params, created_by=actor.id, created_at=clock.now())
    db.session.add(job)
    audit.record("job.submit", "job", job.id, actor=actor, details={"kind": kind})
    db.session.flush()
    connection = redis_connection()
    if connection is None:
        _run_here(job, actor)
    else:
        db.session.info.setdefault("thidua_jobs_to_enqueue", []).append(job.id)
    return job


def enqueue_after_commit(session) -> None:
    """Push the jobs the committed transaction recorded (a worker must find their rows)."""
    ids = session.info.pop("thidua_jobs_to_enqueue", [])
    if not ids:
        return
    target = queue()
    for job_id in ids:
        if target is None:  # Redis went away since: the job stays queued, said plainly
            current_app.logger.error("job %s not queued: Redis does not answer", job_id)
            continue
        target.enqueue("core.jobs_worker.run_queued", job_id, job_id=job_id,
                       job_timeout=3600, result_ttl=3600, failure_ttl=86400)


def _run_here(job: Job, actor: User) -> None:
    """Without a queue: the job runs inside the caller's transaction (all or nothing with
    it); a refusal marks the job failed and is raised to the caller."""
    job.status = "running"
    try:
        with db.session.begin_nested():
            result = KINDS[job.kind].run(params_of(job), actor, lambda *a: None)
    except DomainError as exc:
        job.status, job.error, job.finished_at = "failed", str(exc.message), clock.now()
        raise
    job.status, job.result, job.finished_at = "done", result, clock.now()


def params_of(job: Job) -> dict[str, Any]:
    params = dict(job.params)
    if "blob" in params:
        params["data"] = attachments.storage_path(params.pop("blob")).read_bytes()
    return params


# -- reading ---------------------------------------------------------------------------------

def get(job_id: str, *, actor: User) -> Job:
    job = db.session.get(Job, str(job_id)[:36])
    if job is None:
        raise NotFound("Không có công việc này.", code="job_not_found")
    if job.created_by != actor.id and not actor.is_admin:
        raise Forbidden("Công việc này do người khác yêu cầu.")
    return job


def status(job: Job) -> dict[str, Any]:
    """What the progress page shows: the status and, while it runs, the progress."""
    body: dict[str, Any] = {"id": job.id, "kind": job.kind, "title": job.title,
                            "status": job.status, "error": job.error,
                            "created_at": job.created_at.isoformat(),
                            "finished_at": job.finished_at.isoformat() if job.finished_at
                            else None, "done": None, "total": None, "message": ""}
    if job.status in ("queued", "running"):
        target = queue()
        if target is not None:
            from rq.exceptions import NoSuchJobError
            from rq.job import Job as RqJob

            try:
                found = RqJob.fetch(job.id, connection=target.connection)
                body.update({k: found.meta.get(k) for k in ("done", "total")},
                            message=found.meta.get("message", ""))
            except NoSuchJobError:
                pass
    if job.status == "done" and job.result is not None:
        body["result"] = {k: v for k, v in job.result.items() if k != "secrets"}
    return body


def take_result(job: Job, *, actor: User) -> dict[str, Any] | None:
    """The result, secrets included, for the person who asked — once: the secrets are erased
    as they are read (the caller's unit of work commits it)."""
    if job.status != "done" or job.result is None:
        return None
    result = dict(job.result)
    if KINDS.get(job.kind) and KINDS[job.kind].secret_result and job.created_by == actor.id \
            and result.get("secrets"):
        job.result = {**result, "secrets": None, "secrets_shown": True}
        audit.record("job.secrets_shown", "job", job.id, actor=actor)
        return result
    result.pop("secrets", None)
    return result


# -- the jobs ----------------------------------------------------------------------------------

@register("import_people", "Nhập đơn vị và tài khoản từ tệp", secret_result=True)
def _import_people(params: dict[str, Any], actor: User, progress: Progress) -> dict[str, Any]:
    from core.services import imports

    report = imports.apply(params["data"], params["filename"], kind=params.get("kind"),
                           actor=actor, progress=progress)
    return {"units": len(report.units), "users": len(report.users),
            "filename": params["filename"], "secrets": dict(report.passwords) or None}


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session) -> None:
    if session.info.get("thidua_jobs_to_enqueue") and has_app_context():
        enqueue_after_commit(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_uncommitted(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("thidua_jobs_to_enqueue", None)
