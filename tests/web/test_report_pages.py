"""The report pages (sơ kết, tổng kết): progress per registered target, the summary, attachments
uploaded and downloaded through the services, and bad input with nothing changed."""

from __future__ import annotations

import io

from core.extensions import db
from core.services import attachments, reports
from tests.support import row_counts
from tests.support.cycle_pages import (
    OFFICER,
    UNIT,
    B,
    at,
    campaign,
    campaign_unit,
    item_codes,
    page_client,
    save_self_scores,
    submit_registration,
    text,
)
from tests.support.files import pdf_bytes

MID = f"{B}/reports/{UNIT}/mid_year"
END = f"{B}/reports/{UNIT}/year_end"
PDF = pdf_bytes()  # a real PDF: attachments are checked by structure


def stored(kind: str = "mid_year"):
    db.session.expire_all()
    return reports.get(campaign(), campaign_unit(UNIT), kind)


def progress_form(percents: dict[int, str], *, body: str = "", action: str = "save",
                  notes: dict[int, str] | None = None) -> dict[str, str]:
    data = {"action": action, "body": body}
    for index, percent in percents.items():
        data[f"progress-{index}-percent"] = percent
    for index, note in (notes or {}).items():
        data[f"progress-{index}-note"] = note
    return data


def test_mid_year_report_draft_then_submit(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    client = page_client(demo, OFFICER)
    page = text(client.get(MID))
    targets = len(item_codes()) - 1  # the last item is "không áp dụng"
    assert page.count('name="progress-') == targets * 2
    assert "Chỉ tiêu 1.1" in page  # the registered target is shown
    assert "Khối phó" in page and "14/06/2021" in page

    response = client.post(MID, data=progress_form(
        {0: "40", 1: "55"}, body="Nháp báo cáo", notes={1: "Đúng tiến độ"}))
    assert response.status_code == 303
    report = stored()
    assert report.status == "draft" and report.body == "Nháp báo cáo"
    assert {p.criterion.code: (p.percent, p.note) for p in report.progress} == {
        "1.1": (40, ""), "1.2": (55, "Đúng tiến độ")}

    response = client.post(MID, data=progress_form(
        {i: "50" for i in range(targets)}, body="Sáu tháng đầu năm", action="submit"))
    assert response.status_code == 303
    report = stored()
    assert report.status == "submitted" and report.late is False
    assert len(report.progress) == targets
    page = text(client.get(MID))
    assert "Đã gửi báo cáo." in page and "Sáu tháng đầu năm" in page
    assert 'name="body"' not in page  # read-only

    before = row_counts()
    again = client.post(MID, data=progress_form({0: "60"}, body="Sửa"))
    assert again.status_code == 409 and "Báo cáo đã gửi; không sửa được." in text(again)
    assert row_counts() == before


def test_bad_percent_is_refused_and_kept(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    client = page_client(demo, OFFICER)
    before = row_counts()
    response = client.post(MID, data=progress_form(
        {0: "150", 3: "bốn mươi"}, body="Nội dung đã gõ", notes={0: "Ghi chú đã gõ"}))
    assert response.status_code == 422
    page = text(response)
    assert "Dữ liệu không hợp lệ." in page
    assert page.count(": tỷ lệ hoàn thành là số nguyên từ 0 đến 100.") >= 2
    assert 'id="progress-0-percent-error"' in page and 'id="progress-3-percent-error"' in page
    assert 'value="150"' in page and 'value="bốn mươi"' in page
    assert "Nội dung đã gõ" in page and "Ghi chú đã gõ" in page
    assert row_counts() == before


def test_submit_without_body_or_all_targets(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    client = page_client(demo, OFFICER)
    before = row_counts()
    response = client.post(MID, data=progress_form({0: "50"}, body="Có nội dung",
                                                   action="submit"))
    assert response.status_code == 422
    assert "Chưa báo cáo tiến độ cho mọi chỉ tiêu đã đăng ký." in text(response)
    assert row_counts() == before


def test_attachments_upload_and_download(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    client = page_client(demo, OFFICER)
    response = client.post(f"{MID}/attachments", data={
        "file": (io.BytesIO(PDF), "../../Báo cáo sơ kết.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    report = stored()
    [attachment] = report.attachments
    assert attachment.display_name == "Báo cáo sơ kết.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachments.storage_path(attachment.sha256).read_bytes() == PDF
    page = text(client.get(MID))
    link = f"{MID}/attachments/{attachment.id}"
    assert f'href="{link}"' in page and "Báo cáo sơ kết.pdf" in page

    # Any member may read the report, so may download; the file comes as an attachment.
    reader = page_client(demo, "yte.canbo")
    download = reader.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "B%C3%A1o%20c%C3%A1o%20s%C6%A1%20k%E1%BA%BFt.pdf" in \
        download.headers["Content-Disposition"]
    # Another kind or an unknown id: not found.
    assert reader.get(f"{END}/attachments/{attachment.id}").status_code == 404


def test_bad_uploads_change_nothing(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 6, 10, 9, 0)
    client = page_client(demo, OFFICER)
    other_unit = page_client(demo, "yte.canbo")
    before = row_counts()

    wrong = client.post(f"{MID}/attachments", data={
        "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "bao-cao.pdf")},
        content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert "Loại tệp không được phép" in text(wrong)
    assert 'id="file-error"' in text(wrong)

    missing = client.post(f"{MID}/attachments", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Chưa chọn tệp để tải lên." in text(missing)

    demo.config["THIDUA_MAX_UPLOAD_MB"] = 1
    big = client.post(f"{MID}/attachments", data={
        "file": (io.BytesIO(PDF + b"0" * (1024 * 1024)), "lon.pdf")},
        content_type="multipart/form-data")
    assert big.status_code == 413 and "Tệp quá lớn: tối đa 1 MB." in text(big)

    other = other_unit.post(f"{MID}/attachments", data={
        "file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data")
    assert other.status_code == 403
    assert row_counts() == before


def test_mid_year_closed_by_the_deputy_takes_no_more_reports(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2021, 7, 20, 9, 0)
    deputy = page_client(demo, "ldtbxh.canbo")
    assert deputy.post(f"{B}/mid-year-review/close", data={
        "date": "20/07/2021", "place": "Hội trường", "conclusions": "Tốt"}).status_code == 303
    client = page_client(demo, OFFICER)
    page = text(client.get(MID))
    closed = "Giai đoạn “Báo cáo sơ kết 6 tháng” đã được đóng; không nhận thêm hoặc sửa đổi."
    assert closed in page and 'name="body"' not in page
    before = row_counts()
    response = client.post(MID, data=progress_form({0: "50"}, body="Muộn"))
    assert response.status_code == 409
    assert closed in text(response)
    assert row_counts() == before


def test_year_end_report_needs_the_self_scores(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2022, 1, 20, 9, 0)
    client = page_client(demo, OFFICER)
    page = text(client.get(END))
    assert f'href="{B}/scores/{UNIT}"' in page and "31/01/2022" in page
    targets = len(item_codes()) - 1
    data = progress_form({i: "100" for i in range(targets)}, body="Tổng kết",
                         action="submit")
    before = row_counts()
    response = client.post(END, data=data)
    assert response.status_code == 422
    assert "Chưa tự chấm điểm đủ các tiêu chí." in text(response)
    assert row_counts() == before
    save_self_scores()
    assert client.post(END, data=data).status_code == 303
    assert stored("year_end").status == "submitted"


def test_year_end_after_its_deadline_is_refused(demo):
    at(demo, 2022, 2, 1, 0, 0)  # the year-end phase refuses late reports
    client = page_client(demo, OFFICER)
    page = text(client.get(END))
    assert "Đã quá hạn “Báo cáo tổng kết và bảng tự chấm điểm”" in page
    assert 'name="body"' not in page
    before = row_counts()
    response = client.post(END, data=progress_form({}, body="Muộn"))
    assert response.status_code == 409
    assert row_counts() == before
