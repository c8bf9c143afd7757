"""Posterior: streamed NUTS draws against the analytic posterior, chunking, diagnostics, controls, errors."""

import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
import traitlets

from jaxwidgets import FunctionError, Posterior, count_compiles
from jaxwidgets._chains import Chains
from jaxwidgets.kernels.posterior import StreamingSampler
from jaxwidgets.posterior import summary_rows

from .conftest import Page

Y = np.random.default_rng(3).normal(1.0, 1.0, 20).astype(np.float32)


def conjugate(y, prior_scale):
    """Normal mean with known sd 1 and a Normal(0, prior_scale) prior."""
    mu = numpyro.sample("mu", dist.Normal(0.0, prior_scale))
    numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)


def analytic(prior_scale):
    precision = 1 / prior_scale**2 + len(Y)
    return Y.sum() / precision, precision**-0.5


def conjugate_posterior(seed: int) -> Posterior:
    """The conjugate model's widget with a prior_scale slider, its first run finished."""
    widget = Posterior(
        conjugate,
        Y,
        2.0,
        num_chains=2,
        num_warmup=300,
        num_samples=1500,
        seed=seed,
        controls={"prior_scale": (0.05, 10.0)},
    )
    return widget.wait()


@pytest.fixture(scope="module")
def post():
    widget = conjugate_posterior(seed=1)
    yield widget
    widget.close()


def test_streamed_draws_match_the_analytic_posterior(post):
    mean, sd = analytic(2.0)
    draws = post.draws["mu"]
    assert draws.shape == (2, 1500) and post.status == "done"
    standard_error = sd / np.sqrt(500)  # generous: effective sample size is well above 500
    assert abs(draws.mean() - mean) < 4 * standard_error
    assert draws.std() == pytest.approx(sd, rel=0.1)


def test_summary_equals_arviz_on_the_same_draws(post):
    import arviz as az

    expected = az.summary({"mu": post.draws["mu"]}, round_to="none")
    row = post.summary[0]
    assert row["site"] == "mu"
    for key in ["r_hat", "ess_bulk", "ess_tail", "hdi_3", "hdi_97"]:
        column = {"hdi_3": "hdi_3%", "hdi_97": "hdi_97%"}.get(key, key)
        assert row[key] == pytest.approx(float(expected.loc["mu", column]), rel=1e-9)
    assert row["mean"] == pytest.approx(float(expected.loc["mu", "mean"]), rel=1e-6)  # arviz sums in float32
    assert float(post.idata.posterior["mu"].mean()) == pytest.approx(row["mean"], rel=1e-6)
    assert post.idata.sample_stats["diverging"].shape == (2, 1500)


def test_chunks_concatenate_to_the_same_draws_without_loss_or_duplication():
    def draws_with(chunk_length, chunks):
        sampler = StreamingSampler(
            conjugate, (Y, 2.0), {}, num_chains=2, num_warmup=20, chunk_length=chunk_length
        )
        state = sampler.init(jax.random.PRNGKey(7), (Y, jnp.float32(2.0)))
        pieces = []
        for _ in range(chunks):
            state, chunk = sampler.advance(state, (Y, jnp.float32(2.0)))
            pieces.append(chunk.draws)
        return np.concatenate(pieces)

    np.testing.assert_allclose(draws_with(10, 6), draws_with(60, 1), rtol=1e-5)


def test_a_control_change_restarts_without_compiling_and_moves_the_posterior(post):
    page = Page(post)
    with count_compiles() as compiles:
        reply = page.request("control", name="prior_scale", value=0.1)
        post.wait()
    assert reply == {"type": "control", "seq": page.seq, "client": ""} and compiles.count == 0
    assert any(content["type"] == "reset" for content, _ in page.replies)
    mean, sd = analytic(0.1)
    assert post.draws["mu"].mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(300))
    assert post.controls["prior_scale"]["value"] == pytest.approx(0.1)


def test_draws_messages_carry_only_new_draws_as_binary_buffers(post):
    page = Page(post)
    post.set_control("prior_scale", 1.0)
    post.wait()
    batches = page.of_type("draws")
    offsets = [content["offset"] for content, _ in batches]
    counts = [content["draws"]["shape"][1] for content, _ in batches]
    assert offsets == list(np.cumsum([0, *counts[:-1]])) and sum(counts) == 1500
    first = np.frombuffer(batches[0][1][0], np.float32).reshape(batches[0][0]["draws"]["shape"])
    np.testing.assert_array_equal(first[:, :, 0], post.draws["mu"][:, : counts[0]])
    replay = page.request("replay")
    assert replay["draws"]["shape"] == [2, 1500, 1]


def test_warmup_steps_stream_as_warmup_messages_and_never_enter_the_draws(post):
    page = Page(post)
    post.set_control("prior_scale", 1.5)
    post.wait()
    warmups = page.of_type("warmup")
    firsts = [content["iteration"] for content, _ in warmups]
    lengths = [content["draws"]["shape"][1] for content, _ in warmups]
    # Every warm-up step once, in order, and nothing after warm-up: the fixture's chains are adapted, so a
    # restart warms up for the last 50 steps of the schedule (restart_warmup's default).
    short = 50
    start = post.num_warmup - short
    assert firsts == list(start + np.cumsum([0, *lengths[:-1]])) and sum(lengths) == short
    assert all(content["draws"]["shape"][0] == post.num_chains for content, _ in warmups)
    first_draws = next(i for i, (content, _) in enumerate(page.replies) if content["type"] == "draws")
    last_warmup = max(i for i, (content, _) in enumerate(page.replies) if content["type"] == "warmup")
    assert last_warmup <= first_draws
    assert post.draws["mu"].shape == (2, 1500)  # warm-up steps are not draws


def test_bad_page_requests_are_refused(post):
    page = Page(post)
    assert page.request("control", name="nope", value=1.0)["type"] == "error"
    assert "within" in page.request("control", name="prior_scale", value=99.0)["message"]
    assert page.request("control", name="prior_scale", value=float("nan"))["type"] == "error"


def test_stop_ends_sampling_promptly_and_close_ends_the_thread():
    widget = Posterior(conjugate, Y, 2.0, num_chains=2, num_warmup=100, num_samples=100_000, chunk_length=20)
    while widget.status in ("compiling", "warmup"):
        time.sleep(0.01)
    started = time.monotonic()
    widget.stop().wait(timeout=10)
    assert widget.status == "stopped" and time.monotonic() - started < 5
    count = widget.draws["mu"].shape[1]
    time.sleep(0.3)
    assert widget.draws["mu"].shape[1] == count
    time.sleep(0.2)
    assert not any(t.name == "jaxwidgets-posterior" and t.is_alive() for t in threading.enumerate()), (
        "an idle widget keeps no thread"
    )
    widget.run()
    assert widget._thread is not None
    widget.close()
    assert widget._thread is None or not widget._thread.is_alive()


def test_vector_sites_are_flattened_and_grouped_back():
    def regression(x, y):
        w = numpyro.sample("w", dist.Normal(0, 1).expand([2]))
        numpyro.sample("obs", dist.Normal(x @ w, 0.5), obs=y)

    x = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    widget = Posterior(
        regression, x, x @ np.array([1.0, -2.0], np.float32), num_chains=2, num_warmup=100, num_samples=200
    )
    widget.wait()
    assert widget.sites == ["w[0]", "w[1]"] and widget.idata.posterior["w"].shape == (2, 200, 2)
    np.testing.assert_allclose(widget.idata.posterior["w"].mean(("chain", "draw")), [1.0, -2.0], atol=0.2)
    widget.close()


@pytest.mark.parametrize(
    ("model", "kwargs", "message"),
    [
        (lambda y: numpyro.sample("obs", dist.Normal(0, 1), obs=y), {}, "no latent sites"),
        (lambda y: 1 / 0, {}, "raised ZeroDivisionError"),
        (conjugate, {"sites": ["mu", "sigma"]}, "unknown sites"),
        (
            lambda y: numpyro.sample("obs", dist.Normal(numpyro.sample("m", dist.Normal(0, 1)), -1.0), obs=y),
            {},
            "invalid scale",  # a constant parameter is validated while tracing
        ),
    ],
)
def test_models_that_cannot_be_traced_fail_at_construction_readably(model, kwargs, message):
    args = (Y,) if model is not conjugate else (Y, 1.0)
    with pytest.raises(FunctionError, match=message):
        Posterior(model, *args, num_chains=1, num_warmup=10, num_samples=10, **kwargs)


@pytest.mark.parametrize(
    ("model", "args", "message"),
    [
        (
            lambda y: numpyro.sample(
                "obs", dist.Normal(numpyro.sample("m", dist.Normal(0, 1)), 1), obs=y * jnp.nan
            ),
            (Y,),
            "NaN or infinite",
        ),
        (  # a parameter from an argument is traced, so only the run finds it invalid
            lambda y, scale: numpyro.sample(
                "obs", dist.Normal(numpyro.sample("m", dist.Normal(0, 1)), scale), obs=y
            ),
            (Y, -1.0),
            "invalid scale",
        ),
    ],
)
def test_models_without_a_valid_start_show_a_readable_error_once_compiled(model, args, message):
    # Construction only traces (cheap); the chains' starts are found with the compile, in the sampling thread.
    widget = Posterior(model, *args, num_chains=2, num_warmup=10, num_samples=10)
    widget.wait()
    assert widget.status == "error" and message in widget.error
    widget.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"controls": {"nope": (0, 1)}}, "not an argument"),
        ({"controls": {"prior_scale": (1, 0)}}, "min < max"),
        ({"num_samples": 0}, "positive integer"),
        ({"algorithm": "Gibbs"}, "NUTS"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Posterior(conjugate, Y, 1.0, **{"num_chains": 1, "num_warmup": 10, "num_samples": 10, **kwargs})


def test_summary_rows_handle_too_few_draws_as_null():
    rows = summary_rows(["a"], np.zeros((2, 4, 1)))
    assert rows[0]["mean"] == 0.0 and rows[0]["r_hat"] is None


def test_predictive_curves_stream_and_replay_and_the_density_covers_the_draws():
    def line(x, y):
        slope = numpyro.sample("slope", dist.Normal(0, 2))
        intercept = numpyro.sample("intercept", dist.Normal(0, 2))
        numpyro.sample("obs", dist.Normal(slope * x + intercept, 0.3), obs=y)

    x = np.linspace(-1, 1, 40).astype(np.float32)
    widget = Posterior(
        line,
        x,
        1.5 * x - 0.5,
        num_chains=2,
        num_warmup=100,
        num_samples=300,
        num_curves=10,
        curve=lambda draw, xs: draw["slope"] * xs + draw["intercept"],
        curve_x=x,
        data=(x, x),
    )
    page = Page(widget)
    widget.wait()
    replay = page.request("replay")
    assert replay["curves"]["shape"] == [10, 40] and replay["x"]["shape"] == [40]
    curves = np.frombuffer(page.replies[-1][1][replay["curves"]["buffer"]], np.float32).reshape(10, 40)
    np.testing.assert_allclose(curves.mean(axis=0), 1.5 * x - 0.5, atol=0.2)
    density = widget._density
    draws = widget.draws
    assert [density["x_site"], density["y_site"]] == widget.sites and density["values"]["shape"] == [120, 120]
    for site, key in zip(widget.sites, ["x_range", "y_range"], strict=True):
        assert density[key][0] <= draws[site].min() and draws[site].max() <= density[key][1]
    widget.close()


def test_the_density_grid_compiles_with_the_chunk_and_never_while_sampling():
    def line(x, y, scale):
        slope = numpyro.sample("slope", dist.Normal(0, scale))
        intercept = numpyro.sample("intercept", dist.Normal(0, scale))
        numpyro.sample("obs", dist.Normal(slope * x + intercept, 0.3), obs=y)

    x = np.linspace(-1, 1, 40).astype(np.float32)
    controls = {"scale": (0.5, 5.0)}
    chains = Chains(
        line, (x, 1.5 * x, 2.0), {}, controls=controls, seed=0, num_chains=2, num_warmup=10, chunk_length=5
    )
    chains.compile()
    chains.set_control("scale", 1.0)  # new model arguments, same shapes
    assert chains.density is not None
    ranges = {"slope": (0.0, 3.0), "intercept": (-1.0, 1.0)}  # the true line: slope 1.5, intercept 0
    with count_compiles() as compiles:
        values = chains.density.values(chains.args, [ranges[site] for site in chains.density.sites])
    assert compiles.count == 0 and values.shape == (120, 120)
    peak = dict(
        zip(chains.density.sites[::-1], np.unravel_index(np.argmax(values), values.shape), strict=True)
    )
    assert peak == {"slope": pytest.approx(60, abs=3), "intercept": pytest.approx(60, abs=3)}
    chains.close()


def test_the_restart_compiles_after_the_first_run_not_before_its_first_draws(monkeypatch):
    widgets: list[Posterior] = []
    statuses: list[str] = []  # the widget's status whenever a restart program is compiled
    compile_restart = StreamingSampler.compile_restart

    def recorded(sampler, state):
        statuses.append(widgets[0].status if widgets else "constructing")
        return compile_restart(sampler, state)

    monkeypatch.setattr(StreamingSampler, "compile_restart", recorded)
    counts = {"num_chains": 2, "num_warmup": 50, "num_samples": 100}
    widgets.append(Posterior(conjugate, Y, 2.0, **counts, controls={"prior_scale": (0.1, 5.0)}))
    widgets[0].wait()
    assert statuses == ["done"]  # compiled once the run was over, and waited for
    with count_compiles() as compiles:
        widgets[0].set_control("prior_scale", 0.5)
        widgets[0].wait()
    assert compiles.count == 0 and statuses == ["done"]
    widgets[0].close()


def test_streamed_draws_are_exactly_plain_numpyro_mcmc_with_the_same_seed():
    from numpyro.infer import MCMC, NUTS

    mcmc = MCMC(
        NUTS(conjugate),
        num_warmup=200,
        num_samples=300,
        num_chains=2,
        # The widget steps chains one after the other, as "sequential" does; "vectorized" differs in the last
        # bits, which NUTS amplifies on harder models (the banana's divergences differ by seed that way).
        chain_method="sequential",
        progress_bar=False,
    )
    mcmc.run(jax.random.PRNGKey(5), Y, 2.0)
    widget = Posterior(
        conjugate, Y, 2.0, num_chains=2, num_warmup=200, num_samples=300, seed=5, chunk_length=7
    )
    widget.wait()
    expected = np.asarray(mcmc.get_samples(group_by_chain=True)["mu"])
    np.testing.assert_allclose(widget.draws["mu"], expected, rtol=1e-5, atol=1e-6)
    widget.close()


def test_a_reference_marks_sites_and_is_validated_like_any_assignment():
    counts = {"num_chains": 1, "num_warmup": 10, "num_samples": 10}
    widget = Posterior(conjugate, Y, 1.0, **counts, reference={"mu": 1}, reference_label="MLE")
    assert widget.reference == {"mu": 1.0} and widget.reference_label == "MLE"
    widget.reference = {"mu": 0.5}
    assert widget.reference == {"mu": 0.5}
    for bad in ({"sigma": 1.0}, {"mu": float("nan")}):
        with pytest.raises(traitlets.TraitError, match="finite values of sites"):
            widget.reference = bad
    widget.close()


def test_the_init_strategy_goes_to_nuts():
    from numpyro.infer import init_to_value

    start = init_to_value(values={"mu": 3.0})
    sampler = StreamingSampler(
        conjugate, (Y, 2.0), {}, num_chains=3, num_warmup=5, chunk_length=5, init_strategy=start
    )
    state = sampler.init(jax.random.PRNGKey(0), (Y, jnp.float32(2.0)))
    np.testing.assert_allclose(state.z["mu"], [3.0, 3.0, 3.0])


def test_the_sampler_is_pure_the_same_state_in_gives_the_same_draws_out():
    sampler = StreamingSampler(conjugate, (Y, 2.0), {}, num_chains=2, num_warmup=5, chunk_length=5)
    args = (Y, jnp.float32(2.0))
    first = sampler.init(jax.random.PRNGKey(0), args)
    second = sampler.init(jax.random.PRNGKey(0), args)  # init twice: nothing accumulates
    assert sampler.columns(first).names == sampler.columns(second).names == ("mu",)
    np.testing.assert_array_equal(first.z["mu"], second.z["mu"])
    _, chunk = sampler.advance(first, args)
    _, again = sampler.advance(first, args)
    assert chunk.draws.shape == (5, 2, 1)
    np.testing.assert_array_equal(chunk.draws, again.draws)


def test_compiled_steppers_advance_and_restart_without_compiling():
    sampler = StreamingSampler(conjugate, (Y, 2.0), {}, num_chains=2, num_warmup=5, chunk_length=5)
    args = (jnp.asarray(Y), jnp.float32(2.0))
    state = sampler.init(jax.random.PRNGKey(0), args)
    steppers = sampler.compile(state)
    with count_compiles() as compiles:
        state, _ = sampler.advance(state, args, steppers.chunk)
        state = sampler.restart(state, (args[0], jnp.float32(0.5)), steppers.restart)
        state, chunk = sampler.advance(state, (args[0], jnp.float32(0.5)), steppers.chunk)
    assert compiles.count == 0 and chunk.iteration.tolist() == [0, 1, 2, 3, 4]  # a fresh warm-up


def test_streamed_messages_are_pushes_with_the_client_and_seq_every_view_reads(post):
    page = Page(post)
    page.request("control", name="prior_scale", value=0.5)
    post.wait()
    streamed = [content for content, _ in page.replies if content["type"] in ("reset", "warmup", "draws")]
    assert {content["type"] for content in streamed} == {"reset", "warmup", "draws"}
    assert all(content["client"] == "" and content["seq"] == 0 for content in streamed)


def test_a_restart_keeps_the_adapted_step_size_and_mass_matrix_and_reaches_the_new_posterior():
    widget = conjugate_posterior(seed=2)
    adapted = [chain.adapt_state for chain in widget._chains.state.chains]
    with count_compiles() as compiles:
        with widget._request_lock:  # the restart alone, while the widget is idle
            widget._chains.set_control("prior_scale", 0.2)
            widget._chains.restart()
            restarted = widget._chains.state.chains
        widget.set_control("prior_scale", 0.2)  # the same restart again (nothing stepped), then sampling
        widget.wait()
    assert compiles.count == 0
    for before, chain in zip(adapted, restarted, strict=True):
        assert int(chain.i) == 300 - 50  # the last 50 steps of the warm-up schedule
        np.testing.assert_array_equal(chain.adapt_state.step_size, before.step_size)
        for kept, old in zip(
            jax.tree.leaves(chain.adapt_state.inverse_mass_matrix),
            jax.tree.leaves(before.inverse_mass_matrix),
            strict=True,
        ):
            np.testing.assert_array_equal(kept, old)
            assert not np.allclose(old, 1.0)  # adapted, not the identity a fresh warm-up starts from
    mean, sd = analytic(0.2)
    draws = widget.draws["mu"]
    assert draws.shape == (2, 1500)
    assert abs(draws.mean() - mean) < 4 * sd / np.sqrt(500) and draws.std() == pytest.approx(sd, rel=0.1)
    widget.close()


def test_construction_traces_the_model_and_compiles_nothing_of_it():
    # A shape no other test uses: NumPyro's eager init compiled dozens of one-op programs for it (seconds).
    args = (jnp.linspace(-1, 1, 37), jnp.float32(2.0))
    sampler = StreamingSampler(conjugate, args, {}, num_chains=2, num_warmup=20, chunk_length=10)
    key = jax.random.PRNGKey(3)
    with count_compiles() as compiles:
        shapes = sampler.shapes(key, args)
        columns = sampler.columns(shapes)
    assert compiles.count == 0 and columns.names == ("mu",)
    assert isinstance(shapes.chains[0].z["mu"], jax.ShapeDtypeStruct)
    with count_compiles() as compiles:
        state = sampler.start(key, args)  # compiles the init traced above, and runs it for each chain
    assert compiles.count == 1  # each chain's key is split inside it: no eager split of the seed
    assert state.chains[0].z["mu"].shape == shapes.chains[0].z["mu"].shape
    assert not np.array_equal(state.chains[0].z["mu"], state.chains[1].z["mu"])


def test_a_restart_before_any_warmup_ended_warms_up_in_full():
    widget = Posterior(conjugate, Y, 2.0, num_chains=1, num_warmup=100, num_samples=10, chunk_length=10)
    assert not widget._chains.adapted
    with widget._request_lock:
        widget._chains.restart()
        assert int(widget._chains.state.chains[0].i) == 0
    widget.wait()
    assert widget._chains.adapted
    widget.close()


def test_chains_on_threads_give_the_draws_of_chains_one_after_the_other():
    def draws(parallel):
        widget = Posterior(
            conjugate,
            Y,
            2.0,
            num_chains=3,
            num_warmup=50,
            num_samples=60,
            seed=4,
            chunk_length=20,
            parallel=parallel,
        )
        widget.wait()
        threads, values = widget._chains.pool.threads, widget.draws["mu"]
        widget.close()
        return threads, values

    (one, serial), (two, threaded) = draws(1), draws(2)
    assert (one, two) == (1, 2)
    np.testing.assert_array_equal(serial, threaded)


def test_threaded_chunks_and_restarts_compile_nothing():
    from jaxwidgets.kernels.chain_pool import ChainPool

    sampler = StreamingSampler(conjugate, (Y, 2.0), {}, num_chains=3, num_warmup=5, chunk_length=5)
    args = (jnp.asarray(Y), jnp.float32(2.0))
    state = sampler.init(jax.random.PRNGKey(0), args)
    steppers, pool = sampler.compile(state), ChainPool(3, 2)
    with count_compiles() as compiles:
        for keep in (False, True, False):
            state, _ = sampler.advance(state, args, steppers.chunk, pool)
            state = sampler.restart(
                state, (args[0], jnp.float32(0.5)), steppers.restart, keep_adaptation=keep
            )
        state, chunk = sampler.advance(state, args, steppers.chunk, pool)
    pool.close()
    assert compiles.count == 0 and chunk.draws.shape == (5, 3, 1)


@pytest.mark.parametrize("parallel", [0, -1, 1.5, True])
def test_parallel_must_be_a_positive_number_of_threads(parallel):
    with pytest.raises(ValueError, match="parallel must be"):
        Posterior(conjugate, Y, 1.0, num_chains=2, num_warmup=10, num_samples=10, parallel=parallel)
