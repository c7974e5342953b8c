#!/usr/bin/env bash
# The Redis the shared-cache replicas (origins 3 and 4) keep their ISR
# pages in: `start` (empty, no persistence, on SHARED_STORE_PORT) or `stop`
# (its pages are gone with it). start.sh starts it; the tests stop and start
# it to show a shared cache whose store is down, as an outage would.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pidfile="$RUN_DIR/shared-store.pid"
case "${1:-}" in
start)
    require redis-server "run testbed/install.sh"
    mkdir -p "$RUN_DIR"
    rm -f "$pidfile"
    redis-server --port "$SHARED_STORE_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$pidfile" --logfile "$RUN_DIR/shared-store.log"
    # Until it answers (the pid file appears as it starts).
    for _ in $(seq 1 50); do
        if redis-cli -p "$SHARED_STORE_PORT" ping 2>/dev/null | grep -qx PONG; then exit 0; fi
        sleep 0.1
    done
    die "redis-server did not answer on $SHARED_STORE_PORT (log: $RUN_DIR/shared-store.log)"
    ;;
stop)
    redis-cli -p "$SHARED_STORE_PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
        redis-cli -p "$SHARED_STORE_PORT" ping >/dev/null 2>&1 || { rm -f "$pidfile"; exit 0; }
        sleep 0.1
    done
    die "redis-server on $SHARED_STORE_PORT did not stop"
    ;;
*)
    die "usage: shared-store.sh start|stop"
    ;;
esac
