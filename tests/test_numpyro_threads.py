"""NumPyro's handler stack is per thread: widgets' worker threads and the user's own NumPyro code can trace
models at the same time (kernels/numpyro_threads.py)."""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from numpyro import handlers
from numpyro.contrib.control_flow import scan
from numpyro.infer import MCMC, NUTS, Predictive

import jaxwidgets
from jaxwidgets.kernels.numpyro_threads import ThreadLocalStack, holders, install

HOLDERS = [
    "numpyro.contrib.control_flow.cond._PYRO_STACK",
    "numpyro.contrib.control_flow.scan._PYRO_STACK",
    "numpyro.handlers._PYRO_STACK",
    "numpyro.primitives._PYRO_STACK",
]


def test_importing_the_posterior_widget_installs_the_stack_in_every_module_that_holds_it() -> None:
    _ = jaxwidgets.Posterior  # imports jaxwidgets.posterior
    assert isinstance(numpyro.primitives._PYRO_STACK, ThreadLocalStack)
    assert set(HOLDERS) <= set(holders())
    assert install() is numpyro.primitives._PYRO_STACK  # idempotent


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: (s.append(4), s.pop()),
        lambda s: s.pop(0),
        lambda s: (s.insert(1, 9), list(s)),
        lambda s: s.index(2),
        lambda s: s.index(3, 1),
        lambda s: (s[0], s[-1], s[1:], s[::-1], s[-2:]),
        lambda s: (len(s), bool(s), 2 in s, 7 in s, s.count(1)),
        lambda s: (list(iter(s)), list(reversed(s)), list(enumerate(reversed(s)))),
        lambda s: (s.__setitem__(0, 5), s.__delitem__(slice(1, 2)), list(s)),
        lambda s: (s.extend([6, 7]), s.remove(6), s.copy()),
        lambda s: (s.clear(), len(s), bool(s)),
    ],
)
def test_the_stack_behaves_as_the_list_it_replaces(operation: Any) -> None:
    plain, stack = [1, 2, 3], ThreadLocalStack([1, 2, 3])
    assert operation(stack) == operation(plain)
    assert list(stack) == plain and stack == plain


def test_each_thread_has_its_own_stack() -> None:
    stack = ThreadLocalStack(["main"])
    seen: list[Any] = []

    def worker() -> None:
        seen.append((len(stack), bool(stack)))
        stack.append("worker")
        seen.append(list(stack))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [(0, False), ["worker"]] and list(stack) == ["main"]


@pytest.fixture(params=["per thread", "shared list"])
def stack_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    """The installed stack, or (to show the race test catches the bug) NumPyro's own shared list."""
    installed = install()
    if request.param == "per thread":
        yield request.param
        return
    shared: list[Any] = []
    names = holders()
    for name in names:
        module, attribute = name.rsplit(".", 1)
        setattr(sys.modules[module], attribute, shared)
    try:
        yield request.param
    finally:
        for name in names:
            module, attribute = name.rsplit(".", 1)
            setattr(sys.modules[module], attribute, installed)


def test_two_threads_tracing_at_once_see_only_their_own_handlers(stack_kind: str) -> None:
    """A model traced in a worker pauses halfway; another thread traces its own model meanwhile."""
    halfway, other_done = threading.Event(), threading.Event()

    def paused_model() -> None:
        numpyro.sample("a1", dist.Normal(0, 1))
        halfway.set()
        other_done.wait(10)
        numpyro.sample("a2", dist.Normal(0, 1))

    traces: dict[str, Any] = {}

    def worker() -> None:
        traces["worker"] = handlers.trace(handlers.seed(paused_model, 0)).get_trace()

    thread = threading.Thread(target=worker)
    thread.start()
    assert halfway.wait(10)
    try:
        traces["main"] = handlers.trace(
            handlers.seed(lambda: numpyro.sample("b", dist.Normal(0, 1)), 1)
        ).get_trace()
    finally:
        other_done.set()
        thread.join(10)
    sites = {who: sorted(trace) for who, trace in traces.items()}
    if stack_kind == "per thread":
        assert sites == {"main": ["b"], "worker": ["a1", "a2"]}
        assert len(numpyro.primitives._PYRO_STACK) == 0
    else:  # NumPyro's own list: the worker's trace handler records the main thread's site too
        assert sites["worker"] == ["a1", "a2", "b"]


def test_numpyro_still_works_with_the_stack_installed() -> None:
    install()
    y = np.random.default_rng(0).normal(1.0, 1.0, 50).astype(np.float32)

    def model(y: Any = None) -> None:
        mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
        with numpyro.plate("data", 50):
            numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)

    mcmc = MCMC(NUTS(model), num_warmup=200, num_samples=400, progress_bar=False)
    mcmc.run(jax.random.PRNGKey(0), y)
    mu = np.asarray(mcmc.get_samples()["mu"])
    assert abs(mu.mean() - y.mean()) < 0.1
    predicted = Predictive(model, {"mu": mu[:100]})(jax.random.PRNGKey(1))["obs"]
    assert predicted.shape == (100, 50)
    with handlers.block(), handlers.seed(rng_seed=0), handlers.trace() as tr:
        model(y)
    assert set(tr) == {"mu", "data", "obs"}

    def walk(steps: int) -> None:
        def step(carry: Any, _: Any) -> tuple[Any, Any]:
            value = numpyro.sample("z", dist.Normal(carry, 1.0))
            return value, value

        scan(step, 0.0, None, length=steps)

    walk_trace = handlers.trace(handlers.seed(walk, 2)).get_trace(5)
    assert walk_trace["z"]["value"].shape == (5,)
    assert len(numpyro.primitives._PYRO_STACK) == 0


# ---- the notebook's failure: widgets built while others sample, and the user's MCMC meanwhile ----------


def normal_mean(y: Any, scale: Any) -> None:
    mu = numpyro.sample("mu", dist.Normal(0.0, scale))
    numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)


def line(x: Any, y: Any) -> None:
    slope = numpyro.sample("slope", dist.Normal(0, 2))
    intercept = numpyro.sample("intercept", dist.Normal(0, 2))
    numpyro.sample("obs", dist.Normal(slope * x + intercept, 0.3), obs=y)


def banana(curvature: Any) -> None:
    u = numpyro.sample("u", dist.Normal(0.0, 1.5))
    numpyro.sample("v", dist.Normal(curvature * (u**2 - 1.0), 0.5))


def bumps(x: Any, y: Any) -> None:
    amp = numpyro.sample("amp", dist.Uniform(1, 3), sample_shape=(2,))
    q = numpyro.sample("q", dist.Uniform(0, 1))
    sigma = numpyro.sample("sigma", dist.Uniform(0.5, 1.5))
    model = amp[0] * jnp.exp(-0.5 * (x - q) ** 2 / sigma**2) + amp[1] - 2.0
    numpyro.sample("obs", dist.Normal(model, 1.0), obs=y)


def test_posteriors_built_while_others_sample_and_a_users_mcmc_never_disturb_each_other() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(1.0, 1.0, 30).astype(np.float32)
    x = np.linspace(-1, 1, 40).astype(np.float32)
    xy = (x, (1.5 * x - 0.5 + rng.normal(0, 0.3, 40)).astype(np.float32))
    counts = {"num_chains": 2, "num_warmup": 100, "num_samples": 300, "chunk_length": 10}
    builds = [
        lambda: jaxwidgets.Posterior(normal_mean, y, 2.0, controls={"scale": (0.1, 5.0)}, **counts),
        lambda: jaxwidgets.Posterior(line, *xy, **counts),
        lambda: jaxwidgets.Posterior(banana, 1.0, controls={"curvature": (0.0, 2.0)}, **counts),
    ]
    widgets: list[Any] = []
    with warnings.catch_warnings(record=True) as caught:  # in the main thread; catches every thread's
        warnings.simplefilter("always")
        try:
            for round_ in range(2):
                for build in builds:
                    widgets.append(build())  # while the earlier ones compile and sample
                widgets[-3].set_control("scale", 0.5 + round_)  # a re-trace free restart, meanwhile
                mcmc = MCMC(NUTS(bumps), num_warmup=50, num_samples=50, progress_bar=False)
                mcmc.run(jax.random.PRNGKey(round_), x, xy[1])  # the user's own NumPyro, meanwhile
                assert set(mcmc.get_samples()) == {"amp", "q", "sigma"}
            for widget in widgets:
                widget.wait(timeout=300)
        finally:
            for widget in widgets:
                widget.close()
    assert [(w.status, w.error) for w in widgets] == [("done", "")] * len(widgets)
    assert [w.sites for w in widgets[:3]] == [["mu"], ["intercept", "slope"], ["u", "v"]]
    line_draws = widgets[4].draws
    assert abs(line_draws["slope"].mean() - 1.5) < 0.3 and abs(line_draws["intercept"].mean() + 0.5) < 0.2
    assert [str(w.message) for w in caught] == []
