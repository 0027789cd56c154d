"""Shipped reference files loaded once per content: a file whose content (its parsed form, so comments do
not count) has been loaded before is skipped; a new or changed one is handed to the domain's loader and
recorded in ``reference_loads`` with its digest. Outreach and the network load their seed files this way."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.core.models import ReferenceLoad


class ShippedFile(Protocol):
    slug: str

    def model_dump_json(self) -> str: ...


def digest(spec: ShippedFile) -> str:
    return hashlib.sha256(spec.model_dump_json().encode("utf-8")).hexdigest()


def load_new[Spec: ShippedFile](
    session: Session,
    *,
    dataset: str,
    specs: Iterable[Spec],
    load: Callable[[Session, Spec], dict[str, Any]],
) -> list[str]:
    """Load each spec not loaded before (``load`` returns figures for the record); return their slugs."""
    done = {
        entry.summary.get("digest")
        for entry in session.scalars(select(ReferenceLoad).where(ReferenceLoad.dataset == dataset))
    }
    loaded = []
    for spec in specs:
        fingerprint = digest(spec)
        if fingerprint in done:
            continue
        figures = load(session, spec)
        session.add(
            ReferenceLoad(
                dataset=dataset,
                source=f"chiiki_iot/data/{dataset}/{spec.slug}.yaml",
                loaded_at=dt.datetime.now(dt.UTC),
                summary={"digest": fingerprint, **figures},
            )
        )
        loaded.append(spec.slug)
    session.flush()
    return loaded
