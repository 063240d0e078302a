"""API keys: a file of salted hashes, each key with an id and scopes.

A key is ``<key_id>.<secret>``; the file stores, one key a line::

    # key_id  scopes                 salted hash
    priya     review,read            sha256$<salt hex>$<digest hex>
    qa-bot    score,read             sha256$...

The key id is the reviewer id a review is recorded under (a key with ``admin`` may name
another reviewer). Secrets are 32 random bytes, so one salted SHA-256 is enough (slow
password hashes protect guessable passwords, which these are not); the secret itself is
never stored or logged. ``cxnlp api-key ID --scopes ...`` makes a key and prints the line.

Scopes: ``score`` (score, explain), ``read`` (results, agreement, schema), ``review``
(post reviews), ``admin`` (everything, and reviews on behalf of any reviewer).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

SCOPES = ("score", "read", "review", "admin")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class KeyFileError(ValueError):
    """The key file cannot be used; the message names the line."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    scopes: frozenset[str]
    salt: str
    digest: str

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(_digest(self.salt, secret), self.digest)


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def new_api_key(key_id: str, scopes: list[str]) -> tuple[str, str]:
    """A fresh key for ``key_id``: ``(key to hand over, line to add to the key file)``."""
    _check(key_id, scopes, where="new key")
    secret = f"{key_id}.{secrets.token_urlsafe(32)}"
    salt = secrets.token_hex(16)
    return secret, f"{key_id}  {','.join(scopes)}  sha256${salt}${_digest(salt, secret)}"


def _check(key_id: str, scopes: list[str], *, where: str) -> None:
    if not _KEY_ID.match(key_id):
        raise KeyFileError(f"{where}: got key id {key_id!r}; expected 1-64 letters, digits, '_' or '-'.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise KeyFileError(
            f"{where}: got scopes {scopes}; expected a comma-separated list from {', '.join(SCOPES)}."
        )


class KeyRing:
    """The keys the service accepts, by id."""

    def __init__(self, keys: dict[str, ApiKey]):
        self.keys = keys

    @classmethod
    def load(cls, path: str | Path) -> KeyRing:
        """Read a key file; a bad line is refused with its number, never skipped."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyFileError(
                f"Got --api-keys {str(path)!r}, which cannot be read ({exc.strerror})."
            ) from exc
        keys: dict[str, ApiKey] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}:line {number}"
            parts = line.split()
            if len(parts) != 3:
                raise KeyFileError(f"{where}: got {len(parts)} fields; expected 'KEY_ID SCOPES HASH'.")
            key_id, scope_text, stored = parts
            scopes = [s for s in scope_text.split(",") if s]
            _check(key_id, scopes, where=where)
            kind, _, rest = stored.partition("$")
            salt, _, digest = rest.partition("$")
            if (
                kind != "sha256"
                or not re.fullmatch(r"[0-9a-f]{2,}", salt)
                or not re.fullmatch(r"[0-9a-f]{64}", digest)
            ):
                raise KeyFileError(
                    f"{where}: got a hash that is not 'sha256$SALT$DIGEST'; expected a line made "
                    "by 'cxnlp api-key'."
                )
            if key_id in keys:
                raise KeyFileError(f"{where}: key id {key_id!r} appears twice; expected one line per key.")
            keys[key_id] = ApiKey(key_id, frozenset(scopes), salt, digest)
        if not keys:
            raise KeyFileError(f"Got --api-keys {str(path)!r} with no keys; add one with 'cxnlp api-key'.")
        return cls(keys)

    def verify(self, presented: str | None) -> ApiKey | None:
        """The key ``presented`` is, or None for a missing, malformed or wrong key."""
        if not presented:
            return None
        key_id, dot, _ = presented.partition(".")
        key = self.keys.get(key_id) if dot else None
        if key is None or not key.matches(presented):
            return None
        return key
