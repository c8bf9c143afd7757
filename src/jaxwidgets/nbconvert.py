"""An nbconvert preprocessor that shows jaxwidgets' static snapshots instead of widget views.

nbconvert renders a widget view whenever the notebook saved its widget state, by loading the widget manager
and the widgets' JavaScript from a CDN at view time: offline, or for a reader whose page cannot reach the
CDN, that output stays blank. This preprocessor drops the widget view from outputs that carry a jaxwidgets
snapshot (``text/html``), so the converted page shows the picture and needs no network::

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
