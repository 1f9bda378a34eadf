"""Bad input in the page forms: empty, 10,000 characters, bytes that are not UTF-8, and
SQL-looking text. Each gets a clear Vietnamese message and a 4xx status, and no row changes."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support import DEMO_PASSWORD, login, row_counts
from tests.support.html import parse

LONG = "x" * 10_000
NOT_UTF8 = b"\xff\xfe"
SQL = "' OR 1=1 --"
VALUES = {"empty": "", "long": LONG, "not_utf8": NOT_UTF8, "sql": SQL}


def post_form(client, path: str, fields: dict[str, str | bytes]):
    """A urlencoded POST; ``bytes`` values go into the body raw (not percent-encoded)."""
    parts = []
    for key, value in fields.items():
        raw = value if isinstance(value, bytes) else quote(value, safe="").encode("ascii")
        parts.append(quote(key, safe="").encode("ascii") + b"=" + raw)
    return client.post(path, data=b"&".join(parts),
                       content_type="application/x-www-form-urlencoded")


def signed_in_user(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


NOT_UTF8_MESSAGE = "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ"


def assert_not_utf8_refused(response) -> None:
    """Werkzeug would read such a body as an empty form; the app refuses it plainly."""
    assert response.status_code == 400
    page = parse(response)
    assert page.find("html").attrs["lang"] == "vi"
    assert NOT_UTF8_MESSAGE in page.find("main").text


def field_error(page, field_id: str) -> str:
    control = page.by_id(field_id)
    assert control.attrs.get("aria-invalid") == "true", field_id
    assert f"{field_id}-error" in control.attrs["aria-describedby"].split()
    return page.by_id(f"{field_id}-error").text


# -- sign-in -------------------------------------------------------------------------------
LOGIN_EXPECTED = {
    # kind: (status, where the message is, message)
    "empty": (422, "username", "Vui lòng nhập trường này."),
    "long": (422, "username", "Tối đa 60 ký tự."),
    "not_utf8": (400, None, None),
    "sql": (401, "login-error", "Tên đăng nhập hoặc mật khẩu không đúng."),
}


@pytest.mark.parametrize("kind", VALUES)
def test_login_username(client, demo, kind):
    before = row_counts()
    response = post_form(client, "/login", {"username": VALUES[kind], "password": DEMO_PASSWORD})
    status, where, message = LOGIN_EXPECTED[kind]
    assert response.status_code == status
    page = parse(response)
    if where is None:
        assert_not_utf8_refused(response)
    elif where == "login-error":
        assert page.by_id(where).text == message
    else:
        assert field_error(page, where) == message
    assert signed_in_user(client) is None
    assert_only_the_failure_counted(before, row_counts(), counted=status == 401)


@pytest.mark.parametrize("kind", VALUES)
def test_login_password(client, demo, kind):
    before = row_counts()
    response = post_form(client, "/login", {"username": "tttt.canbo", "password": VALUES[kind]})
    expected = {"empty": (422, "Vui lòng nhập trường này."),
                "long": (422, "Tối đa 200 ký tự."),
                "not_utf8": (400, NOT_UTF8_MESSAGE),
                "sql": (401, None)}[kind]
    assert response.status_code == expected[0]
    page = parse(response)
    if kind == "not_utf8":
        assert_not_utf8_refused(response)
    elif expected[1]:
        assert field_error(page, "password") == expected[1]
    else:
        assert page.by_id("login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert signed_in_user(client) is None
    assert_only_the_failure_counted(before, row_counts(), counted=expected[0] == 401)


def assert_only_the_failure_counted(before, after, *, counted):
    """A refused sign-in writes nothing, except that a wrong name or password (401) counts
    a failure for the account and address and for the account (two rows: throttling)."""
    assert after.pop("sign_in_failures") == before.pop("sign_in_failures") + (2 if counted else 0)
    assert after == before


def test_login_with_percent_encoded_bad_bytes(client, demo):
    before = row_counts()
    response = client.post("/login", data=b"username=%FF%FE&password=x",
                           content_type="application/x-www-form-urlencoded")
    assert_not_utf8_refused(response)
    assert signed_in_user(client) is None
    assert row_counts() == before


def test_login_with_a_control_character(client, demo):
    response = post_form(client, "/login", {"username": "tttt\x01canbo", "password": "x"})
    assert response.status_code == 422
    assert field_error(parse(response), "username") == \
        "Dữ liệu chứa ký tự điều khiển không hợp lệ."


# -- change password -----------------------------------------------------------------------
PASSWORD_EXPECTED = {
    "current": {"empty": "Vui lòng nhập trường này.", "long": "Tối đa 200 ký tự.",
                "not_utf8": "Dữ liệu không phải UTF-8 hợp lệ.",
                "sql": "Mật khẩu hiện tại không đúng."},
    "new": {"empty": "Vui lòng nhập trường này.", "long": "Tối đa 200 ký tự.",
            "not_utf8": "Dữ liệu không phải UTF-8 hợp lệ.",
            # "' OR 1=1 --" is long enough and mixed, so only the confirmation differs.
            "sql": None},
    "confirm": {"empty": "Vui lòng nhập trường này.", "long": "Hai mật khẩu mới không khớp.",
                "not_utf8": "Hai mật khẩu mới không khớp.",
                "sql": "Hai mật khẩu mới không khớp."},
}


@pytest.mark.parametrize("field", ["current", "new", "confirm"])
@pytest.mark.parametrize("kind", VALUES)
def test_change_password_field(client, demo, field, kind):
    login(client, "tttt.canbo")
    fields: dict[str, str | bytes] = {"current": DEMO_PASSWORD, "new": "Mat-khau-moi-2021",
                                      "confirm": "Mat-khau-moi-2021"}
    fields[field] = VALUES[kind]
    before = row_counts()
    response = post_form(client, "/account/password", fields)
    page = parse(response)
    message = PASSWORD_EXPECTED[field][kind]
    if kind == "not_utf8":
        assert_not_utf8_refused(response)
    elif message is None:
        assert response.status_code == 422  # new = SQL-looking text: the confirmation no longer matches
        assert field_error(page, "confirm") == "Hai mật khẩu mới không khớp."
    else:
        assert response.status_code == 422
        assert message in field_error(page, field)
    if kind != "not_utf8":
        assert "Chưa thực hiện được" in page.by_id("form-errors").text
    assert row_counts() == before
    client.post("/logout")
    assert login(client, "tttt.canbo").status_code == 302  # password unchanged


# -- open a campaign -----------------------------------------------------------------------
def campaign_fields() -> dict[str, str | bytes]:
    """A valid request for a year that has no plan yet, so only the bad field can fail."""
    return {"bloc": "khoi-8", "year": "2021", "members-0-unit": "so-tttt",
            "members-0-role": "leader", "members-1-unit": "so-ldtbxh",
            "members-1-role": "deputy"}


OPEN_EXPECTED = {
    # field: {kind: (id of the control showing the error, message)}
    "bloc": {"empty": ("bloc", "Chọn một khối thi đua trong danh sách."),
             "long": ("bloc", "Chọn một khối thi đua trong danh sách."),
             "not_utf8": ("bloc", "Chọn một khối thi đua trong danh sách."),
             "sql": ("bloc", "Chọn một khối thi đua trong danh sách.")},
    "year": {"empty": ("year", "Nhập năm."),
             "long": ("year", "Năm phải là số có bốn chữ số, ví dụ 2021."),
             "not_utf8": ("year", "Năm phải là số có bốn chữ số, ví dụ 2021."),
             "sql": ("year", "Năm phải là số có bốn chữ số, ví dụ 2021.")},
    "members-0-unit": {
        "empty": ("members-0-role", "Thiếu mã đơn vị."),
        "long": ("members-0-role", "Mã đơn vị dài tối đa 40 ký tự."),
        "not_utf8": ("members-0-role", "Dữ liệu không phải UTF-8 hợp lệ."),
        "sql": ("members-0-role", "Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang")},
    "members-0-role": {
        # No role for the leader's row: the service says the bloc needs one leader, and
        # khoi-8 2021 is already open, so it is refused either way.
        "empty": (None, None),
        "long": ("members-0-role", "Lựa chọn không hợp lệ."),
        "not_utf8": ("members-0-role", "Lựa chọn không hợp lệ."),
        "sql": ("members-0-role", "Lựa chọn không hợp lệ.")},
}


@pytest.mark.parametrize("field", list(OPEN_EXPECTED))
@pytest.mark.parametrize("kind", VALUES)
def test_open_campaign_field(client, demo, field, kind):
    login(client, "admin")
    fields = campaign_fields()
    fields[field] = VALUES[kind]
    before = row_counts()
    response = post_form(client, "/admin/campaigns/new", fields)
    assert 400 <= response.status_code < 500
    page = parse(response)
    target, message = OPEN_EXPECTED[field][kind]
    if kind == "not_utf8":
        assert_not_utf8_refused(response)
    elif target is None:
        assert response.status_code in (409, 422)
        assert page.by_id("form-errors").text.startswith("Chưa thực hiện được")
    else:
        assert response.status_code == 422
        assert message in field_error(page, target)
        # The summary lists it with a link to the control.
        assert message in page.by_id("form-errors").find("a", href=f"#{target}").text
    assert page.find("html").attrs["lang"] == "vi"
    assert row_counts() == before


def test_open_campaign_with_thousands_of_rows_is_bounded(client, demo):
    login(client, "admin")
    fields: dict[str, str | bytes] = {"bloc": "khoi-8", "year": "2022"}
    for index in range(2000):
        fields[f"members-{index}-unit"] = f"u{index}"
        fields[f"members-{index}-role"] = "member"
    before = row_counts()
    response = post_form(client, "/admin/campaigns/new", fields)
    assert 400 <= response.status_code < 500
    assert row_counts() == before
