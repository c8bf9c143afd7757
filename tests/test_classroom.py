"""The classroom load test's student (benchmarks/classroom_student.py) against a real kernel, untimed: every
move is answered or superseded, nothing is lost, and the last position is what Python holds and computed."""

from __future__ import annotations

import asyncio
import doctest
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import classroom_hub  # noqa: E402
import classroom_kernel  # noqa: E402
import classroom_student  # noqa: E402
from classroom_student import Drag, Student  # noqa: E402

DRAG_SECONDS = 3.0


def test_doctests() -> None:
    for module in (classroom_kernel, classroom_student):
        assert doctest.testmod(module).failed == 0


def test_a_student_drags_a_kernel_on_a_jupyter_server(tmp_path: Path) -> None:
    with classroom_hub.jupyter_server(tmp_path) as (base_url, token, _process):
        student = run_in_own_loop(drag_once(lambda http: classroom_hub.token_access(base_url, token, http)))
    check_drags(student)


@pytest.mark.hub
def test_a_student_drags_a_kernel_through_jupyterhub(tmp_path: Path) -> None:
    chp = classroom_hub.find_proxy()
    if chp is None:
        pytest.skip("no configurable-http-proxy (npm install --prefix /tmp/chp configurable-http-proxy)")
    with classroom_hub.jupyterhub(tmp_path, chp) as hub:
        student = run_in_own_loop(drag_once(None, hub))
    check_drags(student)


def run_in_own_loop(coroutine):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread: the browser tests' Playwright keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def drag_once(access_for, hub: classroom_hub.Hub | None = None) -> Student:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(timeout=300) as http:
        access = await hub.login("student00", http) if hub else access_for(http)
        student = Student("student00", access)
        try:
            await student.start_kernel()
            await student.drag(DRAG_SECONDS)
            assert await student.settle()
            await student.check_final()
        finally:
            await student.close()
    return student


def check_drags(student: Student) -> None:
    assert student.final["computed"], student.final
    for drag in student.drags:
        stats = drag.stats
        assert stats.replies > 0, drag.kind
        assert stats.lost == stats.timeouts == stats.late == stats.wrong == 0, (drag.kind, stats)
        assert not stats.errors, stats.errors
        # Newest wins: each move was sent or replaced by a newer one while a request was in flight.
        assert stats.moves == stats.sent + stats.superseded, (drag.kind, stats)
        assert len(stats.latencies_ms) == stats.replies
        assert drag.last_reply is not None and drag.idle


def test_the_flow_rule_keeps_one_request_in_flight() -> None:
    """Without a kernel: moves while a request is in flight replace each other; the reply sends the newest."""
    sent: list[dict[str, object]] = []

    class Recorder:
        def __init__(self) -> None:
            self.comm_handlers: dict[str, object] = {}

        def send_custom(self, _comm_id: str, request: dict[str, object]) -> None:
            sent.append(request)

    drag = Drag(Recorder(), "c", "probe", lambda x, y: {"x": x, "y": y}, lambda *_: True)  # type: ignore[arg-type]
    for i in range(5):
        drag.move(float(i), 0.0)
    assert [r["x"] for r in sent] == [0.0]
    assert drag.stats.superseded == 3
    reply = {
        "method": "custom",
        "content": {"type": "probe", "seq": 1, "client": drag.client, "x": 0.0, "y": 0.0},
    }
    drag._on_message(classroom_kernel.KernelMessage("iopub", {}, {}, {"data": reply}, [], 0.0))
    assert [r["x"] for r in sent] == [0.0, 4.0]
    assert [r["seq"] for r in sent] == [1, 2]
    assert all(r["quiet"] is True and r["client"] == drag.client for r in sent)
    assert drag.stats.replies == 1 and drag.stats.lost == 1  # seq 2 is in flight
