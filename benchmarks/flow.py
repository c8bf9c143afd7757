"""Who keeps newest-wins: jaxwidgets' server extension against the page, drag by drag in one page session.

Usage: ``python benchmarks/flow.py [--scenario descent|surface] [--pairs N]``. Runs the continuous drag of
``latency.py`` 2 x N times in one JupyterLab page, alternating (ABBA) between the two flow controls:

* ``server``: as shipped. The page sends every position at once; the server keeps one request per lane at
  the kernel and only the newest waiting (``src/jaxwidgets/_server.py``).
* ``page``: the page's own flow (one request in flight, the newest remembered), as with a server without the
  extension. The page's ``"newest_wins":true`` is rewritten to ``null`` on the wire (same length, so the
  websocket frame's offsets hold), so the server neither coalesces nor marks replies.

Alternating in one session takes most of the machine's hour-to-hour spread out of the comparison, which
separate runs of ``latency.py`` cannot. Prints the final picture's delay after the last move (the measure
the flow control changes) and the exact pictures per second, and writes JSON to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import latency
from latency import RESULTS, lab

MODES = ("server", "page")
WARM_UP_S = 0.5  # a short drag first, so the page has switched flows before the measured one

PAGE_FLOW_JS = """(() => {
  const encoder = new TextEncoder();
  const needle = encoder.encode('"newest_wins":true');
  const replacement = encoder.encode('"newest_wins":null');
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (window.__jaxwidgetsPageFlow && (data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      const bytes = data instanceof ArrayBuffer
        ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      search: for (let i = 0; i + needle.length <= bytes.length; i++) {
        for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue search;
        bytes.set(replacement, i);
        break;
      }
    }
    return send.call(this, data);
  };
})();"""


def summary(drags: list[dict[str, Any]]) -> dict[str, float]:
    finals = sorted(d["final_frame_ms"] for d in drags)
    n = len(finals)
    return {
        "final_p25_ms": finals[n // 4],
        "final_p50_ms": statistics.median(finals),
        "final_p75_ms": finals[3 * n // 4],
        "final_max_ms": finals[-1],
        "final_within_goal": sum(f <= latency.GOALS["final_frame_ms"] for f in finals) / n,
        "exact_per_s": statistics.mean(d["exact_per_s"] for d in drags),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="descent", choices=sorted(latency.SCENARIOS))
    parser.add_argument("--pairs", type=int, default=20, help="drags per flow control (default 20)")
    args = parser.parse_args()
    name, cells, make = latency.SCENARIOS[args.scenario]["jaxwidgets"]
    executable = lab.chromium_executable()
    if executable is None:
        raise SystemExit("no Chromium found: install Debian's chromium or run `playwright install chromium`")
    drags: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-flow-") as tmp:
        work = Path(tmp)
        (work / "root").mkdir()
        latency.write_notebook(work / "root" / name, cells)
        with (
            lab.jupyter_lab(work / "root", work) as server,
            lab.chromium(work / "chromium", executable) as context,
        ):
            context.add_init_script(latency.INSTRUMENT_JS)
            context.add_init_script(PAGE_FLOW_JS)
            notebook = lab.Notebook.open(context, server, name)
            mouse = lab.FreeMouse(notebook.page)
            try:
                notebook.run_all()
                subject = make(notebook)
                for k in range(2 * args.pairs):
                    mode = MODES[(k + k // 2) % 2]  # server, page, page, server, ...
                    notebook.page.evaluate("(on) => { window.__jaxwidgetsPageFlow = on; }", mode == "page")
                    latency.continuous_drag(subject, mouse, WARM_UP_S, latency.circle(70))
                    notebook.page.wait_for_timeout(200)
                    drag = latency.continuous_drag(subject, mouse, 2.0, latency.circle(70))
                    notebook.page.wait_for_timeout(300)
                    shown = subject.handle.evaluate("(el) => el.closest('[data-flow]')?.dataset.flow ?? null")
                    if shown != mode:
                        raise SystemExit(f"asked for the {mode} flow, the widget says {shown!r}")
                    drags[mode].append(drag)
                    print(f"{mode:6} final picture {drag['final_frame_ms']:6.1f} ms", flush=True)
            finally:
                mouse.close()
                notebook.close()
    results = {mode: summary(drags[mode]) for mode in MODES}
    print(f"\n{args.scenario}, {args.pairs} drags each  final p25 / p50 / p75 / max (ms)  <= goal  exact/s")
    for mode, r in results.items():
        print(
            f"{mode:6} {r['final_p25_ms']:35.1f} / {r['final_p50_ms']:.1f} / {r['final_p75_ms']:.1f} / "
            f"{r['final_max_ms']:.1f}  {100 * r['final_within_goal']:5.0f} %  {r['exact_per_s']:7.1f}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"flow-{args.scenario}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "summary": results, "drags": drags}, indent=2))
    print(f"\nwritten: {out.relative_to(latency.REPO)}")


if __name__ == "__main__":
    main()
