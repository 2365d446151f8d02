#!/usr/bin/env bash
# Browser tests need Chromium: Playwright's own when installed, else Debian's package.
set -euo pipefail
if ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium*/chrome-linux*/chrome \
    >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
The browser tests need Chromium, and it is not installed. Either:
  sudo apt-get install chromium            (Debian/Ubuntu; then run make test again)
  .venv/bin/playwright install chromium    (Playwright's own build, any OS with internet)
MSG
exit 1
