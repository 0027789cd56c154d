"""The accounts' parts for the assembly: users, roles, sign-in and the audit log (whose recorder watches every
session once ``audit_recorder`` is imported)."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.accounts import admin_pages, api, audit_recorder, cli, models, pages
from chiiki_iot.accounts.policy import ROLE_LABELS
from chiiki_iot.core.domain import Domain

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="accounts",
    models=(models, audit_recorder),  # its flush hook writes every session's changes to the audit log
    routers=(pages.router, admin_pages.router, api.router),
    templates=TEMPLATES,
    template_globals={"role_labels": {str(role): label for role, label in ROLE_LABELS.items()}},
    cli=cli.app,
)
