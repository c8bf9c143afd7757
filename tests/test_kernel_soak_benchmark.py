"""The kernel-memory soak (benchmarks/kernel_soak.py), briefly: a real kernel answers the probe requests in
order, and its Session keeps one signature per message unless told not to."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import kernel_soak  # noqa: E402


def test_a_kernel_keeps_a_signature_per_request_until_told_not_to() -> None:
    kept = kernel_soak.soak(requests=40, every=20, extra=[])
    assert [row["requests"] for row in kept] == [20, 40]
    assert [row["probe_x"] for row in kept] == [0.2, 0.4]  # where the last request before each report put it
    assert kept[1]["signatures"] - kept[0]["signatures"] == 21  # 20 requests and one report cell
    assert kept[0]["python_blocks"] > 0 and kept[0]["rss_mb"] > 0
    off = kernel_soak.soak(requests=20, every=20, extra=["--Session.digest_history_size=0"])
    assert off[0]["signatures"] == 0
