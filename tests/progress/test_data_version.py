"""Figures are cached per data version in the database (issue 13): a request that fails or only reads
keeps them (a 404 from anyone used to throw them away, so the next visitor paid the full computation),
a committed change is seen by every process on its next request, what a session computes from changes
it has not committed is never kept, and visitors arriving together wait for one computation."""

from __future__ import annotations

import datetime as dt
import gc
import re
import threading
import time
import weakref

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.app import create_app
from chiiki_iot.core import data_versions
from chiiki_iot.core.db import SQLITE_BEGIN, get_sessionmaker
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.progress import facts, pages, service
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.page_cache import WROTE_COOKIE
from tests.accounts.factories import create_user, principal
from tests.accounts.test_auth import csrf, sign_in

DAY = dt.date(2021, 3, 31)
SAPPORO = "011002"


def _record(session: Session, admin: Principal, stage: Stage = Stage.IMPLEMENTED) -> None:
    adoption.record_status(
        session, principal=admin, body_code=SAPPORO, model_slug="open-data", stage=stage,
        effective_on=dt.date(2020, 6, 1), source_kind="manual",
    )  # fmt: skip


class TestOneRequest:
    def test_a_failed_request_keeps_the_figures(self, session: Session, client: TestClient) -> None:
        before = facts.facts(session, DAY)
        assert client.get("/dashboard/kpis/no-such-kpi").status_code == 404
        assert client.get("/no-such-page").status_code == 404
        assert facts.facts(session, DAY) is before

    def test_a_change_raises_the_version_and_is_counted(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        before = facts.facts(session, DAY)
        version = data_versions.current(session, facts.FIGURES)
        _record(session, admin)
        session.commit()
        assert data_versions.current(session, facts.FIGURES) == version + 1
        after = facts.facts(session, DAY)
        assert after is not before and after.stages[2020][(SAPPORO, "open-data")] == "実装済"

    def test_a_write_that_moves_no_figure_changes_no_version(self, session: Session) -> None:
        version = data_versions.current(session, facts.FIGURES)
        create_user(session, Role.MUNICIPALITY, SAPPORO)  # an account, not a figure
        session.commit()
        assert data_versions.current(session, facts.FIGURES) == version

    def test_a_change_rolled_back_to_a_savepoint_keeps_its_session_pending(self, session: Session) -> None:
        """The rule that keeps uncommitted facts out of the cache holds until the whole transaction ends,
        not the first savepoint that rolls back inside it."""
        admin = principal(create_user(session, Role.SECRETARIAT))
        _record(session, admin)
        session.flush()
        with pytest.raises(RuntimeError), session.begin_nested():
            raise RuntimeError("a refused step inside the transaction")
        assert data_versions.pending(session, facts.FIGURES)


@pytest.mark.own_database
class TestManySessions:
    def test_what_an_uncommitted_session_computed_is_never_served(self, own_database: Engine) -> None:
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        with sessions() as writer:
            _record(writer, admin)
            assert facts.facts(writer, DAY).stages[2020][(SAPPORO, "open-data")] == "実装済"
            writer.rollback()
        with sessions() as reader:
            assert (SAPPORO, "open-data") not in facts.facts(reader, DAY).stages[2020]

    def test_a_change_committed_elsewhere_is_seen_on_the_next_request(self, own_database: Engine) -> None:
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        with sessions() as reader:
            assert (SAPPORO, "open-data") not in facts.facts(reader, DAY).stages[2020]
        with sessions.begin() as other_process:  # a commit the cache did not see happen
            _record(other_process, admin)
        with sessions() as reader:
            assert facts.facts(reader, DAY).stages[2020][(SAPPORO, "open-data")] == "実装済"

    def test_a_request_works_from_the_version_it_first_read(self, own_database: Engine) -> None:
        """The versions are read once per transaction, all datasets in one statement (a dashboard asked 27
        times while rendered): a change committed elsewhere in the meantime is seen from the next request
        on."""
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        reads: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if "data_versions" in statement and statement.lstrip().upper().startswith("SELECT"):
                reads.append(statement)

        event.listen(own_database, "before_cursor_execute", count)
        try:
            with sessions(execution_options={SQLITE_BEGIN: "DEFERRED"}) as reader:  # a GET's unit of work
                before = data_versions.current(reader, facts.FIGURES)
                data_versions.current(reader, roadmap.ROADMAP)  # every dataset came with the first read
                assert len(reads) == 1
                with sessions.begin() as other_process:
                    _record(other_process, admin)
                read_so_far = len(reads)  # the reader's one read, and the other process's own
                assert data_versions.current(reader, facts.FIGURES) == before
                assert len(reads) == read_so_far  # asked again, not read again
                reader.rollback()  # the request ends
                assert data_versions.current(reader, facts.FIGURES) == before + 1
                assert len(reads) == read_so_far + 1
        finally:
            event.remove(own_database, "before_cursor_execute", count)

    def test_a_page_shown_does_not_keep_the_figures_it_was_made_from_alive(
        self, own_database: Engine
    ) -> None:
        """A server at 50× history grew by 40–60 MB a write: each rendered dashboard's template context,
        held in reference cycles until a full collection, held the whole set of facts it was made from."""
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        collecting = gc.isenabled()
        gc.disable()  # as between the interpreter's rare full collections
        try:
            with TestClient(create_app()) as client:
                client.cookies.set(WROTE_COOKIE, "1")  # a writer: the newest figures, rendered for them
                assert client.get("/dashboard").status_code == 200
                with sessions() as reader:
                    shown = weakref.ref(facts.facts(reader, today_in_japan()))
                with sessions.begin() as writer:
                    _record(writer, admin)
                assert client.get("/dashboard").status_code == 200
                with sessions() as reader:
                    assert facts.facts(reader, today_in_japan()) is not shown()
            assert shown() is None
        finally:
            if collecting:
                gc.enable()

    def test_visitors_arriving_together_share_one_computation(self, own_database: Engine) -> None:
        sessions = get_sessionmaker()
        start = threading.Barrier(8)
        results: list[facts.Facts] = []

        def visit() -> None:
            with sessions() as session:
                start.wait()
                results.append(facts.facts(session, DAY))

        threads = [threading.Thread(target=visit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(results) == 8 and len({id(r) for r in results}) == 1

    def test_readers_get_the_last_figures_while_the_new_ones_are_computed(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """At a deadline answers arrive every second: a reader is served the figures already computed (the
        page says when) while one background computation brings them up to date."""
        monkeypatch.setattr(get_settings(), "figures_refresh_in_background", True)
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        with sessions() as reader:
            first = facts.facts(reader, DAY)
        with sessions.begin() as writer:
            _record(writer, admin)
        anonymous = data_versions.previous_allowed.set(True)
        try:
            with sessions() as reader:
                assert facts.facts(reader, DAY) is first  # at once, not after a recomputation
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with sessions() as reader:
                    latest = facts.facts(reader, DAY)
                if latest is not first:
                    break
                time.sleep(0.05)
        finally:
            data_versions.previous_allowed.reset(anonymous)
        assert latest.stages[2020][(SAPPORO, "open-data")] == "実装済"
        assert latest.computed_at is not None and first.computed_at is not None
        assert latest.computed_at >= first.computed_at

    def test_figures_refreshed_in_the_background_come_with_the_dashboard_worked_out(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first reader after a background refresh used to derive every figure of the dashboard from
        the new facts (0.4 s at 50× history, on the request); they are now derived before readers get them."""
        monkeypatch.setattr(get_settings(), "figures_refresh_in_background", True)
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
        with sessions() as reader:
            first = facts.facts(reader, DAY)
        with sessions.begin() as writer:
            _record(writer, admin)
        latest = _after_background_refresh(sessions, first)
        derived = len(latest.memo)
        with sessions() as reader:
            dashboard = pages._dashboard_figures(reader, service.NATION, DAY, pages.DEFAULT_MODEL)
        assert dashboard["cards"] and derived > 0
        assert len(latest.memo) == derived  # nothing left to derive for the reader

    def test_signed_in_readers_see_the_kept_figures_and_the_writer_sees_the_change(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After someone else's change a signed-in reader's page comes at once, from the figures already
        computed (the page says when); whoever made the change sees it on their next page."""
        monkeypatch.setattr(get_settings(), "figures_refresh_in_background", True)
        with get_sessionmaker().begin() as setup:
            writer = create_user(setup, Role.SECRETARIAT).email
            reader = create_user(setup, Role.SECRETARIAT).email
        app = create_app()
        with TestClient(app) as mine, TestClient(app) as theirs:
            sign_in(mine, writer)
            sign_in(theirs, reader)
            first = _computed_at(theirs.get("/dashboard").text)
            _record_on_the_site(mine)
            assert WROTE_COOKIE not in theirs.cookies
            assert _computed_at(theirs.get("/dashboard").text) == first  # at once, the kept figures
            assert _computed_at(mine.get("/dashboard").text) > first  # the writer's change is in

    def test_eight_visitors_after_a_write_share_one_computation_and_one_page(
        self, own_database: Engine
    ) -> None:
        """Eight visitors who must see a change (its author's browser) arriving together after it wait for
        one computation of the figures and one render of the page, not one each: the server's count of pages
        rendered (the health report) moves by one — a page is kept per computation of the figures, so one
        render also means one computation — and the pages say the same 集計時点."""
        with get_sessionmaker().begin() as setup:
            email = create_user(setup, Role.SECRETARIAT).email
        with TestClient(create_app()) as browser:
            sign_in(browser, email)
            before = _computed_at(browser.get("/dashboard").text)
            _record_on_the_site(browser)
            rendered = _pages_rendered(browser)
            start = threading.Barrier(8)
            shown: list[str] = []

            def visit() -> None:
                start.wait()
                shown.append(browser.get("/dashboard").text)

            visitors = [threading.Thread(target=visit) for _ in range(8)]
            for visitor in visitors:
                visitor.start()
            for visitor in visitors:
                visitor.join(timeout=120)
            assert len(shown) == 8
            assert len({_computed_at(page) for page in shown}) == 1  # one computation for all eight
            assert _computed_at(shown[0]) > before
            assert _pages_rendered(browser) == rendered + 1  # one render for all eight

    def test_a_kept_page_shows_each_signed_in_visitor_their_own_header(self, own_database: Engine) -> None:
        """The dashboard is kept once for everyone; each signed-in visitor sees their own name and signs
        out with their own token from it, and no visitor is shown anyone else's name."""
        with get_sessionmaker().begin() as setup:
            first = create_user(setup, Role.SECRETARIAT, display_name="総務 一郎")
            second = create_user(setup, Role.SECRETARIAT, display_name="総務 二郎")
            emails = (first.email, second.email)
        app = create_app()
        with TestClient(app) as one, TestClient(app) as two, TestClient(app) as nobody:
            sign_in(one, emails[0])
            sign_in(two, emails[1])
            pages = [one.get("/dashboard"), two.get("/dashboard"), nobody.get("/dashboard")]
            assert all(p.status_code == 200 for p in pages)
            assert "総務 一郎" in pages[0].text and "総務 二郎" not in pages[0].text
            assert "総務 二郎" in pages[1].text and "総務 一郎" not in pages[1].text
            assert "総務 一郎" not in pages[2].text and "サインイン" in pages[2].text
            assert "etag" not in pages[0].headers and "private" in pages[0].headers["cache-control"]
            bodies = {_main(p.text) for p in pages}
            assert len(bodies) == 1  # one page for everyone: the same figures, whoever asks
            token = re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', pages[1].text, re.S)
            assert token and token.group(1) == two.cookies["chiiki_csrf"]
            assert two.post("/logout", data={"csrf_token": token.group(1)}).status_code == 200
            assert "サインイン" in two.get("/dashboard").text


def _record_on_the_site(browser: TestClient) -> None:
    """Record a stage through the body page, as a signed-in person would; their browser is then marked as
    having changed something (``WROTE_COOKIE``)."""
    answer = browser.post(
        f"/bodies/{SAPPORO}/status",
        data={"model": "open-data", "stage": "実装済", "effective_on": today_in_japan().isoformat(),
              "csrf_token": csrf(browser, f"/bodies/{SAPPORO}/status")},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and WROTE_COOKIE in browser.cookies


def _pages_rendered(browser: TestClient) -> int:
    """How many pages this server process has rendered and kept, as its health report tells the
    secretariat."""
    return browser.get("/api/v1/health").json()["process"]["cache_fills"]["kept pages"]


def _main(page: str) -> str:
    """A page's content, without its header."""
    return page[page.index('<main id="main"') :]


def _computed_at(page: str) -> dt.datetime:
    """When the figures on a page were computed (its 集計時点)."""
    found = re.search(r'集計時点.*?<time datetime="([^"]+)"', page)
    assert found, "the page says when its figures were computed"
    return dt.datetime.fromisoformat(found.group(1))


def _after_background_refresh(sessions, first: facts.Facts) -> facts.Facts:
    """The facts a reader not signed in gets once the background computation has replaced ``first``."""
    anonymous = data_versions.previous_allowed.set(True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as reader:
                latest = facts.facts(reader, DAY)
            if latest is not first:
                return latest
            time.sleep(0.05)
    finally:
        data_versions.previous_allowed.reset(anonymous)
    raise AssertionError("the figures were not refreshed within a minute")
