"""Import every domain's tables so that ``Base.metadata`` knows them all (for Alembic and tests), and the
audit hook that watches every session."""


def import_all_models() -> None:
    import chiiki_iot.accounts.audit
    import chiiki_iot.accounts.models
    import chiiki_iot.adoption.models
    import chiiki_iot.core.models
    import chiiki_iot.outreach.models
    import chiiki_iot.progress.models
    import chiiki_iot.registry.models
    import chiiki_iot.roadmap.models  # noqa: F401
