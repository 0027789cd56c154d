"""A later revision loads beside the first and the two can be compared."""

import datetime as dt

from sqlalchemy.orm import Session

from chiiki_iot.roadmap import service
from chiiki_iot.roadmap.datafile import shipped_revisions
from chiiki_iot.roadmap.loader import build_revision


def later_revision():  # type: ignore[no-untyped-def]
    """The shipped revision with one KPI target raised and one model dropped, as a hypothetical 2018 改定."""
    spec = shipped_revisions()[-1]
    data = spec.model_dump()
    data.update(slug="2018-06", decided_on=dt.date(2018, 6, 1), supersedes=spec.slug)
    for field in data["fields"]:
        field["models"] = [m for m in field["models"] if m["slug"] != "omotenashi-cloud"]
        for model in field["models"]:
            for kpi in model["kpis"]:
                if kpi["slug"] == next(
                    k.slug
                    for f in spec.fields
                    for m in f.models
                    if m.slug == "my-key-platform"
                    for k in m.kpis
                ):
                    kpi["target"]["text_ja"] = "1,500"
                    kpi["target"]["value"] = 1500
    return type(spec).model_validate(data)


class TestCompare:
    def test_two_revisions_side_by_side(self, session: Session) -> None:
        session.add(build_revision(later_revision()))
        session.flush()
        assert [r.slug for r in service.list_revisions(session)] == ["2017-05", "2018-06"]
        assert service.get_revision(session).slug == "2018-06"  # the newest is the default
        diff = service.compare(session, old="2017-05", new="2018-06")
        assert [c.slug for c in diff.models_removed] == ["omotenashi-cloud"]
        assert len(diff.kpis_changed) == 1 and "1,303 → 1,500" in diff.kpis_changed[0].details[0]
        assert diff.models_added == []

    def test_same_revision_has_no_differences(self, session: Session) -> None:
        assert service.compare(session, old="2017-05", new="2017-05").is_empty


class TestCorrectedTranscription:
    def test_a_changed_file_is_reloaded_and_an_unchanged_one_is_not(self, session: Session) -> None:
        from chiiki_iot.core.models import ReferenceLoad
        from chiiki_iot.roadmap.loader import load_roadmap

        assert load_roadmap(session) == []  # nothing changed since the fixture loaded it
        kpi = next(k for k in service.list_kpis(session) if k.slug == "my-key-point-municipalities")
        kpi.target_text_ja = "1,300"  # as if loaded from an earlier, mistaken transcription
        session.add(
            ReferenceLoad(
                dataset="roadmap",
                source="test",
                loaded_at=dt.datetime.now(dt.UTC),
                summary={"revisions": ["2017-05"], "digests": {"2017-05": "older"}},
            )
        )
        session.flush()
        assert load_roadmap(session) == ["2017-05"]
        session.expire_all()
        fixed = next(k for k in service.list_kpis(session) if k.slug == "my-key-point-municipalities")
        assert fixed.target_text_ja == "1,303"
