"""Without a kernel: the text/html snapshot of every widget's repr, and save_html pages."""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest

import jaxwidgets
from jaxwidgets import _snapshot
from jaxwidgets._static import STATIC_NOTE

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def two_minima(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2


def normal_model(y: Any, prior_scale: Any) -> None:
    mu = numpyro.sample("mu", dist.Normal(0.0, prior_scale))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
    numpyro.sample("obs", dist.Normal(mu, sigma), obs=y)


def fibonacci(n: int, a0: float = 1.0, a1: float = 2.0) -> Any:
    a = jnp.zeros(n).at[0].set(a0).at[1].set(a1)
    for i in range(2, n):
        a = a.at[i].set(a[i - 1] + a[i - 2])
    return a


def gaussian(p: dict[str, Any], x: Any) -> Any:
    return p["a"] * jnp.exp(-0.5 * (x - p["x0"]) ** 2 / p["s"] ** 2)


def logpdf(p: dict[str, Any], x: Any) -> Any:
    sigma = jnp.exp(p["log_sigma"])
    return -0.5 * ((x - p["mu"]) / sigma) ** 2 - jnp.log(sigma) - 0.5 * jnp.log(2 * jnp.pi)


def make_surface() -> Any:
    widget = jaxwidgets.LossSurface(two_minima, x=(-2, 2), y=(-2, 2), resolution=48, probe=(0.5, -0.3))
    widget.wait_for_surface()
    return widget


def make_descent() -> Any:
    widget = jaxwidgets.Descent(two_minima, x=(-2, 2), y=(-2, 2), resolution=48, start=(0.1, -0.1), steps=50)
    widget.wait_for_surface()
    return widget


def make_posterior() -> Any:
    y = np.random.default_rng(0).normal(1.0, 0.7, 30)
    widget = jaxwidgets.Posterior(normal_model, y, 1.0, num_chains=2, num_warmup=100, num_samples=100)
    return widget.run().wait()


def make_curve_fit() -> Any:
    x = np.linspace(-2, 2, 30)
    y = 1.3 * np.exp(-0.5 * (x - 0.3) ** 2 / 0.25) + np.random.default_rng(1).normal(0, 0.1, 30)
    return jaxwidgets.CurveFit(gaussian, x, y, {"a": 1.0, "x0": 0.0, "s": 0.7}, yerr=0.1)


def make_density_fit() -> Any:
    samples = np.random.default_rng(2).normal(0.5, 1.2, 300)
    return jaxwidgets.DensityFit(logpdf, samples, {"mu": 0.0, "log_sigma": 0.0})


def make_jit_inspector() -> Any:
    args = {"n": 10, "a0": 1.0, "a1": 2.0}
    return jaxwidgets.JitInspector(fibonacci, args=args, static_argnames="n", choices={"n": (10, 20)})


# Each widget, how to change its state, and a number its caption must show after the change.
CASES: dict[str, tuple[Callable[[], Any], Callable[[Any], None], Callable[[Any], str]]] = {
    "surface": (make_surface, lambda w: setattr(w, "probe", (1.0, 1.0)), lambda w: "f = 1,"),
    "descent": (make_descent, lambda w: setattr(w, "start", (-1.5, 1.5)), lambda w: "(-1.5, 1.5)"),
    "posterior": (make_posterior, lambda w: w.run().wait(), lambda w: f"{w.summary[0]['mean']:.4g}"),
    "derivative": (
        lambda: jaxwidgets.Derivative(lambda x: x**2 + 3 * x + 2, x=(-5, 2), at=2.0),
        lambda w: setattr(w, "at", -1.0),
        lambda w: "f' = 1,",
    ),
    "jacobian": (
        lambda: jaxwidgets.Jacobian(lambda r, t: (r * jnp.cos(t), r * jnp.sin(t)), x=(0, 2), y=(-3, 3)),
        lambda w: setattr(w, "at", (2.0, 0.0)),
        lambda w: "det J = 2,",
    ),
    "curve_fit": (
        make_curve_fit,
        lambda w: setattr(w, "params", {"a": 1.3, "x0": 0.3, "s": 0.5}),
        lambda w: "a = 1.3",
    ),
    "density_fit": (
        make_density_fit,
        lambda w: setattr(w, "params", {"mu": 0.5, "log_sigma": 0.2}),
        lambda w: "mu = 0.5",
    ),
    "random_keys": (
        lambda: jaxwidgets.RandomKeys(seed=12, samples=1000),
        lambda w: setattr(w, "seed", 3),
        lambda w: f"{w.inside} of 1000",
    ),
    "jit_inspector": (make_jit_inspector, lambda w: w.call(n=20), lambda w: "2 calls, 2 traces"),
}


@pytest.fixture(params=sorted(CASES), scope="module")
def case(request: pytest.FixtureRequest) -> Any:
    make, change, expected = CASES[request.param]
    widget = make()
    yield request.param, widget, change, expected
    widget.close()


class _Parts(HTMLParser):
    """What a snapshot holds: its tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(snapshot: str) -> _Parts:
    parts = _Parts()
    parts.feed(snapshot)
    return parts


def caption(snapshot: str) -> str:
    match = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", snapshot, re.S)
    assert match, snapshot[:200]
    return html.unescape(match.group(1))


def check_png(uri: str) -> tuple[int, int]:
    """A PNG data URI that decodes (signature, chunks with valid CRCs, pixels that inflate): its size."""
    data = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 4 * width)
    return width, height


def test_every_repr_carries_the_live_view_and_a_snapshot(case: Any) -> None:
    name, widget, _change, _expected = case
    data, _metadata = widget._repr_mimebundle_()
    assert WIDGET_VIEW in data and data[WIDGET_VIEW]["model_id"] == widget.model_id
    snapshot = data["text/html"]
    parts = parse(snapshot)
    tags = [tag for tag, _ in parts.tags]
    assert tags[0] == "figure" and "figcaption" in tags
    assert "svg" in tags or "table" in tags
    for tag, attrs in parts.tags:
        if tag == "image":
            assert check_png(str(attrs["href"])) == tuple(widget.surface_values().shape[::-1])
    if name in ("surface", "descent"):
        assert any(tag == "image" for tag, _ in parts.tags), "the heatmap"
    assert "static snapshot" in caption(snapshot)


def test_the_snapshot_follows_the_state(case: Any) -> None:
    _name, widget, change, expected = case
    before = caption(widget._repr_mimebundle_()[0]["text/html"])
    change(widget)
    after = caption(widget._repr_mimebundle_()[0]["text/html"])
    assert after != before
    assert expected(widget) in after


def test_the_surface_caption_has_the_key_numbers() -> None:
    widget = make_surface()
    text = caption(widget._repr_mimebundle_()[0]["text/html"])
    gx, gy = widget.gradient
    assert "LossSurface of f(x, y) at (0.5, -0.3)" in text
    assert f"f = {widget.value:.6g}" in text and f"|∇f| = {np.hypot(gx, gy):.4g}" in text
    widget.close()


def test_png_encoder_and_colormap_match_the_front_end() -> None:
    values = np.array([[0.0, 1.0], [np.nan, 0.5]])
    rgba = _snapshot.colorize(values, 0.0, 1.0)
    assert rgba.shape == (2, 2, 4)
    assert rgba[1, 0].tolist() == [68, 1, 84, 255]  # row 0 (y low) is drawn at the bottom
    assert rgba[0, 0, 3] == 0  # NaN: transparent, as the page leaves undefined cells
    assert check_png(_snapshot.data_uri(_snapshot.png_bytes(rgba))) == (2, 2)


def test_a_failing_snapshot_never_breaks_the_live_display(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = jaxwidgets.RandomKeys(seed=1, samples=10)

    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(widget, "_snapshot_html", broken)
    data, _ = widget._repr_mimebundle_()
    assert WIDGET_VIEW in data and "text/html" not in data


def test_the_snapshot_computes_no_new_kernels(case: Any) -> None:
    """It draws the state the widget holds (measured cost: benchmarks/snapshot.py)."""
    _name, widget, _change, _expected = case
    widget._repr_mimebundle_()
    with jaxwidgets.count_compiles() as compiles:
        widget._repr_mimebundle_()
    assert compiles.count == 0


# ---- save_html ---------------------------------------------------------------------------------------


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.blocks: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in ("script", "link", "img", "iframe"):
            self.sources += [str(named[key]) for key in ("src", "href") if named.get(key)]
        if tag == "script":
            self._current = str(named.get("id") or "")
            self.blocks[self._current] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.blocks[self._current] += data


def read_page(path: Path) -> _Scripts:
    page = _Scripts()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("name", ["surface", "posterior", "derivative", "curve_fit"])
def test_save_html_writes_one_self_contained_page(
    case_widgets: dict[str, Any], name: str, tmp_path: Path
) -> None:
    widget = case_widgets[name]
    path = widget.save_html(tmp_path / f"{name}.html")
    page = read_page(path)
    assert page.sources == [], "no script, link, image or frame is fetched from anywhere"
    assert set(page.blocks) == {"jaxwidgets-state", "jaxwidgets-bundle", "jaxwidgets-host", ""}
    assert "http" not in page.blocks[""], "the boot script imports the inlined modules only"
    state = json.loads(page.blocks["jaxwidgets-state"])
    assert state["_static"]["note"] == STATIC_NOTE
    bundle = base64.b64decode(page.blocks["jaxwidgets-bundle"]).decode()
    own = (Path(jaxwidgets.__file__).parent / "static" / f"{name}.js").read_text()
    assert bundle == own
    assert "mount" in base64.b64decode(page.blocks["jaxwidgets-host"]).decode()


def test_saved_arrays_are_base64_buffers(case_widgets: dict[str, Any], tmp_path: Path) -> None:
    widget = case_widgets["surface"]
    state = json.loads(read_page(widget.save_html(tmp_path / "s.html")).blocks["jaxwidgets-state"])
    record = state["_surface"]["values"]
    values = np.frombuffer(base64.b64decode(record["view"]["$b64"]), np.float32).reshape(record["shape"])
    np.testing.assert_array_equal(values, widget.surface_values())


def test_descent_saves_runs_from_a_grid_of_starts(case_widgets: dict[str, Any], tmp_path: Path) -> None:
    widget = case_widgets["descent"]
    state = json.loads(
        read_page(widget.save_html(tmp_path / "d.html", starts_grid=4)).blocks["jaxwidgets-state"]
    )
    runs = state["_static"]["runs"]
    assert len(runs["starts"]) == 1 + 16 and runs["starts"][0] == pytest.approx(list(widget.start))
    assert runs["positions"]["shape"] == [17, len(widget.optimizer_names), widget.steps + 1, 2]
    positions = np.frombuffer(base64.b64decode(runs["positions"]["view"]["$b64"]), np.float32)
    first = positions.reshape(runs["positions"]["shape"])[0]
    for i, name in enumerate(widget.optimizer_names):
        np.testing.assert_allclose(first[i], widget.trajectories[name], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="starts_grid"):
        widget.save_html(tmp_path / "bad.html", starts_grid=-1)


def test_widgets_without_a_live_copy_save_their_snapshot(
    case_widgets: dict[str, Any], tmp_path: Path
) -> None:
    widget = case_widgets["random_keys"]
    text = widget.save_html(tmp_path / "r.html").read_text()
    assert "<script" not in text and STATIC_NOTE in text and "<svg" in text
    with pytest.raises(TypeError, match="unknown option"):
        widget.save_html(tmp_path / "x.html", starts_grid=4)


@pytest.fixture(scope="module")
def case_widgets() -> Any:
    widgets = {
        name: CASES[name][0]() for name in ("surface", "descent", "posterior", "derivative", "curve_fit")
    }
    widgets["random_keys"] = jaxwidgets.RandomKeys(seed=1, samples=100)
    yield widgets
    for widget in widgets.values():
        widget.close()


def test_saved_widget_state_carries_the_record_of_the_last_cell() -> None:
    """nbclient with store_widget_state: each displayed widget's ``_saved`` (what its views answer from with
    no kernel behind them) is refreshed after every cell, so a later cell's change reaches the saved state;
    a widget never displayed gets none."""
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import jaxwidgets\n"
        "def bowl(x, y):\n"
        "    return x**2 + y**2\n"
        "options = dict(resolution=8, steps=10, optimizers=['sgd'])\n"
        "d = jaxwidgets.Descent(bowl, title='shown', **options)\n"
        "hidden = jaxwidgets.Descent(bowl, title='hidden', **options)\n"
        "d",
        "d.learning_rates = {'sgd': 0.2}",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True).execute()
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    saved = {model["state"].get("title"): model["state"].get("_saved") for model in state.values()}
    runs = saved["shown"]["runs"]
    assert runs["learning_rates"] == {"sgd": 0.2} and runs["steps"] == 10
    positions = np.frombuffer(base64.b64decode(runs["positions"]["view"]["$b64"]), np.float32)
    assert positions.size == 1 * 1 * 11 * 2
    assert saved["hidden"] == {}  # never displayed: never refreshed
