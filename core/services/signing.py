"""Digital signatures of issued documents (PAdES, with pyHanko), and their validation.

Signing (:func:`sign`) appends an incremental update to a PDF/A-2b document (what
:func:`core.services.pdf.render` returns): a PAdES baseline B-B signature (B-T when a
timestamp authority is configured) whose visible appearance, per Nghị định 30/2020/NĐ-CP
(Phụ lục I, văn bản điện tử), stands in the signature block of the last page:

* the signer's signature image, centred between the signer's title lines and name;
* for the organisation's signature, the seal image over the left third of it;
* the signing time in ISO 8601 with the +07:00 offset.

The block is found in the rendered PDF itself (pdfminer.six): the signer's name on the last
page, and the nearest line above it in the same column (the last title line). A document
without the name gets the appearance in the right half of the last page, under its text.

The appearance is drawn by reportlab in the shipped Liberation Serif (embedded, subset) and
imported as a form: the signed file is still PDF/A-2b (:func:`core.services.pdfa.problems`).

The key lives in a PKCS#12 file (``THIDUA_SIGNING_PKCS12`` + ``THIDUA_SIGNING_PASSWORD``) or
on a PKCS#11 token, as the government CA's USB tokens are used (``THIDUA_SIGNING_PKCS11_LIB``,
``…_TOKEN_LABEL``, ``…_KEY_LABEL`` / ``…_CERT_LABEL``, ``…_PIN``). :func:`validate` checks
every signature of a PDF against the trust roots of ``THIDUA_SIGNING_TRUST_ROOTS`` (PEM
files) with pyHanko's validator, without any network access. See docs/signing.md.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.services import pdfa
from core.services.pdf import FONTS_DIR

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_PREFIX = "ChuKySo"
BOX_WIDTH = 160.0  # points: about 56 mm, the width of the signature column's text
MIN_BOX_HEIGHT = 40.0
MAX_BOX_HEIGHT = 85.0  # points: about 30 mm
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_FONT = "ThiduaSignSerif"


class SigningError(RuntimeError):
    """No signer configured, the key or token cannot be used, or pyHanko refused."""


class InvalidPdf(ValueError):
    """The bytes to validate are not a readable PDF."""


# -- configuration ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SigningConfig:
    """Where the key is and what to trust. :meth:`from_config` reads the app's settings
    (``THIDUA_SIGNING_*``, core/config.py)."""

    pkcs12: Path | None = None
    password: str | None = None
    pkcs11_lib: str | None = None
    pkcs11_token_label: str | None = None
    pkcs11_key_label: str | None = None
    pkcs11_cert_label: str | None = None
    pkcs11_pin: str | None = None
    trust_roots: tuple[Path, ...] = ()
    tsa_url: str | None = None
    images_dir: Path | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None) -> SigningConfig:
        if config is None:
            from flask import current_app

            config = current_app.config
        roots = config.get("THIDUA_SIGNING_TRUST_ROOTS") or ()
        if isinstance(roots, str):
            roots = [p for p in roots.replace(",", os.pathsep).split(os.pathsep) if p.strip()]
        pkcs12 = config.get("THIDUA_SIGNING_PKCS12")
        images = config.get("THIDUA_SIGNING_IMAGES_DIR")
        return cls(
            pkcs12=Path(pkcs12) if pkcs12 else None,
            password=config.get("THIDUA_SIGNING_PASSWORD"),
            pkcs11_lib=config.get("THIDUA_SIGNING_PKCS11_LIB"),
            pkcs11_token_label=config.get("THIDUA_SIGNING_PKCS11_TOKEN_LABEL"),
            pkcs11_key_label=config.get("THIDUA_SIGNING_PKCS11_KEY_LABEL"),
            pkcs11_cert_label=config.get("THIDUA_SIGNING_PKCS11_CERT_LABEL"),
            pkcs11_pin=config.get("THIDUA_SIGNING_PKCS11_PIN"),
            trust_roots=tuple(Path(p.strip()) for p in roots),
            tsa_url=config.get("THIDUA_SIGNING_TSA_URL"),
            images_dir=Path(images) if images else None,
        )

    @property
    def configured(self) -> bool:
        return bool(self.pkcs12 or self.pkcs11_lib)

    def image(self, key: str | None) -> bytes | None:
        """The PNG ``<images_dir>/<key>.png`` (a signer's signature image, or a seal such as
        ``seal-<unit code>``), or None."""
        if not key or self.images_dir is None:
            return None
        path = self.images_dir / f"{Path(key).name}.png"
        return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class Appearance:
    """What the visible signature shows, and where: ``name`` is the signer's name as the
    document prints it under the signature block (the box is placed between it and the title
    line above it). ``signature_image`` (PNG) is the signer's handwritten signature;
    ``seal_image`` (PNG), given for the organisation's signature, is drawn over the left
    third of it. ``caption`` prefixes the signing time (default "Ký số")."""

    name: str = ""
    signature_image: bytes | None = None
    seal_image: bytes | None = None
    caption: str = "Ký số"


@contextmanager
def _signer(config: SigningConfig) -> Iterator[Any]:
    from pyhanko.sign import signers

    if config.pkcs11_lib:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        try:
            session = pkcs11.open_pkcs11_session(
                config.pkcs11_lib, token_criteria=TokenCriteria(label=config.pkcs11_token_label)
                if config.pkcs11_token_label else None, user_pin=config.pkcs11_pin)
        except Exception as exc:  # the token is absent, the PIN is wrong, …
            raise SigningError(f"cannot open the PKCS#11 token: {exc}") from exc
        try:
            yield pkcs11.PKCS11Signer(session, key_label=config.pkcs11_key_label,
                                      cert_label=config.pkcs11_cert_label
                                      or config.pkcs11_key_label)
        finally:
            session.close()
        return
    if config.pkcs12:
        try:
            data = config.pkcs12.read_bytes()
        except OSError as exc:
            raise SigningError(f"cannot read the PKCS#12 file: {exc}") from exc
        password = config.password.encode() if config.password is not None else None
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(),
                                                           passphrase=password)
        except ValueError as exc:
            raise SigningError("cannot open the PKCS#12 file (wrong password?)") from exc
        if signer is None:
            raise SigningError("cannot open the PKCS#12 file (wrong password?)")
        yield signer
        return
    raise SigningError("no signing key configured (THIDUA_SIGNING_PKCS12 or "
                       "THIDUA_SIGNING_PKCS11_LIB)")


# -- where the signature goes ----------------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    page: int  # 0-based
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in points
    found: bool  # the signer's name was found (False: the fallback place)


def locate(data: bytes, name: str) -> Placement:
    """The box between the signer's name on the last page and the line above it."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

    def lines_of(element) -> Iterator[LTTextLine]:
        if isinstance(element, LTTextLine):
            yield element
        elif isinstance(element, LTTextContainer) or hasattr(element, "__iter__"):
            for child in element:
                yield from lines_of(child)

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        last = len(pdf.pages) - 1
    page = next(extract_pages(io.BytesIO(data), page_numbers={last}, laparams=LAParams()))
    lines = list(lines_of(page))
    wanted = " ".join(name.split())
    named = [line for line in lines
             if wanted and " ".join(line.get_text().split()) == wanted]
    if named:
        # The last one on the page; of two side by side (a second signer, a superior's
        # confirmation on the left), the right one, where the issuer signs.
        lowest = min(item.y0 for item in named)
        line = max((item for item in named if item.y0 - lowest < 3), key=lambda i: i.x0)
        centre = (line.x0 + line.x1) / 2
        above = [other for other in lines
                 if other.y0 > line.y1 and other.x0 <= centre <= other.x1]
        bottom = line.y1 + 1
        top = (min(other.y0 for other in above) - 1) if above else bottom + 60
        if not MIN_BOX_HEIGHT <= top - bottom <= MAX_BOX_HEIGHT:  # centred in the gap
            middle = (top + bottom) / 2
            half = min(max(top - bottom, MIN_BOX_HEIGHT), MAX_BOX_HEIGHT) / 2
            top, bottom = middle + half, middle - half
        width = min(BOX_WIDTH, page.width - 20)
        x1 = min(max(centre - width / 2, 10), page.width - 10 - width)
        return Placement(last, (x1, bottom, x1 + width, top), True)
    lowest = min((line.y0 for line in lines), default=page.height / 2)
    top = max(lowest - 6, 60 + MIN_BOX_HEIGHT)
    x1 = page.width / 2 + (page.width / 2 - BOX_WIDTH) / 2
    return Placement(last, (x1, top - 60, x1 + BOX_WIDTH, top), False)


# -- the appearance --------------------------------------------------------------------------

def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, str(FONTS_DIR / "LiberationSerif-Italic.ttf")))


def local_iso(moment: datetime) -> str:
    """``2022-02-25T08:00:00+07:00``: ISO 8601 in Vietnam's time."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def appearance_pdf(width: float, height: float, appearance: Appearance, signed_at: str) -> bytes:
    """A one-page PDF of the box's size: the signature image centred, the seal over its left
    third, the signing time under them."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    out = io.BytesIO()
    # A TrueType initial font: reportlab then selects no Helvetica at the top of the page.
    canvas = Canvas(out, pagesize=(width, height), initialFontName=_FONT, pageCompression=1)
    text_size = 6.5
    caption = f"{appearance.caption}: {signed_at}" if appearance.caption else signed_at
    canvas.setFont(_FONT, text_size)
    canvas.setFillColorRGB(0.1, 0.1, 0.45)
    canvas.drawCentredString(width / 2, 2, caption)
    image_bottom = text_size + 4
    room = height - image_bottom - 1
    sig_left, sig_width = width / 2, 0.0
    if appearance.signature_image:
        image = ImageReader(io.BytesIO(appearance.signature_image))
        w, h = image.getSize()
        scale = min(room / h, width * 0.8 / w)
        sig_width, sig_height = w * scale, h * scale
        sig_left = (width - sig_width) / 2
        canvas.drawImage(image, sig_left, image_bottom + (room - sig_height) / 2, sig_width,
                         sig_height, mask="auto")
    if appearance.seal_image:
        image = ImageReader(io.BytesIO(appearance.seal_image))
        w, h = image.getSize()
        seal_height = min(height - 1, width * 0.45 * h / w)
        seal_width = seal_height * w / h
        right = sig_left + sig_width / 3 if sig_width else width / 2 + seal_width / 2
        canvas.drawImage(image, max(right - seal_width, 0), (height - seal_height) / 2,
                         seal_width, seal_height, mask="auto")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _style(appearance: Appearance):
    """A pyHanko stamp style whose appearance is :func:`appearance_pdf`'s page. A
    TextStampStyle subclass so that pyHanko hands it the signing time ("ts")."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import ImportedPdfPage
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp import StaticContentStamp, TextStampStyle

    class InMemoryPage(ImportedPdfPage):
        def __init__(self, data: bytes):
            super().__init__(file_name=None)
            self.data = data

        def render(self) -> bytes:
            import binascii
            import uuid

            reader = PdfFileReader(io.BytesIO(self.data))
            xobj = self._ensure_writer.import_page_as_xobject(reader, page_ix=0)
            name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
            self.resources.xobject[name.decode("ascii")] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return name + b" Do"

    @dataclass(frozen=True)
    class BlockStyle(TextStampStyle):
        def create_stamp(self, writer, box, text_params):
            signed_at = local_iso(datetime.strptime(text_params["ts"], ISO_FORMAT))
            page = appearance_pdf(box.width, box.height, appearance, signed_at)
            return StaticContentStamp(writer=writer, box=box, style=replace(
                self, background=InMemoryPage(page)))

    return BlockStyle(
        border_width=0, background_opacity=1.0, timestamp_format=ISO_FORMAT,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0)))


# -- signing ---------------------------------------------------------------------------------

def _outside_event_loop(func: Any, *args: Any, **kwargs: Any) -> Any:
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in a
    thread where one is already running (an async server, or a test process that ran
    Playwright): then run it in a worker thread, in the same app context."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    from concurrent.futures import ThreadPoolExecutor

    from flask import (
        copy_current_request_context,
        current_app,
        has_app_context,
        has_request_context,
    )

    target = func
    if has_request_context():
        target = copy_current_request_context(func)
    elif has_app_context():
        app = current_app._get_current_object()

        def target(*a: Any, **kw: Any) -> Any:
            with app.app_context():
                return func(*a, **kw)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(target, *args, **kwargs).result()


def sign(data: bytes, **kwargs: Any) -> bytes:
    """Sign ``data`` (a PDF) with the configured key; return the signed PDF (see
    :func:`_sign`)."""
    return _outside_event_loop(_sign, data, **kwargs)


def validate(data: bytes, **kwargs: Any) -> SignatureReport:
    """Validate every signature of a PDF (see :func:`_validate`)."""
    return _outside_event_loop(_validate, data, **kwargs)


def _sign(data: bytes, *, appearance: Appearance | None = None,
         config: SigningConfig | None = None, reason: str | None = None,
         location: str | None = None) -> bytes:
    """Sign ``data`` (a PDF) with the configured key; return the signed PDF.

    ``appearance``: the visible signature (None: an invisible signature). ``reason`` and
    ``location`` go into the signature dictionary. Each call adds one more signature field
    (``ChuKySo1``, ``ChuKySo2``, …): the signer's, then the organisation's. A PDF/A-2b
    document stays PDF/A-2b (checked). Raises :class:`SigningError`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.fields import SigSeedSubFilter

    config = config or SigningConfig.from_config()
    was_pdfa = not pdfa.problems(data)  # then the signed file must be PDF/A-2b too
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
    except Exception as exc:
        raise InvalidPdf(str(exc)) from exc
    existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in existing:
        number += 1
    field_name = f"{FIELD_PREFIX}{number}"
    spec = None
    if appearance is not None:
        placement = locate(data, appearance.name)
        spec = fields.SigFieldSpec(field_name, on_page=placement.page,
                                   box=tuple(round(v, 2) for v in placement.box))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location, use_pades_lta=False)
    timestamper = timestamps.HTTPTimeStamper(config.tsa_url) if config.tsa_url else None
    class VietnamTimePdfSigner(signers.PdfSigner):
        """The signing time (/M and the appearance) in Vietnam's time, whatever the
        server's time zone (pyHanko takes the machine's)."""

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = datetime.now(LOCAL_TZ).replace(microsecond=0)
            return session

    with _signer(config) as signer:
        pdf_signer = VietnamTimePdfSigner(
            meta, signer=signer, timestamper=timestamper,
            stamp_style=_style(appearance or Appearance()), new_field_spec=spec)
        try:
            out = pdf_signer.sign_pdf(writer)
        except Exception as exc:
            raise SigningError(f"signing failed: {exc}") from exc
    signed = out.getvalue()
    if was_pdfa:
        broken = pdfa.problems(signed)
        if broken:
            raise SigningError("the signed document is no longer PDF/A-2b: " + "; ".join(broken))
    return signed


# -- validation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF, as pyHanko's validator sees it."""

    field: str
    intact: bool  # the signed bytes are unchanged
    valid: bool  # intact, and the cryptographic signature verifies
    trusted: bool  # the signer's certificate chains to a configured trust root
    signer: str  # the certificate subject's common name (or the whole subject)
    organisation: str
    signing_time: datetime | None  # as the signer claims it (/M), in +07:00
    covers_whole_document: bool  # nothing was added after this signature
    modified_after_signing: bool  # later revisions change more than signatures allow
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The bottom line: valid, trusted, and the document unchanged since."""
        return self.valid and self.trusted and not self.modified_after_signing


@dataclass(frozen=True)
class SignatureReport:
    """Every signature of a PDF; the properties summarise them (all must hold)."""

    signatures: tuple[SignatureCheck, ...] = field(default_factory=tuple)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        return self.signed and all(s.valid for s in self.signatures)

    @property
    def intact(self) -> bool:
        return self.signed and all(s.intact for s in self.signatures)

    @property
    def trusted(self) -> bool:
        return self.signed and all(s.trusted for s in self.signatures)

    @property
    def ok(self) -> bool:
        return self.signed and all(s.ok for s in self.signatures)

    @property
    def modified_after_signing(self) -> bool:
        return any(s.modified_after_signing for s in self.signatures)

    @property
    def covers_whole_document(self) -> bool:
        return self.signed and self.signatures[-1].covers_whole_document

    @property
    def signer(self) -> str | None:
        return self.signatures[-1].signer if self.signatures else None

    @property
    def signing_time(self) -> datetime | None:
        return self.signatures[-1].signing_time if self.signatures else None


# Later revisions that leave a signed document as it was: none, validation data, another
# signature (form filling of signature fields).
_ALLOWED_LEVELS = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


def _trust_roots(config: SigningConfig) -> list:
    from asn1crypto import pem, x509

    roots = []
    for path in config.trust_roots:
        data = path.read_bytes()
        if pem.detect(data):
            roots += [x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(
                data, multiple=True)]
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def _name_part(name, key: str) -> str:
    native = name.native
    return str(native.get(key, "")) if isinstance(native, dict) else ""


def _validate(data: bytes, *, config: SigningConfig | None = None) -> SignatureReport:
    """Check every signature of ``data`` against the configured trust roots (no network
    access: no revocation fetching). Raises :class:`InvalidPdf` for bytes that are not a
    PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    config = config or SigningConfig.from_config()
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise InvalidPdf("not a PDF file")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        raise InvalidPdf(str(exc)) from exc
    roots = _trust_roots(config)
    checks = []
    for signature in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(signature, context)
        except (SignatureValidationError, ValueError) as exc:
            checks.append(SignatureCheck(
                field=signature.field_name, intact=False, valid=False, trusted=False,
                signer="", organisation="", signing_time=None, covers_whole_document=False,
                modified_after_signing=True, problems=(str(exc),)))
            continue
        cert = status.signing_cert
        subject = cert.subject if cert is not None else None
        claimed = status.signer_reported_dt
        level = status.modification_level
        problems = []
        if not status.intact:
            problems.append("digest mismatch")
        if not status.trusted:
            problems.append("untrusted certificate")
        if level is not None and level.name not in _ALLOWED_LEVELS:
            problems.append(f"modified after signing ({level.name})")
        checks.append(SignatureCheck(
            field=signature.field_name, intact=bool(status.intact),
            valid=bool(status.intact and status.valid), trusted=bool(status.trusted),
            signer=(_name_part(subject, "common_name") or subject.human_friendly)
            if subject is not None else "",
            organisation=_name_part(subject, "organization_name") if subject else "",
            signing_time=claimed.astimezone(LOCAL_TZ) if claimed else None,
            covers_whole_document=status.coverage.name == "ENTIRE_FILE",
            modified_after_signing=level is not None and level.name not in _ALLOWED_LEVELS,
            problems=tuple(problems)))
    return SignatureReport(tuple(checks))
