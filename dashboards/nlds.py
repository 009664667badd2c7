"""The site's stylesheet: NL Design System community components (Utrecht's component CSS, the
``@utrecht/*-css`` packages) themed with the project's own design tokens, then the site's own
rules, joined into one file (``assets/site.css``) so a cold visit loads one stylesheet.

The packages are vendored from ``dashboards/vendor/package-lock.json`` by ``make env`` (npm ci,
like axe-core for the tests): nothing is fetched at build or run time, no CDN. Where a package
has an ``html`` variant (styling the plain element: ``a``, ``h1``, ``table``, ``button``,
``input``, ``select``), that one is used, so the pages need no class on every link and cell;
the page layout and the skip link are class-based. The licence (EUPL-1.2) and the version of
every package are written at the top of the joined file.
"""

from __future__ import annotations

import json
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"
MODULES = VENDOR / "node_modules"
# (package, file inside it), in cascade order: root and layout first, then the elements
COMPONENTS = [
    ("@utrecht/root-css", "dist/html/index.min.css"),
    ("@utrecht/page-layout-css", "dist/index.min.css"),
    ("@utrecht/page-header-css", "dist/index.min.css"),
    ("@utrecht/page-body-css", "dist/index.min.css"),
    ("@utrecht/page-footer-css", "dist/index.min.css"),
    ("@utrecht/skip-link-css", "dist/index.min.css"),
    ("@utrecht/heading-1-css", "dist/html/index.min.css"),
    ("@utrecht/heading-2-css", "dist/html/index.min.css"),
    ("@utrecht/heading-3-css", "dist/html/index.min.css"),
    ("@utrecht/paragraph-css", "dist/html/index.min.css"),
    ("@utrecht/link-css", "dist/html/index.min.css"),
    ("@utrecht/table-css", "dist/html/index.min.css"),
    ("@utrecht/button-css", "dist/html/index.min.css"),
    ("@utrecht/form-label-css", "dist/html/index.min.css"),
    ("@utrecht/form-field-description-css", "dist/index.min.css"),
    ("@utrecht/form-fieldset-css", "dist/html/index.min.css"),
    ("@utrecht/textbox-css", "dist/html/index.min.css"),
    ("@utrecht/select-css", "dist/html/index.min.css"),
]


class VendorMissing(RuntimeError):
    """The vendored component CSS is not installed."""


def component_css() -> str:
    """The components' CSS, each under a comment naming the package, its version and licence."""
    parts = [
        "/* NL Design System community components by Gemeente Utrecht and contributors,"
        " EUPL-1.2 (https://github.com/nl-design-system/utrecht), vendored from"
        " dashboards/vendor/package-lock.json */"
    ]
    for package, file in COMPONENTS:
        folder = MODULES / package
        if not (folder / file).is_file():
            raise VendorMissing(
                f"{folder / file} is missing: the site's NL Design System CSS is installed by "
                "`make env` (cd dashboards/vendor && npm ci)"
            )
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        css = (folder / file).read_text(encoding="utf-8").strip()
        parts.append(f"/* {package}@{meta['version']} ({meta.get('license', 'EUPL-1.2')}) */")
        parts.append(css)
    return "\n".join(parts) + "\n"


def site_stylesheet(theme: Path, own: Path) -> str:
    """components + theme tokens + the site's own rules, as one stylesheet."""
    return (
        component_css() + theme.read_text(encoding="utf-8") + "\n" + own.read_text(encoding="utf-8")
    )
