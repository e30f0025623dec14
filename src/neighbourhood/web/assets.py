"""Where the NHS.UK frontend's CSS, JavaScript and images are: installed from the npm registry
into `frontend/` by `make` (`npm ci`), served by the dashboard itself, never from a CDN."""

from __future__ import annotations

import os
import re
from pathlib import Path

ASSETS_ENV = "NEIGHBOURHOOD_ASSETS"
REQUIRED = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "assets/images/favicon.svg")


STYLESHEET = "nhsuk-frontend.min.css"
MOUNTED_AT = "/nhsuk"
_REMOTE_FONT = re.compile(r"@font-face\{[^}]*https?://[^}]*\}")


class AssetsMissing(RuntimeError):
    """The frontend's files are not where the dashboard looks for them."""


def default_folder() -> Path:
    """$NEIGHBOURHOOD_ASSETS, or nhsuk-frontend's dist folder in the checkout's frontend/."""
    given = os.environ.get(ASSETS_ENV)
    if given:
        return Path(given)
    checkout = Path(__file__).resolve().parents[3]
    return checkout / "frontend" / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"


def checked(folder: Path | None = None) -> Path:
    folder = folder or default_folder()
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise AssetsMissing(
            f"the NHS.UK frontend files are not in {folder} (missing {', '.join(missing)}): "
            f"run `make demo` or `npm ci --prefix frontend` in the checkout, or set {ASSETS_ENV} "
            "to nhsuk-frontend's dist/nhsuk folder"
        )
    return folder


def offline_stylesheet(folder: Path) -> str:
    """The frontend's stylesheet for serving from `MOUNTED_AT`: its images looked up there
    rather than at /assets, and without the Frutiger web fonts it would fetch from
    assets.nhs.uk (licensed, not in the package); pages fall back to the stylesheet's own
    font stack (Arial, sans-serif)."""
    css = (folder / STYLESHEET).read_text(encoding="utf-8")
    css = _REMOTE_FONT.sub("", css)
    return css.replace("url(/assets/", f"url({MOUNTED_AT}/assets/")
