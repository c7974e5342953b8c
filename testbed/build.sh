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
