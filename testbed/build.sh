#!/usr/bin/env bash
# Build the Next.js app (next build). Run install.sh first. Builds offline:
# no next/font/google, telemetry off. Instances already running keep
# serving their own copy of the previous build until restarted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$APP_DIR/node_modules/.bin/next" ] || die "next is not installed: run testbed/install.sh first"
cd "$APP_DIR"
node_modules/.bin/next build
echo "testbed: built $APP_DIR/.next (build id $(cat .next/BUILD_ID))"
# The same app built again: the next deploy, another build id (redeploy.sh
# switches the deploy origin between the two, for the deploy-skew tests).
NEXT_DIST_DIR=.next-deploy-2 node_modules/.bin/next build >/dev/null
echo "testbed: built $APP_DIR/.next-deploy-2 (build id $(cat .next-deploy-2/BUILD_ID))"
# The second app (a Pages Router site under a base path) uses the same
# node_modules: Next finds them and the Turbopack root from the parent's
# package-lock.json.
node_modules/.bin/next build blog-site
echo "testbed: built $BLOG_SITE_DIR/.next (build id $(cat "$BLOG_SITE_DIR/.next/BUILD_ID"))"
