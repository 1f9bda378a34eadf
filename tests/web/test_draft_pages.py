"""Nothing typed is lost on the cycle's forms (issue 13): drafts saved as the person types and
restored when the form is opened, given up or deleted once the form is saved; the report's
text kept when a file is added or removed; a refused stale submit shown beside what is
stored; a form posted after the session expired brought back after sign-in."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, FormDraft
from core.services import drafts, reports
from tests.support import DEMO_PASSWORD
from tests.support.cycle_pages import (
    OFFICER,
    UNIT,
    B,
    at,
    campaign,
    campaign_unit,
    page_client,
    submit_registration,
    text,
    user,
)
from tests.support.files import pdf_bytes
from tests.support.html import csrf_token

MID = f"{B}/reports/{UNIT}/mid_year"
SAVE_DRAFT = f"{B}/drafts/report/{UNIT}/mid_year"
KEY = f"report:khoi-8:2021:{UNIT}:mid_year"
PDF = pdf_bytes()


def draft_of(username: str, key: str = KEY) -> dict | None:
    db.session.expire_all()
    found = drafts.get(user(username), key)
    return None if found is None else dict(found.fields)


def ready(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    db.session.commit()
    at(demo, 2021, 6, 10, 10, 42)
    return page_client(demo, OFFICER)


def test_typing_saves_a_draft_that_the_form_restores_until_it_is_saved(demo):
    client = ready(demo)
    page = text(client.get(MID))
    assert f'data-draft-url="{SAVE_DRAFT}"' in page
    assert 'src="/static/js/drafts.js"' in page
    saved = client.post(SAVE_DRAFT, data={"csrf_token": "t", "version": "0",
                                          "body": "Sáu tháng đầu năm, Sở đã…",
                                          "progress-0-percent": "55"})
    assert saved.status_code == 200
    assert saved.get_json()["message"] == "Đã lưu bản nháp tự động lúc 10:42."
    assert draft_of(OFFICER) == {"version": "0", "body": "Sáu tháng đầu năm, Sở đã…",
                                 "progress-0-percent": "55"}
    reports_before = reports.get(campaign(), campaign_unit(UNIT), "mid_year")
    assert reports_before is None  # a draft is not the report

    page = text(client.get(MID))
    assert "Đã khôi phục bản nháp lưu lúc 10:42 10/06/2021" in page
    assert "Sáu tháng đầu năm, Sở đã…</textarea>" in page
    assert 'name="progress-0-percent" value="55"' in page
    assert f'action="{SAVE_DRAFT}/discard"' in page

    # Saving the form deletes the draft: the page shows the report, no notice.
    assert client.post(MID, data={"action": "save", "version": "0", "body": "Đã lưu",
                                  "progress-0-percent": "60"}).status_code == 303
    assert draft_of(OFFICER) is None
    page = text(client.get(MID))
    assert "Đã khôi phục bản nháp" not in page and "Đã lưu</textarea>" in page


def test_a_draft_is_given_up_and_is_nobody_elses(demo):
    client = ready(demo)
    client.post(SAVE_DRAFT, data={"body": "Của tôi"})
    # Another officer of another unit may not keep a draft of this form nor see this one.
    other = page_client(demo, "yte.canbo")
    assert other.post(SAVE_DRAFT, data={"body": "x"}).status_code == 403
    assert "Của tôi" not in text(other.get(MID))
    leader = page_client(demo, "tttt.canbo")
    assert "Của tôi" not in text(leader.get(MID))
    assert client.post(f"{B}/drafts/ballot/{UNIT}", data={"body": "x"}).status_code == 404
    too_big = client.post(SAVE_DRAFT, data={"body": "x" * (drafts.MAX_DRAFT_BYTES + 10)})
    assert too_big.status_code == 413
    assert draft_of(OFFICER) == {"body": "Của tôi"}

    given_up = client.post(f"{SAVE_DRAFT}/discard")
    assert given_up.status_code == 303 and given_up.headers["Location"].endswith(MID)
    assert draft_of(OFFICER) is None


def test_adding_and_removing_a_file_keeps_what_was_typed(demo):
    client = ready(demo)
    page = text(client.get(MID))
    # The upload button is in the report's form: the typed fields go with the file.
    assert 'formaction="' + f"{MID}/attachments" + '" formenctype="multipart/form-data"' in page
    typed = {"version": "0", "body": "Chưa lưu mà không mất", "progress-0-percent": "70",
             "progress-0-note": "Đúng tiến độ", "action": "upload"}
    added = client.post(f"{MID}/attachments", data={
        **typed, "file": (io.BytesIO(PDF), "Phụ lục.pdf")}, content_type="multipart/form-data")
    assert added.status_code == 303
    page = text(client.get(MID))
    assert "Phụ lục.pdf" in page
    assert "Chưa lưu mà không mất</textarea>" in page
    assert 'name="progress-0-percent" value="70"' in page
    # The file created the report (version 1): the restored form follows it, so saving works.
    assert 'name="version" value="1"' in page

    report = reports.get(campaign(), campaign_unit(UNIT), "mid_year")
    attachment = report.attachments[0].id
    assert f'name="attachment" value="{attachment}"' in page
    typed["body"] = "Sửa tiếp rồi bỏ tệp"
    removed = client.post(f"{MID}/attachments/remove",
                          data={**typed, "version": "1", "attachment": attachment})
    assert removed.status_code == 303
    page = text(client.get(MID))
    assert "Đã bỏ tệp “Phụ lục.pdf” khỏi báo cáo." in page
    assert "Phụ lục.pdf</a>" not in page and "Sửa tiếp rồi bỏ tệp</textarea>" in page
    db.session.expire_all()
    assert reports.get(campaign(), campaign_unit(UNIT), "mid_year").attachments == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.detach"))
    assert event.actor == OFFICER and event.details["name"] == "Phụ lục.pdf"
    assert client.post(f"{MID}/attachments/remove",
                       data={"attachment": "nope"}).status_code == 404

    # A refused file keeps the typed text on the page too.
    wrong = client.post(f"{MID}/attachments", data={
        **typed, "body": "Vẫn còn đây", "file": (io.BytesIO(b"MZ not a pdf"), "x.pdf")},
        content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert "Vẫn còn đây</textarea>" in text(wrong)

    assert client.post(MID, data={"action": "save", "version": "1", "body": "Xong",
                                  "progress-0-percent": "70"}).status_code == 303


def test_a_stale_submit_shows_stored_and_unsaved_side_by_side(demo):
    client = ready(demo)
    assert client.post(MID, data={"action": "save", "version": "0", "body": "Bản của A",
                                  "progress-0-percent": "40"}).status_code == 303
    # Someone else saves meanwhile (version 2); this form was loaded at version 1.
    other = page_client(demo, OFFICER)
    assert other.post(MID, data={"action": "save", "version": "1", "body": "Bản của B",
                                 "progress-0-percent": "50"}).status_code == 303
    refused = client.post(MID, data={"action": "submit", "version": "1",
                                     "body": "Bản A sửa tiếp", "progress-0-percent": "45"})
    assert refused.status_code == 409
    page = text(refused)
    panel = page[page.index('id="unsaved"'):page.index("</section>", page.index('id="unsaved"'))]
    assert "Nội dung bạn nhập chưa được lưu" in panel
    assert re.search(r'stored-value"[^>]*>Bản của B<', panel)
    assert re.search(r'unsaved-value"[^>]*>Bản A sửa tiếp<', panel)
    assert re.search(r'stored-value"[^>]*>50<', panel) and re.search(
        r'unsaved-value"[^>]*>45<', panel)
    # The form keeps the typed text, now based on the stored version: sending again is a
    # knowing replacement.
    assert "Bản A sửa tiếp</textarea>" in page and 'name="version" value="2"' in page


def test_a_submit_refused_because_the_step_closed_never_shows_typed_text_as_stored(demo):
    client = ready(demo)
    assert client.post(MID, data={"action": "save", "version": "0", "body": "Đã lưu thật",
                                  "progress-0-percent": "40"}).status_code == 303
    at(demo, 2021, 7, 20, 9, 0)  # the mid-year step is past due and closed by its host
    deputy = page_client(demo, "ldtbxh.canbo")
    closed = deputy.post(f"{B}/mid-year-review/close", data={
        "date": "15/07/2021", "place": "Hội trường", "conclusions": "Đã sơ kết"})
    assert closed.status_code == 303
    refused = client.post(MID, data={"action": "submit", "version": "1",
                                     "body": "Gõ sau khi đóng", "progress-0-percent": "99"})
    assert refused.status_code == 409
    page = text(refused)
    read_only = page[page.index('id="body-h"'):]
    assert "Đã lưu thật" in read_only.split("</section>")[0]
    assert "Gõ sau khi đóng" not in read_only.split("</section>")[0]
    assert 'name="body"' not in page
    panel = page[page.index('id="unsaved"'):]
    assert re.search(r'unsaved-value"[^>]*>Gõ sau khi đóng<', panel)


def sign_in(client, username: str, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"csrf_token": csrf_token(client, "/login"),
                                  "username": username, "password": DEMO_PASSWORD})


def rescue_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FormDraft)
                                 .where(FormDraft.user_id.is_(None)))


def test_an_expired_session_brings_the_person_back_to_the_form_with_their_text(csrf_app):
    at(csrf_app, 2021, 5, 3, 9, 0)
    with csrf_app.app_context():
        submit_registration()
        db.session.commit()
    at(csrf_app, 2021, 6, 10, 9, 0)
    # The session expired: the browser has no session any more, the form an old token.
    stranger = csrf_app.test_client()
    answer = stranger.post(MID, data={"csrf_token": "old-token", "action": "submit",
                                      "version": "0", "body": "Gõ lâu, phiên hết hạn",
                                      "progress-0-percent": "80"})
    assert answer.status_code == 303
    login = urlsplit(answer.headers["Location"])
    assert login.path == "/login"
    back = parse_qs(login.query)["next"][0]
    assert back.startswith(MID + "?rescue=")
    assert "mã bảo vệ CSRF" not in text(stranger.get(answer.headers["Location"]))
    assert rescue_rows(csrf_app) == 1

    # Someone else signing in elsewhere without the token sees nothing of it.
    other = csrf_app.test_client()
    sign_in(other, OFFICER)
    assert "Gõ lâu, phiên hết hạn" not in text(other.get(MID))
    # An officer of another unit with the token: the form is not theirs; nothing is given.
    intruder = csrf_app.test_client()
    sign_in(intruder, "yte.canbo")
    assert "Gõ lâu, phiên hết hạn" not in text(intruder.get(back))

    # Hold a second rescue for the person, who signs in and is brought back with the text.
    answer = stranger.post(MID, data={"csrf_token": "old-token", "action": "submit",
                                      "version": "0", "body": "Gõ lâu, phiên hết hạn",
                                      "progress-0-percent": "80"})
    back = parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]
    assert rescue_rows(csrf_app) == 2
    signed = sign_in(stranger, OFFICER, next_url=back.replace("?", "%3F").replace("=", "%3D"))
    assert signed.status_code == 302 and signed.headers["Location"] == back
    page = text(stranger.get(back))
    assert "Gõ lâu, phiên hết hạn</textarea>" in page
    assert 'name="progress-0-percent" value="80"' in page
    assert "Đã khôi phục bản nháp" in page
    assert rescue_rows(csrf_app) == 1  # claimed; the first waits for its token, or expires
    # The token worked once; the text is now the person's own draft.
    assert "Gõ lâu, phiên hết hạn</textarea>" in text(stranger.get(MID))


def test_an_expired_token_while_signed_in_keeps_the_text_as_a_draft(csrf_app):
    at(csrf_app, 2021, 5, 3, 9, 0)
    with csrf_app.app_context():
        submit_registration()
        db.session.commit()
    at(csrf_app, 2021, 6, 10, 9, 0)
    client = csrf_app.test_client()
    sign_in(client, OFFICER)
    answer = client.post(MID, data={"csrf_token": "expired", "action": "save",
                                    "version": "0", "body": "Vẫn đăng nhập"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(MID)
    page = text(client.get(MID))
    assert "Phiên làm việc đã hết hạn nên biểu mẫu chưa được lưu hoặc gửi" in page
    assert "Vẫn đăng nhập</textarea>" in page
    with csrf_app.app_context():
        assert reports.get(campaign(), campaign_unit(UNIT), "mid_year") is None
    # Any other form still answers the CSRF page.
    assert client.post("/logout", data={"csrf_token": "x"}).status_code == 400


def test_the_registration_and_score_forms_keep_drafts_and_compare_stale_submits(demo):
    at(demo, 2021, 5, 3, 9, 0)
    client = page_client(demo, OFFICER)
    page_url = f"{B}/registrations/{UNIT}"
    key = f"registration:khoi-8:2021:{UNIT}"
    assert f'data-draft-url="{B}/drafts/registration/{UNIT}"' in text(client.get(page_url))
    client.post(f"{B}/drafts/registration/{UNIT}",
                data={"version": "0", "items-0-target": "Chỉ tiêu đang gõ"})
    assert draft_of(OFFICER, key) == {"version": "0", "items-0-target": "Chỉ tiêu đang gõ"}
    assert "Chỉ tiêu đang gõ</textarea>" in text(client.get(page_url))
    assert client.post(page_url, data={"action": "save", "version": "0",
                                       "items-0-target": "Lưu lần 1"}).status_code == 303
    assert draft_of(OFFICER, key) is None
    assert client.post(page_url, data={"action": "save", "version": "1",
                                       "items-0-target": "Lưu lần 2"}).status_code == 303
    stale = client.post(page_url, data={"action": "save", "version": "1",
                                        "items-0-target": "Bản cũ sửa"})
    assert stale.status_code == 409
    panel = text(stale)[text(stale).index('id="unsaved"'):]
    assert re.search(r'stored-value"[^>]*>Lưu lần 2<', panel)
    assert re.search(r'unsaved-value"[^>]*>Bản cũ sửa<', panel)

    at(demo, 2022, 1, 20, 9, 0)
    scores_url = f"{B}/scores/{UNIT}"
    client.post(f"{B}/drafts/scores/{UNIT}",
                data={"items-0-self_score": "4,5", "items-0-evidence": "Công văn 12"})
    page = text(client.get(scores_url))
    assert 'name="items-0-self_score" value="4,5"' in page and "Công văn 12</textarea>" in page
    assert "Đã khôi phục bản nháp" in page
