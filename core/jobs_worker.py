"""The background jobs' worker (``flask --app wsgi jobs worker``): a face of the app, like the
command line, that runs each queued job in its own units of work (core.services.jobs records
and reads jobs; it never commits)."""

from __future__ import annotations

from flask import current_app

from core.errors import DomainError
from core.extensions import db
from core.models import User
from core.models.jobs import Job
from core.services import audit, clock
from core.services.jobs import KINDS, QUEUE, params_of, redis_connection
from core.unit_of_work import unit_of_work


def run_queued(job_id: str) -> None:
    """The worker's entry point (inside the app's context: see :func:`worker`)."""
    from rq import get_current_job

    current = get_current_job()

    def progress(done: int, total: int, message: str = "") -> None:
        if current is not None:
            current.meta.update({"done": done, "total": total, "message": message})
            current.save_meta()

    with unit_of_work():
        job = db.session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
    with unit_of_work():
        job = db.session.get(Job, job_id)
        actor = db.session.get(User, job.created_by)
        params = params_of(job)
    try:
        with unit_of_work():
            result = KINDS[job.kind].run(params, actor, progress)
            job = db.session.get(Job, job_id)
            job.status, job.result, job.finished_at = "done", result, clock.now()
            audit.record("job.done", "job", job_id, actor=actor, details={"kind": job.kind})
    except Exception as exc:  # the job's own transaction rolled back: record why
        message = str(exc.message) if isinstance(exc, DomainError) else \
            "Lỗi hệ thống khi chạy công việc; quản trị viên xem nhật ký máy chủ."
        if not isinstance(exc, DomainError):
            current_app.logger.exception("job %s failed", job_id)
        with unit_of_work():
            job = db.session.get(Job, job_id)
            job.status, job.error, job.finished_at = "failed", message, clock.now()
            audit.record("job.failed", "job", job_id, actor=actor,
                         details={"kind": job.kind, "error": message[:500]})


def worker(app, *, burst: bool = False) -> None:
    """Run the queue's worker inside the app's context (``flask --app wsgi jobs worker``)."""
    # SimpleWorker runs each job in this process (no fork): the app's database connections
    # are never shared with a forked child, and the app context is this one.
    from rq import SimpleWorker

    with app.app_context():
        connection = redis_connection()
        if connection is None:
            raise RuntimeError("Không kết nối được Redis (THIDUA_REDIS_URL): không chạy "
                               "được hàng đợi công việc.")
        SimpleWorker([QUEUE], connection=connection).work(burst=burst, with_scheduler=False)
