"""Import every domain's tables so that ``Base.metadata`` knows them all (for Alembic and tests)."""


def import_all_models() -> None:
    import chiiki_iot.core.models  # noqa: F401
    import chiiki_iot.registry.models  # noqa: F401
    import chiiki_iot.roadmap.models  # noqa: F401
