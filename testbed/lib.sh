# Shared by the testbed scripts: where things live and which ports they use.
# Sourced, not run.

TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
APP_DIR="$TESTBED_DIR/nextjs"
RUN_DIR="$TESTBED_DIR/.run"

# Loopback ports: Varnish (the "CDN", the site's public URL) and the two
# `next start` instances behind it. Varnish's backend (origin 1) is fixed
# in varnish/testbed.vcl.
CDN_PORT=3100
ORIGIN_PORTS=(3101 3102)
# A second Varnish in front of instance 1, configured with the purge shapes
# of the Varnish documentation's examples (varnish/docs.vcl).
DOCS_VCL_PORT=3103
# nginx's proxy_cache with ngx_cache_purge before instance 1 (nginx/).
NGINX_PORT=3104
# nginx as a round-robin load balancer over both instances, no cache.
ROUND_ROBIN_PORT=3105
# Two more Varnish nodes before instance 1, with the invalidation VCLs
# people copy: FOSHttpCache's BAN plus varnish-modules' xkey, and the
# Varnish documentation's lurker-friendly BAN.
FOS_VCL_PORT=3107
LURKER_VCL_PORT=3108
# moto's server (PyPI `moto[server]`, in testbed/.venv): CloudFront's API.
MOTO_PORT=3109
# Varnish keeping every GET answer an hour before instance 1 (varnish/keep-all.vcl).
KEEP_ALL_VCL_PORT=3110
# Two more `next start` instances of the same build sharing one ISR cache
# through a cache handler on Redis (nextjs/lib/redis-cache-handler.js), as
# replicas with a published Redis handler do, and the Redis they share.
SHARED_STORE_PORT=3111
SHARED_ORIGIN_PORTS=(3112 3113)
# One more `next start` instance whose deploy the tests change (redeploy.sh
# restarts it on the other build), and a Varnish before it (testbed.vcl's
# shape) that keeps the previous deploy's pages.
DEPLOY_ORIGIN_PORT=3114
DEPLOY_CDN_PORT=3115
MOTO_VERSION=5.2.5
VENV_DIR="$TESTBED_DIR/.venv"
# The Pages Router site under basePath /blog with trailingSlash and i18n
# (nextjs/blog-site), one instance, no cache before it.
BLOG_SITE_PORT=3106
BLOG_SITE_DIR="$APP_DIR/blog-site"
# The product data the shop pages show (lib/shop.js); the tests edit it.
DATA_DIR="$RUN_DIR/data"

# The revalidation secret the app expects (a fixed test value; the testbed
# is for loopback only).
REVALIDATE_SECRET="isrctl-testbed-secret-2f6b"

export NEXT_TELEMETRY_DISABLED=1

die() {
    echo "testbed: $*" >&2
    exit 1
}

# require CMD WHAT: fail with a hint when a program is missing.
require() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

# start_deploy_origin DIST: the deploy origin, serving a fresh copy of the
# build in DIST (".next" or ".next-deploy-2"), its pid in deploy-origin.pid.
start_deploy_origin() {
    local live=".next-deploy-live"
    rm -rf "${APP_DIR:?}/$live"
    cp -a "$APP_DIR/$1" "$APP_DIR/$live"
    echo "$1" >"$RUN_DIR/deploy-build"
    (
        cd "$APP_DIR"
        NEXT_DIST_DIR="$live" REVALIDATE_SECRET="$REVALIDATE_SECRET" TESTBED_DATA_DIR="$DATA_DIR" \
            exec setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$DEPLOY_ORIGIN_PORT"
    ) >"$RUN_DIR/deploy-origin.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/deploy-origin.pid"
}

# until_answers URL STATUS: wait (at most 60 s) until URL answers STATUS.
until_answers() {
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1")" = "$2" ] && return 0
        sleep 0.2
    done
    die "$1 did not answer $2 within 60 s"
}
