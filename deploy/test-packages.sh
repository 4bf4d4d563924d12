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
