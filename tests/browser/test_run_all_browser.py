"""Every lesson survives Run All as a new user runs it: each ``examples/*.ipynb`` in a real JupyterLab.

For each notebook (and for a generated one that assigns every handle in the cell after the display), from a
fresh kernel: Run All in the page, wait until the cells have run and every Posterior has finished, then
collect *every* problem before failing, so one run tells the whole story:

- error outputs (tracebacks), stderr streams, and cells that never ran;
- browser console errors and warnings, and uncaught page errors (a narrow, commented allow-list below);
- error banners in the widgets' views and non-empty ``error`` traits in Python; views that never rendered;
- handles whose Python value differs from what the notebook last assigned (parsed from the code cells:
  ``w.probe = ...``, ``.start``, ``.starts``, ``.learning_rates``, ``.steps``, ``.set_control(name, v)`` and
  the same keywords of the constructor), and views whose handles, sliders or readouts show another value
  than Python holds.

Run All in a page is not nbclient: views render and send their first requests while later cells still
run (shared/BROWSER-TESTING.md), which is exactly the order this test produces. Screenshots of every widget
view, light then dark, go to ``tests/browser/artifacts/run_all/<notebook>/``.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .conftest import EXAMPLES
from .lab import _PANEL_JS, VIEWPORT, KernelError, LabServer, Notebook

EXAMPLE_NAMES = sorted(path.name for path in EXAMPLES.glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CELLS_TIMEOUT_S = 420.0  # the slowest lesson (posterior.ipynb) samples three models on two cores
POSTERIOR_TIMEOUT_S = 300.0
AGREE_TIMEOUT_S = 20.0  # for page and Python to agree once the kernel is idle

# ---- the console ------------------------------------------------------------------------------------

# Console errors and warnings that are JupyterLab's own and unrelated to widgets: (pattern, why it is
# harmless). Empty: JupyterLab 4.6 logged no error or warning of its own in these runs (only debug and info
# messages, which are ignored). Add an entry only for a message seen and understood, as narrow as it can be;
# a message that names the widgets or their bundles can never be allowed (CONSOLE_ALWAYS_FAILS).
CONSOLE_ALLOWED: list[tuple[re.Pattern[str], str]] = []
# Anything matching this fails even if an allow-list pattern matches too.
CONSOLE_ALWAYS_FAILS = re.compile(
    r"anywidget|jaxwidgets|jupyter-widgets|surface\.js|descent\.js|posterior\.js|blob:|<svg|<g>|<path"
    r"|attribute",
    re.IGNORECASE,
)


def console_problem(kind: str, text: str, url: str) -> str | None:
    """The problem line for a console message, or None when it is allowed noise."""
    if kind not in ("error", "warning"):
        return None
    where = f" (at {url})" if url else ""
    line = f"console {kind}: {text.strip()}{where}"
    if not CONSOLE_ALWAYS_FAILS.search(line):
        for pattern, _why in CONSOLE_ALLOWED:
            if pattern.search(line):
                return None
    return line


# ---- what the notebook assigns ----------------------------------------------------------------------

WIDGET_CLASSES = {"LossSurface", "Descent", "Posterior", "Derivative", "Jacobian", "RandomKeys"}
HANDLE_TRAITS = {"probe", "start", "starts", "learning_rates", "steps", "at", "samples"}
# Constructor keyword -> handle it sets.
HANDLE_KWARGS = {
    "probe": "probe",
    "start": "start",
    "starts": "starts",
    "learning_rate": "learning_rates",
    "steps": "steps",
    "at": "at",
    "samples": "samples",
}


class NotLiteral(ValueError):
    pass


def literal(node: ast.expr) -> Any:
    """The value of a literal expression, with arithmetic on numbers (``3.0 - 0.2``); tuples as lists."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return [literal(element) for element in node.elts]
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {literal(k): literal(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        ops = {
            ast.Add: float.__add__,
            ast.Sub: float.__sub__,
            ast.Mult: float.__mul__,
            ast.Div: float.__truediv__,
        }
        left, right = literal(node.left), literal(node.right)
        op = ops.get(type(node.op))
        if op and all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right)):
            result = op(float(left), float(right))
            return (
                int(result)
                if isinstance(left, int) and isinstance(right, int) and result.is_integer()
                else result
            )
        if isinstance(node.op, ast.Pow) and all(isinstance(v, int | float) for v in (left, right)):
            return left**right
    raise NotLiteral(ast.unparse(node))


def is_simple(node: ast.expr) -> bool:
    """Names, attributes, constants, containers and arithmetic only: safe to evaluate again in the kernel."""
    allowed = (
        ast.Name, ast.Attribute, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.UnaryOp, ast.BinOp,
        ast.Load, ast.operator, ast.unaryop,
    )  # fmt: skip
    return all(isinstance(child, allowed) for child in ast.walk(node))


@dataclass
class Assigned:
    """The last value a notebook gave one handle of one widget variable."""

    var: str
    handle: str  # probe, start, starts, learning_rates, steps, or control:<name>
    cell: int  # 1-based cell number in the notebook
    source: str  # the expression as written
    value: Any = None  # the literal value, when it is one
    is_literal: bool = False
    node: ast.expr | None = field(default=None, repr=False)

    def where(self) -> str:
        return f"cell {self.cell}: {self.source}"


def _widget_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in WIDGET_CLASSES


def _record(found: dict[tuple[str, str], Assigned], item: Assigned) -> None:
    """Keep the last assignment per handle; ``start`` and ``starts`` describe the same list."""
    if item.node is not None:
        with contextlib.suppress(NotLiteral):
            item.value, item.is_literal = literal(item.node), True
    key = (item.var, item.handle)
    if item.handle == "starts":
        found.pop((item.var, "start"), None)
    if item.handle == "start" and (item.var, "starts") in found:
        starts = found[(item.var, "starts")]
        if starts.is_literal and item.is_literal:  # the list, with its first point replaced
            starts.value = [item.value, *starts.value[1:]]
            starts.source += f", then start = {item.source} ({item.where()})"
        else:
            del found[(item.var, "starts")]
    found[key] = item


def parse_assignments(cells: list[str]) -> dict[tuple[str, str], Assigned]:
    """What the notebook's code cells last assigned to each (variable, handle), top-level statements only."""
    found: dict[tuple[str, str], Assigned] = {}
    for number, source in enumerate(cells, start=1):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # magics and the like: nothing to parse
        for statement in tree.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                value = statement.value
                if value is None:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):  # rebinding a name: its old expectations go
                        for key in [k for k in found if k[0] == target.id]:
                            del found[key]
                        if _widget_call(value):
                            assert isinstance(value, ast.Call)
                            for keyword in value.keywords:
                                handle = HANDLE_KWARGS.get(keyword.arg or "")
                                if handle:
                                    _record(
                                        found,
                                        Assigned(target.id, handle, number, ast.unparse(keyword.value),
                                                 node=keyword.value),
                                    )  # fmt: skip
                    elif (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.attr in HANDLE_TRAITS
                    ):
                        _record(
                            found,
                            Assigned(target.value.id, target.attr, number, ast.unparse(value), node=value),
                        )
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                call = statement.value
                func = call.func
                if not (
                    isinstance(func, ast.Attribute)
                    and func.attr == "set_control"
                    and isinstance(func.value, ast.Name)
                ):
                    continue
                arguments = dict(zip(("name", "value"), call.args, strict=False))
                arguments.update({k.arg: k.value for k in call.keywords if k.arg in ("name", "value")})
                name, value = arguments.get("name"), arguments.get("value")
                if isinstance(name, ast.Constant) and isinstance(name.value, str) and value is not None:
                    _record(
                        found,
                        Assigned(
                            func.value.id, f"control:{name.value}", number, ast.unparse(value), node=value
                        ),
                    )
    return found


# ---- comparing values -------------------------------------------------------------------------------


def close(a: Any, b: Any, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """Numbers within tolerance, sequences and dicts element by element (tuples and lists alike)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rel, abs_) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y, rel, abs_) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        if math.isnan(a) or math.isnan(b):
            return False
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    return bool(a == b)


def number(text: Any) -> float:
    """A number the page shows (a data attribute or a formatted readout); NaN when there is none."""
    if text is None:
        return math.nan
    text = str(text).strip().replace("\N{MINUS SIGN}", "-")
    try:
        return float(text)
    except ValueError:
        return math.nan


def py_handle(state: dict[str, Any], handle: str) -> Any:
    """Python's value of a handle, from the kernel state of one widget."""
    if handle == "start":
        return state["starts"][0] if state.get("starts") else None
    if handle.startswith("control:"):
        control = state.get("controls", {}).get(handle.split(":", 1)[1])
        return None if control is None else control["value"]
    return state.get(handle)


def expected_handle(assigned: Assigned, value: Any, state: dict[str, Any]) -> Any:
    """What the assignment means for Python's value (one learning rate -> the same rate for all)."""
    if assigned.handle == "learning_rates" and isinstance(value, int | float):
        return {name: float(value) for name in state.get("learning_rates", {})}
    return value


# ---- the kernel side --------------------------------------------------------------------------------

KERNEL_HELPERS = '''
def __jaxwidgets_run_all_state(model_ids=()):
    """Every open jaxwidgets widget: class, names, handles, status and error; classes of other models."""
    import jaxwidgets
    from ipywidgets.widgets.widget import _instances
    from jaxwidgets._base import JaxWidget
    names = {}
    for name, value in list(get_ipython().user_ns.items()):
        if not name.startswith("_") and isinstance(value, JaxWidget):
            names.setdefault(value.model_id, []).append(name)
    widgets = {}
    for model_id, widget in list(_instances.items()):
        if not isinstance(widget, JaxWidget):
            continue
        state = {"class": type(widget).__name__, "names": names.get(model_id, []), "error": widget.error}
        if isinstance(widget, jaxwidgets.Descent):
            state["starts"] = [list(map(float, xy)) for xy in widget.starts]
            state["learning_rates"] = {k: float(v) for k, v in widget.learning_rates.items()}
            state["steps"] = int(widget.steps)
        elif isinstance(widget, jaxwidgets.LossSurface):
            state["probe"] = [float(v) for v in widget.probe]
        elif isinstance(widget, jaxwidgets.Derivative):
            state["at"] = float(widget.at)
        elif isinstance(widget, jaxwidgets.Jacobian):
            state["at"] = [float(v) for v in widget.at]
        elif isinstance(widget, jaxwidgets.RandomKeys):
            state["samples"] = int(widget.samples)
        if isinstance(widget, jaxwidgets.Posterior):
            state["status"] = widget.status
            state["controls"] = {
                name: {"value": float(c["value"]), "label": c["label"] or name, "step": float(c["step"] or 0)}
                for name, c in widget.controls.items()
            }
        widgets[model_id] = state
    classes = {m: type(_instances[m]).__name__ for m in model_ids if m in _instances}
    return {"widgets": widgets, "classes": classes}


def __jaxwidgets_run_all_wait(timeout, model_ids=()):
    """Wait until no Posterior the user can see (displayed, or bound to a name) is compiling, warming up or
    sampling; the names of those still running after `timeout` seconds."""
    import time
    import jaxwidgets
    from ipywidgets.widgets.widget import _instances
    named = {id(v) for k, v in list(get_ipython().user_ns.items()) if not k.startswith("_")}
    deadline = time.monotonic() + timeout
    late = []
    for model_id, widget in list(_instances.items()):
        if not isinstance(widget, jaxwidgets.Posterior) or not (model_id in model_ids or id(widget) in named):
            continue
        try:
            widget.wait(max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            late.append(model_id)
    return late
'''

# ---- the page side ----------------------------------------------------------------------------------

RUN_ALL_JS = f"""async ([path, ms]) => {{
    const panel = ({_PANEL_JS})(path);
    window.jupyterapp.shell.activateById(panel.id);
    const run = window.jupyterapp.commands.execute('notebook:run-all-cells');
    await Promise.race([run, new Promise((resolve) => setTimeout(resolve, ms))]);
}}"""

# Every code cell's outputs (from the notebook model) and its widget views, each tagged in the DOM so that
# the test can find it again: data-run-all-view="<cell>-<k>". A widget's output node carries no mime type:
# output j of the model is child j of the cell's output area.
OUTPUTS_JS = f"""(path) => {{
    const panel = ({_PANEL_JS})(path);
    const cells = [];
    panel.content.widgets.forEach((cell, index) => {{
        const model = cell.model;
        if (model.type !== 'code') return;
        const outputs = model.outputs.toJSON();
        const children = (cell.outputArea && cell.outputArea.widgets) || [];
        const views = [];
        outputs.forEach((output, j) => {{
            const data = output.data && output.data['{WIDGET_MIME}'];
            if (!data) return;
            const child = children[j];
            const node = child ? child.node.querySelector('.jp-OutputArea-output') : null;
            const tag = `${{index + 1}}-${{views.length}}`;
            if (node) node.dataset.runAllView = tag;
            views.push({{tag, model_id: data.model_id, in_dom: Boolean(node),
                        text: node ? node.innerText.slice(0, 300) : ''}});
        }});
        cells.push({{cell: index + 1, source: model.sharedModel.source, execution_count: model.executionCount,
                    outputs, views}});
    }});
    return cells;
}}"""

# What each tagged widget view shows (null where it has no jaxwidgets root): its root's data attributes,
# visible banners, handles, range inputs and legend.
VIEWS_JS = """(tags) => Object.fromEntries(tags.map((tag) => {
    const node = document.querySelector(`[data-run-all-view="${tag}"]`);
    const root = node && node.querySelector('.jaxwidgets');
    if (!root) return [tag, null];
    const banners = [...root.querySelectorAll('.jaxwidgets-error')]
        .filter((b) => !b.hidden && b.textContent.trim())
        .map((b) => b.textContent.trim());
    const handles = [...root.querySelectorAll('[role="slider"].handle')].map((h) => ({
        label: h.getAttribute('aria-label'), x: h.dataset.x, y: h.dataset.y,
        text: h.getAttribute('aria-valuetext'),
    }));
    const ranges = [...root.querySelectorAll('input[type=range]')].map((i) => ({
        label: i.getAttribute('aria-label'), value: i.value,
        readout: i.closest('.control')?.querySelector('.control-value')?.textContent ?? null,
    }));
    const legend = [...root.querySelectorAll('.legend-entry')].map((e) => ({
        optimizer: e.dataset.optimizer, rate: e.querySelector('.legend-rate')?.textContent ?? null,
    }));
    return [tag, {classes: [...root.classList], data: {...root.dataset}, banners, handles, ranges, legend}];
}))"""


# The height of the tallest tagged widget view, in CSS pixels.
TALLEST_VIEW_JS = """() => Math.max(0, ...[...document.querySelectorAll('[data-run-all-view]')]
    .map((node) => (node.querySelector('.jaxwidgets') || node).getBoundingClientRect().height))"""


def view_disagreements(state: dict[str, Any], view: dict[str, Any]) -> list[str]:
    """Where one view shows another value than Python holds for its widget."""
    problems: list[str] = []
    data, classes = view["data"], view["classes"]
    handles = {h["label"]: h for h in view["handles"]}
    ranges = {r["label"]: r for r in view["ranges"]}

    def shown(handle: dict[str, Any] | None) -> list[float] | None:
        return None if handle is None else [number(handle["x"]), number(handle["y"])]

    if "jaxwidgets-surface" in classes and "probe" in state:
        probe = state["probe"]
        exact = [number(data.get("exactX")), number(data.get("exactY"))]
        if not close(exact, probe):
            problems.append(f"probe: the page's exact reading is at {exact}, Python's probe is {probe}")
        handle = shown(handles.get("probe"))
        if handle is None or not close(handle, probe, abs_=1e-6):
            text = handles.get("probe", {}).get("text")
            problems.append(f"probe: the page's handle is at {handle} ({text!r}), Python's probe is {probe}")
    if "jaxwidgets-descent" in classes and "starts" in state:
        starts = state["starts"]
        page_starts = [
            shown(handles.get("start point" if k == 0 else f"start point {k + 1}")) for k in range(8)
        ]
        page_starts = [xy for xy in page_starts if xy is not None]
        if not close(page_starts, starts, abs_=1e-6):
            problems.append(f"starts: the page's handles are at {page_starts}, Python's starts are {starts}")
        exact = [number(data.get("exactX")), number(data.get("exactY"))]
        if not close(exact, starts[0]):
            problems.append(f"start: the page's exact paths start at {exact}, Python's start is {starts[0]}")
        rates = state["learning_rates"]
        legend = {e["optimizer"]: number((e["rate"] or "").removeprefix("lr ")) for e in view["legend"]}
        if not close(legend, rates, rel=6e-3):  # the legend shows 3 significant digits
            problems.append(f"learning_rates: the page's legend shows {legend}, Python has {rates}")
        readout = (ranges.get("learning rate") or {}).get("readout") or ""
        pairs = re.findall(r"([A-Za-z_]\w*) ([-\d.e]+)", readout)
        page_rates = (
            {name: number(v) for name, v in pairs} if pairs else dict.fromkeys(rates, number(readout))
        )
        if not close(page_rates, rates, rel=6e-3):
            problems.append(f"learning_rates: the page's slider reads {readout!r}, Python has {rates}")
        steps_input = ranges.get("steps") or {}
        if number(steps_input.get("value")) != state["steps"] or (
            steps_input.get("readout") or ""
        ).strip() != str(state["steps"]):
            problems.append(
                f"steps: the page's slider is at {steps_input.get('value')!r} and reads "
                f"{steps_input.get('readout')!r}, Python has {state['steps']}"
            )
    if "jaxwidgets-posterior" in classes and "status" in state:
        if data.get("status") != state["status"]:
            problems.append(f"status: the page says {data.get('status')!r}, Python {state['status']!r}")
        for name, control in state["controls"].items():
            slider = ranges.get(control["label"])
            if slider is None:
                problems.append(f"control {name}: no slider labelled {control['label']!r} on the page")
                continue
            readout, value = number(slider["readout"]), control["value"]
            if not close(readout, value, rel=1e-3):  # the readout shows 4 significant digits
                problems.append(
                    f"control {name}: the page's slider reads {slider['readout']!r}, Python has {value}"
                )
            step = control["step"]
            if abs(number(slider["value"]) - value) > (step / 2 if step > 0 else 0) + 1e-9 * max(
                1.0, abs(value)
            ):
                problems.append(
                    f"control {name}: the page's slider is at {slider['value']}, Python has {value}"
                )
    return problems


# ---- one notebook, start to end ---------------------------------------------------------------------


@dataclass
class Report:
    notebook: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not failures: what was checked
    assigned: dict[tuple[str, str], Assigned] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)
    page: dict[str, Any] = field(default_factory=dict)  # Python's widget state and what each view showed
    seconds: float = 0.0

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def text(self) -> str:
        lines = [f"{self.notebook}: {len(self.problems)} problem(s) after Run All ({self.seconds:.0f} s):"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  (checked) {n}" for n in self.notes]
        return "\n".join(lines)


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(source: str) -> str:
    return _short(source.strip().splitlines()[0] if source.strip() else "", 60)


def _run_cells(notebook: Notebook, report: Report) -> bool:
    """Run All; True once every queued cell has run (a sentinel run after them answered)."""
    page = notebook.page
    deadline = time.monotonic() + CELLS_TIMEOUT_S
    page.evaluate(RUN_ALL_JS, [notebook.path, CELLS_TIMEOUT_S * 1000])
    while time.monotonic() < deadline:
        try:
            # Queued after the cells; aborted (no output) while an error stops the queue: try again.
            reply = notebook.python(
                "print('__run_all_done__')", timeout=max(1.0, deadline - time.monotonic())
            )
        except Exception as exc:  # the kernel did not answer in time
            report.add(f"the cells had not finished after {CELLS_TIMEOUT_S:.0f} s ({_short(str(exc), 120)})")
            return False
        if "__run_all_done__" in reply["stdout"]:
            return True
        time.sleep(0.5)
    report.add(f"the cells had not finished after {CELLS_TIMEOUT_S:.0f} s")
    return False


def _check_outputs(cells: list[dict[str, Any]], report: Report) -> None:
    for cell in cells:
        where = f"cell {cell['cell']} ({_first_line(cell['source'])!r})"
        if cell["source"].strip() and cell["execution_count"] is None:
            report.add(f"{where} did not run")
        for output in cell["outputs"]:
            kind = output.get("output_type")
            if kind == "error":
                trace = "\n".join(output.get("traceback", []))
                trace = re.sub(r"\x1b\[[0-9;]*m", "", trace)  # ANSI colours
                last = [line for line in trace.splitlines() if line.strip()][-3:]
                report.add(
                    f"{where}: error output {output.get('ename')}: {_short(output.get('evalue', ''), 300)}"
                    + (f" [traceback ends: {_short(' | '.join(last), 300)}]" if last else "")
                )
            elif kind == "stream" and output.get("name") == "stderr":
                text = output.get("text", "")
                report.add(
                    f"{where}: stderr output: {_short(text if isinstance(text, str) else ''.join(text))}"
                )


def _check_handles(
    notebook: Notebook, cells: list[dict[str, Any]], views: list[dict[str, Any]], report: Report
) -> dict[str, Any]:
    """Python against the notebook's last assignments, and every view against Python; returns the state."""
    page = notebook.page
    model_ids = [view["model_id"] for view in views]
    deadline = time.monotonic() + AGREE_TIMEOUT_S
    while True:  # the page may still be drawing the last replies: wait for agreement, then report
        state = notebook.value(f"__jaxwidgets_run_all_state({model_ids!r})")
        widgets = state["widgets"]
        disagreements: list[str] = []
        shown: dict[str, Any] = page.evaluate(VIEWS_JS, [view["tag"] for view in views])
        unrendered = False
        for view in views:
            widget = widgets.get(view["model_id"])
            if widget is None:
                continue
            info = shown.get(view["tag"])
            if info is None:
                unrendered = True  # reported below if it stays so
                continue
            label = (
                f"{widget['class']} {'/'.join(widget['names']) or view['model_id'][:8]} (cell {view['tag']})"
            )
            disagreements += [f"{label}: {d}" for d in view_disagreements(widget, info)]
        if not (disagreements or unrendered) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for problem in disagreements:
        report.add(f"page differs from Python: {problem}")
    report.page = {"python": widgets, "views": shown}
    compared = [v for v in views if v["model_id"] in widgets and shown.get(v["tag"]) is not None]
    if not disagreements:
        report.notes.append(
            f"the page shows Python's handles, sliders and status in all {len(compared)} views"
        )

    # Views: each jaxwidgets view rendered, with no banner; each widget has no error in Python.
    for view in views:
        widget = widgets.get(view["model_id"])
        cls = widget["class"] if widget else state["classes"].get(view["model_id"], "?")
        if widget is None:
            continue
        label = f"{cls} {'/'.join(widget['names']) or view['model_id'][:8]} (cell {view['tag']})"
        info = shown.get(view["tag"])
        if not view["in_dom"] or info is None:
            report.add(f"{label}: the view did not render ({_short(view['text'], 200)!r})")
            continue
        for banner in info["banners"]:
            report.add(f"{label}: error banner on the page: {_short(banner, 300)}")
    displayed = {view["model_id"] for view in views}
    for model_id, widget in widgets.items():
        label = f"{widget['class']} {'/'.join(widget['names']) or model_id[:8]}"
        if not widget["names"] and model_id not in displayed:  # e.g. left open by a constructor that raised
            report.notes.append(
                f"{label} is open but neither displayed nor named (status {widget.get('status')})"
            )
            continue
        if widget["error"]:
            report.add(f"{label}: Python's error trait is {_short(widget['error'], 300)!r}")
        if widget.get("status") not in (None, "done"):
            report.add(f"{label}: sampling status is {widget['status']!r}, not 'done'")

    # Python against what the notebook assigned last.
    by_name = {name: w for w in widgets.values() for name in w["names"]}
    for assigned in report.assigned.values():
        widget = by_name.get(assigned.var)
        if widget is None:
            report.notes.append(
                f"{assigned.var}.{assigned.handle} ({assigned.where()}): no such widget at the end"
            )
            continue
        if assigned.is_literal:
            value = assigned.value
        elif assigned.node is not None and is_simple(assigned.node):
            try:
                value = notebook.value(assigned.source)
            except KernelError as exc:
                report.notes.append(
                    f"{assigned.var}.{assigned.handle}: cannot evaluate {assigned.source}: {exc}"
                )
                continue
        else:
            report.notes.append(
                f"{assigned.var}.{assigned.handle} = {assigned.source}: not a simple expression"
            )
            continue
        expected = expected_handle(assigned, value, widget)
        actual = py_handle(widget, assigned.handle)
        if not close(actual, expected):
            report.add(
                f"{widget['class']} {assigned.var}.{assigned.handle} is {actual} in Python, but the notebook "
                f"last assigned {expected} ({assigned.where()})"
            )
        else:
            report.notes.append(f"{assigned.var}.{assigned.handle} == {expected} ({assigned.where()})")
    return state


def _screenshots(
    notebook: Notebook, views: list[dict[str, Any]], state: dict[str, Any], folder: Path, report: Report
) -> None:
    """One screenshot per widget view (its jaxwidgets root, else the output), light then dark."""
    page = notebook.page
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    classes = {**state["classes"], **{m: w["class"] for m, w in state["widgets"].items()}}
    names = {m: "-".join(w["names"]) for m, w in state["widgets"].items()}

    def shoot(theme: str) -> None:
        for view in views:
            if not view["in_dom"]:
                continue
            node = page.locator(f'[data-run-all-view="{view["tag"]}"]')
            root = node.locator(".jaxwidgets").first
            target = root if root.count() else node
            cls = classes.get(view["model_id"], "widget")
            stem = f"cell{view['tag']}-{cls}" + (
                f"-{names[view['model_id']]}" if names.get(view["model_id"]) else ""
            )
            path = folder / f"{stem}-{theme}.png"
            try:
                target.scroll_into_view_if_needed(timeout=20_000)
                # Offscreen cells skip rendering (content-visibility): let this one paint first.
                page.wait_for_timeout(300)
                target.screenshot(path=str(path), timeout=30_000)
                report.screenshots.append(path)
            except Exception as exc:
                report.add(f"screenshot of {stem} ({theme}) failed: {_short(str(exc), 200)}")

    # A widget taller than the notebook's scroll area would be shot with JupyterLab's tab bar, toolbar and
    # status bar over it: make the window tall enough for the tallest view (the width, and so the layout of
    # the widgets, stays the same).
    tallest = math.ceil(page.evaluate(TALLEST_VIEW_JS))
    height = max(VIEWPORT["height"], min(4000, tallest + 300))
    try:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        shoot("light")
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
        page.wait_for_timeout(800)  # the widgets redraw their canvases in the new colours
        shoot("dark")
    finally:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'", timeout=20_000)
        page.set_viewport_size(VIEWPORT)


@contextlib.contextmanager
def _step(report: Report, what: str) -> Iterator[None]:
    """Record a failing step as a problem and go on, so that one run still reports everything else."""
    try:
        yield
    except Exception as exc:
        report.add(f"the test could not finish {what}: {type(exc).__name__}: {_short(str(exc), 300)}")


def run_all_and_check(browser: Any, lab: LabServer, path: str, folder: Path) -> Report:
    """Open ``path`` (relative to the server root) with a fresh kernel, Run All, and collect every problem."""
    report = Report(path)
    began = time.monotonic()
    source = nbformat.read(lab.root / path, as_version=4)
    report.assigned = parse_assignments([c.source for c in source.cells if c.cell_type == "code"])
    # parse_assignments numbers code cells only; the page numbers all cells: renumber to the page's.
    code_numbers = [i for i, c in enumerate(source.cells, start=1) if c.cell_type == "code"]
    for item in report.assigned.values():
        item.cell = code_numbers[item.cell - 1]

    console: list[str] = []

    def listen(page: Any) -> None:
        def on_console(message: Any) -> None:
            location = message.location or {}
            url = location.get("url", "")
            if location.get("lineNumber") is not None and url:
                url = f"{url}:{location['lineNumber']}"
            line = console_problem(message.type, message.text, url)
            if line:
                console.append(line)

        page.on("console", on_console)
        page.on("pageerror", lambda error: console.append(f"uncaught page error: {_short(str(error), 400)}"))

    notebook = Notebook.open(browser, lab, path, on_page=listen)
    try:
        if notebook.value("__import__('sys').modules.get('jaxwidgets') is not None"):  # not a fresh kernel
            notebook.page.evaluate(
                f"(path) => ({_PANEL_JS})(path).sessionContext.session.kernel.restart()", path
            )
            notebook.wait_kernel_idle()
        finished = _run_cells(notebook, report)
        if finished:
            with _step(report, "waiting for the Posteriors"):
                notebook.python(KERNEL_HELPERS)
                shown = [v["model_id"] for c in notebook.page.evaluate(OUTPUTS_JS, path) for v in c["views"]]
                wait = f"__jaxwidgets_run_all_wait({POSTERIOR_TIMEOUT_S}, {shown!r})"
                reply = notebook.python(
                    f"print(__import__('json').dumps({wait}))",
                    timeout=POSTERIOR_TIMEOUT_S + 30,
                )
                for model_id in json.loads(reply["stdout"].strip().splitlines()[-1]):
                    report.add(
                        f"Posterior {model_id[:8]} was still sampling after {POSTERIOR_TIMEOUT_S:.0f} s"
                    )
        cells: list[dict[str, Any]] = []
        with _step(report, "reading the outputs"):
            cells = notebook.page.evaluate(OUTPUTS_JS, path)
            _check_outputs(cells, report)
        views = [view for cell in cells for view in cell["views"]]
        if finished and cells:
            with _step(report, "comparing handles"):
                state = _check_handles(notebook, cells, views, report)
                with _step(report, "taking screenshots"):
                    _screenshots(notebook, views, state, folder, report)
                    (folder / "state.json").write_text(json.dumps(report.page, indent=1, default=str))
    finally:
        for line in console:  # also those logged while a step above failed
            report.add(line)
        report.seconds = time.monotonic() - began
        notebook.close()
    return report


# ---- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_survives_run_all(name: str, lab_server: LabServer, browser: Any, artifacts: Path) -> None:
    report = run_all_and_check(browser, lab_server, name, artifacts / "run_all" / Path(name).stem)
    print(report.text())
    (artifacts / "run_all" / f"{Path(name).stem}.txt").write_text(report.text() + "\n")
    assert not report.problems, report.text()


def test_example_notebooks_found() -> None:
    assert EXAMPLE_NAMES, f"no notebooks in {EXAMPLES}"


def test_parse_assignments() -> None:
    """The parser behind "the value the notebook last assigned" (no browser needed)."""
    found = parse_assignments(
        [
            "w = jaxwidgets.Descent(f, start=(3.0 - 0.2, 1.5), learning_rate=0.01, steps=200)\nw",
            "w.steps = 7\nfor _ in range(3):\n    w.steps = 1  # not top level: ignored",
            "s = LossSurface(f, probe=(a, b))\ns.probe = (1.0, -1.0)\np.set_control('scale', value=2)",
            "s = 3  # rebound: s is no widget any more",
        ]
    )
    assert {k: v.value for k, v in found.items()} == {
        ("w", "start"): [2.8, 1.5],
        ("w", "learning_rates"): 0.01,
        ("w", "steps"): 7,
        ("p", "control:scale"): 2,
    }
    assert found[("w", "steps")].cell == 2


def test_console_and_view_checks() -> None:
    """The console filter and the page-against-Python comparison (no browser needed)."""
    deprecation = (
        "[anywidget] Deprecation Warning for jaxwidgets.surface.LossSurface: Direct export of a 'render'"
    )
    assert console_problem("warning", deprecation, "")
    svg = 'Error: <g> attribute transform: Trailing garbage, "translate(976,undefined)".'
    assert console_problem("error", svg, "http://127.0.0.1/lab/extensions/bqplot/static/662.js:0")
    assert console_problem("log", deprecation, "") is None
    surface = {"classes": ["jaxwidgets", "jaxwidgets-surface"], "ranges": [], "legend": []}
    at = {
        "data": {"exactX": "0.5", "exactY": "-0.5"},
        "handles": [{"label": "probe", "x": "0.5", "y": "-0.5"}],
    }
    assert len(view_disagreements({"probe": [1.0, 1.0]}, {**surface, **at})) == 2
    assert view_disagreements({"probe": [0.5, -0.5]}, {**surface, **at}) == []
    posterior = {"classes": ["jaxwidgets", "jaxwidgets-posterior"], "data": {"status": "done"}, "handles": []}
    slider = {"label": "prior_scale", "value": "2.5", "readout": "2.5"}
    state = {
        "status": "done",
        "controls": {"prior_scale": {"value": 1.0, "label": "prior_scale", "step": 0.0}},
    }
    assert len(view_disagreements(state, {**posterior, "ranges": [slider], "legend": []})) == 2


# Each widget is displayed, and the very next cells assign its handles: Run All in the page renders the
# view (which sends its first requests) while those cells run. Python's assignment must win on both sides.
ASSIGN_AFTER_DISPLAY = [
    "import numpy as np\nimport numpyro\nimport numpyro.distributions as dist\n\nimport jaxwidgets\n\n\n"
    "def two_minima(x, y):\n    return 2 * x**2 - 4 * x * y + y**4 + 2",
    "surface = jaxwidgets.LossSurface(two_minima, x=(-2, 2), y=(-2, 2), probe=(0.5, -0.5), resolution=100)\n"
    "surface",
    "surface.probe = (1.0, 1.0)",
    "descent = jaxwidgets.Descent(\n"
    "    two_minima, x=(-2, 2), y=(-2, 2), starts=[(0.1, -0.1), (-0.3, 0.4)], optimizers=['sgd', 'adam'],\n"
    "    learning_rate=0.02, steps=200, resolution=100,\n)\ndescent",
    "descent.starts = [(1.5, -1.0), (-1.0, 1.5)]",
    "descent.start = (-1.25, 1.25)",
    "descent.learning_rates = {'sgd': 0.05, 'adam': 0.1}",
    "descent.steps = 123",
    "def normal_mean(y, prior_scale):\n"
    "    mu = numpyro.sample('mu', dist.Normal(0.0, prior_scale))\n"
    "    numpyro.sample('obs', dist.Normal(mu, 1.0), obs=y)\n\n\n"
    "observed = np.random.default_rng(1).normal(1.0, 1.0, 20).astype(np.float32)\n"
    "posterior = jaxwidgets.Posterior(\n"
    "    normal_mean, observed, 1.0, num_chains=2, num_warmup=200, num_samples=300,\n"
    "    controls={'prior_scale': (0.05, 5.0)},\n)\nposterior",
    "posterior.set_control('prior_scale', 2.5)",
]


def test_python_assignment_after_display_wins(lab_server: LabServer, browser: Any, artifacts: Path) -> None:
    name = "run_all_assign_after_display.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in ASSIGN_AFTER_DISPLAY]
    nbformat.write(notebook, lab_server.root / name)  # the server's temp root, not examples/

    report = run_all_and_check(browser, lab_server, name, artifacts / "run_all" / Path(name).stem)
    print(report.text())
    (artifacts / "run_all" / f"{Path(name).stem}.txt").write_text(report.text() + "\n")
    handles = {handle for _, handle in report.assigned}
    assert {"probe", "start", "starts", "learning_rates", "steps", "control:prior_scale"} <= handles, handles
    assert report.assigned[("descent", "starts")].value == [[-1.25, 1.25], [-1.0, 1.5]]
    assert not report.problems, report.text()
