"""Helpers the benchmarks and the browser tests share."""

from __future__ import annotations

import os
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")  # the real binary; /usr/bin/chromium is a script


def playwright_has_own_chromium() -> bool:
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    return any(cache.glob("chromium*/chrome-linux*/chrome"))


def chromium_executable() -> str | None:
    """None: Playwright's own browser is installed and used. Else Debian's chromium binary."""
    if playwright_has_own_chromium():
        return None
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    raise FileNotFoundError(
        "No Chromium: run `make test` as root (it installs Debian's chromium), "
        "`apt-get install chromium`, or `playwright install chromium`.")


def launch_chromium(playwright):
    path = chromium_executable()
    return playwright.chromium.launch(**({"executable_path": path} if path else {}))
