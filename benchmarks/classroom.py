"""A classroom on one node: N students on one JupyterHub drag LossSurface and Descent at once.

    npm install --prefix /tmp/chp configurable-http-proxy   # the hub's proxy (or have it on PATH)
    pip install jupyterhub websockets psutil httpx           # in the test extra
    python benchmarks/classroom.py                           # sweep N = 1, 2, 4, 8, 16; 10-minute soak
    python benchmarks/classroom.py --students 1 2 --seconds 10 --minutes 1   # a short run

A real JupyterHub (``classroom_hub.py``: configurable-http-proxy, the dummy authenticator, local single-user
servers, all on 127.0.0.1 in a temporary folder, started and ended by PID). Each simulated student
(``classroom_student.py``) logs in through the hub's form, starts their server, starts a kernel (REST), opens
its websocket through the proxy, runs the lesson cell (``benchmarks/latency.py``'s LossSurface and Descent
of f(x, y) = 2x² - 4xy + y⁴ + 2), learns the widgets' comm ids from their comm_open, then drags both
handles round circles at 60 moves/s each, with the page's own messages and its flow rule (one request in
flight per widget, newest position wins). No browser.

Per N: each student's exact replies (p50/p95 from the move to its reply), the CPU of the kernels, single-user
servers, hub, proxy and this client per exact reply, lost replies, and whether every final position was
computed. The largest N whose worst student p95 stays within 50 ms is then dragged for ``--minutes`` while
the kernels' memory is sampled. Prints tables; writes ``benchmarks/results/classroom-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from classroom_hub import REPO, Hub, find_proxy, jupyterhub
from classroom_report import GOAL_P95_MS, print_point, print_tables
from classroom_student import Drag, Student, percentile

MB = 1024 * 1024


@dataclass
class Seat:
    """A student and the processes that serve them."""

    student: Student
    http: httpx.AsyncClient
    kernel: psutil.Process
    server: psutil.Process
    ready_s: float  # login, server start, kernel start and the lesson cell
    seated_memory: dict[str, float] | None = None  # memory() once the lesson cell has run

    def memory(self) -> dict[str, float]:
        kernel, server = self.kernel.memory_full_info(), self.server.memory_full_info()
        return {
            "kernel_rss_mb": kernel.rss / MB,
            "kernel_uss_mb": kernel.uss / MB,
            "server_rss_mb": server.rss / MB,
            "server_uss_mb": server.uss / MB,
        }


class Classroom:
    """Students seated on one hub, a few at a time (a spawn storm would only measure the spawner)."""

    def __init__(self, hub: Hub, seating: int) -> None:
        self.hub, self.seats, self.seating = hub, [], asyncio.Semaphore(seating)
        self.seats: list[Seat] = []

    async def seat(self, n: int) -> None:
        new = range(len(self.seats), n)
        self.seats += await asyncio.gather(*(self._seat(i) for i in new))

    async def _seat(self, i: int) -> Seat:
        async with self.seating:
            started = time.perf_counter()
            http = httpx.AsyncClient(timeout=300)
            name = f"student{i:02d}"
            student = Student(name, await self.hub.login(name, http), phase=0.7 * i)
            await student.start_kernel()
            kernel = psutil.Process(student.kernel_pid)
            seat = Seat(student, http, kernel, kernel.parent(), time.perf_counter() - started)
            seat.seated_memory = seat.memory()
            print(f"  {name} seated in {seat.ready_s:.1f} s", file=sys.stderr)
            return seat

    def processes(self, n: int) -> dict[str, list[psutil.Process]]:
        proxy = self.hub.proxy()
        return {
            "kernels": [seat.kernel for seat in self.seats[:n]],
            "servers": [seat.server for seat in self.seats[:n]],
            "hub": [self.hub.process],
            "proxy": [proxy] if proxy else [],
            "client": [psutil.Process()],
        }

    async def close(self) -> None:
        for seat in self.seats:
            await seat.student.close()
            await seat.http.aclose()


def cpu_seconds(processes: list[psutil.Process]) -> list[float]:
    return [sum(process.cpu_times()[:2]) for process in processes]


async def drag_all(seats: list[Seat], seconds: float, warmup: float) -> dict[str, Any]:
    """All students drag at once; then every last position settles and is checked in Python."""
    for seat in seats:
        seat.student.new_drags()
    await asyncio.gather(*(seat.student.drag(seconds, warmup) for seat in seats))
    settled = await asyncio.gather(*(seat.student.settle() for seat in seats))
    finals = await asyncio.gather(*(seat.student.check_final() for seat in seats))
    return {"settled": all(settled), "all_computed": all(final["computed"] for final in finals)}


def drag_figures(drag: Drag) -> dict[str, Any]:
    stats = drag.stats
    return {
        "p50_ms": percentile(stats.latencies_ms, 50),
        "p95_ms": percentile(stats.latencies_ms, 95),
        "max_ms": max(stats.latencies_ms, default=math.nan),
        "moves": stats.moves,
        "sent": stats.sent,
        "exact_replies": stats.replies,
        "superseded": stats.superseded,
        "lost": stats.lost,
        "timeouts": stats.timeouts,
        "late": stats.late,
        "wrong": stats.wrong,
        "errors": stats.errors[:5],
    }


async def measure(room: Classroom, n: int, seconds: float, warmup: float) -> dict[str, Any]:
    """One sweep point: N students drag for ``warmup`` + ``seconds``; latency, CPU, losses."""
    await room.seat(n)
    seats = room.seats[:n]
    processes = room.processes(n)
    before = {role: cpu_seconds(group) for role, group in processes.items()}
    outcome = await drag_all(seats, seconds, warmup)
    after = {role: cpu_seconds(group) for role, group in processes.items()}
    students = []
    for i, seat in enumerate(seats):
        surface, descent = (drag_figures(drag) for drag in seat.student.drags)
        replies = surface["exact_replies"] + descent["exact_replies"]
        kernel_ms = 1000 * (after["kernels"][i] - before["kernels"][i]) / max(replies, 1)
        students.append(
            {
                "name": seat.student.name,
                "surface": surface,
                "descent": descent,
                "kernel_cpu_ms_per_reply": kernel_ms,
                "final": seat.student.final,
                **seat.memory(),
            }
        )
    replies = sum(s[w]["exact_replies"] for s in students for w in ("surface", "descent"))
    cpu = {role: 1000 * (sum(after[role]) - sum(before[role])) / max(replies, 1) for role in processes}
    worst = max(s[w]["p95_ms"] for s in students for w in ("surface", "descent"))
    pooled = [x for seat in seats for drag in seat.student.drags for x in drag.stats.latencies_ms]
    return {
        "students": n,
        "seconds": seconds,
        "worst_p95_ms": worst,
        "pooled_p50_ms": percentile(pooled, 50),
        "pooled_p95_ms": percentile(pooled, 95),
        "exact_replies_per_s_per_widget": replies / (2 * n * (seconds + warmup)),
        "cpu_ms_per_exact_reply": cpu,
        "lost": sum(s[w]["lost"] for s in students for w in ("surface", "descent")),
        **outcome,
        "per_student": students,
        "load_average": os.getloadavg(),
    }


async def soak(room: Classroom, n: int, minutes: float, every: float = 10.0) -> dict[str, Any]:
    """N students drag for ``minutes`` while each kernel's memory is sampled every ``every`` seconds."""
    await room.seat(n)
    seats = room.seats[:n]
    for seat in seats:
        seat.student.new_drags()
    dragging = asyncio.gather(*(seat.student.drag(60 * minutes) for seat in seats))
    samples: list[dict[str, Any]] = []
    started = time.perf_counter()
    while not dragging.done():
        samples.append(
            {
                "t_s": time.perf_counter() - started,
                "kernel_rss_mb": [seat.kernel.memory_info().rss / MB for seat in seats],
                "server_rss_mb": [seat.server.memory_info().rss / MB for seat in seats],
                "replies": [[len(d.stats.latencies_ms) for d in seat.student.drags] for seat in seats],
            }
        )
        await asyncio.wait([dragging], timeout=every)
    await dragging
    settled = await asyncio.gather(*(seat.student.settle() for seat in seats))
    finals = await asyncio.gather(*(seat.student.check_final() for seat in seats))
    return {
        "students": n,
        "minutes": minutes,
        "settled": all(settled),
        "all_computed": all(final["computed"] for final in finals),
        "per_student": [
            {"name": seat.student.name, **{d.kind: drag_figures(d) for d in seat.student.drags}}
            for seat in seats
        ],
        "memory": memory_growth(samples),
        "minute_p95_ms": minute_percentiles(seats, samples, every),
        "samples": samples,
        "load_average": os.getloadavg(),
    }


def memory_growth(samples: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Per kernel: RSS once warm (after the first minute), at the end, and the trend over the second half."""
    warm = next((s for s in samples if s["t_s"] >= 60), samples[0])
    half = [s for s in samples if s["t_s"] >= samples[-1]["t_s"] / 2]
    growth = []
    for i in range(len(samples[0]["kernel_rss_mb"])):
        points = [(s["t_s"] / 60, s["kernel_rss_mb"][i]) for s in half]
        growth.append(
            {
                "start_mb": samples[0]["kernel_rss_mb"][i],
                "warm_mb": warm["kernel_rss_mb"][i],
                "end_mb": samples[-1]["kernel_rss_mb"][i],
                "max_mb": max(s["kernel_rss_mb"][i] for s in samples),
                "second_half_mb_per_min": slope(points),
            }
        )
    return growth


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x (0 for fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def minute_percentiles(seats: list[Seat], samples: list[dict[str, Any]], every: float) -> list[float]:
    """The worst student's p95 in each minute of the soak (from the reply counts sampled)."""
    per_minute = max(1, round(60 / every))
    marks = [s["replies"] for s in samples[::per_minute]] + [
        [[len(d.stats.latencies_ms) for d in seat.student.drags] for seat in seats]
    ]
    worst = []
    for begin, end in itertools.pairwise(marks):
        p95s = [
            percentile(drag.stats.latencies_ms[begin[i][j] : end[i][j]], 95)
            for i, seat in enumerate(seats)
            for j, drag in enumerate(seat.student.drags)
        ]
        worst.append(max(p95s))
    return worst


# ---- the run ---------------------------------------------------------------------------------------


async def run(hub: Hub, args: argparse.Namespace) -> dict[str, Any]:
    """The sweep (stop at the first N over the goal, then try the N halfway back), then the soak."""
    room = Classroom(hub, args.seating)
    results: dict[str, Any] = {"sweep": []}
    try:
        best, failed = 0, 0
        for n in args.students:
            point = await measure(room, n, args.seconds, args.warmup)
            results["sweep"].append(point)
            print_point(point)
            if not within_goal(point):
                failed = n
                break
            best = n
        middle = (best + failed) // 2
        if failed and best < middle < failed:
            point = await measure(room, middle, args.seconds, args.warmup)
            results["sweep"].append(point)
            print_point(point)
            best = middle if within_goal(point) else best
        results["largest_n_within_goal"] = best
        results["seats"] = [
            {"name": seat.student.name, "ready_s": seat.ready_s, **(seat.seated_memory or {})}
            for seat in room.seats
        ]
        if args.minutes > 0:
            n = args.soak_students or max(best, 1)
            print(f"soak: {n} students for {args.minutes} min", file=sys.stderr)
            results["soak"] = await soak(room, n, args.minutes)
    finally:
        await room.close()
    return results


def within_goal(point: dict[str, Any]) -> bool:
    return bool(point["worst_p95_ms"] <= GOAL_P95_MS and point["lost"] == 0 and point["all_computed"])


def environment(chp: str) -> dict[str, Any]:
    import jupyter_server
    import jupyterhub as hub_package

    return {
        "cpus": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 1024**3,
        "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "jupyterhub": hub_package.__version__,
        "jupyter_server": jupyter_server.__version__,
        "configurable_http_proxy": chp,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="the sweep")
    parser.add_argument("--seconds", type=float, default=20.0, help="recorded drag per sweep point")
    parser.add_argument("--warmup", type=float, default=2.0, help="drag not recorded before each point")
    parser.add_argument("--minutes", type=float, default=10.0, help="the soak (0: none)")
    parser.add_argument("--soak-students", type=int, default=0, help="default: the largest N in the goal")
    parser.add_argument("--seating", type=int, default=2, help="students logging in at once")
    parser.add_argument("--proxy", help="configurable-http-proxy executable")
    args = parser.parse_args()
    chp = find_proxy(args.proxy)
    if chp is None:
        sys.exit("no configurable-http-proxy: `npm install --prefix /tmp/chp configurable-http-proxy`")
    record: dict[str, Any] = {"args": vars(args), "environment": environment(chp)}
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-classroom-") as tmp:
        with jupyterhub(Path(tmp), chp) as hub:
            record.update(asyncio.run(run(hub, args)))
        log = (Path(tmp) / "jupyterhub.log").read_text()
        record["server_extension_loaded"] = "jaxwidgets: no-delay kernel websockets" in log
    print_tables(record)
    print(
        f"jaxwidgets server extension loaded in the single-user servers: {record['server_extension_loaded']}"
    )
    out = REPO / "benchmarks" / "results" / f"classroom-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(record, indent=1))
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
