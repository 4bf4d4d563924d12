#!/bin/sh
# What the test suite needs beyond PyPI, from Debian's packages: nginx-light (tests/test_deploy.py
# checks deploy/nginx with `nginx -t`; the harness runs it) and chromium (the browser journeys,
# driven by Playwright without a browser download). `make test` and `make harness` call this:
# as root it installs what is missing; otherwise it stops at once, naming what to install.
set -eu

missing=""
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  missing="$missing nginx-light"
fi
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing="$missing chromium"
fi
# Node.js 20.12+ and npm run the OpenID-certified provider of the PSC login tests
# (tests/oidc_provider); Debian 12's own nodejs (18) is too old for it, so it is named, not installed.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' 2>/dev/null \
  || ! command -v npm >/dev/null 2>&1; then
  echo "make test needs Node.js 20.12 or newer, with npm (https://nodejs.org or NodeSource's packages)" >&2
  exit 1
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "make test needs Debian packages:$missing (install them: sudo apt-get install$missing)" >&2
  exit 1
fi

echo "installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq $missing >/dev/null
case "$missing" in
  *nginx-light*)
    # Only the binary is wanted: the package starts a server on port 80 where it can.
    (service nginx stop || /usr/sbin/nginx -s stop || true) >/dev/null 2>&1
    ;;
esac
