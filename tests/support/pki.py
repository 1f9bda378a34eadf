"""A test public-key infrastructure made in the test with ``cryptography``: a root CA, a
signer's certificate it issues (in a PKCS#12 file, or on a SoftHSM2 token), and the PNG
images of a handwritten signature and of a seal (Pillow)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_LIBS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Authority:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write_pem(self, path: Path) -> Path:
        path.write_bytes(self.pem())
        return path


@dataclass
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    issuer: Authority

    def pkcs12(self, password: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"signer", self.key, self.cert, [self.issuer.cert],
            serialization.BestAvailableEncryption(password.encode()))

    def key_pkcs8_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def make_ca(common: str = "Thidua Test Root CA",
            organisation: str = "Thidua Test PKI") -> Authority:
    key = _key()
    name = _name(common, organisation)
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return Authority(key, cert)


def issue(ca: Authority, common: str = "Nguyễn Văn An",
          organisation: str = "Sở Thông tin và Truyền thông") -> Identity:
    key = _key()
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(common, organisation))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Identity(key, cert, ca)


def signature_png() -> bytes:
    """A blue handwritten-looking stroke on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20, 110), (60, 30), (90, 120), (130, 40), (170, 115), (210, 50), (250, 100),
              (300, 60), (340, 90)]
    draw.line(points, fill=(20, 40, 160, 255), width=7, joint="curve")
    draw.line([(40, 130), (330, 125)], fill=(20, 40, 160, 255), width=4)
    return _png(image)


def seal_png() -> bytes:
    """A red round seal: two rings and a star, on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 20, 30, 230)
    draw.ellipse((6, 6, 294, 294), outline=red, width=12)
    draw.ellipse((60, 60, 240, 240), outline=red, width=6)
    draw.regular_polygon((150, 150, 55), 5, fill=red)
    return _png(image)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def softhsm_library() -> str | None:
    return next((lib for lib in SOFTHSM_LIBS if Path(lib).exists()), None)


@dataclass
class Token:
    lib: str
    label: str
    pin: str
    key_label: str


def softhsm_token(directory: Path, identity: Identity, *, label: str = "thidua-test",
                  pin: str = "123456", key_label: str = "chu-ky-so") -> Token:
    """A SoftHSM2 token in ``directory`` holding the identity's key and certificate.

    SoftHSM2 reads ``SOFTHSM2_CONF`` when the library is first loaded in the process: the
    first token made in a test process decides the token directory, so this keeps one
    directory per process and reuses it (each token has its own label)."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    conf = os.environ.get("SOFTHSM2_CONF")
    if conf is None:
        tokens = directory / "tokens"
        tokens.mkdir(parents=True, exist_ok=True)
        conf_path = directory / "softhsm2.conf"
        conf_path.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                             "log.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = conf = str(conf_path)
    util = shutil.which("softhsm2-util")
    env = {**os.environ, "SOFTHSM2_CONF": conf}
    subprocess.run([util, "--init-token", "--free", "--label", label, "--pin", pin,
                    "--so-pin", "87654321"], check=True, capture_output=True, env=env)
    key_file = directory / f"{label}.pem"
    key_file.write_bytes(identity.key_pkcs8_pem())
    subprocess.run([util, "--import", str(key_file), "--token", label, "--label", key_label,
                    "--id", "01", "--pin", pin], check=True, capture_output=True, env=env)
    key_file.unlink()
    lib = softhsm_library()
    token = pkcs11.lib(lib).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: key_label, Attribute.ID: b"\x01",
            Attribute.SUBJECT: identity.cert.subject.public_bytes(),
            Attribute.VALUE: identity.cert.public_bytes(serialization.Encoding.DER)})
    return Token(lib, label, pin, key_label)
