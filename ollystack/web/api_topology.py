"""HTTP routes of the service map: the map (JSON and PNG), dependency changes, blast radius,
deployments and the map around one. The same functions as the CLI and the agent's tools.

(No `from __future__ import annotations` here: FastAPI reads the route signatures at runtime, and
`Tenant` is local to `topology_routes`.)"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from ..slo.durations import parse_duration
from ..store import Store
from ..tools import topology as tools


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _window(start: datetime | None, end: datetime | None, since: str) -> tuple[datetime, datetime]:
    b = _utc(end) if end else datetime.now(UTC)
    a = _utc(start) if start else b - _duration(since)
    if a >= b:
        raise HTTPException(400, "`from` must be before `to`")
    return a, b


def topology_routes(store: Store, tenant: Callable[..., str]) -> APIRouter:
    """Routes for the caller's tenant (`tenant` is the API's key → tenant dependency)."""
    router = APIRouter()
    Tenant = Annotated[str, Depends(tenant)]

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except LookupError as exc:
            raise HTTPException(404, str(exc).strip("'")) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @router.get("/api/v1/map")
    async def service_map(
        t: Tenant,
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        since: str = "1h",
        service: str | None = None,
        depth: int = Query(1, ge=1, le=10),
    ) -> Any:
        """Nodes and edges of the window (`from`/`to`, or the last `since`); `service` narrows to its
        neighbourhood `depth` calls deep. Each edge links example traces (`/api/v1/traces/{id}`)."""
        a, b = _window(start, end, since)
        return await run(tools.service_map, store, t, a, b, service, depth)

    @router.get("/api/v1/map.png")
    async def service_map_png(
        t: Tenant,
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        since: str = "1h",
        service: str | None = None,
        depth: int = Query(1, ge=1, le=10),
    ) -> Response:
        a, b = _window(start, end, since)
        return Response(await run(tools.service_map_png, store, t, a, b, service, depth), media_type="image/png")

    @router.get("/api/v1/map/changes")
    async def changes(t: Tenant, at: datetime | None = None, recent: str = "15m", baseline: str = "7d") -> Any:
        """Edges and nodes new or vanished in the `recent` window ending `at`, against `baseline` before it."""
        return await run(tools.dependency_changes, store, t, at, _duration(recent), _duration(baseline))

    @router.get("/api/v1/map/blast")
    async def blast(
        t: Tenant,
        target: str,
        source: str | None = None,
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        since: str = "1h",
    ) -> Any:
        """Blast radius of the node `target`, or of the call `source` → `target`, with the SLOs at risk."""
        a, b = _window(start, end, since)
        radius = await run(tools.blast_radius, store, t, target, source, a, b)
        return radius.to_json()

    @router.get("/api/v1/map/deploys")
    async def deploys(
        t: Tenant,
        service: str | None = None,
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        since: str = "1d",
    ) -> Any:
        a, b = _window(start, end, since)
        return {"deployments": await run(tools.deployments, store, t, a, b, service)}

    @router.get("/api/v1/map/deploy")
    async def deploy(t: Tenant, service: str, at: datetime | None = None, window: str = "30m",
                     all_edges: bool = Query(False, alias="all")) -> Any:  # fmt: skip
        """The service's edges before and after its deployment at `at` (default: its latest in a day)."""
        when = _utc(at) if at else None
        return await run(tools.deploy_comparison, store, t, service, when, _duration(window), all_edges)

    return router
