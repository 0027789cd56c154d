"""The fiscal-year timeline of the roadmap (like the seed's figure): a model per row, a year per column,
coloured by 実証 / 実装 phase. Drawn with Altair, rendered to SVG."""

from __future__ import annotations

import altair as alt

from chiiki_iot.roadmap.models import RoadmapRevision
from chiiki_iot.web.charts import chart_config, render_svg

PHASE_COLOURS = {"実証": "#ebb700", "実装": "#264af4"}  # design-token yellow-500 / blue-700


def timeline_svg(revision: RoadmapRevision, *, lang: str) -> str:
    key = f"timeline:{revision.slug}:{revision.loaded_at.isoformat()}:{lang}"
    return render_svg(lambda: _timeline_spec(revision, lang), cache_key=key)


def _timeline_spec(revision: RoadmapRevision, lang: str) -> dict:
    rows = []
    order = []
    for field in revision.fields:
        for model in field.models:
            if not model.in_roadmap_table:
                continue
            label = model.name_en if lang == "en" else model.name_ja
            order.append(label)
            for plan in model.plans:
                rows.append(
                    {
                        "model": label,
                        "year": f"FY{plan.fiscal_year}" if lang == "en" else f"{plan.fiscal_year}年度",
                        "phase": _phase_label(plan.phase, lang),
                        "plan": plan.plan_en if lang == "en" and plan.plan_en else plan.plan_ja,
                    }
                )
    phases = [_phase_label(p, lang) for p in PHASE_COLOURS]
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_rect(stroke="#ffffff", strokeWidth=2)
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
            y=alt.Y("model:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "phase:N",
                title="フェーズ" if lang == "ja" else "Phase",
                scale=alt.Scale(domain=phases, range=list(PHASE_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["model:N", "year:O", "phase:N", "plan:N"],
        )
        .properties(width=520, height=alt.Step(22))
    )
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def _phase_label(phase: str, lang: str) -> str:
    if lang == "en":
        return {"実証": "Demonstration", "実装": "Implementation"}[phase]
    return f"{phase}フェーズ"
