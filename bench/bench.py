#!/usr/bin/env python3
"""The kept benchmark: isrctl against oha (and xargs + curl) side by side
on a loopback endpoint, and the console with 100k and 1M routes.

    python3 bench/bench.py            # everything (builds --release first)
    python3 bench/bench.py --quick    # a smoke run: small counts, 1 round

Each bulk figure is the median of the rounds, wall time and peak RSS of
the process (its children included, read with getrusage). oha is taken
from PATH or bench/.tools/bin, else installed there with cargo.
"""

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 8099
QUICK = "--quick" in sys.argv
TARGETS = 500 if QUICK else 10_000
CURL_TARGETS = 100 if QUICK else 1_000
ROUNDS = 1 if QUICK else 5
CONCURRENCY = 64


def run(cmd, **kw):
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def isolated(cmd, env=None):
    """Wall seconds and peak RSS (MB) of one run of `cmd`, measured from a
    fresh python so that RUSAGE_CHILDREN covers this run alone."""
    code = (
        "import resource,subprocess,sys,time,os,json;"
        "s=time.perf_counter();"
        f"r=subprocess.run({cmd!r},shell={isinstance(cmd, str)},cwd={ROOT!r},stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
        "w=time.perf_counter()-s;"
        "sys.exit(r.stderr.decode()[-2000:]) if r.returncode else None;"
        "print(json.dumps([w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{cmd!r} failed: {out.stderr[-2000:]}")
    return tuple(json.loads(out.stdout))


def median(runs):
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def oha_path():
    found = shutil.which("oha") or os.path.join(ROOT, "bench/.tools/bin/oha")
    if not os.path.exists(found):
        print("installing oha into bench/.tools (once; takes a few minutes)", flush=True)
        run(["cargo", "install", "oha", "--locked", "--root", os.path.join(ROOT, "bench/.tools")])
    return found


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def bulk(isrctl, oha, bare):
    work = tempfile.mkdtemp(prefix="isrctl-bench-")
    config = os.path.join(work, "bench.toml")
    with open(config, "w") as f:
        f.write(
            f'[sites.bench]\npublic_url = "http://127.0.0.1:{PORT}"\n'
            f"concurrency = {CONCURRENCY}\nrate_per_second = 0\n"
            '[sites.bench.secret]\nenv = "BENCH_SECRET"\n'
        )
    paths = os.path.join(work, "paths.txt")
    with open(paths, "w") as f:
        f.writelines(f"/p/{i}\n" for i in range(TARGETS))
    env = dict(os.environ, BENCH_SECRET="bench-secret-0123456789", XDG_STATE_HOME=os.path.join(work, "state"))
    base = [isrctl, "--config", config, "revalidate", "bench", "--paths-from", paths, "--yes"]
    url = f"http://127.0.0.1:{PORT}/api/revalidate?secret=bench-secret-0123456789&path=/p"
    rows = {
        "isrctl": median([isolated(base, env) for _ in range(ROUNDS)]),
        "isrctl --json": median([isolated(base + ["--json"], env) for _ in range(ROUNDS)]),
        "oha": median([isolated([oha, "-n", str(TARGETS), "-c", str(CONCURRENCY), "--no-tui", "-m", "POST", url]) for _ in range(ROUNDS)]),
        # reqwest alone, same settings and task shape, answers ignored:
        # the floor of isrctl's HTTP stack.
        "bare reqwest": median([isolated([bare, url, str(TARGETS), str(CONCURRENCY)]) for _ in range(ROUNDS)]),
    }
    curl = (
        f"seq {CURL_TARGETS} | xargs -P{CONCURRENCY} -I{{}} curl -s -o /dev/null -X POST "
        f"'http://127.0.0.1:{PORT}/api/revalidate?secret=x&path=/p/{{}}'"
    )
    curl_run = median([isolated(curl) for _ in range(1 if QUICK else 3)])
    shutil.rmtree(work, ignore_errors=True)
    return rows, curl_run


def history(isrctl):
    """`history --json` and `history --limit 5` over a long history file."""
    lines = 10_000 if QUICK else 1_000_000
    work = tempfile.mkdtemp(prefix="isrctl-bench-history-")
    state = os.path.join(work, "isrctl")
    os.makedirs(state)
    with open(os.path.join(state, "history.jsonl"), "w") as f:
        for i in range(lines):
            f.write(
                '{"time":"2026-11-29T12:00:00Z","operator":"bench@box","site":"bench",'
                f'"target":{{"kind":"path","value":"/p/{i}"}},"action":"revalidate",'
                '"outcome":"revalidated","status":200,"latency_ms":3,"message":null}\n'
            )
    env = dict(os.environ, XDG_STATE_HOME=work)
    size = os.path.getsize(os.path.join(state, "history.jsonl")) / 1e6
    print(f"history: {lines} lines ({size:.0f} MB)")
    for args in (["history", "--json"], ["history", "--limit", "5"]):
        wall, rss = isolated([isrctl, *args], env)
        print(f"  isrctl {' '.join(args):18} {wall:6.3f} s {rss:6.0f} MB")
    shutil.rmtree(work, ignore_errors=True)


def main():
    run(["cargo", "build", "--release", "--bin", "isrctl", "--example", "bench_endpoint", "--example", "bench_console", "--example", "bench_bare_reqwest", "--features", "bench"])
    bare = os.path.join(ROOT, "target/release/examples/bench_bare_reqwest")
    isrctl = os.path.join(ROOT, "target/release/isrctl")
    oha = oha_path()
    endpoint = subprocess.Popen([os.path.join(ROOT, "target/release/examples/bench_endpoint"), str(PORT)], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        rows, curl_run = bulk(isrctl, oha, bare)
    finally:
        endpoint.terminate()
    print(f"isrctl benchmark, {time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"bulk: {TARGETS} path revalidations to a loopback endpoint, concurrency {CONCURRENCY}, median of {ROUNDS}")
    oha_time, oha_rss = rows["oha"]
    for name, (wall, rss) in rows.items():
        print(f"  {name:14} {wall:6.3f} s {rss:6.0f} MB   {wall / oha_time:4.2f}x oha's time, {rss / oha_rss:4.2f}x its memory")
    per_curl = curl_run[0] / CURL_TARGETS
    per_isrctl = rows["isrctl"][0] / TARGETS
    print(f"  xargs -P{CONCURRENCY} curl: {curl_run[0]:.2f} s for {CURL_TARGETS} ({per_curl / per_isrctl:.0f}x slower per request than isrctl)")
    history(isrctl)
    counts = [10_000] if QUICK else [100_000, 1_000_000]
    console = os.path.join(ROOT, "target/release/examples/bench_console")
    print("console:")
    for n in counts:
        out = subprocess.run([console, str(n)], capture_output=True, text=True, check=True)
        print("  " + out.stdout.strip())


if __name__ == "__main__":
    main()
