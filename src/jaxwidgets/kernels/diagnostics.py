"""MCMC diagnostics of streamed draws with arviz: the Posterior widget's live table (no widget here)."""

from __future__ import annotations

import math
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

_import_lock = threading.Lock()


def arviz() -> Any:
    """arviz, imported once without its once-a-day import notice reaching the notebook.

    arviz 0.23 warns (a FutureWarning, at most once a day, from ``arviz/__init__.py``) that arviz 1.0 will
    change its API. The widget imports arviz for its own table, often first in its sampling thread, so the
    notice landed as stderr in whichever cell ran then, about an API the user never called. That one
    message, from that one module, is ignored: a permanent filter, because ``warnings.catch_warnings``
    swaps the process-global filter list and is not safe beside other threads' warnings.
    """
    with _import_lock:
        if "arviz" not in sys.modules:  # imported before (by the user), its notice is already out
            warnings.filterwarnings(
                "ignore", r"\s*ArviZ is undergoing a major refactor", category=FutureWarning, module="arviz"
            )
        import arviz as az

    return az


def prefetch_arviz() -> None:
    """Import arviz in a background thread (it takes seconds), so that the live table finds it imported.

    >>> prefetch_arviz(); arviz().__name__
    'arviz'
    """
    if "arviz" not in sys.modules:
        threading.Thread(target=arviz, name="jaxwidgets-import-arviz", daemon=True).start()


def arviz_ready() -> bool:
    """Whether arviz is imported (no import of ours in progress): a table can be made without waiting.

    >>> _ = arviz()
    >>> arviz_ready()
    True
    """
    return "arviz" in sys.modules and not _import_lock.locked()


def summary_rows(sites: Sequence[str], draws: np.ndarray) -> list[dict[str, Any]]:
    """mean, sd, 94% HDI, r_hat and bulk/tail ESS per site with arviz, as JSON-ready rows.

    ``draws`` has shape (chains, draws, sites).

    >>> rows = summary_rows(["a"], np.random.default_rng(0).normal(size=(2, 100, 1)))
    >>> sorted(rows[0])
    ['ess_bulk', 'ess_tail', 'hdi_3', 'hdi_97', 'mean', 'r_hat', 'sd', 'site']
    """
    table: Any = arviz().summary({name: draws[:, :, j] for j, name in enumerate(sites)}, round_to="none")
    keys = {
        "mean": "mean",
        "sd": "sd",
        "hdi_3": "hdi_3%",
        "hdi_97": "hdi_97%",
        "r_hat": "r_hat",
        "ess_bulk": "ess_bulk",
        "ess_tail": "ess_tail",
    }
    return [
        {"site": name, **{key: _json_number(table.loc[name, column]) for key, column in keys.items()}}
        for name in sites
    ]


def _json_number(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None
