#!/usr/bin/env bash
# Deploy the other build to the deploy origin: stop its `next start`, start
# it again on the build it was not running (.next ↔ .next-deploy-2, two
# builds of the same app with different build ids) and wait until it
# answers. The Varnish before it keeps whatever it holds: the previous
# deploy's pages, until purged. Prints the build id now served.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -s "$RUN_DIR/deploy-origin.pid" ] || die "the testbed is not running: run testbed/start.sh"
current="$(cat "$RUN_DIR/deploy-build")"
next=".next-deploy-2"
[ "$current" = ".next-deploy-2" ] && next=".next"
pid="$(cat "$RUN_DIR/deploy-origin.pid")"
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
kill -KILL -- "-$pid" 2>/dev/null || true
start_deploy_origin "$next"
until_answers "http://127.0.0.1:$DEPLOY_ORIGIN_PORT/api/pages-revalidate" 401
cat "$APP_DIR/$next/BUILD_ID"
