"""The budget chart posted in chat: budget burn-down over the window, burn rates and thresholds."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import matplotlib

matplotlib.use("Agg")  # no display here; must precede pyplot
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from ..store import Store
from .durations import format_duration
from .evaluator import SLOStatus, evaluate
from .measure import Measurer
from .windows import MINUTE, floor_minute

_STATUS_COLOUR = {"OK": "#2e7d32", "WARNING": "#ef6c00", "BREACHED": "#c62828", "INSUFFICIENT_DATA": "#616161"}


def _rolling(values: np.ndarray, n: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    out = c[n:] - c[:-n]
    return np.concatenate([np.full(n - 1, np.nan), out]) if n > 1 else out


def series(store: Store, status: SLOStatus, measurer: Measurer | None = None) -> dict[str, np.ndarray]:
    """Per-minute arrays from the earliest minute any window needs up to `at`."""
    slo = status.slo
    measurer = measurer or Measurer(store)
    longest = max([r.long_window for r in slo.alerts] + [timedelta(hours=1)])
    end = floor_minute(status.at)
    first = min(status.window_start, end - longest)
    n = int((end - first) / MINUTE) + 1
    times = np.array([first + i * MINUTE for i in range(n)], dtype=object)
    total, good, data, good_min = (np.zeros(n) for _ in range(4))
    since = measurer.prepare(slo.tenant, [slo], status.at)[slo.slo_id]
    stored = measurer.minutes(slo.tenant, slo, first, min(since, end + MINUTE))
    recent = measurer.live(slo.tenant, [slo], {slo.slo_id: since}, status.at, commit=False)[slo.slo_id]
    for minute, t, g, ok in [*stored, *((m.minute, m.total, m.good, m.is_good) for m in recent)]:
        i = int((minute - first) / MINUTE)
        if 0 <= i < n:
            total[i], good[i], data[i], good_min[i] = t, g, 1, float(ok)
    return {"times": times, "total": total, "good": good, "data": data, "good_minutes": good_min}


def render(store: Store, status: SLOStatus, measurer: Measurer | None = None) -> bytes:
    """A PNG: remaining budget over the window (with the even-spend line) and burn rates over time."""
    slo = status.slo
    s = series(store, status, measurer)
    times, total, good, data, good_min = s["times"], s["total"], s["good"], s["data"], s["good_minutes"]
    allowance = slo.allowance
    if slo.budgeting.method == "occurrences":
        bad_units, counted = total - good, total
        budget_units = allowance * max(status.ratio.counted, 1.0)
    else:
        no_data_bad = slo.budgeting.no_data == "bad"
        bad_units = np.where(data > 0, 1 - good_min, 1.0 if no_data_bad else 0.0)
        counted = np.where(data > 0, 1.0, 0.0 if slo.budgeting.no_data == "ignore" else 1.0)
        budget_units = max(status.budget.total, 1e-9)
    in_window = np.array([t >= status.window_start for t in times])
    remaining = 1 - np.cumsum(np.where(in_window, bad_units, 0.0)) / budget_units

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    colour = _STATUS_COLOUR.get(status.status.value, "#1565c0")
    x = list(times)
    ax1.plot(np.array(x)[in_window], 100 * remaining[in_window], color=colour, lw=2, label="budget remaining")
    period_end = status.period_end if status.period_end > status.at else status.window_start + slo.window.nominal
    ax1.plot([status.window_start, period_end], [100, 0], ls="--", color="#9e9e9e", lw=1, label="even spend")
    ax1.axhline(0, color="#c62828", lw=1)
    ax1.axhline(100 * slo.warning_budget_remaining, color="#ef6c00", lw=0.8, ls=":", label="warning level")
    left = status.budget.remaining_fraction
    note = "no data" if left is None else f"{100 * left:.1f}% left"
    mark = (status.at, max(100 * (left or 0), -195))
    ax1.annotate(note, mark, textcoords="offset points", xytext=(-10, 8), ha="right", fontsize=10, color=colour,
                 weight="bold")  # fmt: skip
    ax1.set_ylabel("error budget remaining (%)")
    low = min(0.0, float(np.nanmin(100 * remaining[in_window])) if in_window.any() else 0.0)
    ax1.set_ylim(max(low - 5, -200), 105)
    ax1.legend(loc="lower left", fontsize=8)
    ax1.set_title(f"{slo.name} · {slo.target:g}% {slo.sli.type.replace('_', ' ')} · {slo.window.describe()} · "
                  f"{status.status.value}", fontsize=11)  # fmt: skip

    windows = sorted({r.long_window for r in slo.alerts if r.severity == "page"} or {timedelta(hours=1)})[:2]
    for w, c in zip(windows, ("#1565c0", "#6a1b9a"), strict=False):
        n = max(1, int(w / MINUTE))
        rt, rb = _rolling(counted, n), _rolling(bad_units, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(rt > 0, rb / rt / allowance, np.nan)
        step = max(1, len(x) // 720)  # one point per pixel or so; the rate as it stood at each point
        ax2.plot(
            x[::step], np.clip(rate[::step], 1e-2, None), color=c, lw=1.2, label=f"burn rate over {format_duration(w)}"
        )
    for rule in slo.alerts:
        style = "-" if rule.severity == "page" else ":"
        ax2.axhline(rule.burn_rate, color="#c62828" if rule.severity == "page" else "#ef6c00", ls=style, lw=0.8)
        ax2.text(times[0], rule.burn_rate, f" {rule.severity} {rule.burn_rate:g}× ({format_duration(rule.long_window)}"
                 f"/{format_duration(rule.short_window)})", fontsize=7, va="bottom")  # fmt: skip
    ax2.set_yscale("log")
    ax2.set_ylabel("burn rate (×)")
    ax2.legend(loc="upper left", fontsize=8)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.25)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def budget_chart(store: Store, slo_status: SLOStatus | None = None, *, slo: object = None,
                 at: datetime | None = None) -> bytes:  # fmt: skip
    """The chart for an evaluated status, or evaluate `slo` at `at` first."""
    if slo_status is None:
        from .model import SLO

        assert isinstance(slo, SLO) and at is not None
        slo_status = evaluate(store, slo, at)
    return render(store, slo_status)
