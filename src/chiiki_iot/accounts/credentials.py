"""Passwords and tokens: argon2id hashes for passwords, SHA-256 of random tokens for everything a link or a
cookie carries. A token is shown once; only its hash is stored, so a database leak reveals no live token."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chiiki_iot.core.errors import InvalidInput, Problem
from chiiki_iot.core.settings import get_settings

# argon2-cffi's defaults: RFC 9106's second recommendation (t=3, 64 MiB, p=4)
PRODUCTION_HASHER = PasswordHasher()
_HASHER = (
    PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    if get_settings().test_fast_password_hashing
    else PRODUCTION_HASHER
)
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiopas",
        "passw0rd1234",
        "administrator",
        "chiikiiot123",
        "password123456",
        "111111111111",
        "abcdefghijkl",
        "iloveyou1234",
    }
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a wrong address takes as long as a wrong password.
    Made on first use: at import it cost every CLI command a full-strength hash (~0.2 s) before doing anything."""
    return _HASHER.hash("not-a-real-password-chiiki-iot")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str, *, email: str = "") -> None:
    """The rules a government user expects (NISC and NIST SP 800-63B: length over composition, no common or
    personal passwords). Raises InvalidInput with every rule that is broken."""
    problems: list[tuple[str, str]] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            (
                f"{MIN_PASSWORD_LENGTH} 文字以上にしてください",
                f"use at least {MIN_PASSWORD_LENGTH} characters",
            )
        )
    if len(set(password)) < 4:
        problems.append(("同じ文字の繰り返しは使えません", "do not repeat the same few characters"))
    local = email.split("@")[0].lower()
    if password.lower() in COMMON_PASSWORDS or (len(local) >= 4 and local in password.lower()):
        problems.append(
            (
                "よく使われるパスワードやメールアドレスを含むものは使えません",
                "do not use a common password or one containing your e-mail address",
            )
        )
    if problems:
        raise InvalidInput(
            "パスワードが条件を満たしていません。",
            "The password does not meet the rules.",
            problems=[Problem(ja, en, "password") for ja, en in problems],
        )


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
