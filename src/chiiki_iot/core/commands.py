"""What every ``chiiki-iot`` command shares, whichever domain it belongs to: the consoles, bilingual error
reports, the preview-then-confirm step, date options, and one transaction per command.

Each domain keeps its commands in its own ``cli.py`` (a Typer app); the root ``chiiki_iot.cli`` mounts
them. This module knows no domain: the assembly tells it how to prepare the database
(``set_database_preparer``), and accounts says who a command acts as (``accounts.cli.unit_of_work``).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from chiiki_iot.core.errors import UserError

console = Console()
err_console = Console(stderr=True)

IMPORT_HELP = "外部データの取り込み（プレビュー後に一括確定） / import data (preview, then all or nothing)."
"""The ``import`` group is shared: registry and adoption each add their imports under this one help text."""

_database_preparers: list[Callable[[], object]] = []


def import_group() -> typer.Typer:
    """A domain's ``import`` sub-commands; the root merges every domain's into one ``chiiki-iot import``."""
    return typer.Typer(help=IMPORT_HELP, no_args_is_help=True)


def set_database_preparer(prepare: Callable[[], object]) -> None:
    """Register what brings the database to the current schema with its reference data (the assembly's
    ``initialise``), so a command run before ``chiiki-iot init`` works instead of failing on a missing table."""
    if prepare not in _database_preparers:
        _database_preparers.append(prepare)


def prepare_database() -> None:
    """Run the registered preparation (idempotent: cheap once the database is current)."""
    for prepare in _database_preparers:
        prepare()


def report_error(error: UserError) -> None:
    """A user error on stderr in Japanese and English, with up to 50 of its problems."""
    err_console.print(f"[bold red]エラー:[/] {escape(error.message_ja)}")
    err_console.print(f"[bold red]Error:[/] {escape(error.message_en)}")
    for problem in error.problems[:50]:
        err_console.print(escape(f"  - {problem.location}: {problem.message_ja} / {problem.message_en}"))
    if len(error.problems) > 50:
        err_console.print(f"  … ほか {len(error.problems) - 50} 件 / and {len(error.problems) - 50} more")


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """The command's one transaction: committed at the end (the command boundary commits, services never
    do); a user error is rolled back, reported in both languages and exits with 2."""
    try:
        yield session
        session.commit()
    except UserError as error:
        session.rollback()
        report_error(error)
        raise typer.Exit(2) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def confirm_or_stop(yes: bool, dry_run: bool) -> None:
    """The preview has been printed; decide whether to write."""
    if dry_run:
        console.print("[yellow]--dry-run: 何も書き込んでいません / nothing was written.[/]")
        raise typer.Exit(0)
    if yes:
        return
    if not sys.stdin.isatty():
        console.print(
            "[yellow]確定するには --yes を付けて再実行してください / re-run with --yes to commit.[/]"
        )
        raise typer.Exit(1)
    if not typer.confirm("この内容で取り込みますか？ / Import these rows?"):
        raise typer.Exit(1)


def parse_date_option(text: str | None, *, option: str = "--as-of", label: str = "基準日") -> dt.date | None:
    """A date option in YYYY-MM-DD form; ``None`` when the option was not given. A malformed date is a user
    error whether it is read inside the command's transaction or before it: reported in both languages,
    exit 2, never a traceback."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        report_error(
            UserError(
                f"{label}「{text}」は YYYY-MM-DD 形式で指定してください。",
                f"{option} '{text}' must be a date in YYYY-MM-DD form.",
            )
        )
        raise typer.Exit(2) from None
