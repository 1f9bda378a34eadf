"""Official documents of a played year, read back from the PDF: what they say is what the data
says (dates, signers, no document for work never sent, the law of their date), and they are
laid out per Nghị định 30/2020, Phụ lục I (page numbers centred in the top margin from page
2, the type on its own line with the subject below it, "UBND TỈNH …" above a department,
issuer names whole, the signature kept with the body, no hash in the body). The shipped font
is embedded and draws every glyph; the workbook reopens with the right values."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.support import api_token, bearer
from tests.support.databases import DATABASES
from tests.support.year import played_app

BASE = "/api/v1/campaigns/khoi-8/2021"
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
TODAY = "Trà Vinh, ngày 25 tháng 02 năm 2022"  # where play_year leaves the clock
# name -> (type line, subject line, what the body must say)
EXPECTED = {
    "dang-ky-so-vhttdl": ("BẢN ĐĂNG KÝ THI ĐUA", "Các nội dung, chỉ tiêu, nhiệm vụ thi đua năm 2021",
                          ["Nghiên cứu, tham mưu xây dựng các văn bản quy phạm pháp luật",
                           "Không áp dụng: Không thuộc lĩnh vực của đơn vị",
                           "Trà Vinh, ngày 03 tháng 5 năm 2021", "GIÁM ĐỐC"]),
    "tong-hop-dang-ky": ("BÁO CÁO", "Tổng hợp đăng ký thi đua năm 2021 của các đơn vị thành viên",
                         ["Sở Tư pháp", "Không đăng ký", "Số đơn vị đã đăng ký: 7/8.", TODAY]),
    "bao-cao-so-ket": ("BÁO CÁO", "Sơ kết 6 tháng đầu năm 2021 thực hiện giao ước thi đua",
                       ["Sở Lao động – Thương binh và Xã hội", "KHỐI PHÓ", "20/07/2021",
                        "chuyển đổi số", TODAY]),
    "tu-cham-diem-so-vhttdl": ("BẢNG TỰ CHẤM ĐIỂM", "Kết quả thực hiện giao ước thi đua năm 2021",
                               ["Tổng điểm tự chấm", "Báo cáo số 12/BC ngày 15/12/2021",
                                "Trà Vinh, ngày 20 tháng 01 năm 2022"]),
    "bang-tong-hop-diem": ("BẢNG TỔNG HỢP",
                           "Kết quả chấm điểm thi đua năm 2021 của các đơn vị thành viên",
                           ["Sở Giáo dục và Đào tạo", "Chưa có minh chứng về văn bản thứ hai",
                            "Không đăng ký thi đua", "cùng hạng", TODAY]),
    "bien-ban-kiem-phieu": ("BIÊN BẢN", "Kiểm phiếu bình xét thi đua năm 2021",
                            ["Ông Lê Văn Đức (Sở Y tế)",
                             "Số phiếu phát ra: 8; số phiếu thu về: 7; số phiếu hợp lệ: 7; số "
                             "phiếu không hợp lệ: 0", "87,5%",
                             "Kết luận: Sở Văn hóa, Thể thao và Du lịch.", TODAY]),
    "bien-ban-hop-binh-xet": ("BIÊN BẢN", "Họp Hội đồng thành viên bình xét thi đua năm 2021",
                              ["Thư ký: Bà Trần Thị Ánh", "Đơn vị vắng mặt: Sở Tư pháp.",
                               "Khối trưởng năm 2022: Sở Lao động – Thương binh và Xã hội",
                               TODAY]),
    "to-trinh": ("TỜ TRÌNH", "Về việc đề nghị khen thưởng thi đua năm 2021",
                 ["Kính gửi: Ban Thi đua – Khen thưởng tỉnh.",
                  "Đề nghị tặng Cờ thi đua của UBND tỉnh", "Sở Khoa học và Công nghệ", TODAY]),
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One app, one played year (a copy of the "year" template: tests/support/year.py),
    shared by the tests of this module, which only read."""
    app = played_app(tmp_path_factory.mktemp("docs"))
    with app.app_context():
        client = app.test_client()
        yield app, client, bearer(api_token(client, "tttt.canbo"))
    DATABASES.release(app)


def pdftotext(data: bytes, *args: str) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=data,
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def text_of(data: bytes, *, first: int | None = None, last: int | None = None) -> str:
    args = ["-raw"] + (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return re.sub(r"\s+", " ", pdftotext(data, *args))


def layout_lines(data: bytes) -> list[str]:
    return [line.strip() for line in pdftotext(data, "-layout").splitlines() if line.strip()]


def words_with_boxes(data: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) of one page, in points from the top left (poppler's
    ``pdftotext -bbox``)."""
    html = pdftotext(data, "-bbox", "-f", str(page), "-l", str(page))
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def fonts_drawing_text(data: bytes) -> set[str]:
    """The base fonts of every text-showing operator (Tj, TJ, ', ") on every page."""
    reader = PdfReader(io.BytesIO(data))
    used: set[str] = set()
    for page in reader.pages:
        fonts = {name: str(ref.get_object()["/BaseFont"])
                 for name, ref in page["/Resources"]["/Font"].items()}
        content = page.get_contents().get_data().decode("latin-1")
        current = None
        for token in re.finditer(r"/([\w+.-]+)\s+[\d.]+\s+Tf|(\((?:\\.|[^\\)])+\)|<[0-9A-Fa-f]+>|\[[^\]]*\])\s*(Tj|TJ|'|\")", content):
            if token.group(1):
                current = "/" + token.group(1)
            elif current is not None:
                used.add(fonts[current])
    return used


def fetch(finished, name: str) -> bytes:
    app, client, headers = finished
    response = client.get(f"{BASE}/documents/{name}.pdf", headers=headers)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Document-Status"] == "draft"  # nobody issued it
    return response.data


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_document_says_what_the_data_says(finished, name):
    data = fetch(finished, name)
    heading, subject, expected = EXPECTED[name]
    text = text_of(data)
    for wanted in [*MOTTO, "Nơi nhận:", "DỰ THẢO", *expected]:
        assert wanted in text, f"{name}: missing {wanted!r}"
    # The type alone on its line, the subject on the next, a short rule under it.
    lines = layout_lines(data)
    at = lines.index(heading)
    assert lines[at + 1] == subject and set(lines[at + 2]) == {"─"}, lines[at:at + 3]
    assert "—" not in lines[at + 1]
    # The number's place: "Số:" with the symbol of the type and issuer, no number yet.
    assert re.search(r"Số: +/[A-Za-zĐ]+-[A-ZĐ0-9]+", text), text[:400]
    # No hash in the body.
    assert "SHA-256" not in text and not re.search(r"\b[0-9a-f]{40,}\b", text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_font_page_size_and_page_numbers(finished, name):
    app, _client, _headers = finished
    data = fetch(finished, name)
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True).stdout.decode()
    if not fonts.strip():  # older poppler reads only files
        path = Path(app.instance_path) / f"{name}.pdf"
        path.write_bytes(data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True,
                               check=True).stdout.decode()
    embedded = [line for line in fonts.splitlines() if "LiberationSerif" in line]
    assert embedded and all(" yes yes yes " in line for line in embedded), fonts
    drawing = fonts_drawing_text(data)
    assert drawing and all("LiberationSerif" in font for font in drawing), drawing
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    mm = 72 / 25.4
    top_margin = 20 * mm
    first = [w for w in words_with_boxes(data, 1) if w[2] < top_margin]
    assert first == [], f"page 1 prints in its top margin: {first}"
    for number in range(2, len(reader.pages) + 1):
        found = [w for w in words_with_boxes(data, number) if w[2] < top_margin]
        assert [w[0] for w in found] == [str(number)], found
        _word, x_min, y_min, x_max, y_max = found[0]
        centre = (30 * mm + (210 - 20) * mm) / 2  # between the left and right margins
        assert abs((x_min + x_max) / 2 - centre) < 3 * mm, (x_min, x_max, centre)
        # poppler's box is the font's ascent + descent: 0.91 em in Liberation Serif, so
        # 11.8 pt for 13 pt (10.9 for the 12 pt of old), 12.7 pt for 14 pt.
        assert 11.5 <= y_max - y_min <= 13.0, "page number 13–14 pt"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_signature_is_kept_with_the_body(finished, name):
    """The last page holds the body's last lines ("./.") above the signature."""
    data = fetch(finished, name)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    last = text_of(data, first=pages, last=pages)
    assert "./." in last and "Nơi nhận:" in last, (name, last[:200])
    assert last.index("./.") < last.index("Nơi nhận:")


def test_issuers_names_are_whole_and_a_department_is_under_the_province(finished):
    """"UBND TỈNH TRÀ VINH" above a department's name; names break only between phrases
    (a Vietnamese word such as "THƯƠNG BINH" or "TRUYỀN THÔNG" stays on one line)."""
    unit = [line for line in layout_lines(fetch(finished, "dang-ky-so-ldtbxh"))
            if "DỰ THẢO" not in line]
    assert unit[0].startswith("UBND TỈNH TRÀ VINH")
    assert unit[1].startswith("SỞ LAO ĐỘNG – THƯƠNG BINH") and unit[2].startswith("VÀ XÃ HỘI")
    assert re.search(r"Số: +/ĐK-SLĐTBXH", " ".join(unit[:6]))
    bloc = [line for line in layout_lines(fetch(finished, "to-trinh")) if "DỰ THẢO" not in line]
    assert bloc[0].startswith("SỞ THÔNG TIN") and bloc[1].startswith("VÀ TRUYỀN THÔNG")
    assert bloc[2].startswith("KHỐI THI ĐUA KHỐI 8")
    assert not any(line.startswith("UBND") for line in bloc[:4])
    for data in (fetch(finished, "dang-ky-so-vhttdl"), fetch(finished, "tu-cham-diem-so-gddt")):
        head = " | ".join(layout_lines(data)[:4])
        assert "UBND TỈNH TRÀ VINH" in head, head
        for word in ("THỂ THAO", "DU LỊCH", "GIÁO DỤC", "ĐÀO TẠO", "VĂN HÓA"):
            if word.split()[0] in head:
                assert word in head, head


def test_minutes_are_signed_by_the_chair_and_secretary_the_count_by_the_committee(finished):
    minutes = layout_lines(fetch(finished, "bien-ban-hop-binh-xet"))
    text = " ".join(minutes)
    assert "THƯ KÝ" in text and "CHỦ TỌA" in text
    assert "Trần Thị Ánh" in text and "Nguyễn Văn Này" in text
    assert "TM. KHỐI" not in text and "Khối trưởng" not in text.split("Nơi nhận")[-1]
    names = [line for line in minutes if "Trần Thị Ánh" in line][-1]
    assert "Nguyễn Văn Này" in names  # the two signers side by side
    count = " ".join(layout_lines(fetch(finished, "bien-ban-kiem-phieu")))
    assert "TRƯỞNG BAN" in count and "CÁC THÀNH VIÊN" in count and "KIỂM PHIẾU" in count
    for name in ("Lê Văn Đức", "Phạm Thị Hương", "Võ Minh Tuấn"):
        assert name in count.split("Nơi nhận")[0].split("thông qua")[-1], name
    assert "TM. KHỐI" not in count


def test_no_document_for_a_unit_that_sent_nothing(finished):
    app, client, headers = finished
    listed = {d["name"] for d in client.get(f"{BASE}/documents", headers=headers).get_json()}
    assert "dang-ky-so-vhttdl" in listed and "tu-cham-diem-so-vhttdl" in listed
    assert not any(n.endswith("so-tuphap") for n in listed), sorted(listed)
    for name in ("dang-ky-so-tuphap", "tu-cham-diem-so-tuphap"):
        refused = client.get(f"{BASE}/documents/{name}.pdf", headers=headers)
        assert refused.status_code == 404
        error = refused.get_json()["error"]
        assert error["code"] == "document_not_found"
        assert "Sở Tư pháp" in error["message"] and "chưa gửi" in error["message"]
    assert client.get(f"{BASE}/documents/dang-ky-so-khong-co.pdf",
                      headers=headers).status_code == 404


def test_the_proposal_cites_the_law_in_force_on_its_date(finished):
    """A 2021 campaign's tờ trình dated February 2022 cites the 2003 law (the 2022 law is in
    force from 01/01/2024) and its decree of the time."""
    text = text_of(fetch(finished, "to-trinh"))
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003" in text
    assert "Nghị định số 91/2017/NĐ-CP" in text
    assert "2022/QH15" not in text and "năm 2022 và" not in text
    assert "98/2023" not in text and "152/2025" not in text


def test_legal_basis_table():
    from core.services.documents import legal_basis

    assert "91/2017/NĐ-CP" in legal_basis(date(2022, 2, 25)).decree
    assert "2003" in legal_basis(date(2023, 12, 31)).law
    assert "06/2022/QH15" in legal_basis(date(2024, 1, 1)).law
    assert "98/2023/NĐ-CP" in legal_basis(date(2025, 6, 30)).decree
    assert "152/2025/NĐ-CP" in legal_basis(date(2025, 7, 1)).decree
    assert "06/2022/QH15" in legal_basis(date(2026, 1, 1)).law


def test_the_province_is_configuration(finished):
    """Another province's settings change the place, the line above a department, the
    office's name and what it belongs to: no document text names Trà Vinh by itself."""
    app, client, headers = finished
    saved = {k: app.config[k] for k in ("THIDUA_PROVINCE", "THIDUA_PLACE",
                                        "THIDUA_OFFICE_PARENT")}
    app.config.update(THIDUA_PROVINCE="Vĩnh Long", THIDUA_PLACE="Vĩnh Long",
                      THIDUA_OFFICE_PARENT="Sở Nội vụ")
    try:
        unit = text_of(fetch(finished, "dang-ky-so-yte"))
        proposal = text_of(fetch(finished, "to-trinh"))
    finally:
        app.config.update(saved)
    assert "UBND TỈNH VĨNH LONG" in unit and "Vĩnh Long, ngày 03 tháng 5 năm 2021" in unit
    assert "Kính gửi: Ban Thi đua – Khen thưởng (Sở Nội vụ)." in proposal
    assert "Vĩnh Long, ngày 25 tháng 02 năm 2022" in proposal
    for text in (unit, proposal):  # (the plan's own criteria may name the province)
        assert "TRÀ VINH" not in text and "Trà Vinh, ngày" not in text


def test_no_document_code_or_template_names_the_province():
    root = Path(__file__).resolve().parents[2]
    owned = [root / "core" / "services" / "documents.py", root / "core" / "web" / "documents.py",
             root / "core" / "api" / "documents.py",
             *(root / "templates" / "pdf" / f"{name}.html" for name in (
                 "_base", "registration", "registrations_summary", "mid_year_summary",
                 "self_score", "score_table", "vote_count", "council_minutes", "proposal",
                 "board_proposals")),
             *sorted((root / "templates" / "documents").glob("*.html"))]
    for path in owned:
        text = path.read_text(encoding="utf-8")
        for literal in ("Trà Vinh", "Ban Thi đua – Khen thưởng", "Ban Thi đua - Khen thưởng"):
            assert literal not in text, f"{path.relative_to(root)} names {literal!r}"


def test_workbook_reopens_with_values(finished):
    app, client, headers = finished
    response = client.get(f"{BASE}/export.xlsx", headers=headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Đăng ký", "Chấm điểm", "Xếp hạng", "Kết quả bỏ phiếu"]
    ranking = book["Xếp hạng"]
    assert [c.value for c in ranking[1]] == ["Hạng", "Mã đơn vị", "Đơn vị", "Tổng tự chấm",
                                             "Tổng thẩm định"]
    assert ranking.freeze_panes == "A2"
    rows = list(ranking.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8 and rows[0][0] == 1
    assert all(isinstance(r[4], int | float) for r in rows)
    assert rows[-1][2] == "Sở Tư pháp" and rows[-1][4] == -8
    votes = book["Kết quả bỏ phiếu"]
    flag = [r for r in votes.iter_rows(min_row=2, values_only=True)
            if r[0] == "co-thi-dua" and r[2] == "so-vhttdl"][0]
    assert flag[3] == 7 and flag[4] == 0.875 and flag[6] == "Có"
    scores = book["Chấm điểm"]
    gddt = [r for r in scores.iter_rows(min_row=2, values_only=True)
            if r[0] == "so-gddt" and r[2] == "1.1"][0]
    assert gddt[6] == 3 and gddt[7] == "Chưa có minh chứng về văn bản thứ hai"


def test_documents_need_a_reader(finished):
    app, client, headers = finished
    assert client.get(f"{BASE}/documents/to-trinh.pdf").status_code == 401
    assert client.get(f"{BASE}/documents/khong-co.pdf", headers=headers).status_code == 404


def test_plugin_overrides_a_document_template(app, client, demo, tmp_path):
    """thidua_document_templates: frozen into the snapshot and used for that document."""
    from sqlalchemy.orm.attributes import flag_modified

    from core.extensions import db
    from core.services.campaigns import get_campaign

    campaign = get_campaign("khoi-8", 2021)
    campaign.snapshot["documents"] = {"tong-hop-dang-ky": "pdf/test_override.html"}
    flag_modified(campaign, "snapshot")
    db.session.commit()
    template = Path(app.root_path).parent / "templates" / "pdf" / "test_override.html"
    template.write_text('{% extends "pdf/_base.html" %}{% block body %}<p>Mẫu riêng của '
                        'khối: đã thay thế.</p>{% endblock %}', encoding="utf-8")
    try:
        headers = bearer(api_token(client, "tttt.canbo"))
        data = client.get(f"{BASE}/documents/tong-hop-dang-ky.pdf", headers=headers).data
        assert "Mẫu riêng của khối: đã thay thế." in text_of(data)
    finally:
        template.unlink()
