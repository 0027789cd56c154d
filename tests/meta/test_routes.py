"""Every route of the running app — as ``create_app()`` builds it, not a list kept by hand — says who is
asking and what it needs permission for.

The convention (checked here): a write route (POST, PUT, PATCH, DELETE; page or API) names its action by
calling ``authorize(principal, "<action>", ...)`` as a plain statement of its own body — unconditionally,
not in a helper, a branch or a dependency the reader has to chase. Where the real target is only known to
the service (a body, an event's block), the route passes ``SOMEWHERE``: it refuses at once anyone who may
not do the action anywhere, and the service then checks the body or block itself. So deleting that call
from any write route fails ``test_every_write_route_names_its_action``. The few routes that need no
action are listed in ``NO_ACTION`` with the reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

import chiiki_iot
from chiiki_iot.accounts.auth import api_writer, csrf_protected, current_principal, signed_in
from chiiki_iot.accounts.policy import POLICY
from chiiki_iot.app import create_app

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Write routes that name no action of the policy, and why. Keep this short: anything that changes the
# programme's data belongs in the policy table.
NO_ACTION: dict[str, str] = {
    "POST /login": "signing in is how one becomes someone the policy can answer for",
    "POST /logout": "ends the caller's own session only",
    "POST /password/forgot": "anyone may ask for a reset link; the mail goes to the account's address",
    "POST /password/reset/{token}": "the token mailed to the account is the permission",
    "POST /invitations/{token}": "the invitation token is the permission (its role was authorised when sent)",
    # Signed in, and acting on one's own account only (the service takes principal.user_id): a user
    # without any role must still be able to change a password or sign out everywhere.
    "POST /account/password": "own account",
    "POST /account/sign-out-everywhere": "own account",
    "POST /account/tokens": "own account (a token can carry only roles its owner holds)",
    "POST /account/tokens/{token_id}/revoke": "own account",
    "POST /account/two-factor": "own account",
}
# GET routes that need a signed-in user but no action, and why; every other signed-in GET names one.
SIGNED_IN_READS: dict[str, str] = {
    "GET /account": "one's own account",
    "GET /api/v1/me": "who the token or session is",
    "GET /survey": "the rounds; what each person may do there is asked per action on the page",
    "GET /survey/{slug}": "lists are cut to the person's scope by survey.follow and survey.review",
    "GET /survey/{slug}/workbook.xlsx": "the national workbook needs survey.run, a body's bodies_acted_for",
    "GET /survey/{slug}/uploads/{token}": "one's own upload only (the service looks it up by uploader)",
    "GET /survey/{slug}/uploads/{token}/errors.xlsx": "one's own upload only",
    "GET /survey/{slug}/bodies/{code}/answer": "the form asks status.record for the body it shows",
    "GET /api/v1/support/applications": "cut per application: its bodies, its reviewers, the secretariat",
}


@cache
def app_routes() -> list[Any]:
    """Every API route of the app, with the dependencies it inherits from its router and the app."""
    routes = [r for r in iter_route_contexts(create_app().routes) if getattr(r, "dependant", None)]
    assert len(routes) > 100  # the app as built, not a handful
    return routes


def key(route: Any) -> str:
    return f"{sorted(route.methods - {'HEAD'})[0]} {route.path}"


def calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= calls(sub)
    return found


def writes() -> list[Any]:
    return [r for r in app_routes() if r.methods & WRITES]


def _authorize_statements(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Expr]:
    """Top-level statements ``authorize(<parameter>, "<action>", ...)`` of a function's own body."""
    parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
    found = []
    for statement in function.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "authorize"
            and len(call.args) >= 2
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id in parameters
            and isinstance(call.args[1], ast.Constant)
            and isinstance(call.args[1].value, str)
        ):
            found.append(statement)
    return found


def _function(endpoint: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    function = ast.parse(textwrap.dedent(inspect.getsource(endpoint))).body[0]
    assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    return function


def actions_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [s.value.args[1].value for s in _authorize_statements(function)]  # type: ignore[attr-defined]


def named_actions(endpoint: Callable[..., Any]) -> list[str]:
    """The actions an endpoint's own body authorises unconditionally."""
    return actions_of(_function(endpoint))


def test_every_route_resolves_the_principal() -> None:
    """Known before any service runs, so the audit log can name who did it."""
    assert [key(r) for r in app_routes() if current_principal not in calls(r.dependant)] == []


def test_every_write_route_names_its_action() -> None:
    assert len(writes()) >= 35
    missing, unknown = [], []
    for route in writes():
        actions = named_actions(route.endpoint)
        if not actions and key(route) not in NO_ACTION:
            missing.append(key(route))
        unknown += [f"{key(route)}: {a}" for a in actions if a not in POLICY]
    assert missing == [] and unknown == []


def test_the_routes_without_an_action_are_few_and_real() -> None:
    """An entry for a route that no longer exists, or that now names an action, goes; the own-account
    ones need a signed-in user."""
    by_key = {key(r): r for r in writes()}
    assert len(NO_ACTION) <= 12
    assert [k for k in NO_ACTION if k not in by_key or named_actions(by_key[k].endpoint)] == []
    own = [k for k in NO_ACTION if k.startswith("POST /account/")]
    assert own and [k for k in own if signed_in not in calls(by_key[k].dependant)] == []


def test_signed_in_reads_name_their_action_or_say_why_not() -> None:
    reads = [r for r in app_routes() if "GET" in r.methods and signed_in in calls(r.dependant)]
    unexplained = [key(r) for r in reads if not named_actions(r.endpoint) and key(r) not in SIGNED_IN_READS]
    stale = [k for k in SIGNED_IN_READS if k not in {key(r) for r in reads}]
    assert reads and unexplained == [] and stale == []


def test_removing_any_authorize_call_is_noticed() -> None:
    """For every write route that names its action: the same endpoint without its ``authorize`` statements
    names none, and is not excused, so the test above would fail for it."""
    checked = 0
    for route in writes():
        function = _function(route.endpoint)
        calls_ = _authorize_statements(function)
        if not calls_:
            continue
        function.body = [s for s in function.body if s not in calls_] or [ast.Pass()]
        assert actions_of(function) == [] and key(route) not in NO_ACTION, key(route)
        checked += 1
    assert checked == len(writes()) - len(NO_ACTION)


def test_every_action_of_the_policy_is_asked_for_and_every_name_asked_for_is_in_it() -> None:
    """An action nobody asks for is a rule nobody enforces; a name not in the table is a typo that fails
    only when that line runs. Both are read from the source of the package."""
    asked: dict[str, list[str]] = {}
    root = Path(chiiki_iot.__file__).parent
    for path in root.rglob("*.py"):
        if path == root / "accounts" / "policy.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("authorize", "can", "reaches_of")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                asked.setdefault(str(node.args[1].value), []).append(
                    f"{path.relative_to(root)}:{node.lineno}"
                )
    assert sorted(set(POLICY) - set(asked)) == []
    assert {a: where for a, where in asked.items() if a not in POLICY} == {}


def test_every_page_form_post_checks_csrf() -> None:
    posts = [r for r in writes() if not r.path.startswith("/api/")]
    assert posts and [key(r) for r in posts if csrf_protected not in calls(r.dependant)] == []


def test_every_api_write_takes_a_token() -> None:
    """A browser's cookie alone never changes data through the JSON API."""
    api = [r for r in writes() if r.path.startswith("/api/")]
    assert api and [key(r) for r in api if api_writer not in calls(r.dependant)] == []


def test_every_router_in_the_package_is_mounted() -> None:
    """A router defined in some module but not reached from the list of domains would be pages that look
    alive and are not; found by importing every module of the package."""
    mounted = {r.endpoint for r in app_routes()}
    routers = 0
    unmounted = []
    for info in pkgutil.walk_packages(chiiki_iot.__path__, "chiiki_iot."):
        if ".migrations" in info.name:
            continue  # Alembic's env.py runs on import
        for name, value in vars(importlib.import_module(info.name)).items():
            if isinstance(value, APIRouter):
                routers += 1
                endpoints = [getattr(r, "endpoint", None) for r in value.routes]
                unmounted += [f"{info.name}.{name}" for e in endpoints if e is not None and e not in mounted]
    assert routers >= 10 and unmounted == []


def test_somewhere_is_asked_only_by_routes() -> None:
    """``SOMEWHERE`` lets a route refuse early someone who may not do the action anywhere; the service then
    checks the real body or block. In a service it would let anyone with any reach act on every target."""
    package = Path(chiiki_iot.__file__).parent
    users = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "policy.py"
        and any(
            isinstance(n, ast.Name) and n.id == "SOMEWHERE"
            for n in ast.walk(ast.parse(path.read_text("utf-8")))
        )
    )
    assert users and all(u.endswith(("pages.py", "api.py")) for u in users), users
