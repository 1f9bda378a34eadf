"""Long work in the background with progress (issue 14, point 7): an import of people runs as
a job on the real Redis queue (RQ) with its progress in the queue, its result shown once to
the person who asked (generated passwords), a failure recorded with nothing written; and the
same code runs at once when there is no Redis."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core import jobs_worker
from core.extensions import db
from core.models import Job, Unit, User
from core.services import jobs
from tests.support import api_token, bearer, row_counts
from tests.support.admin_pages import UNITS, USERS, page_client, workbook

REDIS = "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        connection.ping()
    except (RedisError, OSError):
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one when installed)")
    return connection


@pytest.fixture
def queued(app, demo):
    """The app with the queue on Redis database 15, emptied before and after."""
    connection = _redis_or_skip()
    connection.flushdb()
    app.config["THIDUA_REDIS_URL"] = REDIS
    yield app
    connection.flushdb()


def _import_through_the_api(app, data: bytes):
    client = app.test_client()
    return client.post("/api/v1/imports", headers=bearer(api_token(client, "admin")),
                       data={"file": (io.BytesIO(data), "tinh.xlsx"), "apply": "true",
                             "background": "true"},
                       content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_import_runs_in_the_background_with_progress(queued):
    users_before = _count(User)
    answer = _import_through_the_api(queued, workbook(UNITS, USERS))
    assert answer.status_code == 202, answer.get_json()
    job_id = answer.get_json()["job"]
    assert answer.headers["Location"] == f"/api/v1/jobs/{job_id}"
    db.session.expire_all()
    assert _count(User) == users_before  # queued, not run yet
    admin = bearer(api_token(queued.test_client(), "admin"))
    assert queued.test_client().get(f"/api/v1/jobs/{job_id}", headers=admin) \
        .get_json()["status"] == "queued"
    jobs_worker.worker(queued, burst=True)  # the worker takes it (in this process)
    db.session.expire_all()
    assert _count(User) == users_before + 3
    status = queued.test_client().get(f"/api/v1/jobs/{job_id}", headers=admin).get_json()
    assert status["status"] == "done"
    assert status["result"] == {"units": 2, "users": 3, "filename": "tinh.xlsx"}
    # The progress the job reported on its way, kept by the queue.
    from rq.job import Job as RqJob

    meta = RqJob.fetch(job_id, connection=jobs.redis_connection()).meta
    assert (meta["done"], meta["total"]) == (5, 5) and "gtvt.thutruong" in meta["message"]
    # The page shows the generated password once, to the admin who asked.
    client = page_client(queued, "admin")
    first = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "xd.thutruong" in first and "chỉ hiện một lần" in first
    assert client.get(f"/jobs/{job_id}").get_data(as_text=True).count("<code>") == 0
    stored = db.session.get(Job, job_id)
    db.session.refresh(stored)
    assert stored.result["secrets"] is None and stored.result["secrets_shown"]


def test_the_import_page_hands_over_to_the_job_page(queued):
    client = page_client(queued, "admin")
    preview = client.post("/admin/import", data={
        "file": (io.BytesIO(workbook(UNITS, USERS)), "tinh.xlsx")},
        content_type="multipart/form-data")
    assert preview.status_code == 200
    import re

    token = re.search(r'name="token" type="hidden" value="([^"]+)"|name="token" value="([^"]+)"',
                      preview.get_data(as_text=True))
    token = next(g for g in token.groups() if g)
    applied = client.post("/admin/import/apply", data={"token": token})
    assert applied.status_code == 303 and applied.headers["Location"].startswith("/jobs/")
    waiting = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "Đang chờ đến lượt" in waiting and "job_progress.js" in waiting
    jobs_worker.worker(queued, burst=True)
    done = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 2 đơn vị và 3 tài khoản" in done


def test_a_job_that_fails_writes_nothing_and_says_why(queued):
    answer = _import_through_the_api(queued, workbook(UNITS, USERS))
    job_id = answer.get_json()["job"]
    # Meanwhile someone creates one of the file's units: the job's check now refuses it.
    from core.services import accounts
    from core.unit_of_work import unit_of_work

    with unit_of_work():
        accounts.create_unit("so-xd", "Sở Xây dựng", "Sở XD", actor=None)
    before = row_counts()
    jobs_worker.worker(queued, burst=True)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "failed"
    assert "Tệp có lỗi" in job.error  # the import's own refusal, in its words
    after = row_counts()
    # Only the job's own row and its audit event changed.
    assert {k for k in after if after[k] != before[k]} <= {"audit_events"}
    assert db.session.scalar(select(Unit.id).where(Unit.code == "so-gtvt")) is None


def test_someone_else_cannot_read_the_job(queued):
    job_id = _import_through_the_api(queued, workbook(UNITS, USERS)).get_json()["job"]
    other = bearer(api_token(queued.test_client(), "tttt.canbo"))
    assert queued.test_client().get(f"/api/v1/jobs/{job_id}", headers=other).status_code == 403
    assert queued.test_client().get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_without_redis_the_job_runs_at_once(app, demo):
    app.config["THIDUA_REDIS_URL"] = None
    answer = _import_through_the_api(app, workbook(UNITS, USERS))
    assert answer.status_code == 202
    job = db.session.get(Job, answer.get_json()["job"])
    assert job.status == "done" and job.result["users"] == 3
