"""The tables ``classroom.py`` prints."""

from __future__ import annotations

import sys
from typing import Any

GOAL_P95_MS = 50.0


def print_point(point: dict[str, Any]) -> None:
    cpu = point["cpu_ms_per_exact_reply"]
    print(
        f"N={point['students']}: worst p95 {point['worst_p95_ms']:.1f} ms, pooled p50/p95 "
        f"{point['pooled_p50_ms']:.1f}/{point['pooled_p95_ms']:.1f} ms, "
        f"{point['exact_replies_per_s_per_widget']:.1f} replies/s per widget, kernel "
        f"{cpu['kernels']:.2f} ms CPU per reply, lost {point['lost']}, "
        f"computed {point['all_computed']}, load {point['load_average'][0]:.1f}",
        file=sys.stderr,
    )


def print_tables(results: dict[str, Any]) -> None:
    print(
        f"\n{'N':>3} {'worst p95':>10} {'p50':>7} {'p95':>7} {'replies/s':>10} "
        f"{'CPU ms per exact reply: kernel':>31} {'server':>7} {'hub':>6} {'proxy':>6} {'client':>7} "
        f"{'lost':>5} {'final':>6} {'load':>5}"
    )
    for point in results["sweep"]:
        cpu = point["cpu_ms_per_exact_reply"]
        print(
            f"{point['students']:>3} {point['worst_p95_ms']:>10.1f} {point['pooled_p50_ms']:>7.1f} "
            f"{point['pooled_p95_ms']:>7.1f} {point['exact_replies_per_s_per_widget']:>10.1f} "
            f"{cpu['kernels']:>31.2f} {cpu['servers']:>7.2f} {cpu['hub']:>6.2f} {cpu['proxy']:>6.2f} "
            f"{cpu['client']:>7.2f} {point['lost']:>5} {'yes' if point['all_computed'] else 'NO':>6} "
            f"{point['load_average'][0]:>5.1f}"
        )
    print(
        f"\nlargest N with the worst student's p95 within {GOAL_P95_MS:.0f} ms: "
        f"{results['largest_n_within_goal']}"
    )
    print(
        f"\n{'N':>3} {'student':<10} {'surface p50/p95 ms':>19} {'descent p50/p95 ms':>19} "
        f"{'kernel ms/reply':>16}"
    )
    for point in results["sweep"]:
        for s in point["per_student"]:
            surface, descent = s["surface"], s["descent"]
            print(
                f"{point['students']:>3} {s['name']:<10} "
                f"{surface['p50_ms']:>9.1f}/{surface['p95_ms']:<9.1f} "
                f"{descent['p50_ms']:>9.1f}/{descent['p95_ms']:<9.1f} {s['kernel_cpu_ms_per_reply']:>16.2f}"
            )
    seats = results["seats"]
    print("\nper student, after the lesson cell (MB):")
    for key in ("kernel_rss_mb", "kernel_uss_mb", "server_rss_mb", "server_uss_mb"):
        values = [seat[key] for seat in seats]
        print(f"  {key:<15} mean {sum(values) / len(values):7.1f}  max {max(values):7.1f}")
    ready = [seat["ready_s"] for seat in seats]
    print(f"  seated (login to lesson cell done) in {min(ready):.1f}-{max(ready):.1f} s")
    if "soak" in results:
        print_soak(results["soak"])


def print_soak(soak: dict[str, Any]) -> None:
    print(
        f"\nsoak: {soak['students']} students dragging for {soak['minutes']} min; settled "
        f"{soak['settled']}, every final position computed: {soak['all_computed']}"
    )
    lost = sum(s[k]["lost"] for s in soak["per_student"] for k in ("probe", "runs"))
    replies = sum(s[k]["exact_replies"] for s in soak["per_student"] for k in ("probe", "runs"))
    print(f"  exact replies {replies}, lost {lost}")
    print("  worst p95 per minute (ms): " + " ".join(f"{v:.0f}" for v in soak["minute_p95_ms"]))
    for name, m in zip((s["name"] for s in soak["per_student"]), soak["memory"], strict=True):
        print(
            f"  {name}: kernel RSS {m['start_mb']:.1f} at start, {m['warm_mb']:.1f} after 1 min, "
            f"{m['end_mb']:.1f} at the end (max {m['max_mb']:.1f}); second half "
            f"{m['second_half_mb_per_min']:+.2f} MB/min"
        )
