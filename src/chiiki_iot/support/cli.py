"""The support package on the command line: ``chiiki-iot support export --year 2026 --out FILE.xlsx``
writes the year's applications and dispatches as one workbook (two sheets) for the secretariat's files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from openpyxl import Workbook
from sqlalchemy import select

from chiiki_iot.core.commands import console, prepare_database, report_error
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.support import applications, dispatch, menus
from chiiki_iot.support.models import DispatchRequest, SupportApplication

app = typer.Typer(add_completion=False)
support_app = typer.Typer(help="地域IoT実装総合支援パッケージ / the support package.", no_args_is_help=True)
app.add_typer(support_app, name="support")

APPLICATION_COLUMNS = [
    "申請番号",
    "支援",
    "年度",
    "代表団体コード",
    "代表団体",
    "構成団体",
    "事業名",
    "申請額（円）",
    "交付額（円）",
    "状態",
]
DISPATCH_COLUMNS = [
    "依頼番号",
    "支援",
    "団体コード",
    "団体",
    "分野別モデル",
    "方法",
    "日数",
    "派遣日",
    "状態",
    "報告日",
]


@support_app.command("export")
def support_export(
    out: Annotated[Path, typer.Option("--out", help="書き出すブック（.xlsx） / the workbook to write")],
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100, help="年度 / fiscal year")] = None,
) -> None:
    """その年度の申請と派遣をブックに書き出す / write the year's applications and dispatches."""
    if out.suffix.lower() != ".xlsx":
        report_error(UserError("書き出し先は .xlsx にしてください。", "Write to an .xlsx file."))
        raise typer.Exit(2)
    fiscal = FiscalYear(year or FiscalYear.of(today_in_japan()).year)
    prepare_database()
    with get_sessionmaker()() as session:
        names = {m.id: m.name_ja for m in menus.list_measures(session)}
        bodies = registry.bodies_by_code(session, None)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("申請")
        sheet.append(APPLICATION_COLUMNS)
        rows = session.scalars(
            select(SupportApplication)
            .where(SupportApplication.fiscal_year == fiscal.year)
            .order_by(SupportApplication.id)
        )
        count = 0
        for a in rows:
            count += 1
            sheet.append([
                a.id, names[a.measure_id], a.fiscal_year, a.lead_body_code, bodies[a.lead_body_code].full_name,
                "、".join(bodies[c].full_name for c in a.member_codes if c in bodies), a.title, a.requested_yen,
                a.granted_yen, applications.STATUSES[a.status],
            ])  # fmt: skip
        sheet = book.create_sheet("派遣")
        sheet.append(DISPATCH_COLUMNS)
        visits = list(session.scalars(select(DispatchRequest).order_by(DispatchRequest.id)))
        visits = [d for d in visits if FiscalYear.of(d.requested_at.date()).year == fiscal.year]
        for d in visits:
            sheet.append([
                d.id, names[d.measure_id], d.body_code, bodies[d.body_code].full_name, d.model_slug,
                dispatch.MODES[d.mode], d.days, d.visit_on, dispatch.STATUSES[d.status],
                d.reported_at.date() if d.reported_at else None,
            ])  # fmt: skip
        try:
            book.save(out)
        except OSError as error:
            report_error(UserError(f"{out} に書き出せません（{error}）。", f"Cannot write {out} ({error})."))
            raise typer.Exit(2) from None
    console.print(
        f"{out}: 申請 {count} 件、派遣 {len(visits)} 件（{fiscal.label('ja')}）",
        highlight=False,
        soft_wrap=True,
    )
