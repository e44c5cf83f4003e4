"""The report's figures as PNG bytes (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import calendar
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import NullFormatter, NullLocator  # noqa: E402

COLOURS = ["#1b6ca8", "#d1495b", "#3a9d5d", "#edae49", "#7c5295", "#66a182"]
WINDOW_SHADES = {"baseline": "#eeeeee", "run_in": "#fbe3c8", "treatment": "#d6ecd2",
                 "follow_up": "#dbe6f4"}


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def arm_colours(arms: Sequence[str]) -> dict[str, str]:
    return {a: COLOURS[i % len(COLOURS)] for i, a in enumerate(arms)}


def forest_png(rows: Sequence[Mapping[str, Any]], *, alpha: float) -> bytes:
    """Ratios with their Wald intervals on a log axis; non-inferiority margins marked.

    rows: ``{"label", "estimate", "ci_low", "ci_high", "margin"}`` (estimate None: skipped).
    """
    shown = [r for r in rows if r.get("estimate") is not None]
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * max(len(shown), 1) + 1.2))
    for i, r in enumerate(reversed(shown)):
        ax.plot([r["ci_low"], r["ci_high"]], [i, i], color="#333333", lw=1.6)
        ax.plot(r["estimate"], i, "s", color=COLOURS[0], ms=7)
        if r.get("margin"):
            ax.plot([r["margin"]] * 2, [i - 0.35, i + 0.35], color=COLOURS[1], lw=2)
    ax.axvline(1.0, color="#888888", ls="--", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(range(len(shown)), [r["label"] for r in reversed(shown)])
    ax.set_xlabel(f"ratio (log scale) with {100 * (1 - alpha):g}% interval; red bar: "
                  "non-inferiority margin")
    ticks = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4]
    lo = min([r["ci_low"] for r in shown] + [1.0]) * 0.9
    hi = max([r["ci_high"] for r in shown] + [r.get("margin") or 1 for r in shown]) * 1.1
    ax.set_xticks([t for t in ticks if lo <= t <= hi] or [1], minor=False)
    ax.set_xticklabels([f"{t:g}" for t in ticks if lo <= t <= hi] or ["1"])
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.grid(axis="x", color="#eeeeee")
    return _png(fig)


def _month_index(month: str) -> float:
    y, m = month.split("-")[:2]
    return int(y) * 12 + int(m) - 1


def _day_position(day: date, *, end: bool = False) -> float:
    """A date on the month axis: months are whole units, days fractions of them."""
    days = calendar.monthrange(day.year, day.month)[1]
    return day.year * 12 + day.month - 1 + (day.day - (0 if end else 1)) / days


def monthly_png(series: Mapping[str, Mapping[str, float]], *,
                windows: Sequence[tuple[str, date, date]], ylabel: str, title: str) -> bytes:
    """Monthly means per arm, with the protocol's windows shaded."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    colours = arm_colours(list(series))
    months = sorted({m for s in series.values() for m in s})
    for name, start, end in windows:
        x0, x1 = _day_position(start), _day_position(end, end=True)
        ax.axvspan(x0, x1, color=WINDOW_SHADES.get(name, "#f4f4f4"), zorder=0)
        if x1 - x0 < 1.5:  # too narrow to label
            continue
        ax.text((x0 + x1) / 2, 1.01, name.replace("_", " "), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="#555555")
    for arm, values in series.items():
        ms = sorted(values)
        ax.plot([_month_index(m) + 0.5 for m in ms], [values[m] for m in ms], marker="o",
                ms=3, lw=1.6, color=colours[arm], label=arm)
    if months:
        step = max(1, len(months) // 9)
        ax.set_xticks([_month_index(m) + 0.5 for m in months[::step]], months[::step],
                      fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, pad=16)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylim(bottom=0)
    return _png(fig)


def dosage_png(arms: Sequence[Mapping[str, Any]]) -> bytes:
    """Delivered (and planned) patrol minutes and ad impressions per spot, by arm."""
    names = [str(a["arm"]) for a in arms]
    per_spot = [max(int(a.get("spots") or 0), 1) for a in arms]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    x = np.arange(len(names))
    patrol = [float(a.get("patrol_minutes") or 0) / n for a, n in zip(arms, per_spot, strict=True)]
    planned = [float(a.get("planned_minutes") or 0) / n
               for a, n in zip(arms, per_spot, strict=True)]
    axes[0].bar(x - 0.2, planned, 0.4, color="#cccccc", label="planned")
    axes[0].bar(x + 0.2, patrol, 0.4, color=COLOURS[0], label="delivered")
    axes[0].set_title("directed patrol minutes per spot", fontsize=10)
    axes[0].legend(frameon=False, fontsize=8)
    ads = [float(a.get("ad_impressions") or 0) / n for a, n in zip(arms, per_spot, strict=True)]
    axes[1].bar(x, ads, 0.5, color=COLOURS[1])
    axes[1].set_title("ad impressions per spot", fontsize=10)
    for ax in axes:
        ax.set_xticks(x, names)
    fig.tight_layout()
    return _png(fig)


def demand_png(grid: Sequence[Sequence[int]], days: Sequence[str]) -> bytes:
    """Records by day of week and hour (baseline window), as a heatmap."""
    fig, ax = plt.subplots(figsize=(9, 2.9))
    image = ax.imshow(np.asarray(grid, dtype=float), aspect="auto", cmap="YlOrRd")
    ax.set_yticks(range(len(days)), list(days))
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day (local time)")
    fig.colorbar(image, ax=ax, label="records")
    return _png(fig)
