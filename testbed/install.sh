#!/usr/bin/env bash
# Install what the testbed needs: the Next.js app's exact dependencies
# (npm ci, from package-lock.json) and Varnish (apt-get, when absent and
# running as root). A missing Node.js or npm is an error, not a skip.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require node "install Node.js >= 20.9 (next 16 needs it)"
require npm "install npm (it comes with Node.js)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 9) ? 0 : 1)' \
    || die "Node.js $(node --version) is too old: next 16 needs >= 20.9"

if ! command -v varnishd >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "testbed: installing varnish with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y varnish || { apt-get update && apt-get install -y varnish; }
    else
        die "varnishd not found: install the varnish package (sudo apt-get install -y varnish)"
    fi
fi
# varnish-modules (xkey) built for the installed Varnish: Debian bookworm's
# 0.20.0 matches its Varnish 7.1.
if ! compgen -G "/usr/lib/*/varnish/vmods/libvmod_xkey.so" >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "testbed: installing varnish-modules with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y varnish-modules || { apt-get update && apt-get install -y varnish-modules; }
    else
        die "varnish-modules (vmod xkey) not found: sudo apt-get install -y varnish-modules"
    fi
fi
# Debian's package may start a system-wide varnish on :6081; the testbed runs
# its own instance and does not need it, but leaves it alone.

# nginx with ngx_cache_purge: the other purge shape people use.
if ! command -v nginx >/dev/null 2>&1 || [ ! -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "testbed: installing nginx and libnginx-mod-http-cache-purge with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y nginx libnginx-mod-http-cache-purge \
            || { apt-get update && apt-get install -y nginx libnginx-mod-http-cache-purge; }
        # Debian starts a system nginx on :80; the testbed runs its own.
        service nginx stop >/dev/null 2>&1 || true
    else
        die "nginx with ngx_cache_purge not found: sudo apt-get install -y nginx libnginx-mod-http-cache-purge"
    fi
fi

# Redis: the store the shared-cache replicas' cache handler keeps pages in.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "testbed: installing redis-server with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y redis-server || { apt-get update && apt-get install -y redis-server; }
    else
        die "redis-server not found: sudo apt-get install -y redis-server"
    fi
fi

# Prometheus and promtool: a real Prometheus scrapes `isrctl watch
# --metrics`, and promtool checks the README's alert rule. The e2e test
# starts its own Prometheus on a port of its own; Debian's service, if the
# package starts one, is stopped.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "testbed: installing prometheus with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends prometheus \
            || { apt-get update && apt-get install -y --no-install-recommends prometheus; }
        service prometheus stop >/dev/null 2>&1 || true
    else
        die "prometheus not found: sudo apt-get install -y prometheus"
    fi
fi

# moto's server stands in for CloudFront's API: a virtualenv of its own.
require python3 "install Python 3 (moto's server runs on it)"
if [ ! -x "$VENV_DIR/bin/moto_server" ] || ! "$VENV_DIR/bin/pip" show moto 2>/dev/null | grep -qx "Version: $MOTO_VERSION"; then
    echo "testbed: pip install moto[server]==$MOTO_VERSION in $VENV_DIR"
    python3 -m venv "$VENV_DIR"
    "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

echo "testbed: npm ci in $APP_DIR"
(cd "$APP_DIR" && npm ci --no-audit --no-fund)

echo "testbed: installed node $(node --version), npm $(npm --version), $(varnishd -V 2>&1 | head -n1)"
