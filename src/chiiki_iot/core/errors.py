"""Typed user errors with a Japanese and an English message.

A service raises one of these; the web layer renders it as an HTML message or as RFC 9457
``application/problem+json``; the CLI prints it. A user error never becomes a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    """One concrete thing wrong with the input: where it is and why, in both languages."""

    message_ja: str
    message_en: str
    location: str = ""  # e.g. "行 12, 列 code" / "row 12, column code"

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "message_ja": self.message_ja, "message_en": self.message_en}


@dataclass
class UserError(Exception):
    """Base for errors caused by what the user asked or sent."""

    message_ja: str
    message_en: str
    problems: list[Problem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status_code = 400
    type_slug = "bad-request"
    title_en = "Bad request"

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_ja

    def as_problem(self, instance: str = "") -> dict[str, Any]:
        """The RFC 9457 problem document; ``detail`` carries both languages."""
        body: dict[str, Any] = {
            "type": f"/problems/{self.type_slug}",
            "title": self.title_en,
            "status": self.status_code,
            "detail": str(self),
            "detail_ja": self.message_ja,
            "detail_en": self.message_en,
            "instance": instance,
        }
        if self.problems:
            body["errors"] = [p.as_dict() for p in self.problems]
        body.update(self.extra)
        return body


class NotFound(UserError):
    status_code = 404
    type_slug = "not-found"
    title_en = "Not found"


class MethodNotAllowed(UserError):
    """The address exists but not for this method: most often a form's address opened again from the
    history or a pasted link after the form was sent."""

    status_code = 405
    type_slug = "method-not-allowed"
    title_en = "Method not allowed"


class InvalidInput(UserError):
    status_code = 422
    type_slug = "invalid-input"
    title_en = "Invalid input"


class Conflict(UserError):
    """A save based on an out-of-date copy: someone else saved first. Nothing is overwritten."""

    status_code = 409
    type_slug = "conflict"
    title_en = "Edit conflict"


class Forbidden(UserError):
    """Signed in, but this person's roles do not allow the action (the policy's answer)."""

    status_code = 403
    type_slug = "forbidden"
    title_en = "Forbidden"


class SignInRequired(UserError):
    status_code = 401
    type_slug = "sign-in-required"
    title_en = "Sign-in required"


class ServerFault(UserError):
    """Not the user's doing: a fault on our side. Shown as a page in both languages instead of a bare 500."""

    status_code = 500
    type_slug = "server-error"
    title_en = "Server error"


class ServiceUnavailable(UserError):
    """The database is busy or unreachable for a moment (lock or pool timeout, dropped connection): not the
    user's doing and not a fault in the request, so it may simply be sent again (with ``Retry-After``)."""

    status_code = 503
    type_slug = "service-unavailable"
    title_en = "Service unavailable"


PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    UserError.type_slug: (
        "要求に誤りがあります。内容を確かめて送り直してください。",
        "The request is wrong; check it and send it again.",
    ),
    NotFound.type_slug: (
        "指定されたもの（団体コード、ページ、版など）が見つかりません。",
        "What was asked for (a code, a page, a revision) does not exist.",
    ),
    InvalidInput.type_slug: (
        "入力値が受け付けられません。errors に項目ごとの理由があります。",
        "The input is not accepted; 'errors' lists each item and why.",
    ),
    Conflict.type_slug: (
        "ほかの人が先に保存したため、保存しませんでした。current に最新の内容があります。",
        "Someone else saved first, so nothing was saved; 'current' holds the latest values.",
    ),
    "forbidden": ("この操作の権限がありません。", "You are not allowed to do this."),
    "sign-in-required": ("サインインが必要です。", "Sign in first."),
    "sign-in-failed": ("サインインできませんでした。", "The sign-in failed."),
    "request-too-large": (
        "送信された内容が上限を超えています。ファイルを分けるか、内容を減らしてください。",
        "The request is larger than allowed; split the file or send less.",
    ),
    ServerFault.type_slug: (
        "サーバー側の問題で処理できませんでした。入力は保存されていません。",
        "A fault on the server stopped the request; nothing was saved.",
    ),
    ServiceUnavailable.type_slug: (
        "混み合っているため処理できませんでした。入力は保存されていません。"
        "Retry-After の秒数の後にもう一度お試しください。",
        "The service is busy; nothing was saved. Try again after the seconds given in Retry-After.",
    ),
    "too-many-attempts": (
        "失敗が続いたため、しばらく受け付けません。",
        "Too many attempts; wait and try again.",
    ),
}
"""The problem types of RFC 9457 documents, explained at /problems/{slug} so the type URI resolves."""
