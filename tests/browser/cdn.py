"""Pages that load widget JavaScript from a CDN (nbconvert's HTML, myst-nb's docs pages), served from
node_modules instead: the CDNs cannot be reached here, and a test should not depend on them anyway.

What such a page asks for (nbconvert 7 ``lab`` template, @jupyter-widgets/html-manager 1.0 ``libembed-amd``,
myst-nb 1.x ``nb_ipywidgets_js``):

* require.js: ``https://cdnjs.cloudflare.com/ajax/libs/require.js/<v>/require.min.js`` (nbconvert, myst-nb's
  default) or whatever a docs configuration names (docs/conf.py: jsDelivr);
* the widget manager: ``<base>@jupyter-widgets/html-manager@<range>/dist/embed-amd.js`` (unpkg for nbconvert,
  jsDelivr for myst-nb), plus the font files its CSS names, next to it;
* each widget model's module, by requirejs from jsDelivr: ``https://cdn.jsdelivr.net/npm/<module>@<range>/
  dist/index.js`` (anywidget's npm package is that AMD module; our widgets' code is in the saved state,
  ``_esm``).

The page's own MathJax (LaTeX in Markdown cells) is answered with an empty script: no widget needs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
# <base><name or @scope/name>@<version or range>/<path>, on the npm CDNs.
NPM_URL = re.compile(r"^https://(?:unpkg\.com|cdn\.jsdelivr\.net/npm)/((?:@[^/@]+/)?[^/@]+)@[^/]*/([^?#]+)")
REQUIRE_JS = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^/]+/require(?:\.min)?\.js$")
MATHJAX = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/")
TYPES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff"}


def local_file(url: str) -> Path | None:
    """The node_modules file a CDN URL stands for, or None."""
    if REQUIRE_JS.match(url):
        return NODE_MODULES / "requirejs" / "require.js"
    match = NPM_URL.match(url)
    if match is None:
        return None
    path = NODE_MODULES / match.group(1) / match.group(2)
    return path if path.is_file() else None


def serve_cdn_locally(page: Any) -> dict[str, list[str]]:
    """Route the page's requests to other hosts: CDN files from node_modules, the rest refused.

    Returns the URLs by outcome (``served``, ``empty``: MathJax, ``refused``), filled as the page loads.
    """
    seen: dict[str, list[str]] = {"served": [], "empty": [], "refused": []}

    def handle(route: Any) -> None:
        url = route.request.url
        path = local_file(url)
        if path is not None:
            seen["served"].append(url)
            route.fulfill(path=str(path), content_type=TYPES.get(path.suffix, "application/octet-stream"))
        elif MATHJAX.match(url):
            seen["empty"].append(url)
            route.fulfill(body="", content_type="text/javascript")
        else:
            seen["refused"].append(url)
            route.fulfill(status=404, body="not served in tests")

    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), handle)
    return seen
