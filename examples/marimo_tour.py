import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo
    import numpy as np
    import numpyro
    import numpyro.distributions as dist

    import jaxwidgets

    return dist, jaxwidgets, mo, np, numpyro


@app.cell
def _(mo):
    mo.md(
        """
        # jaxwidgets in marimo

        Every widget is an anywidget: marimo shows it as it is, and the drags reach the Python kernel
        with their binary buffers. Drag the white probe; the cell below the surface follows the value
        Python computed there.
        """
    )
    return


@app.cell
def _(jaxwidgets, mo):
    def two_minima(x, y):
        return 2 * x**2 - 4 * x * y + y**4 + 2

    surface = jaxwidgets.LossSurface(two_minima, x=(-2, 2), y=(-2, 2), probe=(-0.3, 0.4))

    # The drag sets `probe` and `value` in Python; a marimo state set from an observer re-runs the cells
    # that read it (the readout below).
    get_reading, set_reading = mo.state((surface.probe, surface.value))
    surface.observe(lambda _change: set_reading((surface.probe, surface.value)), names="value")
    surface
    return get_reading, surface, two_minima


@app.cell
def _(get_reading, mo):
    (_x, _y), _value = get_reading()
    mo.md(f"Python's probe: **x = {_x:.4f}, y = {_y:.4f}**, f = **{_value:.5f}**").style(
        {"font-family": "monospace"}
    )
    return


@app.cell
def _(jaxwidgets, mo, two_minima):
    descent = jaxwidgets.Descent(
        two_minima,
        x=(-2, 2),
        y=(-2, 2),
        starts=[(0.1, -0.1)],
        optimizers=["sgd", "momentum", "adam"],
        learning_rate=0.02,
        steps=200,
    )
    get_starts, set_starts = mo.state(descent.starts)
    descent.observe(lambda change: set_starts(change["new"]), names="starts")
    descent
    return descent, get_starts


@app.cell
def _(get_starts, mo):
    mo.md("Python's starts: " + ", ".join(f"({x:.3f}, {y:.3f})" for x, y in get_starts()))
    return


@app.cell
def _(dist, jaxwidgets, np, numpyro):
    def normal_mean(y, prior_scale):
        mu = numpyro.sample("mu", dist.Normal(0.0, prior_scale))
        sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
        numpyro.sample("obs", dist.Normal(mu, sigma), obs=y)

    observed = np.random.default_rng(1).normal(1.0, 0.8, 30).astype(np.float32)
    posterior = jaxwidgets.Posterior(
        normal_mean,
        observed,
        1.0,
        num_chains=2,
        num_warmup=200,
        num_samples=400,
        controls={"prior_scale": (0.05, 5.0)},
    )
    posterior
    return (posterior,)


if __name__ == "__main__":
    app.run()
