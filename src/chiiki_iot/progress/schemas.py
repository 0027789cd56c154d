"""What the progress API returns: KPI progress, breakdowns, the funnel, support needs, next models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from chiiki_iot.progress.funnel import FunnelStep, HeldBack, NextModel
from chiiki_iot.progress.service import Coverage, KpiProgress


class PointRead(BaseModel):
    fiscal_year: int
    value: float


class ForecastRead(BaseModel):
    method: str = Field(description="linear | logistic | none")
    points: list[PointRead]
    low: list[float]
    high: list[float]
    rmse: float | None


class CoverageRead(BaseModel):
    """報告状況: how many of the bodies the figure could count it speaks for, and from which fiscal years."""

    reported: int = Field(description="bodies whose records the value counts (未報告 bodies are left out)")
    eligible: int = Field(description="bodies the KPI could count in this scope")
    first_year: int | None = Field(description="oldest fiscal year among the figures carried forward")
    last_year: int | None = Field(description="newest fiscal year among them")
    provisional: int = Field(description="bodies whose figure awaits the prefecture's confirmation (暫定)")

    @classmethod
    def of(cls, c: Coverage | None) -> CoverageRead | None:
        return (
            None
            if c is None
            else cls(
                reported=c.reported,
                eligible=c.eligible,
                first_year=c.first_year,
                last_year=c.last_year,
                provisional=c.provisional,
            )
        )


class KpiProgressRead(BaseModel):
    """進捗: a KPI in a scope. ``synthetic`` is true when demo data is among what it was computed from."""

    kpi: str
    name_ja: str
    name_en: str
    model: str
    scope: str
    scope_key: str
    method: str
    unit_ja: str
    value: float | None = Field(
        description="null when no body in the scope has reported (no data is not zero)"
    )
    coverage: CoverageRead | None = Field(description="null for national figures and qualitative KPIs")
    target: float | None
    target_fiscal_year: int
    share_of_target: float | None
    gap: float | None
    change_per_round: float | None
    rating: str
    pace_ratio: float | None
    forecast_at_target_year: float | None
    forecast_method: str
    as_of: dt.date
    synthetic: bool

    @classmethod
    def of(cls, p: KpiProgress, *, as_of: dt.date, synthetic: bool) -> KpiProgressRead:
        return cls(
            kpi=p.kpi.slug,
            name_ja=p.kpi.name_ja,
            name_en=p.kpi.name_en,
            model=p.kpi.model.slug,
            scope=p.scope.kind,
            scope_key=p.scope.key,
            method=p.method,
            unit_ja=p.kpi.unit_ja,
            value=p.value,
            coverage=CoverageRead.of(p.coverage),
            target=p.target,
            target_fiscal_year=p.kpi.target_fiscal_year,
            share_of_target=p.share_of_target,
            gap=p.gap,
            change_per_round=p.change_per_round,
            rating=p.rating.value,
            pace_ratio=p.pace_ratio,
            forecast_at_target_year=p.forecast_at_target_year,
            forecast_method=p.outlook.method,
            as_of=as_of,
            synthetic=synthetic and p.method != "national-figure",
        )


class KpiDetailRead(KpiProgressRead):
    points: list[PointRead]
    forecast: ForecastRead

    @classmethod
    def detail(cls, p: KpiProgress, *, as_of: dt.date, synthetic: bool) -> KpiDetailRead:
        base = KpiProgressRead.of(p, as_of=as_of, synthetic=synthetic).model_dump()
        return cls(
            **base,
            points=[PointRead(fiscal_year=x.fiscal_year, value=x.value) for x in p.points],
            forecast=ForecastRead(
                method=p.outlook.method,
                points=[PointRead(fiscal_year=x.fiscal_year, value=x.value) for x in p.outlook.points],
                low=p.outlook.low,
                high=p.outlook.high,
                rmse=p.outlook.rmse,
            ),
        )


class FunnelStepRead(BaseModel):
    fiscal_year: int
    counts: dict[str, int]
    moved_up: dict[str, list[int]] = Field(description="stage → [moved up, were there the year before]")
    barriers: dict[str, dict[str, int]]
    partial: bool = Field(description="the fiscal year under way, up to the as-of date")
    not_reported: int = Field(
        description="bodies with no record on the model (未報告; not counted as 未着手)"
    )
    synthetic: bool

    @classmethod
    def of(cls, s: FunnelStep, *, synthetic: bool) -> FunnelStepRead:
        return cls(
            fiscal_year=s.fiscal_year,
            counts=s.counts,
            moved_up={k: list(v) for k, v in s.moved_up.items()},
            barriers={k: dict(v) for k, v in s.barriers.items()},
            partial=s.partial,
            not_reported=s.not_reported,
            synthetic=synthetic,
        )


class HeldBackRead(BaseModel):
    """A body a 壁 holds back (the support package's measures that answer it: ``/api/v1/support/measures``)."""

    barrier: str
    body_code: str
    body_name: str
    models: list[str]
    synthetic: bool

    @classmethod
    def of(cls, barrier: str, n: HeldBack, *, synthetic: bool) -> HeldBackRead:
        return cls(
            barrier=barrier,
            body_code=n.body.code,
            body_name=n.body.full_name,
            models=n.models,
            synthetic=synthetic,
        )


class NextModelRead(BaseModel):
    model: str
    share_of_peers: float
    peers: list[str]
    synthetic: bool

    @classmethod
    def of(cls, n: NextModel, *, synthetic: bool) -> NextModelRead:
        return cls(
            model=n.model_slug, share_of_peers=n.share, peers=[p.code for p in n.peers], synthetic=synthetic
        )


class NationalFigureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: int = Field(ge=2000, le=2100)
    value: float = Field(ge=0, le=10**13, allow_inf_nan=False)  # as bounded as the inputs it sums
    source: str = Field(min_length=1, max_length=500, description="出典 / where the figure comes from")
    observed_on: dt.date


class NationalFigureRead(BaseModel):
    kpi: str
    fiscal_year: int
    value: float
    source: str
    observed_on: dt.date
    recorded_by: str
