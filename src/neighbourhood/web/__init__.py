"""The web dashboard (README.md): NHS.UK-style pages over the same scoped results as the API."""

from neighbourhood.web.assets import AssetsMissing
from neighbourhood.web.site import create_site, warm

__all__ = ["AssetsMissing", "create_site", "warm"]
