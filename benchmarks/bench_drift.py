"""How often does ``detect_drift`` alarm on stable teams, and how fast and how exactly does it
date a step, at the volumes QA teams really have? Simulation, run by hand (never in CI):

    .venv/bin/python benchmarks/bench_drift.py                 # the table below, 400 series a cell
    .venv/bin/python benchmarks/bench_drift.py --reps 100 --no-record   # a quick look

Each series is one team over ``--days`` (120) days; ``volume * days`` contacts fall on
uniformly drawn days at random hours (so at 0.5 or 1 a day many days are empty and busy days
hold several), scores N(70, 16). A step of ``size`` contact SDs starts on day ``--step-day``
(60; the default baseline, the first 30 % of points, ends near day 36). Every cell runs the
same seeded series through each detector:

* ``old``: the classic chart (``min_shift=None``: Page's CUSUM with k = 0.5, h = 5 standard
  errors of a daily mean); run against a checkout from before ``min_shift`` (no PYTHONPATH to
  this worktree), it is that checkout's default, i.e. the figures from before;
* ``new``: the defaults (the shift-sized weighted CUSUM, ``min_shift=0.5`` contact SDs,
  ``arl0=500``, ``guarantee=0.8``);
* further named variants from ``--variants`` to show the trade-offs.

Reported per volume and detector: the false-alarm share on stable series (any alarm) and,
per step size, the share detected (an alarm in the step's direction on or after the step
day; an alarm before it is a false alarm and counts as missed), the median delay from the
step to the alarm, the median |change date - step day| and the share dated within 7 days,
among the detected. One JSON record is appended to ``benchmarks/results/drift.jsonl``.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import RESULTS_DIR, append_result, git_commit

import cxnlp
from cxnlp import __version__
from cxnlp.analytics import detect_drift

RESULTS = RESULTS_DIR / "drift.jsonl"
START = pd.Timestamp("2026-01-05")
MEAN, SD = 70.0, 16.0
VOLUMES = (0.5, 1.0, 2.0, 10.0)
SIZES = (0.0, -0.5, -1.0)
#: Detector name -> keyword arguments of detect_drift.
VARIANTS: dict[str, dict[str, Any]] = {
    "old": {"min_shift": None},
    "new": {},
    "new_g0": {"guarantee": 0.0},
    "new_arl2000_g0": {"guarantee": 0.0, "arl0": 2000.0},
    "new_shift1": {"min_shift": 1.0},
    "new_g05": {"guarantee": 0.5},
    "new_g05_arl1000": {"guarantee": 0.5, "arl0": 1000.0},
    "new_arl250": {"arl0": 250.0},
}


def variant_kwargs(name: str) -> dict[str, Any]:
    """The variant's arguments; ``old`` also runs against a checkout from before ``min_shift``
    existed (its defaults were the classic chart), to record the figures from before."""
    if name == "old" and "min_shift" not in inspect.signature(detect_drift).parameters:
        return {}
    return VARIANTS[name]


def simulate(volume: float, size: float, reps: int, days: int, step_day: int, seed: int) -> pd.DataFrame:
    """``reps`` teams (named r0, r1, ...), each one series; ``size`` in contact SDs."""
    rng = np.random.default_rng(seed)
    n = round(volume * days)
    day = rng.integers(0, days, (reps, n))
    minutes = rng.integers(8 * 60, 18 * 60, (reps, n))
    values = rng.normal(MEAN, SD, (reps, n)) + size * SD * (day >= step_day)
    stamps = START + pd.to_timedelta(day.ravel(), "D") + pd.to_timedelta(minutes.ravel(), "min")
    return pd.DataFrame(
        {
            "team": np.repeat([f"r{i}" for i in range(reps)], n),
            "started_at": stamps,
            "interaction_score": values.ravel(),
        }
    )


def median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def judge(result: pd.DataFrame, size: float, step_date: pd.Timestamp) -> dict[str, Any]:
    drift = result["drift"].astype(bool)
    if size == 0.0:
        return {"false_alarm": round(float(drift.mean()), 3)}
    want = "down" if size < 0 else "up"
    alarm = pd.to_datetime(result["alarm_date"])
    hit = drift & (result["direction"] == want) & (alarm >= step_date)
    rows = result[hit]
    delay = [(pd.Timestamp(a) - step_date).days for a in rows["alarm_date"]]
    error = [abs((pd.Timestamp(c).normalize() - step_date).days) for c in rows["change_date"]]
    return {
        "detected": round(float(hit.mean()), 3),
        "early_alarm": round(float((drift & (alarm < step_date)).mean()), 3),
        "median_delay_days": median(delay),
        "median_abs_date_error_days": median(error),
        "dated_within_7": round(float(np.mean([e <= 7 for e in error]) if error else 0.0) * hit.mean(), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=400, help="Series per cell (default 400).")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--step-day", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", default="old,new", help=f"Comma-separated, from {', '.join(VARIANTS)}.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-record", action="store_true", help="Print only; append nothing.")
    args = parser.parse_args(argv)
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; expected some of {list(VARIANTS)}")
    start = time.perf_counter()
    commit = git_commit("cxnlp")  # at the start: the tree may change while this runs
    step_date = START + pd.Timedelta(days=args.step_day)
    cells: list[dict[str, Any]] = []
    for v_index, volume in enumerate(VOLUMES):
        for s_index, size in enumerate(SIZES):
            frame = simulate(
                volume, size, args.reps, args.days, args.step_day, args.seed + 100 * v_index + s_index
            )
            for name in names:
                result = detect_drift(frame, by="team", **variant_kwargs(name))
                cells.append(
                    {
                        "volume": volume,
                        "size_sd": size,
                        "detector": name,
                        **judge(result, size, step_date),
                        "median_h": round(float(result["h"].median()), 2),
                    }
                )
                print(cells[-1], flush=True)
    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "cxnlp": __version__,
        "cxnlp_path": str(Path(cxnlp.__file__).resolve().parent),
        "git_commit": commit,
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "python": sys.version.split()[0],
        "design": {
            "reps": args.reps,
            "days": args.days,
            "step_day": args.step_day,
            "seed": args.seed,
            "mean": MEAN,
            "sd": SD,
            "variants": {n: VARIANTS[n] for n in names},
        },
        "cells": cells,
        "elapsed_s": round(time.perf_counter() - start, 1),
    }
    print(table(cells))
    if not args.no_record:
        append_result(args.out, record)
    return 0


def table(cells: list[dict[str, Any]]) -> str:
    """One markdown row per volume x detector: false alarms, then each step's figures."""
    lines = [
        "| contacts/day | detector | false alarms | 0.5 SD: detected, delay, |date err|, dated ≤7 d "
        "| 1 SD: detected, delay, |date err|, dated ≤7 d |",
        "|---|---|---|---|---|",
    ]
    frame = pd.DataFrame(cells)
    for (volume, name), part in frame.groupby(["volume", "detector"], sort=False):
        by_size = {row["size_sd"]: row for row in part.to_dict("records")}
        steps = []
        for size in (-0.5, -1.0):
            c = by_size[size]
            steps.append(
                f"{c['detected']:.0%}, {c['median_delay_days']} d, {c['median_abs_date_error_days']} d, "
                f"{c['dated_within_7']:.0%}"
            )
        lines.append(f"| {volume:g} | {name} | {by_size[0.0]['false_alarm']:.0%} | {steps[0]} | {steps[1]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
