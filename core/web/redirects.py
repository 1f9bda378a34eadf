"""Where a redirect may go back to: only a path on this site, never another host."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def _raw_ok(text: str) -> bool:
    """Printable ASCII only, without spaces or backslashes (a browser drops tabs and newlines
    from a URL and reads ``\\`` as ``/``; a URL we built is always percent-encoded ASCII)."""
    return all(0x20 < ord(c) < 0x7F and c != "\\" for c in text)


def _control(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def _path_ok(path: str) -> bool:
    return (path.startswith("/") and "//" not in path and "\\" not in path
            and not any(segment in (".", "..") for segment in path.split("/")))


def safe_next(url: object) -> str | None:
    """``url`` when it is a same-site relative path ("/campaigns/khoi-8/2021?x=1"), else None.

    Refused: a scheme or host (``http://…``, ``//host``, ``/\\host``), control characters
    (tab, newline) and spaces, backslashes, and a path that starts with or holds ``//`` or
    ``.``/``..`` segments, also once percent-decoded, double encodings included
    (``/%2F/evil``, ``/%09/evil``, ``/%5Cevil``, ``/%252F%252Fevil``).
    """
    if not isinstance(url, str) or len(url) > 2000 or not _raw_ok(url):
        return None
    seen = url
    for _ in range(4):
        parts = urlsplit(seen)
        path = seen.split("?", 1)[0].split("#", 1)[0]
        if parts.scheme or parts.netloc or _control(seen) or not _path_ok(path):
            return None
        decoded = unquote(seen)
        if decoded == seen:
            return url
        seen = decoded
    return None  # still encoded after four rounds: not something we built
