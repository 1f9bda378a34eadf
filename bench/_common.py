"""Shared by the benchmarks: an app on a temporary SQLite database (or THIDUA_BENCH_DATABASE_URL),
and a timer that reports medians and ratios against a baseline measured in the same run."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "cycle"))
sys.path.insert(0, str(ROOT / "tests"))


def make_bench_app():
    from datetime import datetime

    from core import create_app
    from core.config import TIMEZONE

    url = os.environ.get("THIDUA_BENCH_DATABASE_URL") or \
        f"sqlite:///{tempfile.mkdtemp(prefix='thidua-bench-')}/bench.sqlite"
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
        "THIDUA_NOW": datetime(2022, 2, 20, 9, 0, tzinfo=TIMEZONE),
        "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })


def median_ms(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def report(title: str, baseline_name: str, baseline: float, rows: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  {'page':<50} {'median ms':>10} {'× baseline':>11}")
    print(f"  {baseline_name:<50} {baseline:>10.2f} {1:>11.1f}")
    for name, value in rows.items():
        print(f"  {name:<50} {value:>10.2f} {value / baseline:>11.1f}")
