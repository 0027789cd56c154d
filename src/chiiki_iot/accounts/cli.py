"""Accounts on the command line: ``chiiki-iot users …``, and who every command acts as.

Whoever runs a command on the server has the secretariat's powers; the audit log names them
(``cli:<login>``). Every domain's commands open their transaction with ``unit_of_work`` from here, so the
principal and the audit hook are the same for all of them.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.demo import DEMO_PASSWORD, create_demo_users
from chiiki_iot.accounts.invitations import invite_and_send
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core.commands import console, err_console, prepare_database, transaction
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.settings import get_settings

app = typer.Typer(add_completion=False)
users_app = typer.Typer(help="利用者の管理 / manage users.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def cli_principal() -> Principal:
    """Whoever runs the command on the server has the secretariat's powers; the audit log names them."""
    return Principal(actor=f"cli:{getpass.getuser()}", grants=(Grant(Role.SECRETARIAT),), via="cli")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for a command, acting as ``cli_principal``; a user error is reported in both
    languages and exits with 2.

    The database is brought to the current schema with its reference data first, as ``serve`` does, so
    a command run before ``init`` works instead of failing on a missing table.
    """
    prepare_database()
    with transaction(act_as(get_sessionmaker()(), cli_principal())) as session:
        yield session


@users_app.command("create-admin")
def users_create_admin(
    email: Annotated[str, typer.Argument(help="メールアドレス / e-mail address")],
    name: Annotated[str, typer.Option(help="氏名 / display name")] = "",
) -> None:
    """最初の事務局（管理者）を作る。パスワードは対話で入力 / create a secretariat admin (asks for a password)."""
    password = typer.prompt("パスワード / password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        user = service.create_user(session, email=email, display_name=name or email, password=password)
        service.grant_role(session, principal=cli_principal(), user=user, role=Role.SECRETARIAT, scope="")
    console.print(f"[green]事務局の利用者を作成しました / created secretariat user {escape(user.email)}.[/]")


@users_app.command("invite")
def users_invite(
    email: Annotated[str, typer.Argument(help="招待するメールアドレス / e-mail to invite")],
    role: Annotated[Role, typer.Option(help="役割 / role")],
    scope: Annotated[
        str, typer.Option(help="担当範囲: ブロック・団体コード・識別子 / block, body code or organisation")
    ] = "",
) -> None:
    """招待リンクを作ってメールで送る（SMTP 未設定なら outbox に保存） / invite by e-mail (or the outbox)."""
    with unit_of_work() as session:
        ja, en = invite_and_send(session, principal=cli_principal(), email=email, role=role, scope=scope)
    console.print(escape(f"{ja} / {en}"))


@users_app.command("list")
def users_list() -> None:
    """利用者と役割の一覧 / list users and their roles."""
    with unit_of_work() as session:
        for user in service.list_users(session, principal=cli_principal()):
            roles = ", ".join(f"{g.role}:{g.scope}" if g.scope else g.role for g in user.grants) or "-"
            demo = " [demo]" if user.is_demo else ""
            console.print(escape(f"{user.email}{demo}  {user.display_name}  {roles}"))


@users_app.command("demo")
def users_demo() -> None:
    """役割ごとのデモ利用者を作る（デモ環境用） / create one clearly marked demo user per role."""
    if not get_settings().demo_mode:
        err_console.print(
            "デモ利用者はデモ環境（CHIIKI_DEMO_MODE=true）でのみ作れます。パスワードが公開されているためです。\n"
            "Demo users can only be created on a demo site (CHIIKI_DEMO_MODE=true): their password is public."
        )
        raise typer.Exit(2)
    with unit_of_work() as session:
        users = create_demo_users(session)
        emails = [u.email for u in users]
    for email in emails:
        console.print(escape(f"{email}  / {DEMO_PASSWORD}"))
    console.print(
        "CHIIKI_DEMO_MODE=true で起動すると、サインイン画面にデモ利用者が表示されます / "
        "start with CHIIKI_DEMO_MODE=true to list them on the sign-in page."
    )
