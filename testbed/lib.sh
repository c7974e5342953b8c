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
