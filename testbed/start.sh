#!/usr/bin/env bash
# Start the testbed on loopback: two `next start` instances of the same
# build, each serving its own copy of .next (so each has its own ISR cache,
# like replicas without a shared cache handler), Varnish in front of
# instance 1, and two more instances sharing one ISR cache on Redis. Waits until all answer, then writes testbed/.run/env for the
# tests and prints what runs where. Idempotent: when everything is already
# running it says so and leaves it be; a half-started testbed is stopped
# and started again. Run install.sh and build.sh first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# alive PIDFILE: the process the pid file names is running.
alive() {
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

print_env() {
    echo "testbed: running"
    echo "  cdn (varnish)   http://127.0.0.1:$CDN_PORT       pid $(cat "$RUN_DIR/varnish.pid")"
    echo "  docs.vcl node   http://127.0.0.1:$DOCS_VCL_PORT       pid $(cat "$RUN_DIR/varnish-docs.pid")"
    echo "  fos+xkey node   http://127.0.0.1:$FOS_VCL_PORT       pid $(cat "$RUN_DIR/varnish-fos.pid")"
    echo "  lurker node     http://127.0.0.1:$LURKER_VCL_PORT       pid $(cat "$RUN_DIR/varnish-lurker.pid")"
    echo "  keep-all node   http://127.0.0.1:$KEEP_ALL_VCL_PORT       pid $(cat "$RUN_DIR/varnish-keepall.pid")"
    echo "  moto (cloudfront) http://127.0.0.1:$MOTO_PORT     pid $(cat "$RUN_DIR/moto.pid")  distribution $(cat "$RUN_DIR/cloudfront-distribution")"
    echo "  nginx cache     http://127.0.0.1:$NGINX_PORT       pid $(cat "$RUN_DIR/nginx.pid")"
    echo "  round robin     http://127.0.0.1:$ROUND_ROBIN_PORT       (nginx, both origins, no cache)"
    echo "  shop data       $DATA_DIR/<slug>.json"
    local i
    for i in 1 2; do
        echo "  origin $i        http://127.0.0.1:${ORIGIN_PORTS[$((i - 1))]}       pid $(cat "$RUN_DIR/origin-$i.pid")"
    done
    for i in 3 4; do
        echo "  origin $i        http://127.0.0.1:${SHARED_ORIGIN_PORTS[$((i - 3))]}       pid $(cat "$RUN_DIR/origin-$i.pid")  (shared cache on redis :$SHARED_STORE_PORT)"
    done
    echo "  deploy origin   http://127.0.0.1:$DEPLOY_ORIGIN_PORT       pid $(cat "$RUN_DIR/deploy-origin.pid")  (build $(cat "$RUN_DIR/deploy-build"); redeploy.sh switches it)"
    echo "  deploy cdn      http://127.0.0.1:$DEPLOY_CDN_PORT       pid $(cat "$RUN_DIR/varnish-deploy.pid")  (varnish before the deploy origin)"
    echo "  blog site       http://127.0.0.1:$BLOG_SITE_PORT/blog  pid $(cat "$RUN_DIR/blog-site.pid")  (Pages Router: basePath, trailingSlash, i18n)"
    echo "  secret          \$REVALIDATE_SECRET (in $RUN_DIR/env)"
    echo "  try             set -a; . testbed/.run/env; set +a; isrctl --config testbed/isrctl.toml sites"
    echo "  stop            bash testbed/stop.sh"
}

all=("$RUN_DIR/varnish.pid" "$RUN_DIR/varnish-docs.pid" "$RUN_DIR/varnish-fos.pid" "$RUN_DIR/varnish-lurker.pid" "$RUN_DIR/varnish-keepall.pid" "$RUN_DIR/moto.pid" "$RUN_DIR/nginx.pid" "$RUN_DIR/origin-1.pid" "$RUN_DIR/origin-2.pid" "$RUN_DIR/origin-3.pid" "$RUN_DIR/origin-4.pid" "$RUN_DIR/shared-store.pid" "$RUN_DIR/blog-site.pid" "$RUN_DIR/deploy-origin.pid" "$RUN_DIR/varnish-deploy.pid")
running=0
for f in "${all[@]}"; do
    if alive "$f"; then running=$((running + 1)); fi
done
if [ "$running" -eq "${#all[@]}" ] && [ -s "$RUN_DIR/env" ]; then
    echo "testbed: already running (stop.sh, then start.sh, for fresh ISR caches)"
    print_env
    exit 0
fi
if [ "$running" -gt 0 ] || compgen -G "$RUN_DIR/*.pid" >/dev/null; then
    echo "testbed: partly running: stopping it first"
    bash "$TESTBED_DIR/stop.sh"
fi

require varnishd "run testbed/install.sh"
require curl "install curl"
[ -s "$APP_DIR/.next/BUILD_ID" ] || die "no build in $APP_DIR/.next: run testbed/build.sh first"
[ -s "$BLOG_SITE_DIR/.next/BUILD_ID" ] || die "no build in $BLOG_SITE_DIR/.next: run testbed/build.sh first"
[ -s "$APP_DIR/.next-deploy-2/BUILD_ID" ] || die "no second build in $APP_DIR/.next-deploy-2: run testbed/build.sh first"
require nginx "run testbed/install.sh"
require redis-server "run testbed/install.sh"
[ -x "$VENV_DIR/bin/moto_server" ] || die "moto's server is not installed: run testbed/install.sh"
for port in "$CDN_PORT" "$DOCS_VCL_PORT" "$FOS_VCL_PORT" "$LURKER_VCL_PORT" "$KEEP_ALL_VCL_PORT" "$MOTO_PORT" "$NGINX_PORT" "$ROUND_ROBIN_PORT" "$BLOG_SITE_PORT" "$DEPLOY_ORIGIN_PORT" "$DEPLOY_CDN_PORT" "${ORIGIN_PORTS[@]}" "${SHARED_ORIGIN_PORTS[@]}"; do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
        die "port $port is already taken by something else"
    fi
done

mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR/env"
rm -rf "$DATA_DIR"
mkdir -p "$DATA_DIR"

# If anything below fails, stop what this run started.
on_exit() {
    local status=$?
    if [ "$status" -ne 0 ]; then
        echo "testbed: start failed; stopping what was started" >&2
        bash "$TESTBED_DIR/stop.sh" >&2 || true
    fi
}
trap on_exit EXIT

for i in 1 2; do
    port="${ORIGIN_PORTS[$((i - 1))]}"
    dist=".next-origin-$i"
    rm -rf "${APP_DIR:?}/$dist"
    cp -a "$APP_DIR/.next" "$APP_DIR/$dist"
    # setsid: the instance leads its own process group, which stop.sh kills.
    (
        cd "$APP_DIR"
        NEXT_DIST_DIR="$dist" REVALIDATE_SECRET="$REVALIDATE_SECRET" TESTBED_DATA_DIR="$DATA_DIR" \
            exec setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$port"
    ) >"$RUN_DIR/origin-$i.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/origin-$i.pid"
done

bash "$TESTBED_DIR/shared-store.sh" start
for i in 3 4; do
    port="${SHARED_ORIGIN_PORTS[$((i - 3))]}"
    dist=".next-origin-$i"
    rm -rf "${APP_DIR:?}/$dist"
    cp -a "$APP_DIR/.next" "$APP_DIR/$dist"
    (
        cd "$APP_DIR"
        NEXT_DIST_DIR="$dist" TESTBED_SHARED_CACHE="redis://127.0.0.1:$SHARED_STORE_PORT" \
            REVALIDATE_SECRET="$REVALIDATE_SECRET" TESTBED_DATA_DIR="$DATA_DIR" \
            exec setsid node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$port"
    ) >"$RUN_DIR/origin-$i.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/origin-$i.pid"
done

start_deploy_origin .next

(
    cd "$APP_DIR"
    REVALIDATE_SECRET="$REVALIDATE_SECRET" TESTBED_DATA_DIR="$DATA_DIR" \
        exec setsid node node_modules/next/dist/bin/next start blog-site -H 127.0.0.1 -p "$BLOG_SITE_PORT"
) >"$RUN_DIR/blog-site.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/blog-site.pid"

(exec setsid "$VENV_DIR/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT") >"$RUN_DIR/moto.log" 2>&1 </dev/null &
echo $! >"$RUN_DIR/moto.pid"

mkdir -p "$RUN_DIR/varnish"
# -j none: no privilege separation, so it runs as whoever runs this script;
# varnishd daemonizes and writes its manager's pid to the pid file.
varnishd -j none -n "$RUN_DIR/varnish" -a "127.0.0.1:$CDN_PORT" \
    -f "$TESTBED_DIR/varnish/testbed.vcl" -s malloc,64m \
    -P "$RUN_DIR/varnish.pid" >"$RUN_DIR/varnish.log" 2>&1 \
    || { cat "$RUN_DIR/varnish.log" >&2; die "varnishd did not start"; }
mkdir -p "$RUN_DIR/varnish-docs"
varnishd -j none -n "$RUN_DIR/varnish-docs" -a "127.0.0.1:$DOCS_VCL_PORT" \
    -f "$TESTBED_DIR/varnish/docs.vcl" -s malloc,32m \
    -P "$RUN_DIR/varnish-docs.pid" >"$RUN_DIR/varnish-docs.log" 2>&1 \
    || { cat "$RUN_DIR/varnish-docs.log" >&2; die "varnishd (docs.vcl) did not start"; }
for node in fos:$FOS_VCL_PORT:foshttpcache lurker:$LURKER_VCL_PORT:lurker keepall:$KEEP_ALL_VCL_PORT:keep-all; do
    IFS=: read -r name port vcl <<<"$node"
    mkdir -p "$RUN_DIR/varnish-$name"
    varnishd -j none -n "$RUN_DIR/varnish-$name" -a "127.0.0.1:$port" \
        -f "$TESTBED_DIR/varnish/$vcl.vcl" -s malloc,32m \
        -P "$RUN_DIR/varnish-$name.pid" >"$RUN_DIR/varnish-$name.log" 2>&1 \
        || { cat "$RUN_DIR/varnish-$name.log" >&2; die "varnishd ($vcl.vcl) did not start"; }
done
mkdir -p "$RUN_DIR/varnish-deploy"
sed -e "s/\.port = \"3101\"/.port = \"$DEPLOY_ORIGIN_PORT\"/" "$TESTBED_DIR/varnish/testbed.vcl" >"$RUN_DIR/deploy.vcl"
varnishd -j none -n "$RUN_DIR/varnish-deploy" -a "127.0.0.1:$DEPLOY_CDN_PORT" \
    -f "$RUN_DIR/deploy.vcl" -s malloc,32m \
    -P "$RUN_DIR/varnish-deploy.pid" >"$RUN_DIR/varnish-deploy.log" 2>&1 \
    || { cat "$RUN_DIR/varnish-deploy.log" >&2; die "varnishd (deploy) did not start"; }
rm -rf "$RUN_DIR/nginx-cache" "$RUN_DIR/nginx-tmp"
mkdir -p "$RUN_DIR/nginx-tmp"
sed -e "s#@RUN@#$RUN_DIR#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@RR_PORT@#$ROUND_ROBIN_PORT#g" \
    -e "s#@USER@#$(id -un) $(id -gn)#g" \
    "$TESTBED_DIR/nginx/nginx.conf.in" >"$RUN_DIR/nginx.conf"
nginx -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" >"$RUN_DIR/nginx.log" 2>&1 \
    || { cat "$RUN_DIR/nginx.log" "$RUN_DIR/nginx-error.log" >&2 || true; die "nginx did not start"; }

# wait_ready NAME URL STATUS PIDFILE: until the URL answers STATUS (at most 60 s).
wait_ready() {
    local deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$2")" = "$3" ]; then
            return 0
        fi
        if ! alive "$4"; then
            tail -n 20 "$RUN_DIR/$1.log" >&2 || true
            die "$1 exited during start-up (log: $RUN_DIR/$1.log)"
        fi
        sleep 0.2
    done
    tail -n 20 "$RUN_DIR/$1.log" >&2 || true
    die "$1 did not answer $2 with $3 within 60 s"
}
# Readiness is asked of the API route (401 without the secret), never of a
# page: that would put the page into Varnish's cache.
for i in 1 2; do
    wait_ready "origin-$i" "http://127.0.0.1:${ORIGIN_PORTS[$((i - 1))]}/api/pages-revalidate" 401 "$RUN_DIR/origin-$i.pid"
done
for i in 3 4; do
    wait_ready "origin-$i" "http://127.0.0.1:${SHARED_ORIGIN_PORTS[$((i - 3))]}/api/pages-revalidate" 401 "$RUN_DIR/origin-$i.pid"
done
wait_ready blog-site "http://127.0.0.1:$BLOG_SITE_PORT/blog/api/revalidate/" 401 "$RUN_DIR/blog-site.pid"
wait_ready deploy-origin "http://127.0.0.1:$DEPLOY_ORIGIN_PORT/api/pages-revalidate" 401 "$RUN_DIR/deploy-origin.pid"
wait_ready varnish-deploy "http://127.0.0.1:$DEPLOY_CDN_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish-deploy.pid"
wait_ready varnish "http://127.0.0.1:$CDN_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish.pid"
wait_ready varnish-docs "http://127.0.0.1:$DOCS_VCL_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish-docs.pid"
wait_ready varnish-fos "http://127.0.0.1:$FOS_VCL_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish-fos.pid"
wait_ready varnish-lurker "http://127.0.0.1:$LURKER_VCL_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish-lurker.pid"
wait_ready varnish-keepall "http://127.0.0.1:$KEEP_ALL_VCL_PORT/api/pages-revalidate" 401 "$RUN_DIR/varnish-keepall.pid"
# moto answers every unknown path as S3: the root lists buckets (200).
wait_ready moto "http://127.0.0.1:$MOTO_PORT/" 200 "$RUN_DIR/moto.pid"
# A distribution to invalidate. moto picks the service from the request's
# SigV4 credential scope and does not check the signature.
distribution="$(curl -s -X POST "http://127.0.0.1:$MOTO_PORT/2020-05-31/distribution" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=0' \
    -H 'Content-Type: application/xml' --data-binary @"$TESTBED_DIR/cloudfront/distribution.xml" \
    | sed -n 's#.*<Distribution[^>]*><Id>\([A-Z0-9]*\)</Id>.*#\1#p')"
[ -n "$distribution" ] || die "moto did not create the CloudFront distribution (see $RUN_DIR/moto.log)"
echo "$distribution" >"$RUN_DIR/cloudfront-distribution"
wait_ready nginx "http://127.0.0.1:$NGINX_PORT/api/pages-revalidate" 401 "$RUN_DIR/nginx.pid"

cat >"$RUN_DIR/env" <<ENV
TESTBED_CDN_URL=http://127.0.0.1:$CDN_PORT
TESTBED_DOCS_VCL_URL=http://127.0.0.1:$DOCS_VCL_PORT
TESTBED_FOS_VCL_URL=http://127.0.0.1:$FOS_VCL_PORT
TESTBED_LURKER_VCL_URL=http://127.0.0.1:$LURKER_VCL_PORT
TESTBED_KEEP_ALL_VCL_URL=http://127.0.0.1:$KEEP_ALL_VCL_PORT
TESTBED_MOTO_URL=http://127.0.0.1:$MOTO_PORT
TESTBED_CLOUDFRONT_DISTRIBUTION=$distribution
TESTBED_NGINX_URL=http://127.0.0.1:$NGINX_PORT
TESTBED_ROUND_ROBIN_URL=http://127.0.0.1:$ROUND_ROBIN_PORT
TESTBED_DATA_DIR=$DATA_DIR
TESTBED_BLOG_SITE_URL=http://127.0.0.1:$BLOG_SITE_PORT/blog
TESTBED_ORIGIN_1_URL=http://127.0.0.1:${ORIGIN_PORTS[0]}
TESTBED_ORIGIN_2_URL=http://127.0.0.1:${ORIGIN_PORTS[1]}
TESTBED_SHARED_ORIGIN_3_URL=http://127.0.0.1:${SHARED_ORIGIN_PORTS[0]}
TESTBED_SHARED_ORIGIN_4_URL=http://127.0.0.1:${SHARED_ORIGIN_PORTS[1]}
TESTBED_SHARED_STORE_PORT=$SHARED_STORE_PORT
TESTBED_DEPLOY_ORIGIN_URL=http://127.0.0.1:$DEPLOY_ORIGIN_PORT
TESTBED_DEPLOY_CDN_URL=http://127.0.0.1:$DEPLOY_CDN_PORT
REVALIDATE_SECRET=$REVALIDATE_SECRET
ENV
print_env
