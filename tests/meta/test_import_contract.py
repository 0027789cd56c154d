"""The house's doors, checked on every import in the package (top-level and inside functions).

- Floors: a module may import from its own room and from rooms on lower floors, never from a higher floor
  nor from a sibling on the same floor. So there is no cycle between rooms. The floors are
  ``docs/architecture.md``'s diagram; change both together.
- Faces: a domain reaches another only through the modules that domain offers others (its service
  functions, read schemas and vocabulary). Tables (``models``) are never part of a face.

The walk reads the source with ``ast``, so an import hidden in a function to dodge a cycle counts too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "chiiki_iot"

FLOORS: list[set[str]] = [
    {"core"},
    {"web"},
    {"accounts"},
    {"registry", "roadmap"},
    {"adoption"},
    {"progress"},
    {"outreach"},
    {"network", "support", "improvement"},
    {"reports"},
    {"home"},
    {"app"},  # the assembly: the one module that names every room
    {"cli", "migrations"},  # entry points built on the assembly
]
"""Lowest first. A room imports only from its own floor's room (itself) and the floors below."""

FACES: dict[str, set[str]] = {
    "accounts": {
        "policy",
        "auth",
        "audit_recorder",
        "places",
        "service",
        "cli",
        "mail",
    },  # cli: every command's unit of work; mail: notices other domains send
    "registry": {"service", "schemas", "kinds", "codes", "domain"},
    "roadmap": {"service", "revisions", "schemas", "domain"},
    "adoption": {"service", "survey", "ladder", "projects", "schemas", "domain"},
    "progress": {"service", "schemas", "domain"},
    "outreach": {"service", "schemas", "domain"},
    "network": {"hub", "members", "schemas", "domain"},
    "support": {"menus", "plans", "outcomes", "schemas", "domain"},
    "improvement": {"countermeasures", "opinions", "cases", "domain"},
    "reports": {"service", "domain"},
    "home": {"domain"},
}
"""What each domain offers the rooms above it. ``domain`` (its parts) is for the assembly only."""

OPEN_FLOORS = {"core", "web"}  # floors of helpers: every module in them is for everyone above


@dataclass(frozen=True)
class Import:
    source: Path
    line: int
    room: str
    target_room: str
    target_module: str  # the module inside the target room ("" for the room's package itself)


def room_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if relative.parts else ""


def imports_in(path: Path) -> list[Import]:
    return imports_in_source(path.read_text(encoding="utf-8"), path=path, room=room_of(path))


def imports_in_source(source: str, *, path: Path, room: str) -> list[Import]:
    found = []
    for node in ast.walk(ast.parse(source)):
        for parts in _targets(node, path):
            if parts[0] == "chiiki_iot" and len(parts) >= 2:
                module = parts[2] if len(parts) >= 3 else ""
                found.append(Import(path, node.lineno, room, parts[1], module))
    return found


def _targets(node: ast.AST, path: Path) -> list[list[str]]:
    """The dotted names an import statement reaches, relative imports resolved against ``path``."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # from ..registry.models import Body, inside src/chiiki_iot/adoption/x.py
        package = ["chiiki_iot", *path.relative_to(PACKAGE).parent.parts]
        base = package[: len(package) - (node.level - 1)]
        parts = [*base, *(node.module.split(".") if node.module else [])]
    else:
        parts = (node.module or "").split(".")
    # from chiiki_iot import registry / from chiiki_iot.registry import service: the names are modules
    return [[*parts, alias.name] for alias in node.names] if len(parts) <= 2 else [parts]


def rooms() -> set[str]:
    """Every folder and top-level module of the package (``chiiki_iot.__version__`` and the like are not)."""
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    return folders | {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def all_imports() -> list[Import]:
    known = rooms()
    return [
        i
        for p in sorted(PACKAGE.rglob("*.py"))
        for i in imports_in(p)
        if i.room != i.target_room and i.target_room in known
    ]


def floor_of(room: str) -> int:
    for level, rooms in enumerate(FLOORS):
        if room in rooms:
            return level
    raise AssertionError(f"{room!r} is on no floor: add it to FLOORS and to docs/architecture.md")


def where(i: Import) -> str:
    return f"{i.source.relative_to(PACKAGE.parent)}:{i.line} imports chiiki_iot.{i.target_room}.{i.target_module}"


def test_every_room_is_on_a_floor() -> None:
    for room in rooms():
        floor_of(room)


def test_imports_run_down_the_floors_only() -> None:
    upward = [
        where(i) for i in all_imports() if i.target_room and floor_of(i.target_room) >= floor_of(i.room)
    ]
    assert upward == [], "imports up a floor or sideways between rooms:\n" + "\n".join(upward)


def test_domains_meet_only_at_each_others_faces() -> None:
    assembly = FLOORS[-2] | FLOORS[-1]
    behind = [
        where(i)
        for i in all_imports()
        if i.target_room in FACES
        and i.room not in assembly
        and (i.target_module not in FACES[i.target_room] or i.target_module == "domain")
    ]
    assert behind == [], "imports past another domain's face (use its service):\n" + "\n".join(behind)


def test_no_domain_imports_another_domains_tables() -> None:
    tables = [where(i) for i in all_imports() if i.target_module == "models" and i.target_room != "core"]
    assert tables == []


def test_the_ground_floor_knows_no_domain() -> None:
    known = [where(i) for i in all_imports() if i.room in OPEN_FLOORS and floor_of(i.target_room) > 1]
    assert known == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from chiiki_iot.registry.models import Body\n", "models"),
        ("def f():\n    from chiiki_iot.registry import models\n", "models"),
        ("import chiiki_iot.registry.models\n", "models"),
        ("from ..registry.models import Body\n", "models"),
        ("from ..registry import models\n", "models"),
    ],
)
def test_the_walk_sees_every_form_of_import(source: str, expected: str) -> None:
    """The checks above are only as good as the walk: it must see imports in functions and plain imports."""
    found = imports_in_source(source, path=PACKAGE / "adoption" / "probe.py", room="adoption")
    assert [(i.target_room, i.target_module) for i in found] == [("registry", expected)]
    assert where(found[0]).endswith("imports chiiki_iot.registry.models")


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """Ids of every node inside a type annotation (arguments, returns, annotated names)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots += [a.annotation for a in (*node.args.args, *node.args.kwonlyargs) if a.annotation]
            roots += [node.returns] if node.returns else []
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for root in roots for n in ast.walk(root)}


def test_another_domains_tables_are_only_named_as_types() -> None:
    """A face may hand out rows (a ``registry.Body`` to read, and to name in a type hint), but only the owner
    queries its table: ``select(registry.Body)`` or ``isinstance(x, registry.Body)`` outside the registry
    would couple a room to another's columns as surely as importing its models."""
    import chiiki_iot.app  # noqa: F401  (every domain's tables mapped)
    from chiiki_iot.core.db import Base

    owner = {m.class_.__name__: m.class_.__module__.split(".")[1] for m in Base.registry.mappers}
    misuse = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = room_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typed = _annotation_nodes(tree)
        for node in ast.walk(tree):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else ""
            )
            if owner.get(name, room) not in (room, "core") and id(node) not in typed:
                misuse.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} uses {owner[name]}'s {name}")
    assert misuse == []
