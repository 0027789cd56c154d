"""Outgoing mail: invitations and password resets. SMTP when configured; otherwise every message is
written to the outbox folder (and its path printed to the log), so in development nothing is silently lost."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from fastapi import BackgroundTasks

from chiiki_iot.core.settings import get_settings

log = logging.getLogger("chiiki_iot.mail")


def send_mail(*, to: str, subject: str, body: str) -> str:
    """Send (or file) one message; return where it went, for the log and the CLI."""
    settings = get_settings()
    message = _message(to=to, subject=subject, body=body)
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
        return f"smtp://{settings.smtp_host}"
    path = _file(message)
    log.warning("mail to %s filed in %s (no SMTP configured)", to, path)
    return str(path)


def deliver_mail(*, to: str, subject: str, body: str) -> str:
    """Send one message after the request has answered (a background task): if the mail server is down,
    the message is filed in the outbox and the failure logged, so it is neither lost nor shown to the asker."""
    try:
        return send_mail(to=to, subject=subject, body=body)
    except (OSError, smtplib.SMTPException) as failure:
        path = _file(_message(to=to, subject=subject, body=body))
        log.error("mail to %s could not be sent (%s); filed in %s", to, failure, path)
        return str(path)


def site_link(path: str) -> str:
    """An address on this site for a mail: the configured ``base_url``, never the request's Host header,
    which a client chooses."""
    return f"{get_settings().base_url.rstrip('/')}{path}"


def queue_notices(
    background: BackgroundTasks, addresses: list[str], *, subject: str, ja: str, en: str, path: str
) -> int:
    """One bilingual notice with a link to ``path``, to each address once, sent after the response."""
    unique = list(dict.fromkeys(addresses))
    link = site_link(path)
    for address in unique:
        background.add_task(deliver_mail, to=address, subject=subject, body=f"{ja}\n{link}\n\n{en}\n{link}\n")
    return len(unique)


def _message(*, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = get_settings().mail_from, to, subject
    message.set_content(body)
    return message


def _file(message: EmailMessage) -> Path:
    outbox = Path(get_settings().mail_outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    to = str(message["To"])
    path = outbox / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{to.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    return path
