"""The signature-check page: a signed-in user uploads a PDF and sees whether its digital
signatures are valid, who signed, when, and whether the document changed after signing.
Nothing is stored: the upload is read into memory, checked, and dropped. A thin caller of
core.services.signing.validate."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from core.services import signing

bp = Blueprint("signatures", __name__, url_prefix="/signatures")


class CheckForm(FlaskForm):
    file = FileField(_l("Tệp PDF cần kiểm tra"),
                     validators=[FileRequired(_l("Chọn tệp PDF cần kiểm tra."))])


@bp.route("/check", methods=["GET", "POST"])
@login_required
def check():
    form = CheckForm()
    limit_mb = current_app.config.get("THIDUA_SIGNATURE_CHECK_MAX_MB", 20)
    config = signing.SigningConfig.from_config()
    report, problems, filename, status = None, [], None, 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            upload = form.file.data
            filename = (upload.filename or "").rsplit("/", 1)[-1][:120]
            data = upload.read(limit_mb * 1024 * 1024 + 1)
            if len(data) > limit_mb * 1024 * 1024:
                problems.append(_("Tệp “%(name)s” lớn hơn %(mb)d MB, mức tối đa được kiểm tra.",
                                  name=filename, mb=limit_mb))
                status = 413
            elif not data.lstrip()[:5].startswith(b"%PDF-"):
                problems.append(_("Tệp “%(name)s” không phải tệp PDF. Chỉ kiểm tra được chữ ký "
                                  "số của tệp PDF.", name=filename))
                status = 422
            else:
                try:
                    report = signing.validate(data, config=config)
                except signing.InvalidPdf:
                    problems.append(_("Tệp “%(name)s” bị hỏng hoặc không đọc được như một tệp "
                                      "PDF.", name=filename))
                    status = 422
    return render_template("documents/signature_check.html", form=form, report=report,
                           problems=problems, filename=filename, limit_mb=limit_mb,
                           has_roots=bool(config.trust_roots)), status
