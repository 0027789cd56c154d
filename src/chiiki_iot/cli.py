"""The ``chiiki-iot`` command: set up the database, serve the site, import data, inspect the registry."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit import act_as
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core.db import get_engine, get_sessionmaker
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.fiscal import today_in_japan

app = typer.Typer(
    help="地域IoT実装推進プラットフォーム (chiiki-iot) の管理コマンド / admin command.",
    no_args_is_help=True,
    add_completion=False,
)
import_app = typer.Typer(
    help="外部データの取り込み（プレビュー後に一括確定） / import data (preview, then all or nothing).",
    no_args_is_help=True,
)
registry_app = typer.Typer(help="団体台帳の確認 / inspect the registry.", no_args_is_help=True)
roadmap_app = typer.Typer(help="ロードマップの確認 / inspect the roadmap.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(registry_app, name="registry")
app.add_typer(roadmap_app, name="roadmap")
users_app = typer.Typer(help="利用者の管理 / manage users.", no_args_is_help=True)
app.add_typer(users_app, name="users")
survey_app = typer.Typer(help="地域IoT実装状況調査 / the annual implementation survey.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


def _report_error(error: UserError) -> None:
    err_console.print(f"[bold red]エラー:[/] {escape(error.message_ja)}")
    err_console.print(f"[bold red]Error:[/] {escape(error.message_en)}")
    for problem in error.problems[:50]:
        err_console.print(escape(f"  - {problem.location}: {problem.message_ja} / {problem.message_en}"))
    if len(error.problems) > 50:
        err_console.print(f"  … ほか {len(error.problems) - 50} 件 / and {len(error.problems) - 50} more")


def cli_principal() -> Principal:
    """Whoever runs the command on the server has the secretariat's powers; the audit log names them."""
    return Principal(actor=f"cli:{getpass.getuser()}", grants=(Grant(Role.SECRETARIAT),), via="cli")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for a command; a user error is reported in both languages and exits with 2.

    The database is brought to the current schema with its reference data first, as ``serve`` does, so
    a command run before ``init`` works instead of failing on a missing table.
    """
    from chiiki_iot.core.bootstrap import initialise

    initialise(get_engine())
    session = act_as(get_sessionmaker()(), cli_principal())
    try:
        yield session
        session.commit()
    except UserError as error:
        session.rollback()
        _report_error(error)
        raise typer.Exit(2) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _confirm_or_stop(yes: bool, dry_run: bool) -> None:
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


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="読み込み済みでも再読み込み / reload even if loaded")] = False,
) -> None:
    """データベースを最新のスキーマにし、参照データを読み込む / migrate and load reference data."""
    from chiiki_iot.core.bootstrap import initialise

    report, revisions = initialise(get_engine(), force=force)
    if report:
        console.print(f"団体台帳を読み込みました / registry loaded from {report.source}: {report.counts}")
        for c in report.corrections:
            console.print(f"  補正 / correction: {c}")
    else:
        console.print("団体台帳は読み込み済みです / registry already loaded.")
    console.print(
        f"ロードマップ / roadmap revisions loaded: {revisions or 'なし（読み込み済み） / none (already loaded)'}"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="待ち受けアドレス / bind address")] = None,
    port: Annotated[int | None, typer.Option(help="ポート / port")] = None,
    reload: Annotated[bool, typer.Option(help="開発用の自動再読み込み / auto-reload")] = False,
) -> None:
    """サイトを起動する（初回は参照データを自動で読み込む） / run the site (loads reference data on first start)."""
    import uvicorn

    from chiiki_iot.core.settings import get_settings

    settings = get_settings()
    console.print(f"http://{host or settings.host}:{port or settings.port}/ で起動します / serving.")
    uvicorn.run(
        "chiiki_iot.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@import_app.command("population")
def import_population(
    file: Annotated[
        Path, typer.Argument(help="団体コード列と人口列を持つ CSV / CSV with code and population columns")
    ],
    as_of: Annotated[
        str | None, typer.Option(help="基準日 YYYY-MM-DD（ファイルに日付列がない場合） / reference date")
    ] = None,
    source: Annotated[str | None, typer.Option(help="出典名 / source name (default: file name)")] = None,
    code_column: Annotated[str | None, typer.Option(help="団体コードの列名 / code column")] = None,
    population_column: Annotated[str | None, typer.Option(help="人口の列名 / population column")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """人口を取り込む（住民基本台帳・国勢調査など） / import population figures."""
    from chiiki_iot.core.files import read_file_bytes
    from chiiki_iot.registry.importers import apply_population_import, plan_population_import

    with unit_of_work() as session:
        day = _parse_as_of(as_of)
        plan = plan_population_import(
            session,
            data=read_file_bytes(file),
            file_name=file.name,
            as_of=day,
            source=source or "",
            code_column=code_column,
            population_column=population_column,
        )
        table = Table(title=f"プレビュー / preview: {file.name}")
        for col in (
            "団体コード / code",
            "団体 / body",
            "基準日 / as of",
            "人口 / population",
            "現在値 / current",
        ):
            table.add_column(col)
        for row in plan.rows[:10]:
            table.add_row(
                row.body_code,
                row.body_name,
                row.as_of.isoformat(),
                f"{row.population:,}",
                "—" if row.previous is None else f"{row.previous:,}",
            )
        console.print(table)
        console.print(
            f"文字コード / encoding: {plan.encoding_label}; 列 / columns: {plan.code_column}, "
            f"{plan.population_column}; {len(plan.rows)} 行 / rows: 新規 new {plan.new_count}, "
            f"変更 changed {plan.changed_count}, 同じ unchanged {plan.unchanged_count}"
        )
        _confirm_or_stop(yes, dry_run)
        count = apply_population_import(session, plan, principal=cli_principal())
    console.print(f"[green]{count} 件を取り込みました / imported {count} rows.[/]")


def _parse_as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"基準日「{text}」は YYYY-MM-DD 形式で指定してください。",
            f"--as-of '{text}' must be a date in YYYY-MM-DD form.",
        ) from None


@import_app.command("boundaries")
def import_boundaries(
    file: Annotated[Path, typer.Argument(help="国土数値情報 N03 形式の TopoJSON / GeoJSON")],
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """行政区域の境界を取り込む / import boundaries (MLIT N03 layout)."""
    from chiiki_iot.core.files import read_file_bytes
    from chiiki_iot.registry.importers import apply_boundary_import, plan_boundary_import
    from chiiki_iot.web.charts import clear_cache

    with unit_of_work() as session:
        plan = plan_boundary_import(session, data=read_file_bytes(file), file_name=file.name)
        console.print(
            f"{file.name}: {plan.format}, 階層 / level {plan.level}, 地物 / features {plan.feature_count}, "
            f"団体に対応 / linked {len(plan.codes)}"
        )
        for note in plan.unlinked:
            console.print(f"  団体に対応しない地物 / unlinked feature: {note}")
        if plan.missing:
            console.print(
                f"  [yellow]ファイルにない団体 / bodies not in the file: {len(plan.missing)}[/] "
                f"{', '.join(plan.missing[:10])}"
            )
        _confirm_or_stop(yes, dry_run)
        apply_boundary_import(session, plan, principal=cli_principal())
    clear_cache()
    console.print("[green]境界を取り込みました / boundaries imported.[/]")


@import_app.command("status")
def import_status(
    file: Annotated[
        Path,
        typer.Argument(
            help="団体コード（または団体名）と回答の列を持つ CSV / CSV with a code or name column"
        ),
    ],
    model: Annotated[str, typer.Option(help="分野別モデルの識別子（例 open-data） / sector model slug")],
    as_of: Annotated[str, typer.Option(help="基準日 YYYY-MM-DD / the date the list describes")],
    value_column: Annotated[str, typer.Option(help="回答の列名 / the column holding the answer")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="値=段階（例 取組んでいる=実装済） / value=stage")
    ] = None,
    code_column: Annotated[str | None, typer.Option(help="団体コードの列名 / code column")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """外部の一覧から実装状況を取り込む / import implementation status from an external list."""
    from chiiki_iot.adoption.importers import apply_status_import, parse_mapping, plan_status_import
    from chiiki_iot.core.files import read_file_bytes

    with unit_of_work() as session:
        plan = plan_status_import(
            session,
            data=read_file_bytes(file),
            file_name=file.name,
            model_slug=model,
            as_of=_parse_as_of(as_of) or today_in_japan(),
            value_column=value_column,
            mapping=parse_mapping(map_ or []),
            code_column=code_column,
        )
        table = Table(title=f"プレビュー / preview: {file.name} → {plan.model_slug} ({plan.as_of})")
        for col in (
            "行 / row",
            "団体コード / code",
            "団体 / body",
            "回答 / answer",
            "段階 / stage",
            "現在 / current",
        ):
            table.add_column(col)
        for row in [r for r in plan.rows if r.changes][:15]:
            table.add_row(
                str(row.line), row.body_code, row.body_name, row.value, row.stage.value, row.previous or "—"
            )
        console.print(table)
        console.print(
            f"文字コード / encoding: {plan.encoding_label}; {len(plan.rows)} 行 / rows: "
            f"変更 changes {plan.change_count}, 同じ unchanged {len(plan.rows) - plan.change_count}, "
            f"空欄 empty {plan.skipped}"
        )
        _confirm_or_stop(yes, dry_run)
        count = apply_status_import(session, plan, principal=cli_principal())
    console.print(f"[green]{count} 件の実装状況を記録しました / recorded {count} status changes.[/]")


@import_app.command("indicator")
def import_indicator(
    file: Annotated[
        Path, typer.Argument(help="団体コード・日付・値の列を持つ CSV / CSV with code, date and value")
    ],
    slug: Annotated[str, typer.Option(help="指標の識別子（例 mynumbercard-rate） / indicator slug")],
    value_column: Annotated[str, typer.Option(help="値の列名 / value column")],
    name: Annotated[str, typer.Option(help="指標名 / indicator name (Japanese)")] = "",
    unit: Annotated[str, typer.Option(help="単位 / unit")] = "",
    date_column: Annotated[str | None, typer.Option(help="日付の列名 / date column")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """参考指標（団体ごとの時系列）を取り込む / import a per-body time series as a context indicator."""
    from chiiki_iot.adoption.indicators import apply_indicator_import, plan_indicator_import
    from chiiki_iot.core.files import read_file_bytes

    with unit_of_work() as session:
        plan = plan_indicator_import(
            session,
            slug=slug,
            data=read_file_bytes(file),
            file_name=file.name,
            value_column=value_column,
            date_column=date_column,
        )
        console.print(
            f"{file.name} ({plan.encoding_label}) → {slug}: {len(plan.points):,} 点 / points: "
            f"新規 new {plan.new:,}, 変更 changed {plan.changed:,}, 同じ unchanged {plan.unchanged:,}"
        )
        _confirm_or_stop(yes, dry_run)
        written = apply_indicator_import(session, plan, principal=cli_principal(), name_ja=name, unit=unit)
    console.print(f"[green]{written:,} 点を書き込みました / wrote {written:,} points.[/]")


@registry_app.command("status")
def registry_status() -> None:
    """団体数・出典・補正の一覧 / counts, source and corrections."""
    from chiiki_iot.registry import service

    with unit_of_work() as session:
        summary = service.registry_summary(session)
        load = service.last_load(session, "registry")
    table = Table(title="団体台帳 / registry")
    table.add_column("種別 / kind")
    table.add_column("数 / count", justify="right")
    for key, value in summary.items():
        table.add_row(key, f"{value:,}")
    console.print(table)
    if load:
        console.print(f"出典 / source: {load.source} ({load.loaded_at:%Y-%m-%d %H:%M} UTC)")
        for c in load.summary.get("corrections", []):
            console.print(f"  補正 / correction: {c}")
        for f in load.summary.get("flags", []):
            console.print(f"  [yellow]注意 / flag:[/] {f}")


@registry_app.command("search")
def registry_search(
    query: Annotated[str, typer.Argument(help="名称・よみ・団体コード / name, reading or code")],
    limit: int = 20,
) -> None:
    """団体を検索する / search bodies."""
    from chiiki_iot.registry import search, service

    notice = search.search_notice(query)
    if notice:
        err_console.print(f"[yellow]{escape(notice[0])}\n{escape(notice[1])}[/]")
    with unit_of_work() as session:
        found = service.search_bodies(session, query, limit=limit)
        for body in found:
            console.print(escape(f"{body.code}  {body.full_name}  ({body.kana}, {body.kind})"))
    if not found:
        console.print("該当する団体はありません / no body matches.")


@roadmap_app.command("list")
def roadmap_list(revision: Annotated[str | None, typer.Option(help="版 / revision slug")] = None) -> None:
    """分野別モデルと指標の一覧 / list models and KPIs."""
    from chiiki_iot.roadmap import service

    with unit_of_work() as session:
        rev = service.get_revision(session, revision)
        console.print(f"[bold]{rev.title_ja}[/] ({rev.slug}, {rev.decided_on})")
        for field in rev.fields:
            console.print(f"[bold]{field.name_ja}[/]")
            for model in field.models:
                console.print(escape(f"  {model.name_ja} [{model.slug}]"))
                for kpi in model.kpis:
                    console.print(f"    - {kpi.name_ja}: {kpi.target_text_ja} ({kpi.target_fiscal_year})")


@roadmap_app.command("compare")
def roadmap_compare(old: str, new: str) -> None:
    """二つの版の違い / differences between two revisions."""
    from chiiki_iot.roadmap import service

    with unit_of_work() as session:
        diff = service.compare(session, old=old, new=new)
    for label, items in (
        ("追加モデル / models added", diff.models_added),
        ("削除モデル / models removed", diff.models_removed),
        ("変更モデル / models changed", diff.models_changed),
        ("追加指標 / KPIs added", diff.kpis_added),
        ("削除指標 / KPIs removed", diff.kpis_removed),
        ("変更指標 / KPIs changed", diff.kpis_changed),
    ):
        for change in items:
            console.print(escape(f"{label}: {change.name_ja} [{change.slug}] {'; '.join(change.details)}"))
    if diff.is_empty:
        console.print("違いはありません / no differences.")


@users_app.command("create-admin")
def users_create_admin(
    email: Annotated[str, typer.Argument(help="メールアドレス / e-mail address")],
    name: Annotated[str, typer.Option(help="氏名 / display name")] = "",
) -> None:
    """最初の事務局（管理者）を作る。パスワードは対話で入力 / create a secretariat admin (asks for a password)."""
    from chiiki_iot.accounts import service

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
    from chiiki_iot.accounts.invitations import invite_and_send

    with unit_of_work() as session:
        ja, en = invite_and_send(session, principal=cli_principal(), email=email, role=role, scope=scope)
    console.print(escape(f"{ja} / {en}"))


@users_app.command("list")
def users_list() -> None:
    """利用者と役割の一覧 / list users and their roles."""
    from chiiki_iot.accounts import service

    with unit_of_work() as session:
        for user in service.list_users(session, principal=cli_principal()):
            roles = ", ".join(f"{g.role}:{g.scope}" if g.scope else g.role for g in user.grants) or "-"
            demo = " [demo]" if user.is_demo else ""
            console.print(escape(f"{user.email}{demo}  {user.display_name}  {roles}"))


@users_app.command("demo")
def users_demo() -> None:
    """役割ごとのデモ利用者を作る（デモ環境用） / create one clearly marked demo user per role."""
    from chiiki_iot.accounts.demo import DEMO_PASSWORD, create_demo_users
    from chiiki_iot.core.settings import get_settings

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


@app.command()
def demo() -> None:
    """デモ用の合成データ（FY2016–FY2020 の実装状況と壁）を作る / fill a synthetic demo history (demo sites only)."""
    from chiiki_iot.accounts.demo import create_demo_users
    from chiiki_iot.adoption.demo import generate

    with unit_of_work() as session:
        written = generate(session, principal=cli_principal())  # refuses unless this is a demo site
        create_demo_users(session)
    console.print(
        f"合成データ / synthetic rows: {written:,}（すべて【合成データ】として表示されます / all labelled synthetic）"
    )


@survey_app.command("open")
def survey_open(
    fiscal_year: Annotated[int, typer.Argument(help="年度（例 2019） / fiscal year")],
    deadline: Annotated[str, typer.Option(help="回答期限 YYYY-MM-DD / deadline")],
    model: Annotated[
        list[str] | None, typer.Option(help="対象モデル（省略時はすべて） / models asked (default all)")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="期限が過ぎている・他の回が受付中でも開く / open despite the warnings"),
    ] = False,
) -> None:
    """調査の回を開く / open a survey round (a past deadline or another open round needs --force)."""
    from chiiki_iot.adoption import survey

    day = _parse_as_of(deadline) or today_in_japan()
    with unit_of_work() as session:
        warnings = survey.opening_warnings(session, fiscal_year=fiscal_year, deadline=day)
        try:
            opened = survey.open_round(
                session,
                principal=cli_principal(),
                fiscal_year=fiscal_year,
                deadline=day,
                model_slugs=model or None,
                force=force,
            )
        except survey.OpeningNeedsConfirmation:
            err_console.print(
                "[yellow]承知のうえで開くには --force を付けて再実行してください / "
                "re-run with --force to open it anyway.[/]"
            )
            raise
        for warning in warnings:  # opened with --force: still said, never silent
            err_console.print(
                escape(f"[注意 / warning] {warning.message_ja} / {warning.message_en}"), style="yellow"
            )
        console.print(
            escape(f"{opened.title} ({opened.slug}): {len(opened.model_slugs)} models, as of {opened.as_of}")
        )


@survey_app.command("workbook")
def survey_workbook(
    round_slug: Annotated[str, typer.Argument(help="回（例 fy2019） / round")],
    output: Annotated[Path, typer.Option("--output", "-o", help="書き出す .xlsx / output file")],
    body: Annotated[
        list[str] | None, typer.Option(help="団体コード（省略時は全国） / body codes (default: national)")
    ] = None,
) -> None:
    """回答用ブックを書き出す（前回の回答入り） / write the answer workbook, last answers pre-filled."""
    from chiiki_iot.adoption import survey
    from chiiki_iot.adoption.workbooks import write_workbook

    with unit_of_work() as session:
        data = write_workbook(session, survey=survey.get_round(session, round_slug), body_codes=body or None)
    output.write_bytes(data)
    console.print(f"{output} ({len(data):,} bytes)")


@survey_app.command("upload")
def survey_upload(
    round_slug: Annotated[str, typer.Argument(help="回（例 fy2019） / round")],
    file: Annotated[Path, typer.Argument(help="記入済みの .xlsx / the filled-in workbook")],
    errors: Annotated[
        Path | None, typer.Option(help="誤りがあれば注記付きブックをここに書く / annotated workbook")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """回答ブックを取り込む（プレビュー後に一括確定） / import answers (preview, then all or nothing)."""
    from chiiki_iot.adoption import survey
    from chiiki_iot.adoption.workbooks import WorkbookRefused, apply_workbook, plan_workbook
    from chiiki_iot.core.files import read_file_bytes

    with unit_of_work() as session:
        current = survey.get_round(session, round_slug)
        try:
            plan = plan_workbook(session, survey=current, data=read_file_bytes(file), file_name=file.name)
        except WorkbookRefused as refusal:
            if errors is not None:
                errors.write_bytes(refusal.annotated)
                err_console.print(f"注記付きブック / annotated workbook: {errors}")
            raise
        console.print(
            f"{file.name}: {len(plan.rows):,} 回答 / answers, 変更 changes {plan.change_count:,}, "
            f"未回答 unanswered {plan.unanswered:,}, 団体 bodies {len(plan.body_codes):,}"
        )
        _confirm_or_stop(yes, dry_run)
        count = apply_workbook(session, survey=current, plan=plan, principal=cli_principal())
    console.print(f"[green]{count:,} 件の変更を記録しました / recorded {count:,} changes.[/]")


@survey_app.command("rates")
def survey_rates(round_slug: Annotated[str, typer.Argument(help="回 / round")]) -> None:
    """回答率（地域ブロック別）と未回答数 / response rates by block, and how many have not answered."""
    from chiiki_iot.adoption import survey

    with unit_of_work() as session:
        _, by_block, missing = survey.response_rates(session, round_slug)
    table = Table("地域ブロック / block", "回答 / answered", "対象 / bodies", "回答率 / rate")
    for rate in by_block:  # the block's Japanese name, never its slug
        table.add_row(escape(rate.label), f"{rate.answered:,}", f"{rate.total:,}", f"{rate.rate:.1%}")
    console.print(table)
    console.print(f"未回答 / not answered: {len(missing):,}")


@survey_app.command("close")
def survey_close(round_slug: Annotated[str, typer.Argument(help="回 / round")]) -> None:
    """調査の回を締め切る / close a survey round."""
    from chiiki_iot.adoption import survey

    with unit_of_work() as session:
        closed = survey.close_round(session, principal=cli_principal(), slug=round_slug)
    console.print(escape(f"{closed.title}: closed"))


report_app = typer.Typer(help="PDCA の報告 / PDCA reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("pdca")
def report_pdca(
    output: Annotated[Path, typer.Option("--output", "-o", help="書き出す .xlsx / output workbook")],
    scope: Annotated[str, typer.Option(help="nation | block | prefecture | group")] = "nation",
    key: Annotated[
        str, typer.Option(help="ブロック・都道府県コード・団体コード / block, prefecture or codes")
    ] = "",
    as_of: Annotated[
        str | None, typer.Option(help="基準日 YYYY-MM-DD（省略時は今日） / as of, default today")
    ] = None,
    round_slug: Annotated[
        str, typer.Option("--round", help="調査の回（基準日はその回のもの） / survey round")
    ] = "",
) -> None:
    """PDCA 報告の Excel ブックを書き出す / write the PDCA workbook (summary, KPI sheets with charts, bodies)."""
    from rich.progress import Progress

    from chiiki_iot.progress import service
    from chiiki_iot.reports import pdca
    from chiiki_iot.reports.service import report_date

    with unit_of_work() as session, Progress(console=console, transient=True) as bar:
        day = report_date(session, as_of=_parse_as_of(as_of), round_slug=round_slug)
        area = service.scope_of(session, scope, key)
        steps = 4 + len(service.roadmap.list_kpis(session))
        task = bar.add_task(f"{escape(area.label_ja)} {day}", total=steps)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=escape(f"{area.label_ja} {day}: {name}"))

        report = pdca.build(session, scope=area, as_of=day, step=step)
        data = pdca.workbook(session, report, step=step)
    output.write_bytes(data)
    console.print(f"{output} ({len(data):,} bytes, {len(report.kpis)} KPI, {len(report.changes):,} changes)")


if __name__ == "__main__":
    app()
