"""`chiiki-iot support export`: the year's applications and dispatches as a workbook the secretariat files."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chiiki_iot.accounts.policy import Role
from chiiki_iot.cli import app
from tests.accounts.factories import create_user, principal
from tests.support.factories import approved, requested

runner = CliRunner()


@pytest.mark.own_database  # the command commits nothing but reads on a connection of its own
def test_the_years_applications_and_dispatches_become_a_workbook(
    own_database: Engine, tmp_path: Path
) -> None:
    with Session(own_database) as setup, setup.begin():
        secretariat = principal(create_user(setup, Role.SECRETARIAT))
        application = approved(setup, secretariat=secretariat, members=["012033"], yen=1_200_000)
        requested(setup, body="012033")
        year = application.fiscal_year
    out = tmp_path / "support.xlsx"
    result = runner.invoke(app, ["support", "export", "--year", str(year), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "申請 1 件、派遣 1 件" in result.output
    book = load_workbook(out, read_only=True)
    [header, row] = list(book["申請"].values)
    assert header[:3] == ("申請番号", "支援", "年度")
    assert (
        row[4] == "北海道札幌市" and row[5] == "北海道小樽市" and row[7] == 1_200_000 and row[9] == "交付決定"
    )
    [_, visit] = list(book["派遣"].values)
    assert visit[3] == "北海道小樽市" and visit[8] == "依頼受付"


def test_a_file_that_is_not_a_workbook_is_refused_in_both_languages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["support", "export", "--out", str(tmp_path / "support.csv")])
    assert result.exit_code == 2 and ".xlsx" in result.output
