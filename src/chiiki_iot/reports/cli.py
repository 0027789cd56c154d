"""Reports on the command line: ``chiiki-iot report pdca`` writes the PDCA workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress

from chiiki_iot.accounts.cli import unit_of_work
from chiiki_iot.core.commands import console, parse_date_option
from chiiki_iot.progress import service
from chiiki_iot.reports import pdca
from chiiki_iot.reports.service import report_date
from chiiki_iot.roadmap import service as roadmap

app = typer.Typer(add_completion=False)
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
    with unit_of_work() as session, Progress(console=console, transient=True) as bar:
        day = report_date(session, as_of=parse_date_option(as_of), round_slug=round_slug)
        area = service.scope_of(session, scope, key)
        steps = 4 + len(roadmap.list_kpis(session))
        task = bar.add_task(f"{escape(area.label_ja)} {day}", total=steps)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=escape(f"{area.label_ja} {day}: {name}"))

        report = pdca.build(session, scope=area, as_of=day, step=step)
        data = pdca.workbook(session, report, step=step)
    output.write_bytes(data)
    console.print(f"{output} ({len(data):,} bytes, {len(report.kpis)} KPI, {len(report.changes):,} changes)")
