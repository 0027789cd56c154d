"""Import every domain's tables so that ``Base.metadata`` knows them all (for Alembic and tests), and the
audit hook that watches every session."""


def import_all_models() -> None:
    import chiiki_iot.accounts.audit  # noqa: F401  (registers the audit log's flush hook)
    import chiiki_iot.accounts.models  # noqa: F401
    import chiiki_iot.adoption.models  # noqa: F401
    import chiiki_iot.core.models  # noqa: F401
    import chiiki_iot.outreach.models  # noqa: F401
    import chiiki_iot.progress.models  # noqa: F401
    import chiiki_iot.registry.models  # noqa: F401
    import chiiki_iot.roadmap.models  # noqa: F401
