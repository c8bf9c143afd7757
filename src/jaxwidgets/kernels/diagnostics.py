"""MCMC diagnostics of streamed draws: the Posterior widget's live table (no widget here).

The table is ``arviz.summary``'s (mean, sd, 94% HDI, rank-normalised split R-hat, bulk and tail ESS; Vehtari
et al. 2021, https://arxiv.org/abs/1903.08008), computed here with NumPy and SciPy's special functions, which
JAX has already imported. Importing arviz took 1.4-1.7 s of CPU and about 100 MB per kernel: on two cores the
chains slowed while it ran, and a short run's final table waited for it. arviz is imported only when the user
asks for an InferenceData or a trace figure.
"""

from __future__ import annotations

import math
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri

HDI_PROB = 0.94
TAIL_PROBS = (0.05, 0.95)
MIN_DRAWS = 4  # per chain, as arviz: fewer and the diagnostics are NaN

_import_lock = threading.Lock()


def arviz() -> Any:
    """arviz, imported once without its once-a-day import notice reaching the notebook.

    arviz 0.23 warns (a FutureWarning, at most once a day, from ``arviz/__init__.py``) that arviz 1.0 will
    change its API. The widget imports arviz for ``idata``, maybe in a thread, so the notice landed as stderr
    in whichever cell ran then, about an API the user never called. That one message, from that one module,
    is ignored: a permanent filter, because ``warnings.catch_warnings`` swaps the process-global filter list
    and is not safe beside other threads' warnings.
    """
    with _import_lock:
        if "arviz" not in sys.modules:  # imported before (by the user), its notice is already out
            warnings.filterwarnings(
                "ignore", r"\s*ArviZ is undergoing a major refactor", category=FutureWarning, module="arviz"
            )
        import arviz as az

    return az


def summary_rows(sites: Sequence[str], draws: np.ndarray) -> list[dict[str, Any]]:
    """mean, sd, 94% HDI, r_hat and bulk/tail ESS per site, as arviz computes them, as JSON-ready rows
    (NaN and infinity become None).

    ``draws`` has shape (chains, draws, sites).

    >>> rows = summary_rows(["a"], np.random.default_rng(0).normal(size=(2, 100, 1)))
    >>> sorted(rows[0])
    ['ess_bulk', 'ess_tail', 'hdi_3', 'hdi_97', 'mean', 'r_hat', 'sd', 'site']
    """
    # The draws keep their dtype (float32) where ranks are taken, as in arviz: folding them in float64 breaks
    # ties differently, and R-hat on short runs moves in the second decimal.
    with np.errstate(divide="ignore", invalid="ignore"):  # a chain that never moved: NaN, no warning
        return [_row(name, np.asarray(draws[:, :, j])) for j, name in enumerate(sites)]


def _row(name: str, values: np.ndarray) -> dict[str, Any]:
    low, high = hdi(values)
    statistics = {
        "mean": values.mean(dtype=np.float64),
        "sd": values.std(ddof=1, dtype=np.float64) if values.size > 1 else math.nan,
        "hdi_3": low,
        "hdi_97": high,
        "r_hat": r_hat(values),
        "ess_bulk": ess_bulk(values),
        "ess_tail": ess_tail(values),
    }
    return {"site": name, **{key: _json_number(value) for key, value in statistics.items()}}


def hdi(values: np.ndarray, prob: float = HDI_PROB) -> tuple[float, float]:
    """The narrowest interval holding ``prob`` of all chains' draws together.

    >>> hdi(np.arange(100.0)[None], prob=0.5)
    (0.0, 50.0)
    """
    ordered = np.sort(values[np.isfinite(values)])
    inside = math.floor(prob * ordered.size)
    if ordered.size == 0 or inside == ordered.size:
        return math.nan, math.nan
    widths = np.subtract(ordered[inside:], ordered[: ordered.size - inside], dtype=np.float64)
    start = int(np.argmin(widths))
    return float(ordered[start]), float(ordered[start + inside])


def r_hat(values: np.ndarray) -> float:
    """Rank-normalised split R-hat of (chains, draws): the larger of the bulk's and the tails'.

    >>> round(r_hat(np.random.default_rng(0).normal(size=(4, 500))), 2)
    1.0
    """
    if _invalid(values, min_chains=2):
        return math.nan
    folded = np.abs(values - np.median(values))  # as arviz.summary: around every draw's median, then split
    return max(_r_hat(_z_scale(_split_chains(values))), _r_hat(_z_scale(_split_chains(folded))))


def ess_bulk(values: np.ndarray) -> float:
    """Bulk effective sample size of (chains, draws): of the rank-normalised split chains."""
    if _invalid(values, min_chains=1):
        return math.nan
    return _ess(_z_scale(_split_chains(values)))


def ess_tail(values: np.ndarray) -> float:
    """Tail effective sample size of (chains, draws): the smaller of the 5% and 95% quantiles' ESS."""
    if _invalid(values, min_chains=1):
        return math.nan
    quantiles = np.quantile(values, TAIL_PROBS)  # numpy's default is R's type 7, as arviz uses
    return min(_ess(_split_chains(values <= quantile)) for quantile in quantiles)


def _invalid(values: np.ndarray, min_chains: int) -> bool:
    chains, draws = values.shape
    return chains < min_chains or draws < MIN_DRAWS or bool(np.isnan(values).any())


def _split_chains(values: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as chains of their own (the middle draw of an odd count left)."""
    half = values.shape[1] // 2
    return np.concatenate([values[:, :half], values[:, -half:]])


def _z_scale(values: np.ndarray) -> np.ndarray:
    """Normal scores of the average ranks over all chains (Blom's offset 3/8)."""
    flat = values.ravel()
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # ties share the mean of their ranks
    ranks = average_rank[inverse.ravel()]
    return np.asarray(ndtri((ranks - 0.375) / (flat.size + 0.25))).reshape(values.shape)


def _r_hat(values: np.ndarray) -> float:
    draws = values.shape[1]
    between = draws * np.var(values.mean(axis=1), ddof=1)
    within = np.mean(np.var(values, axis=1, ddof=1))
    return float(np.sqrt((between / within + draws - 1) / draws))


def _autocovariance(values: np.ndarray) -> np.ndarray:
    """Every lag's autocovariance of each chain (rows), by FFT."""
    draws = values.shape[1]
    centred = values - values.mean(axis=1, keepdims=True)
    padded = next_fast_len(2 * draws)  # no lag wraps round
    spectrum = np.fft.rfft(centred, n=padded, axis=1)
    autocovariance = np.fft.irfft(spectrum * np.conjugate(spectrum), n=padded, axis=1)
    return np.asarray(autocovariance[:, :draws] / draws)


def _ess(values: np.ndarray) -> float:
    """Effective sample size of (chains, draws) with Geyer's initial monotone sequence."""
    values = np.asarray(values, np.float64)
    if np.max(values) - np.min(values) < np.finfo(np.float64).resolution:
        return float(values.size)  # constant draws
    chains, draws = values.shape
    mean_acov = _autocovariance(values).mean(axis=0)
    mean_var = mean_acov[0] * draws / (draws - 1.0)
    var_plus = mean_var * (draws - 1.0) / draws
    if chains > 1:
        var_plus += np.var(values.mean(axis=1), ddof=1)

    def rho(lag: int) -> float:
        return float(1.0 - (mean_var - mean_acov[lag]) / var_plus)

    rho_hat = np.zeros(draws)
    even, odd = 1.0, rho(1)
    rho_hat[0], rho_hat[1] = even, odd
    t = 1
    while t < draws - 3 and even + odd > 0.0:  # Geyer's initial positive sequence
        even, odd = rho(t + 1), rho(t + 2)
        if even + odd >= 0:
            rho_hat[t + 1], rho_hat[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho_hat[max_t + 1] = even
    t = 1
    while t <= max_t - 2:  # ... made monotone
        if rho_hat[t + 1] + rho_hat[t + 2] > rho_hat[t - 1] + rho_hat[t]:
            rho_hat[t + 1] = rho_hat[t + 2] = (rho_hat[t - 1] + rho_hat[t]) / 2.0
        t += 2
    size = chains * draws
    tau = -1.0 + 2.0 * np.sum(rho_hat[: max_t + 1]) + np.sum(rho_hat[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(size))
    return math.nan if np.isnan(rho_hat).any() else float(size / tau)


def _json_number(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None
