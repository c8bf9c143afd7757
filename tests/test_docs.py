"""The documentation site (docs/) builds with warnings as errors from the executed example notebooks.

The browser half (a built page's widgets, the static probe moved) is tests/browser/test_embed_browser.py.
"""

from __future__ import annotations

from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def test_docs_build_with_the_api_reference(built_docs: Path) -> None:
    api = (built_docs / "api.html").read_text()
    for name in ("jaxwidgets.LossSurface", "jaxwidgets.Descent", "jaxwidgets.Posterior", "save_html"):
        assert name in api, name
    assert "Where the probe starts" in api  # the docstrings' text, not only the signatures


def test_docs_pages_carry_the_widgets_saved_state(built_docs: Path) -> None:
    """myst-nb embeds the widget views and the saved state, and loads the html-manager named in conf.py."""
    page = (built_docs / "examples" / "loss_surface.html").read_text()
    assert page.count(f'type="{WIDGET_VIEW}"') == 3  # three LossSurfaces in the notebook
    assert f'type="{WIDGET_STATE}"' in page and '"_saved"' in page
    assert "@jupyter-widgets/html-manager@1.0.15/dist/embed-amd.js" in page
    assert 'class="jaxwidgets-snapshot' not in page  # the widget view is shown, not the picture beside it
