"""The ``chiiki-iot`` command: the root that mounts every domain's commands, and the few that belong to the
whole site (set up the database, serve it, fill a demo history).

Each domain keeps its commands in its own ``cli.py`` and hands its Typer app to the assembly in its
``domain.py`` (``Domain.cli``); this root mounts them from ``chiiki_iot.app.DOMAINS``, so a new domain's
commands need no edit here. A group that several domains fill (``import``) is merged into one.
"""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer
from typer.main import get_command_name
from typer.models import CommandInfo, TyperInfo

from chiiki_iot.accounts.cli import cli_principal, unit_of_work
from chiiki_iot.accounts.demo import DEMO_ROLES, create_demo_users
from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption.demo import generate
from chiiki_iot.app import DOMAINS, initialise
from chiiki_iot.core.commands import console, set_database_preparer
from chiiki_iot.core.db import get_engine
from chiiki_iot.core.settings import get_settings
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry.loader import LoadReport

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session

app = typer.Typer(
    help="地域IoT実装推進プラットフォーム (chiiki-iot) の管理コマンド / admin command.",
    no_args_is_help=True,
    add_completion=False,
)


def _prepare_database() -> None:
    initialise(get_engine())


set_database_preparer(_prepare_database)


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="読み込み済みでも再読み込み / reload even if loaded")] = False,
) -> None:
    """データベースを最新のスキーマにし、参照データを読み込む / migrate and load reference data."""
    loaded = initialise(get_engine(), force=force)
    report, revisions = loaded.get("registry"), loaded.get("roadmap")
    if isinstance(report, LoadReport):  # None when this registry package was loaded before
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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="サーバープロセスの数（本番は PostgreSQL で CPU コア数程度） / server processes "
            "(in production, with PostgreSQL, about one per core)",
        ),
    ] = 1,
) -> None:
    """サイトを起動する（初回は参照データを自動で読み込む） / run the site (loads reference data on first start)."""
    import uvicorn  # only the server needs it
    from uvicorn.supervisors import ChangeReload, Multiprocess

    settings = get_settings()
    if workers > 1 and reload:
        raise typer.BadParameter(
            "--reload と --workers は同時に使えません / --reload works with one worker only."
        )
    if workers > 1 and settings.load_reference_data_on_start:
        # Once, here, before the workers start: each would otherwise migrate and load at the same moment.
        initialise(get_engine())
        get_engine().dispose()  # the workers open connections of their own
        os.environ["CHIIKI_LOAD_REFERENCE_DATA_ON_START"] = "false"  # done: the workers need not check again
    console.print(
        f"http://{host or settings.host}:{port or settings.port}/ で起動します（{workers} プロセス） / serving."
    )
    config = uvicorn.Config(
        "chiiki_iot.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # uvicorn restarts a worker whose ping thread has not answered within this time (5 s by default),
        # dropping every connection it holds: at a survey deadline a busy but healthy worker was killed
        # that way (bench/deadline_bench.py, 10 readers cut off). A hung worker is still replaced.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    server = uvicorn.Server(config)
    if config.should_reload:  # as uvicorn.run does
        ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
    elif workers > 1:
        Multiprocess(config, sockets=[_tcp_listener(config)]).run()
    else:
        server.run()


WORKER_HEALTHCHECK_SECONDS = 60


def _tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The socket the workers share, marked as TCP. uvicorn binds it with ``proto`` 0, and asyncio then
    leaves Nagle's algorithm on for every accepted connection: each keep-alive request after the first
    waited ~44 ms for the client's delayed ACK (measured: 2 ms → 44 ms for a static file; uvicorn issue
    3149). Re-wrapping the same descriptor with ``IPPROTO_TCP`` lets asyncio set TCP_NODELAY."""
    bound = config.bind_socket()
    listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    listener.set_inheritable(True)
    return listener


@app.command()
def demo() -> None:
    """デモ用の合成データ（FY2016–FY2020 の実装状況と壁）を作る / fill a synthetic demo history (demo sites only)."""
    with unit_of_work() as session:
        written = generate(session, principal=cli_principal())  # refuses unless this is a demo site
        _demo_organisations(session)
        create_demo_users(session)
    console.print(
        f"合成データ / synthetic rows: {written:,}（すべて【合成データ】として表示されます / all labelled synthetic）"
    )


def _demo_organisations(session: Session) -> None:
    """The organisation the demo 企業・団体 user speaks for, so it can register solutions in the network."""
    for role, slug, name in DEMO_ROLES:
        if role == Role.ORGANISATION and not outreach.organisation_exists(session, slug):
            outreach.save_organisation(
                session,
                principal=cli_principal(),
                data=outreach.OrganisationInput(
                    slug=slug, name_ja=name, name_en="[Demo] Demo Co.", kind="company"
                ),
            )


def _command_name(command: CommandInfo) -> str:
    if command.name:
        return command.name
    assert command.callback is not None
    return get_command_name(command.callback.__name__)


def _group_name(group: TyperInfo) -> str:
    name = group.name
    if not isinstance(name, str) or not name:
        raise ValueError(f"a domain's command group must be added with a name (name=...): {group!r}")
    return name


def _group_app(group: TyperInfo) -> typer.Typer:
    assert group.typer_instance is not None  # add_typer always records the instance
    return group.typer_instance


def mount(root: typer.Typer, domain_apps: Iterable[typer.Typer]) -> None:
    """Add each domain's commands and groups to the root, in the order given.

    A group that one domain declares is mounted as it is. A group that several declare (``import``:
    registry's population and boundaries, adoption's status and indicator) becomes one group holding all
    their commands, with the first one's help; it keeps the place where it first appeared. Two commands of
    the same name at the same level are refused: one would silently hide the other.
    """
    taken = {_command_name(c) for c in root.registered_commands} | {
        _group_name(g) for g in root.registered_groups
    }
    groups: dict[str, list[TyperInfo]] = {}
    for domain_app in domain_apps:
        for command in domain_app.registered_commands:
            name = _command_name(command)
            if name in taken:
                raise ValueError(f"two commands are named {name!r}")
            taken.add(name)
            root.registered_commands.append(command)
        for group in domain_app.registered_groups:
            groups.setdefault(_group_name(group), []).append(group)
    for name, parts in groups.items():
        if name in taken:
            raise ValueError(f"a command group and a command are both named {name!r}")
        if len(parts) == 1:
            root.registered_groups.append(parts[0])
            continue
        merged = copy.copy(_group_app(parts[0]))  # the first part's help and settings
        merged.registered_commands = []
        merged.registered_groups = []
        mount(merged, (_group_app(part) for part in parts))
        root.add_typer(merged, name=name)


mount(app, (domain.cli for domain in DOMAINS if domain.cli is not None))


if __name__ == "__main__":
    app()
