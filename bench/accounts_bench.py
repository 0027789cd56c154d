"""Benchmark of accounts: what signing in, a token request and an audited save cost.

Run on its own: ``.venv/bin/python bench/accounts_bench.py [DATABASE_URL]`` (a temporary SQLite file by
default; a PostgreSQL URL's public schema is dropped and recreated). Prints a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import sys
import tempfile

from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.models import RoleGrant
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine
from chiiki_iot.registry import service as registry

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from registry_bench import print_results, reset, timed

PASSWORD = "a quiet measuring passphrase"


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    reset(url)
    engine = make_engine(url)
    initialise(engine)
    rows: list[tuple[str, float, float]] = []
    with Session(engine) as session:
        user = service.create_user(session, email="bench@example.jp", display_name="bench", password=PASSWORD)
        user.grants.append(RoleGrant(role="secretariat", scope="", granted_at=service.now()))
        _, secret = service.create_api_token(session, user=user, name="bench")
        session.commit()
        rows.append(
            (
                "sign-in, right password (argon2id verify)",
                *timed(lambda: service.sign_in(session, email=user.email, password=PASSWORD, ip="b"), 20),
            )
        )
        rows.append(
            (
                "sign-in, unknown address (dummy verify)",
                *timed(lambda: service.sign_in(session, email="x@example.jp", password="x", ip="b"), 20),
            )
        )
        rows.append(
            ("API token lookup", *timed(lambda: service.principal_of_token(session, secret, ip=""), 200))
        )
        session.rollback()
        acting = service.principal_for(service.find_user(session, "bench@example.jp"))
        act_as(session, acting)
        counter = iter(range(10**6))

        def save() -> None:
            body = registry.get_body(session, "011002")
            registry.update_body_details(
                session,
                principal=acting,
                code="011002",
                expected_version=body.version,
                url=f"https://b{next(counter)}.example/",
            )
            session.commit()

        rows.append(("body save with version check and audit entry, committed", *timed(save, 50)))
    print_results(f"database: {engine.dialect.name}", rows)


if __name__ == "__main__":
    main()
