"""Does a kernel's memory grow with the requests it answers? A long drag, without a browser.

    python benchmarks/kernel_soak.py [--requests 75000] [--every 5000]

Two kernels side by side (jupyter_client, ZMQ, as a Jupyter server starts them), each holding a LossSurface
and answering ``--requests`` probe requests, the messages a page sends while the probe is dragged. One kernel
runs as installed; the other with ``--Session.digest_history_size=0``: jupyter_client's Session keeps the
signature of every message it received, against replays, up to 2**16 of them (then it drops a tenth), so a
kernel's memory grows with its first 65,536 messages whatever they ask. Every ``--every`` requests each kernel
reports its RSS, the memory blocks its Python objects hold after a collection (``sys.getallocatedblocks``),
how many signatures it keeps, and where its probe is (the last request was computed). Prints
the rows and writes ``benchmarks/results/kernel-soak-<time>.json``. Results: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.manager import start_new_kernel

RESULTS = Path(__file__).resolve().parent / "results"
LESSON = """
import jaxwidgets
surface = jaxwidgets.LossSurface(lambda x, y: x**2 + y**2, resolution=50)
surface.wait_for_surface()
print(surface.comm.comm_id)
"""
# After a collection, the number of memory blocks Python's objects hold: exact, where RSS moves by megabytes.
REPORT = """
import gc as _gc, sys as _sys
_gc.collect()
print(len(get_ipython().kernel.session.digest_history), _sys.getallocatedblocks(), *surface.probe)
"""


def soak(requests: int, every: int, extra: list[str]) -> list[dict[str, Any]]:
    """Start a kernel with ``extra`` arguments, send it the probe requests; its rows every ``every``."""
    manager, client = start_new_kernel(kernel_name="python3", extra_arguments=extra)
    try:
        process = psutil.Process(manager.provisioner.process.pid)  # type: ignore[union-attr]

        def execute(code: str) -> str:
            out: list[str] = []

            def keep(message: dict[str, Any]) -> None:
                if message["msg_type"] == "stream":
                    out.append(message["content"]["text"])

            client.execute_interactive(code, output_hook=keep, timeout=300)
            return "".join(out).strip()

        comm_id = execute(LESSON)
        rows = []
        for i in range(1, requests + 1):
            x = (i % 100) / 100
            content = {"type": "probe", "seq": i, "x": x, "y": 0.5}
            data = {"comm_id": comm_id, "data": {"method": "custom", "content": content}}
            client.shell_channel.send(client.session.msg("comm_msg", data))
            if i % every == 0:
                kept, blocks, px, _ = execute(REPORT).split()  # answered after every request before it
                for channel in (client.iopub_channel, client.shell_channel):
                    while channel.msg_ready():
                        channel.get_msg(timeout=0)
                rss = process.memory_info().rss / 2**20
                rows.append(
                    {
                        "requests": i,
                        "rss_mb": round(rss, 1),
                        "signatures": int(kept),
                        "python_blocks": int(blocks),
                        "probe_x": float(px),
                    }
                )
                assert abs(float(px) - x) < 1e-6, f"the probe is at {px}, the last request asked for {x}"
                print(extra or ["as installed"], rows[-1], flush=True)
        return rows
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=75_000)
    parser.add_argument("--every", type=int, default=5_000)
    args = parser.parse_args()
    kernels = {"as installed": [], "no signature history": ["--Session.digest_history_size=0"]}
    with ProcessPoolExecutor(len(kernels)) as pool:  # a process each: one client per process, as a server has
        runs = {name: pool.submit(soak, args.requests, args.every, extra) for name, extra in kernels.items()}
        results = {name: run.result() for name, run in runs.items()}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"kernel-soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), **results}, indent=2))
    print(f"written: {out.relative_to(RESULTS.parents[1])}")


if __name__ == "__main__":
    main()
