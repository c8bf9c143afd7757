"""An nbconvert preprocessor that shows jaxwidgets' static snapshots instead of widget views.

Plain ``jupyter nbconvert --to html nb.ipynb`` of a notebook saved with its widget state shows each widget
as an interactive static copy: the page renders the saved state with @jupyter-widgets/html-manager, and the
views, finding no kernel behind them, answer from the state (js/lib/static.ts). That page loads require.js,
the widget manager and anywidget from CDNs when it is viewed: a reader who cannot reach them sees blank
outputs. This preprocessor is for such readers: it drops the widget view from outputs that carry a
jaxwidgets snapshot (``text/html``), so the page shows the pictures and needs no script and no network::

    jupyter nbconvert --to html --HTMLExporter.preprocessors=jaxwidgets.nbconvert.PreferSnapshots nb.ipynb

A notebook saved without widget state needs nothing: nbconvert then shows the snapshot by itself.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class PreferSnapshots(Preprocessor):
    """Drop the widget view of every output that has a jaxwidgets snapshot beside it."""

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "jaxwidgets-snapshot" in str(data.get("text/html", "")):
                del data[WIDGET_VIEW]
        return cell, resources
