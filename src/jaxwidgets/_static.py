"""A widget without a kernel: the static snapshot beside its live view, and ``save_html`` pages.

``add_snapshot`` puts a ``text/html`` picture (``_snapshot.py``) into the repr's bundle: JupyterLab ranks
the widget view above it and shows the live widget; GitHub, nbviewer, nbconvert HTML and front ends without
the extension show the picture. ``save_html`` writes one self-contained page: the widget's own bundle, the
static host (js/static_page.ts: a model with no kernel and a local responder), and the widget's state with
its arrays in base64, plus ``_static``, what the widget saved for the responder (``_static_state``).

A notebook's saved widget state is rendered without a kernel too (``jupyter nbconvert --to html``, a docs
page): there the views notice that no kernel is behind them (js/lib/static.ts ``offlineState``) and answer
from the ``_saved`` trait, the same record kept current by ``keep_saved`` after every cell of an IPython
kernel, for the widgets that were displayed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import math
import pathlib
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import JaxWidget, Reply

_STATIC_DIR = pathlib.Path(__file__).parent / "static"
STATIC_NOTE = (
    "Static copy: saved without a Python kernel. What the saved state allows still works; "
    "controls that need the kernel are disabled."
)
_log = logging.getLogger(__name__)


def add_snapshot(widget: JaxWidget, bundle: Any) -> Any:
    """The repr's bundle (``data`` or ``(data, metadata)``) with the widget's snapshot as ``text/html``."""
    if bundle is None:
        return None
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, None)
    try:
        snapshot = widget._snapshot_html()
    except Exception:  # a picture for places without a kernel must never break the live display
        _log.warning("jaxwidgets: no static snapshot for %s", type(widget).__name__, exc_info=True)
        snapshot = ""
    if snapshot:
        data = {**data, "text/html": snapshot}
    return data if metadata is None else (data, metadata)


def encode(value: Any) -> Any:
    """Widget state to JSON: binary buffers become ``{"$b64": ...}`` (js/lib/static_model.ts decodes them).

    >>> encode({"view": memoryview(b"ab"), "shape": [2]})
    {'view': {'$b64': 'YWI='}, 'shape': [2]}
    """
    if isinstance(value, memoryview | bytes | bytearray):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    return value


def saved_reply(reply: Reply) -> dict[str, Any]:
    """A reply (content, buffers) as the static responder replays it."""
    content, buffers = reply
    return {"content": content, "buffers": [encode(buffer) for buffer in buffers]}


def page_state(widget: JaxWidget, **options: Any) -> dict[str, Any] | None:
    """The widget's synced state with ``_static`` added, JSON-ready; None: the widget saves no live page."""
    unknown = sorted(set(options) - set(widget._static_options))
    if unknown:
        accepted = ", ".join(widget._static_options) or "none"
        name = type(widget).__name__
        raise TypeError(f"{name}.save_html() got unknown option(s) {unknown}; it takes {accepted}")
    saved = widget._static_state(**options)
    if saved is None:
        return None
    state = widget.get_state()
    state.pop("_saved", None)  # the page's _static says the same
    state.pop("_esm", None)  # the bundle is inlined once, as a module of its own
    state.pop("_css", None)
    state["_static"] = {"note": STATIC_NOTE, **saved}
    encoded: dict[str, Any] = encode(state)
    return encoded


# ---- the record a notebook's saved widget state carries (the ``_saved`` trait) ----------------------------

_kept: weakref.WeakSet[JaxWidget] = weakref.WeakSet()
_fingerprints: weakref.WeakKeyDictionary[JaxWidget, str] = weakref.WeakKeyDictionary()
_hooked: set[int] = set()  # the IPython shells whose post_run_cell refreshes the kept widgets


def keep_saved(widget: JaxWidget) -> None:
    """Refresh ``widget._saved`` after every cell from now on (in an IPython kernel; elsewhere nothing).

    After a cell, not on every change: a drag in a live page sends nothing more, and a notebook run by
    nbclient records the refresh with the cell's output, so its saved widget state carries it.
    """
    try:
        from IPython.core.getipython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell: Any = get_ipython()  # type: ignore[no-untyped-call]
    if shell is None:
        return
    _kept.add(widget)
    if id(shell) not in _hooked:
        shell.events.register("post_run_cell", _refresh_kept)
        _hooked.add(id(shell))


def _refresh_kept(*_: Any) -> None:
    for widget in list(_kept):
        if widget.comm is None:  # closed
            _kept.discard(widget)
            continue
        try:
            refresh_saved(widget)
        except Exception:  # never a traceback under the user's cell: the record is a convenience
            _log.warning("jaxwidgets: cannot save %s's record", type(widget).__name__, exc_info=True)


def refresh_saved(widget: JaxWidget) -> None:
    """Set ``widget._saved`` to what its views answer from without a kernel, if its state changed since.

    >>> import jaxwidgets
    >>> descent = jaxwidgets.Descent(lambda x, y: x**2 + y**2, resolution=8, steps=5, optimizers=["sgd"])
    >>> refresh_saved(descent)
    >>> runs = descent._saved["runs"]
    >>> runs["names"], runs["steps"], runs["positions"]["shape"]
    (['sgd'], 5, [1, 1, 6, 2])
    """
    with widget._request_lock:  # as a request would: no reply or push changes the state meanwhile
        fingerprint = _fingerprint(widget)
        if _fingerprints.get(widget) == fingerprint:
            return
        try:
            saved = widget._static_state()
        except Exception:  # not ready (no kernels, no draws yet): the next cell tries again
            _log.debug("jaxwidgets: nothing saved yet for %s", type(widget).__name__, exc_info=True)
            return
        _fingerprints[widget] = fingerprint
        if saved is not None:
            widget._saved = encode(saved)


def _fingerprint(widget: JaxWidget) -> str:
    """A digest of the widget's synced state (arrays by their bytes), ``_saved`` and the bundle left out."""
    state = {k: v for k, v in widget.get_state().items() if k not in ("_saved", "_esm", "_css")}

    def digest(value: Any) -> str:
        if isinstance(value, memoryview | bytes | bytearray):
            return hashlib.sha1(bytes(value)).hexdigest()
        return repr(value)

    text = json.dumps(state, sort_keys=True, default=digest)
    return hashlib.sha1(text.encode()).hexdigest()


def _bundle_text(name: str) -> str:
    path = _STATIC_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build the front end first (node js/build.mjs)")
    return base64.b64encode(path.read_bytes()).decode("ascii")


# The page imports the two modules from Blob URLs (no server, no CDN), then renders the widget on the state.
_BOOT = """
const text = (id) => document.getElementById(id).textContent;
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const load = (id) => import(URL.createObjectURL(new Blob([bytes(text(id))], { type: "text/javascript" })));
const root = document.getElementById("jaxwidgets-root");
try {
  const [widget, host] = await Promise.all([load("jaxwidgets-bundle"), load("jaxwidgets-host")]);
  root.replaceChildren();
  host.mount(widget.default, JSON.parse(text("jaxwidgets-state")), root);
} catch (error) {
  const note = Object.assign(document.createElement("p"), { textContent: `Cannot show: ${error}` });
  root.prepend(note);
  throw error;
}
"""

_STYLE = """
:root { color-scheme: light dark; }
body { margin: 16px; font-family: system-ui, sans-serif; background: Canvas; color: CanvasText; }
"""


def save_html(widget: JaxWidget, path: str | pathlib.Path, **options: Any) -> pathlib.Path:
    """Write the widget's static copy to ``path`` (one HTML file; see ``JaxWidget.save_html``)."""
    target = pathlib.Path(path)
    state = page_state(widget, **options)
    title = html.escape(f"{type(widget).__name__}: static copy")
    snapshot = widget._snapshot_html()
    if state is None:  # the snapshot, and a note saying that it is one
        body = f'<p class="jaxwidgets-static-note">{html.escape(STATIC_NOTE)}</p>\n{snapshot}'
    else:
        bundle = type(widget).__module__.rsplit(".", 1)[-1] + ".js"  # the twin's bundle: descent.js
        text = json.dumps(state, allow_nan=False).replace("</", "<\\/")
        body = f"""<div id="jaxwidgets-root">{snapshot}</div>
<script type="application/json" id="jaxwidgets-state">{text}</script>
<script type="text/plain" id="jaxwidgets-bundle">{_bundle_text(bundle)}</script>
<script type="text/plain" id="jaxwidgets-host">{_bundle_text("static_page.js")}</script>
<script type="module">{_BOOT}</script>"""
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{_STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"""
    target.write_text(document, encoding="utf-8")
    return target
