"""The registry on the command line: ``chiiki-iot registry status/search`` and the registry's imports,
``chiiki-iot import population/boundaries`` (previewed, then all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chiiki_iot.accounts.cli import cli_principal, unit_of_work
from chiiki_iot.core.commands import (
    confirm_or_stop,
    console,
    err_console,
    import_group,
    parse_date_option,
)
from chiiki_iot.core.files import read_file_bytes
from chiiki_iot.registry import search, service
from chiiki_iot.registry.importers import (
    apply_boundary_import,
    apply_population_import,
    plan_boundary_import,
    plan_population_import,
)
from chiiki_iot.web.charts import clear_cache

app = typer.Typer(add_completion=False)
import_app = import_group()
registry_app = typer.Typer(help="団体台帳の確認 / inspect the registry.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(registry_app, name="registry")


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
    with unit_of_work() as session:
        day = parse_date_option(as_of)
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
        confirm_or_stop(yes, dry_run)
        count = apply_population_import(session, plan, principal=cli_principal())
    console.print(f"[green]{count} 件を取り込みました / imported {count} rows.[/]")


@import_app.command("boundaries")
def import_boundaries(
    file: Annotated[Path, typer.Argument(help="国土数値情報 N03 形式の TopoJSON / GeoJSON")],
    yes: Annotated[bool, typer.Option("--yes", help="確認なしで確定 / commit without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="プレビューのみ / preview only")] = False,
) -> None:
    """行政区域の境界を取り込む / import boundaries (MLIT N03 layout)."""
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
        confirm_or_stop(yes, dry_run)
        apply_boundary_import(session, plan, principal=cli_principal())
    clear_cache()
    console.print("[green]境界を取り込みました / boundaries imported.[/]")


@registry_app.command("status")
def registry_status() -> None:
    """団体数・出典・補正の一覧 / counts, source and corrections."""
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
    notice = search.search_notice(query)
    if notice:
        err_console.print(f"[yellow]{escape(notice[0])}\n{escape(notice[1])}[/]")
    with unit_of_work() as session:
        found = service.search_bodies(session, query, limit=limit)
        for body in found:
            console.print(escape(f"{body.code}  {body.full_name}  ({body.kana}, {body.kind})"))
    if not found:
        console.print("該当する団体はありません / no body matches.")
