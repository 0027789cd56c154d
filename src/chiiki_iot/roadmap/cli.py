"""The roadmap on the command line: ``chiiki-iot roadmap list/compare``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from chiiki_iot.accounts.cli import unit_of_work
from chiiki_iot.core.commands import console
from chiiki_iot.roadmap import service

app = typer.Typer(add_completion=False)
roadmap_app = typer.Typer(help="ロードマップの確認 / inspect the roadmap.", no_args_is_help=True)
app.add_typer(roadmap_app, name="roadmap")


@roadmap_app.command("list")
def roadmap_list(revision: Annotated[str | None, typer.Option(help="版 / revision slug")] = None) -> None:
    """分野別モデルと指標の一覧 / list models and KPIs."""
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
