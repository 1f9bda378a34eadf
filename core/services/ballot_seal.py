"""Sealing ballots to a poll's key, and splitting that key among the counting committee.

Only maintained libraries, no cryptography of our own:

* **sealed box** (``cryptography``): an ephemeral X25519 key agrees a secret with the poll's
  public key; HKDF-SHA256 (salt = ephemeral public key ‖ poll public key, info names the
  poll) derives a ChaCha20-Poly1305 key; the sealed ballot is ``ephemeral public key ‖
  ciphertext``. Each key is used once, so the nonce is fixed (the libsodium sealed-box
  construction). The plaintext is padded to one length for the whole poll, so the size of a
  sealed ballot does not tell which candidates it names.
* **key splitting** (``pycryptodome``'s ``Shamir``, 16-byte secrets): the poll key is
  derived by HKDF from a 16-byte random seed; the seed is split k-of-n. A share is written
  ``<index>-<32 hex>``. Any k shares give the seed back; the derived public key must equal
  the poll's, otherwise the shares are refused.
"""

from __future__ import annotations

import json
import re
import secrets

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_RAW = serialization.Encoding.Raw
_NONCE = b"\0" * 12
SHARE_FORMAT = re.compile(r"^\s*(\d{1,2})\s*-\s*([0-9a-fA-F]{32})\s*$")


class SealError(ValueError):
    """Shares that do not rebuild the poll's key, or a sealed ballot that does not open."""


def _public_hex(private: X25519PrivateKey) -> str:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw).hex()


def _private_from_seed(seed: bytes) -> X25519PrivateKey:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"thidua poll key v1").derive(seed)
    return X25519PrivateKey.from_private_bytes(raw)


def new_server_key() -> tuple[str, str]:
    """A fresh key pair kept by the server: (private hex, public hex)."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return raw.hex(), _public_hex(private)


def new_committee_key(needed: int = 2, total: int = 3) -> tuple[list[str], str]:
    """A fresh key pair whose private half exists only as ``total`` shares, any ``needed`` of
    which rebuild it: (shares, public hex). Nothing secret is kept."""
    if not 2 <= needed <= total <= 15:
        raise ValueError("shares: 2 ≤ needed ≤ total ≤ 15")
    seed = secrets.token_bytes(16)
    shares = [f"{index}-{share.hex()}" for index, share in Shamir.split(needed, total, seed)]
    return shares, _public_hex(_private_from_seed(seed))


def private_from_shares(shares: list[str], public_hex: str) -> X25519PrivateKey:
    """Rebuild the private key from shares; refuse when it does not match the poll's key."""
    parsed: dict[int, bytes] = {}
    for share in shares:
        found = SHARE_FORMAT.match(share) if isinstance(share, str) else None
        if found is None:
            raise SealError("share format")
        parsed[int(found.group(1))] = bytes.fromhex(found.group(2))
    if not parsed:
        raise SealError("no share")
    try:
        seed = Shamir.combine(list(parsed.items()))
    except ValueError as exc:
        raise SealError("shares do not combine") from exc
    private = _private_from_seed(seed)
    if _public_hex(private) != public_hex:
        raise SealError("shares do not match the poll's key")
    return private


def private_from_hex(private_hex: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))


def _key(shared: bytes, ephemeral: bytes, public: bytes, context: str) -> ChaCha20Poly1305:
    return ChaCha20Poly1305(HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + public,
                                 info=b"thidua ballot v1 " + context.encode()).derive(shared))


def padded_length(candidates: list[str]) -> int:
    """One plaintext length for every ballot of a poll: room for every candidate, rounded up
    to 256 bytes."""
    room = len(json.dumps(sorted(candidates), separators=(",", ":")).encode()) + 16
    return max(256, -(-room // 256) * 256)


def seal(public_hex: str, choices: list[str], *, context: str, length: int) -> bytes:
    """Seal the choices (JSON, padded with spaces to ``length``) to the poll's public key."""
    plain = json.dumps(choices, separators=(",", ":")).encode()
    if len(plain) > length:
        raise ValueError("ballot longer than the poll's padded length")
    plain = plain.ljust(length, b" ")
    public = bytes.fromhex(public_hex)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    box = _key(shared, ephemeral_public, public, context)
    return ephemeral_public + box.encrypt(_NONCE, plain, context.encode())


def open_sealed(private: X25519PrivateKey, sealed: bytes, *, context: str) -> list[str]:
    """Open one sealed ballot (raises SealError if it was not sealed to this key)."""
    ephemeral_public, body = bytes(sealed[:32]), bytes(sealed[32:])
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    try:
        plain = _key(shared, ephemeral_public, public, context).decrypt(
            _NONCE, body, context.encode())
    except InvalidTag as exc:
        raise SealError("sealed ballot does not open") from exc
    return json.loads(plain.decode().rstrip(" "))
