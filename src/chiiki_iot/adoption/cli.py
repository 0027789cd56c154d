"""Adoption on the command line: the annual survey (``chiiki-iot survey open/workbook/upload/rates/close``)
and adoption's imports, ``chiiki-iot import status/indicator`` (previewed, then all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chiiki_iot.accounts.cli import cli_principal, unit_of_work
from chiiki_iot.adoption import survey, year_ends
from chiiki_iot.adoption.importers import apply_status_import, parse_mapping, plan_status_import
from chiiki_iot.adoption.indicators import apply_indicator_import, plan_indicator_import
from chiiki_iot.adoption.workbooks import WorkbookRefused, apply_workbook, plan_workbook, write_workbook
from chiiki_iot.core.commands import (
    confirm_or_stop,
    console,
    err_console,
    import_group,
    parse_date_option,
)
from chiiki_iot.core.files import read_file_bytes
from chiiki_iot.core.fiscal import today_in_japan

app = typer.Typer(add_completion=False)
import_app = import_group()
survey_app = typer.Typer(help="地域IoT実装状況調査 / the annual implementation survey.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(survey_app, name="survey")


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
    with unit_of_work() as session:
        plan = plan_status_import(
            session,
            data=read_file_bytes(file),
            file_name=file.name,
            model_slug=model,
            as_of=parse_date_option(as_of) or today_in_japan(),
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
        confirm_or_stop(yes, dry_run)
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
        confirm_or_stop(yes, dry_run)
        written = apply_indicator_import(session, plan, principal=cli_principal(), name_ja=name, unit=unit)
    console.print(f"[green]{written:,} 点を書き込みました / wrote {written:,} points.[/]")


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
    day = parse_date_option(deadline, option="--deadline", label="回答期限") or today_in_japan()
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
        confirm_or_stop(yes, dry_run)
        count = apply_workbook(session, survey=current, plan=plan, principal=cli_principal())
    console.print(f"[green]{count:,} 件の変更を記録しました / recorded {count:,} changes.[/]")


@survey_app.command("rates")
def survey_rates(round_slug: Annotated[str, typer.Argument(help="回 / round")]) -> None:
    """回答率（地域ブロック別）と未回答数 / response rates by block, and how many have not answered."""
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
    with unit_of_work() as session:
        closed = survey.close_round(session, principal=cli_principal(), slug=round_slug)
    console.print(escape(f"{closed.title}: closed"))


@survey_app.command("rebuild-figures")
def survey_rebuild_figures() -> None:
    """年度末の段階（集計用の要約）を履歴から作り直す / rebuild the stage at each fiscal-year end from the history.

    The summary is kept by every write; this recomputes it whole (after a restore from backup, or to
    check it): the figures do not change unless the two differed."""
    with unit_of_work() as session:
        before = year_ends.all_rows(session)
        count = year_ends.rebuild(session)
        after = year_ends.all_rows(session)
    differed = len({row[:3] for row in before ^ after})  # (model, body, year): a changed row counts once
    console.print(
        f"[green]{count:,} 行を作り直しました / rebuilt {count:,} rows[/] "
        f"（差異 / rows that differed: {differed:,}）"
    )
