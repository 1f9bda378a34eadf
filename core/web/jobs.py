"""A background job's page: its progress while it runs (static/js/job_progress.js asks the
API every second; without JavaScript the page refreshes itself), then its result. Thin
callers of core.services.jobs."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from core.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<job_id>")
@login_required
def page(job_id: str):
    job = jobs.get(job_id, actor=current_user)
    result = jobs.take_result(job, actor=current_user)
    response = Response(render_template("jobs/page.html", job=job, status=jobs.status(job),
                                        result=result))
    response.headers["Cache-Control"] = "no-store"  # generated passwords are shown once
    return response
