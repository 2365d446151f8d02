#!/usr/bin/env bash
# The classroom's tests run against a real PostgreSQL server that they start themselves (a
# temporary cluster with initdb/pg_ctl on a free port): they need Debian's postgresql binaries.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's postgresql for the database tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  # Debian starts a cluster of its own on install; the tests use their own, on another port.
  exit 0
fi
cat >&2 <<'MSG'
The database tests need PostgreSQL's server binaries (initdb, pg_ctl), and they are not installed:
  sudo apt-get install postgresql      (Debian/Ubuntu)
  brew install postgresql              (macOS)
MSG
exit 1
