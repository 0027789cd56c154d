"""The chiiki-iot command: help everywhere, previews, all-or-nothing imports and bilingual errors."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.main import get_command
from typer.testing import CliRunner

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service as adoption_service
from chiiki_iot.adoption import year_ends
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.models import FiscalYearStage
from chiiki_iot.cli import app
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.registry.models import PopulationFigure
from tests.accounts.factories import create_user, principal

runner = CliRunner()


def all_command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(command, prefix):  # type: ignore[no-untyped-def]
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "chiiki-iot")
def test_help_on_every_command(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_every_expected_command_exists() -> None:
    names = {" ".join(p) for p in all_command_paths()}
    assert {"init", "serve", "import population", "import boundaries", "registry status"} <= names


@pytest.mark.own_database
class TestImportPopulationCommand:
    def count(self, engine: Engine) -> int:
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(PopulationFigure)) or 0

    def test_dry_run_previews_and_writes_nothing(self, own_database: Engine, shared_data: Path) -> None:
        before = self.count(own_database)
        path = shared_data / "registry" / "population_juki_20220101_by_municipality.csv"
        result = runner.invoke(app, ["import", "population", str(path), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "1741" in result.output and "nothing was written" in result.output
        assert self.count(own_database) == before

    def test_shift_jis_file_with_a_bad_code_is_refused_in_both_languages(
        self, own_database: Engine, tmp_path: Path
    ) -> None:
        before = self.count(own_database)
        bad = tmp_path / "bad.csv"
        bad.write_bytes("団体コード,人口\n011002,1960668\n011003,5\n".encode("cp932"))
        result = runner.invoke(app, ["import", "population", str(bad), "--as-of", "2022-01-01", "--yes"])
        assert result.exit_code == 2
        assert "Shift_JIS" in result.output and "検査数字" in result.output and "check digit" in result.output
        assert self.count(own_database) == before

    def test_bad_date_option(self, tmp_path: Path) -> None:
        good = tmp_path / "good.csv"
        good.write_text("code,population\n011002,1\n", encoding="utf-8")
        result = runner.invoke(app, ["import", "population", str(good), "--as-of", "1 April", "--yes"])
        assert result.exit_code == 2 and "YYYY-MM-DD" in result.output

    def test_bad_deadline_is_refused_in_both_languages_not_a_traceback(self) -> None:
        result = runner.invoke(app, ["survey", "open", "2016", "--deadline", "31/5/2017"])
        assert result.exit_code == 2  # a traceback would exit 1
        assert "回答期限「31/5/2017」" in result.output and "--deadline '31/5/2017'" in result.output

    def test_missing_file(self) -> None:
        result = runner.invoke(app, ["import", "population", "/no/such/file.csv", "--yes"])
        assert result.exit_code == 2 and "見つかりません" in result.output and "not found" in result.output


@pytest.mark.own_database
class TestRegistryCommands:
    def test_status_reports_counts_and_corrections(self, own_database: Engine) -> None:
        result = runner.invoke(app, ["registry", "status"])
        assert result.exit_code == 0 and "1,741" in result.output and "浜松市" in result.output
        assert "borrow" in result.output  # the new 浜松 wards' points are flagged as provisional

    def test_search(self, own_database: Engine) -> None:
        result = runner.invoke(app, ["registry", "search", "なはし"])
        assert "472018" in result.output

    def test_search_explains_a_wrong_check_digit(self, own_database: Engine) -> None:
        result = runner.invoke(app, ["registry", "search", "011001"])
        assert (
            result.exit_code == 0
            and "01100 の検査数字は 2" in result.output
            and "no body matches" in result.output
        )

    def test_search_by_full_address_form(self, own_database: Engine) -> None:
        assert "011029" in runner.invoke(app, ["registry", "search", "札幌市北区"]).output


@pytest.mark.own_database
class TestRoadmapCommands:
    def test_list_shows_every_slug(self, own_database: Engine) -> None:
        """Rich once swallowed '[l-alert]' as markup; every model's slug must print."""
        output = runner.invoke(app, ["roadmap", "list"]).output
        assert "[l-alert]" in output and "[5g]" in output and "[open-data]" in output


@pytest.mark.slow
def test_a_command_on_a_new_database_sets_it_up_first(tmp_path: Path) -> None:
    """Run before `init`, a command must not fail on a missing table: it migrates and loads as serve does."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CHIIKI_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "chiiki_iot.cli", "registry", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1,741" in result.stdout


@pytest.mark.own_database
class TestUsersCommands:
    def test_create_admin_asks_for_a_password_and_refuses_a_weak_one(self, own_database: Engine) -> None:
        weak = runner.invoke(app, ["users", "create-admin", "weak@example.jp"], input="short\nshort\n")
        assert weak.exit_code == 2 and "12" in weak.output
        result = runner.invoke(
            app,
            ["users", "create-admin", "first-admin@example.jp", "--name", "事務局 太郎"],
            input="a long enough passphrase\na long enough passphrase\n",
        )
        assert result.exit_code == 0, result.output
        listing = runner.invoke(app, ["users", "list"]).output
        assert "first-admin@example.jp" in listing and "secretariat" in listing

    def test_invite_files_the_mail_in_the_outbox_when_there_is_no_smtp(
        self, own_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from chiiki_iot.core.settings import get_settings

        monkeypatch.setattr(get_settings(), "mail_outbox", str(tmp_path))
        result = runner.invoke(
            app, ["users", "invite", "pref@pref.example.lg.jp", "--role", "prefecture", "--scope", "13"]
        )
        assert result.exit_code == 0, result.output
        import email
        from email import policy

        mail = email.message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=policy.default)
        assert mail["To"] == "pref@pref.example.lg.jp" and "/invitations/" in mail.get_content()

    def test_demo_users_only_on_a_demo_site(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from chiiki_iot.core.settings import get_settings

        refused = runner.invoke(app, ["users", "demo"])
        assert refused.exit_code == 2 and "CHIIKI_DEMO_MODE" in refused.output
        monkeypatch.setattr(get_settings(), "demo_mode", True)
        result = runner.invoke(app, ["users", "demo"])
        assert result.exit_code == 0 and result.output.count("demo.chiiki-iot.invalid") == 5


@pytest.mark.own_database
class TestSurveyCommands:
    def test_open_workbook_upload_rates(self, own_database: Engine, tmp_path: Path) -> None:
        import io

        from openpyxl import load_workbook

        assert (
            runner.invoke(
                app, ["survey", "open", "2016", "--deadline", "2017-05-31", "--model", "open-data", "--force"]
            ).exit_code
            == 0
        )
        book_path = tmp_path / "fy2016.xlsx"
        result = runner.invoke(
            app, ["survey", "workbook", "fy2016", "-o", str(book_path), "--body", "011002"]
        )
        assert result.exit_code == 0, result.output
        book = load_workbook(book_path)
        sheet = book["回答"]
        sheet["F2"] = "たぶん"
        sheet.protection.sheet = False
        bad = tmp_path / "bad.xlsx"
        book.save(bad)
        refused = runner.invoke(
            app, ["survey", "upload", "fy2016", str(bad), "--errors", str(tmp_path / "e.xlsx"), "--yes"]
        )
        assert refused.exit_code == 2 and "今回の段階" in refused.output
        assert load_workbook(io.BytesIO((tmp_path / "e.xlsx").read_bytes()))["エラー一覧"].max_row == 2
        sheet["F2"] = "関心あり"
        book.save(bad)
        ok = runner.invoke(app, ["survey", "upload", "fy2016", str(bad), "--yes"])
        assert ok.exit_code == 0 and "recorded 1 changes" in ok.output
        assert "未回答 / not answered: 1,787" in runner.invoke(app, ["survey", "rates", "fy2016"]).output


@pytest.mark.own_database
class TestRebuildFigures:
    def test_a_lost_summary_is_rebuilt_and_the_difference_reported(self, own_database: Engine) -> None:
        """After a restore that lost the condensed history, the command brings back what the writes kept."""
        with get_sessionmaker().begin() as session:
            admin = principal(create_user(session, Role.SECRETARIAT))
            adoption_service.record_status(
                session, principal=admin, body_code="011002", model_slug="open-data", stage=Stage.IMPLEMENTED,
                effective_on=dt.date(2020, 6, 1), source_kind="manual",
            )  # fmt: skip
        with get_sessionmaker().begin() as session:
            kept = year_ends.all_rows(session)
            session.execute(delete(FiscalYearStage))
        result = runner.invoke(app, ["survey", "rebuild-figures"])
        assert result.exit_code == 0, result.output
        assert "rows that differed: 1）" in " ".join(result.output.split())
        with get_sessionmaker()() as session:
            assert year_ends.all_rows(session) == kept
        again = runner.invoke(app, ["survey", "rebuild-figures"])
        assert "rows that differed: 0）" in " ".join(again.output.split())
