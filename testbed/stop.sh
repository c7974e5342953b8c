#!/usr/bin/env bash
# Stop whatever the testbed's pid files name (also after a half-finished
# start), remove the pid files, the env file and the instances' build copies.
# Idempotent: with nothing running it just says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# stop_pid NAME PIDFILE: TERM the process group (next start leads its own)
# or the process, wait up to 10 s, then KILL.
stop_pid() {
    local name="$1" file="$2" pid
    [ -f "$file" ] || return 0
    pid="$(cat "$file")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "testbed: stopped $name (pid $pid)"
    fi
    rm -f "$file"
}

stopped=0
for name in varnish varnish-docs varnish-fos varnish-lurker varnish-keepall moto nginx origin-1 origin-2 origin-3 origin-4 shared-store blog-site deploy-origin varnish-deploy; do
    if [ -f "$RUN_DIR/$name.pid" ]; then
        stop_pid "$name" "$RUN_DIR/$name.pid"
        stopped=1
    fi
done
rm -f "$RUN_DIR/env"
rm -rf "$APP_DIR"/.next-origin-* "$APP_DIR/.next-deploy-live"
[ "$stopped" -eq 1 ] || echo "testbed: nothing was running"
