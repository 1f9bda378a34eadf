"""The documents page lists every document and serves them to signed-in readers."""

from tests.support import login


def test_documents_page_links_and_serves(client, demo):
    assert client.get("/campaigns/khoi-8/2021/documents/").status_code == 302
    login(client, "yte.canbo")
    page = client.get("/campaigns/khoi-8/2021/documents/").get_data(as_text=True)
    assert "Biên bản kiểm phiếu" in page and "Dự thảo" in page
    assert "/campaigns/khoi-8/2021/documents/bien-ban-kiem-phieu.pdf" in page
    assert "/campaigns/khoi-8/2021/documents/dang-ky-so-yte.pdf" in page
    pdf = client.get("/campaigns/khoi-8/2021/documents/bao-cao-so-ket.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["X-Document-Status"] == "draft"
    xlsx = client.get("/campaigns/khoi-8/2021/documents/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    campaign_page = client.get("/campaigns/khoi-8/2021").get_data(as_text=True)
    assert "/campaigns/khoi-8/2021/documents/" in campaign_page
