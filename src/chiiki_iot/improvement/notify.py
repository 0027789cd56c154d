"""Mail from the Act step, sent after the response: the block's bureau when the secretariat answers an
opinion from its council; the body's staff when their case is published or sent back; the bureau when a
case from its block waits for review."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.mail import queue_notices
from chiiki_iot.accounts.policy import Role
from chiiki_iot.improvement import opinions
from chiiki_iot.improvement.models import Case, Opinion
from chiiki_iot.registry import service as registry

SUBJECT = "【地域IoT実装推進・改善】"


def opinion_answered(session: Session, background: BackgroundTasks, opinion: Opinion) -> int:
    """The council's bureau (the recorder too, if someone else) learns what became of the opinion."""
    to = [*accounts.emails_of_scope(session, Role.BUREAU, opinion.block_slug), opinion.recorded_by] if (
        opinion.block_slug
    ) else [opinion.recorded_by]  # fmt: skip
    outcome = opinions.TRIAGE[opinion.triage]
    return queue_notices(
        background, [a for a in to if "@" in a], subject=f"{SUBJECT}意見への回答",
        ja=f"協議会で出た意見（{opinion.text[:40]}）を事務局が「{outcome}」に仕分け、回答しました。\n回答：{opinion.reply}",
        en=f"The secretariat has triaged an opinion from your council and replied.\nReply: {opinion.reply}",
        path=f"/improvement/opinions#opinion-{opinion.id}",
    )  # fmt: skip


def case_step(session: Session, background: BackgroundTasks, case: Case, step: str) -> int:
    """submit: the block's bureau is asked to review; publish / return: the writer and the body's staff."""
    body = registry.get_body(session, case.body_code)
    if step == "submit":
        to = accounts.emails_of_scope(session, Role.BUREAU, body.block_slug)
        ja, en = (
            f"{body.full_name}の事例「{case.title}」の確認をお願いします。",
            f"Please review the case '{case.title}'.",
        )
    else:
        role = Role.MUNICIPALITY if body.is_municipality else Role.PREFECTURE
        to = [case.written_by, *accounts.emails_of_scope(session, role, body.code)]
        ja, en = (
            (f"事例「{case.title}」が公開されました。", f"The case '{case.title}' is published.")
            if step == "publish"
            else (f"事例「{case.title}」が差し戻されました。理由：{case.review_note}",
                  f"The case '{case.title}' was sent back: {case.review_note}")
        )  # fmt: skip
    return queue_notices(
        background,
        [a for a in to if "@" in a],
        subject=f"{SUBJECT}事例集",
        ja=ja,
        en=en,
        path=f"/cases/{case.id}",
    )
