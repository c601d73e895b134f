"""The HTTP API: health, Prometheus metrics, and tenant-scoped JSON reads.

The CLI uses the read endpoints when the embedded store is held by a running `ollystack serve`
(chDB allows one process per data directory).
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from .. import incidents, slo
from ..slo.durations import parse_duration
from ..store import Store
from ..store.queries import Filters, get_trace, parse_attrs, search_logs, search_metrics, search_traces
from ..tenancy import ApiKeys, Unauthorized
from .api_topology import topology_routes


class IncidentAction(BaseModel):
    by: str
    note: str = ""


class SuppressionIn(BaseModel):
    pattern: str
    start: datetime
    end: datetime
    reason: str = ""
    by: str = ""


def create_api(
    store: Store,
    keys: ApiKeys,
    *,
    metrics_text: Callable[[], bytes],
    ready: Callable[[], tuple[bool, str]],
) -> FastAPI:
    app = FastAPI(title="OllyStack API", version="1")

    def tenant(
        authorization: Annotated[str | None, Header()] = None,
        x_ollystack_api_key: Annotated[str | None, Header()] = None,
    ) -> str:
        try:
            return keys.resolve(authorization, x_ollystack_api_key)
        except Unauthorized as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc

    Tenant = Annotated[str, Depends(tenant)]

    def filters(
        service: str | None = None,
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        attr: list[str] | None = Query(None),
        limit: int = Query(100, ge=1, le=10_000),
    ) -> Filters:
        try:
            return Filters(service=service, start=start, end=end, attributes=parse_attrs(attr), limit=limit)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    @app.get("/healthz", response_class=PlainTextResponse)
    async def healthz() -> str:
        return "ok\n"

    @app.get("/readyz")
    async def readyz() -> Response:
        ok, why = await asyncio.to_thread(ready)
        return PlainTextResponse(why + "\n", status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(metrics_text(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/api/v1/traces")
    async def traces(t: Tenant, f: Annotated[Filters, Depends(filters)]) -> Any:
        return {"rows": await run(search_traces, store.scope(t), f)}

    @app.get("/api/v1/traces/{trace_id}")
    async def trace(t: Tenant, trace_id: str) -> Any:
        rows = await run(get_trace, store.scope(t), trace_id)
        if not rows:
            raise HTTPException(404, f"trace {trace_id} not found")
        return {"rows": rows}

    @app.get("/api/v1/logs")
    async def logs(t: Tenant, f: Annotated[Filters, Depends(filters)], contains: str | None = None) -> Any:
        return {"rows": await run(search_logs, store.scope(t), f, contains)}

    @app.get("/api/v1/logs/patterns")
    async def log_patterns(
        t: Tenant,
        service: str | None = None,
        since: str = "1h",
        at: datetime | None = None,
        new: bool = False,
        limit: int = Query(20, ge=1, le=1000),
    ) -> Any:
        """Top log patterns of the caller's tenant in the window `since` (15m, 1h, 1d) ending at `at`
        (now); `new=true` keeps those first seen in it."""
        from ..detect import logfunctions

        try:
            window = parse_duration(since)
            report = await run(logfunctions.top_patterns, store, t, window, at, service, limit, new)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return report.model_dump(mode="json")

    @app.get("/api/v1/logs/families")
    async def log_families(
        t: Tenant,
        service: str | None = None,
        since: str = "1d",
        at: datetime | None = None,
        embedder: Literal["tfidf", "embeddings"] = "tfidf",
        threshold: float | None = Query(None, ge=0.0, le=1.0),
        min_size: int = Query(2, ge=1),
        limit: int = Query(20, ge=1, le=1000),
    ) -> Any:
        """Families of related log patterns seen by the caller's tenant in the window."""
        from ..detect import logfamilies

        try:
            window = parse_duration(since)
            return await run(logfamilies.stored_families, store, t, window, at, service, embedder, threshold,
                             min_size, limit)  # fmt: skip
        except ImportError as exc:
            raise HTTPException(501, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @app.get("/api/v1/metrics")
    async def metric_points(t: Tenant, f: Annotated[Filters, Depends(filters)], name: str | None = None) -> Any:
        return {"rows": await run(search_metrics, store.scope(t), f, name)}

    @app.get("/api/v1/db/stats")
    async def db_stats(t: Tenant) -> Any:
        version = await run(store.schema_version)
        if not keys.enabled:  # one tenant: the operator's view of the whole store
            stats = await run(store.table_stats)
            return {"schema_version": version, "tables": [s.__dict__ for s in stats]}
        # with tenants, a key sees its own rows only, not the sizes of everybody's data
        return {"schema_version": version, "tables": await run(store.tenant_row_counts, t)}

    # -- detector suppression windows -------------------------------------------------------------
    @app.get("/api/v1/detect/suppressions")
    async def suppressions_list(t: Tenant) -> Any:
        from ..detect import suppressions

        found = await run(suppressions.active, store, t, datetime.now(UTC))
        return {"suppressions": [w.to_json() for w in found]}

    @app.post("/api/v1/detect/suppressions", status_code=201)
    async def suppressions_add(t: Tenant, body: SuppressionIn) -> Any:
        from ..detect import suppressions

        try:
            w = await run(suppressions.add, store, t, body.pattern, body.start, body.end, body.reason, body.by)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return w.to_json()

    # -- SLOs -------------------------------------------------------------------------------------
    @app.get("/api/v1/slos")
    async def slo_list(t: Tenant, at: datetime | None = None) -> Any:
        return {"slos": [st.to_json() for st in await run(slo.list_status, store, t, at)]}

    @app.get("/api/v1/slos/{name}")
    async def slo_status(
        t: Tenant, name: str, at: datetime | None = None, window: Annotated[list[str] | None, Query()] = None
    ) -> Any:
        """`window` (repeatable, e.g. 15m) adds burn rates over those windows."""
        try:
            extra = [parse_duration(w) for w in window or []]
            return (await run(slo.status, store, t, name, at, extra)).to_json()
        except slo.UnknownSLO as exc:
            raise HTTPException(404, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @app.get("/api/v1/slos/{name}/chart.png")
    async def slo_chart(t: Tenant, name: str, at: datetime | None = None) -> Response:
        try:
            _, png = await run(slo.chart, store, t, name, at)
        except slo.UnknownSLO as exc:
            raise HTTPException(404, str(exc)) from exc
        return Response(png, media_type="image/png")

    @app.post("/api/v1/slos", status_code=201)
    async def slo_define(t: Tenant, spec: Annotated[str, Body(media_type="application/yaml")]) -> Any:
        """Create or update SLOs from YAML (native, OpenSLO or Sloth) for the caller's tenant."""
        try:
            defined = await run(slo.define, store, t, spec, "api")
        except slo.SLOSpecError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"saved": [d.name for d in defined]}

    @app.delete("/api/v1/slos/{name}", status_code=204)
    async def slo_delete(t: Tenant, name: str) -> Response:
        try:
            await run(slo.delete, store, t, name)
        except slo.UnknownSLO as exc:
            raise HTTPException(404, str(exc)) from exc
        return Response(status_code=204)

    # -- incidents --------------------------------------------------------------------------------
    @app.get("/api/v1/incidents")
    async def incident_list(
        t: Tenant,
        status: str | None = None,
        service: str | None = None,
        since: datetime | None = None,
        limit: int = Query(100, ge=1, le=10_000),
    ) -> Any:
        """Newest first; `since` keeps the incidents open at some time since then."""
        try:
            found = await run(incidents.list_incidents, store, t, status, service, since, limit)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"incidents": [i.to_json(timeline=False) for i in found]}

    @app.get("/api/v1/incidents/{ref}")
    async def incident_show(t: Tenant, ref: str) -> Any:
        """One incident with its members and timeline; `ref` is its id or a unique prefix."""
        try:
            return (await run(incidents.get, store, t, ref)).to_json()
        except incidents.UnknownIncident as exc:
            raise HTTPException(404, str(exc)) from exc

    async def act(fn: Callable[..., incidents.Incident], t: str, ref: str, body: IncidentAction | None,
                  by: str | None, note: str) -> Any:  # fmt: skip
        who, text = (body.by, body.note) if body is not None else (by or "", note)
        try:
            return (await run(fn, store, t, ref, who, text)).to_json()
        except incidents.UnknownIncident as exc:
            raise HTTPException(404, str(exc)) from exc
        except incidents.InvalidTransition as exc:
            raise HTTPException(409, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @app.post("/api/v1/incidents/{ref}/ack")
    async def incident_ack(t: Tenant, ref: str, body: IncidentAction | None = None, by: str | None = None,
                           note: str = "") -> Any:  # fmt: skip
        """Acknowledge: `{"by": …, "note": …}` as JSON, or `?by=…&note=…`."""
        return await act(incidents.acknowledge, t, ref, body, by, note)

    @app.post("/api/v1/incidents/{ref}/resolve")
    async def incident_resolve(t: Tenant, ref: str, body: IncidentAction | None = None, by: str | None = None,
                               note: str = "") -> Any:  # fmt: skip
        """Resolve by hand: `{"by": …, "note": …}` as JSON, or `?by=…&note=…`."""
        return await act(incidents.resolve, t, ref, body, by, note)

    app.include_router(topology_routes(store, tenant))
    return app
