"""The network on the command line: ``chiiki-iot network evaluate FILE.jsonl [--k 3]`` measures the matcher
on a labelled set with the site's own scorer and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chiiki_iot.core.commands import console, prepare_database, report_error
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.network.evaluation import evaluate, read_labelled
from chiiki_iot.registry import service as registry

app = typer.Typer(add_completion=False)
network_app = typer.Typer(help="地域IoT官民ネット / the public-private network.", no_args_is_help=True)
app.add_typer(network_app, name="network")


@network_app.command("evaluate")
def network_evaluate(
    file: Annotated[
        Path, typer.Argument(help="JSON Lines（UTF-8）: solution と need の行 / solutions and needs")
    ],
    k: Annotated[
        int, typer.Option("--k", min=1, help="上位何件までを当たりとするか / hits counted in the top k")
    ] = 3,
) -> None:
    """マッチングの精度を測る（DBには書き込まない） / measure matching quality (writes nothing)."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        report_error(
            UserError(f"{file} を UTF-8 で読めません（{error}）。", f"Cannot read {file} as UTF-8 ({error}).")
        )
        raise typer.Exit(2) from None
    prepare_database()
    session = get_sessionmaker()()
    try:
        solutions, needs = read_labelled(lines, lambda code: _place(session, code))
        if not needs:
            raise InvalidInput("need の行がありません。", "The file has no need lines.")
        result = evaluate(solutions, needs, k=k)
    except UserError as error:
        report_error(error)
        raise typer.Exit(2) from None
    finally:
        session.rollback()  # read only: nothing this command does is kept
        session.close()
    for r in result.results:
        hit = f"rank {r.first_hit}" if r.first_hit else "not ranked"
        top = ", ".join(f"{item.key} ({item.score:.3f})" for item in r.ranked)
        console.print(escape(f"{r.need.key}: {hit}; top-{k}: {top}"), soft_wrap=True)
    console.print(result.summary(), soft_wrap=True, highlight=False)


def _place(session, code: str) -> tuple[str, str]:
    body = registry.get_body(session, code)
    return body.prefecture_code, body.block_slug
