"""The root command mounts each domain's commands from the assembly's list; a group two domains fill is
merged, and a name two domains both claim is refused rather than one silently hiding the other."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from chiiki_iot.app import DOMAINS
from chiiki_iot.cli import app, mount
from chiiki_iot.core.commands import import_group


def as_group(command: object) -> TyperGroup:
    assert isinstance(command, TyperGroup), command
    return command


def says(name: str) -> Callable[[], None]:
    def command() -> None:
        print(name)

    return command


def domain_app(group: str, *commands: str, help: str = "") -> typer.Typer:
    """A domain's Typer app with one group of commands that print their own name."""
    container = typer.Typer()
    sub = typer.Typer(help=help or f"{group} help", no_args_is_help=True)
    container.add_typer(sub, name=group)
    for name in commands:
        sub.command(name)(says(name))
    return container


class TestMount:
    def test_a_group_filled_by_two_domains_is_one_group_with_all_their_commands(self) -> None:
        root = typer.Typer()
        root.command("init")(says("init"))
        mount(root, [domain_app("import", "population", help="first"), domain_app("import", "status")])
        group = as_group(as_group(get_command(root)).commands["import"])
        assert list(group.commands) == ["population", "status"] and group.help == "first"
        assert CliRunner().invoke(root, ["import", "status"]).output == "status\n"

    def test_two_commands_of_the_same_name_are_refused(self) -> None:
        with pytest.raises(ValueError, match="'status'"):
            mount(typer.Typer(), [domain_app("import", "status"), domain_app("import", "status")])

    def test_a_domain_cannot_take_a_root_command_name(self) -> None:
        root = typer.Typer()
        root.command("init")(says("init"))
        with pytest.raises(ValueError, match="'init'"):
            mount(root, [domain_app("init", "x")])


def test_every_group_of_the_command_comes_from_a_domain_of_the_list() -> None:
    """Only init, serve and demo belong to the root; a domain's commands reach it through DOMAINS."""
    root = as_group(get_command(app))
    from_domains = {g.name for d in DOMAINS if d.cli is not None for g in d.cli.registered_groups}
    assert set(root.commands) - from_domains == {"init", "serve", "demo"}
    imports = as_group(root.commands["import"])
    assert list(imports.commands) == ["population", "boundaries", "status", "indicator"]
    assert imports.help == import_group().info.help  # one help text for the group two domains share
