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


def site_config(path, more=""):
    """The benchmark's site on the loopback endpoint, limits off, `more`
    keys added to its table; written to `path`, which is returned."""
    with open(path, "w") as f:
        f.write(
            f'[sites.bench]\npublic_url = "http://127.0.0.1:{PORT}"\n{more}'
            f"concurrency = {CONCURRENCY}\nrate_per_second = 0\n"
            '[sites.bench.secret]\nenv = "BENCH_SECRET"\n'
        )
    return path


def bulk(isrctl, oha, bare):
    work = tempfile.mkdtemp(prefix="isrctl-bench-")
    config = site_config(os.path.join(work, "bench.toml"))
    # The same site with 5,000 configured routes: what each target is
    # linted against (the typo search) must not scale with them.
    routed = os.path.join(work, "routed.toml")
    with open(config) as src, open(routed, "w") as f:
        f.write(src.read())
        for i in range(5_000):
            f.write(f'[[sites.bench.routes]]\npath = "/section-{i % 50}/page-{i}"\n')
    paths = os.path.join(work, "paths.txt")
    with open(paths, "w") as f:
        f.writelines(f"/p/{i}\n" for i in range(TARGETS))
    env = dict(os.environ, BENCH_SECRET="bench-secret-0123456789", XDG_STATE_HOME=os.path.join(work, "state"))
    base = [isrctl, "--config", config, "revalidate", "bench", "--paths-from", paths, "--yes"]
    url = f"http://127.0.0.1:{PORT}/api/revalidate?secret=bench-secret-0123456789&path=/p"
    commands = {
        "isrctl": (base, env),
        "isrctl --json": (base + ["--json"], env),
        "isrctl, 5k routes": ([isrctl, "--config", routed] + base[3:], env),
        "oha": ([oha, "-n", str(TARGETS), "-c", str(CONCURRENCY), "--no-tui", "-m", "POST", url], None),
        # reqwest alone, same settings and task shape, answers ignored:
        # the floor of isrctl's HTTP stack.
        "bare reqwest": ([bare, url, str(TARGETS), str(CONCURRENCY)], None),
    }
    # Rounds interleaved: a busy moment of the machine hits every row
    # alike instead of one row's every round.
    runs = {name: [] for name in commands}
    for _ in range(ROUNDS):
        for name, (cmd, cmd_env) in commands.items():
            runs[name].append(isolated(cmd, cmd_env))
    rows = {name: median(r) for name, r in runs.items()}
    curl = (
        f"seq {CURL_TARGETS} | xargs -P{CONCURRENCY} -I{{}} curl -s -o /dev/null -X POST "
        f"'http://127.0.0.1:{PORT}/api/revalidate?secret=x&path=/p/{{}}'"
    )
    curl_run = median([isolated(curl) for _ in range(1 if QUICK else 3)])
    shutil.rmtree(work, ignore_errors=True)
    return rows, curl_run


def history(isrctl):
    """`history --json` over a long history file: (wall, peak MB, lines)."""
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
    runs = [isolated([isrctl, "history", "--json"], env) for _ in range(1 if QUICK else 3)]
    shutil.rmtree(work, ignore_errors=True)
    wall, rss = median(runs)
    return wall, rss, lines


def stale_scan(isrctl, oha):
    """`isrctl stale` over a sitemap of PAGES pages (every page read at every
    layer) against oha doing as many GETs at the same concurrency."""
    work = tempfile.mkdtemp(prefix="isrctl-bench-stale-")
    config = site_config(
        os.path.join(work, "stale.toml"),
        f'origins = ["http://127.0.0.1:{PORT}"]\nsitemap = "/sitemap.xml"\n',
    )
    env = dict(os.environ, BENCH_SECRET="bench-secret-0123456789", XDG_STATE_HOME=os.path.join(work, "state"))
    before = gets()
    scan = [isolated([isrctl, "--config", config, "stale", "bench"], env) for _ in range(ROUNDS)]
    per_scan = (gets() - before) // ROUNDS
    url = f"http://127.0.0.1:{PORT}/p/1"
    floor = [isolated([oha, "-n", str(per_scan), "-c", str(CONCURRENCY), "--no-tui", url]) for _ in range(ROUNDS)]
    shutil.rmtree(work, ignore_errors=True)
    return median(scan), median(floor), per_scan


def gets():
    from urllib.request import urlopen
    with urlopen(f"http://127.0.0.1:{PORT}/__gets") as r:
        return int(r.read())


def testbed_env():
    path = os.path.join(ROOT, "testbed/.run/env")
    if not os.path.exists(path):
        return None
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                env[k] = v
    return env


def time_to_fresh(isrctl):
    """`fresh` on the testbed's two origins and Varnish against the same
    steps by curl (revalidate both origins, GET both, BAN at Varnish, GET
    through it), alternating, each after the page's data changed: medians.
    None when the testbed is not running."""
    tb = testbed_env()
    if tb is None:
        return None
    secret, data = tb["REVALIDATE_SECRET"], tb["TESTBED_DATA_DIR"]
    o1, o2, cdn = tb["TESTBED_ORIGIN_1_URL"], tb["TESTBED_ORIGIN_2_URL"], tb["TESTBED_CDN_URL"]
    slug = f"bench-{int(time.time())}"
    path = f"/shop/{slug}"
    work = tempfile.mkdtemp(prefix="isrctl-bench-fresh-")
    env = dict(os.environ, REVALIDATE_SECRET=secret, XDG_STATE_HOME=work)

    def price(n):
        with open(os.path.join(data, f"{slug}.json"), "w") as f:
            json.dump({"name": "Bench", "price": str(n)}, f)

    def fetch(url):
        subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=True)

    price(0)
    for url in (o1, o2, cdn, cdn):
        fetch(url + path)
    curl = " && ".join(
        [f"curl -s -o /dev/null -X POST '{o}/api/revalidate?secret={secret}&path={path}'" for o in (o1, o2)]
        + [f"curl -s -o /dev/null '{o}{path}'" for o in (o1, o2)]
        + [f"curl -s -o /dev/null -X BAN -H 'X-Ban-Url: ^{path}(\\?.*)?$' '{cdn}/'", f"curl -s -o /dev/null '{cdn}{path}'"]
    )
    # The testbed's site (two origins, Varnish taking BAN), its limits off
    # as in the bulk row: at the default 10 requests a second the second
    # origin's revalidation would wait its turn (100 ms) by design.
    config = os.path.join(work, "fresh.toml")
    with open(config, "w") as f:
        f.write(
            f'[sites.tb]\npublic_url = "{cdn}"\norigins = ["{o1}", "{o2}"]\ncdn = "varnish"\n'
            "rate_per_second = 0\n"
            '[sites.tb.secret]\nenv = "REVALIDATE_SECRET"\n'
            '[sites.tb.endpoint]\npreset = "app-router"\n'
            '[sites.tb.purge]\nprovider = "varnish"\nmethod = "BAN"\n'
        )
    fresh = [isrctl, "--config", config, "fresh", "tb", "--path", path, "--deadline", "10s"]
    isrctl_runs, curl_runs = [], []
    for i in range(3 if QUICK else 9):
        price(2 * i + 1)
        isrctl_runs.append(isolated(fresh, env))
        price(2 * i + 2)
        curl_runs.append(isolated(curl))
    os.remove(os.path.join(data, f"{slug}.json"))
    shutil.rmtree(work, ignore_errors=True)
    return median(isrctl_runs), median(curl_runs)


def console(counts):
    exe = os.path.join(ROOT, "target/release/examples/bench_console")
    rows = {}
    for n in counts:
        out = subprocess.run([exe, str(n)], capture_output=True, text=True, check=True).stdout.strip()
        first = float(out.split("first frame ")[1].split(" ms")[0])
        peak = float(out.split("peak RSS ")[1].split(" MB")[0])
        filled = float(out.split("routes on screen ")[1].split(" ms")[0])
        rows[n] = (first, peak, out, filled)
    return rows


def table(rows):
    """The one table: measure, isrctl, reference, ratio, goal."""
    print()
    print("| measure | isrctl | reference | ratio | goal |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")


def main():
    run(["cargo", "build", "--release", "--bin", "isrctl", "--example", "bench_endpoint", "--example", "bench_console", "--example", "bench_bare_reqwest", "--features", "bench"])
    bare = os.path.join(ROOT, "target/release/examples/bench_bare_reqwest")
    isrctl = os.path.join(ROOT, "target/release/isrctl")
    oha = oha_path()
    pages = 200 if QUICK else 1_000
    endpoint = subprocess.Popen([os.path.join(ROOT, "target/release/examples/bench_endpoint"), str(PORT), str(pages)], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        bulk_rows, curl_run = bulk(isrctl, oha, bare)
        scan, scan_floor, scan_gets = stale_scan(isrctl, oha)
    finally:
        endpoint.terminate()
    print(f"isrctl benchmark, {time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"bulk: {TARGETS} path revalidations to a loopback endpoint, concurrency {CONCURRENCY}, median of {ROUNDS}")
    oha_time, oha_rss = bulk_rows["oha"]
    for name, (wall, rss) in bulk_rows.items():
        print(f"  {name:14} {wall:6.3f} s {rss:6.0f} MB   {wall / oha_time:4.2f}x oha's time, {rss / oha_rss:4.2f}x its memory")
    per_curl = curl_run[0] / CURL_TARGETS
    per_isrctl = bulk_rows["isrctl"][0] / TARGETS
    print(f"  xargs -P{CONCURRENCY} curl: {curl_run[0]:.2f} s for {CURL_TARGETS} ({per_curl / per_isrctl:.0f}x slower per request than isrctl)")
    print(f"stale: {pages} sitemap pages, {scan_gets} GETs a scan: isrctl {scan[0]:.3f} s, oha {scan_floor[0]:.3f} s")
    fresh = time_to_fresh(isrctl)
    if fresh is None:
        print("time-to-fresh: the testbed is not running (bash testbed/start.sh): row left out")
    else:
        print(f"time-to-fresh: isrctl fresh {fresh[0][0] * 1000:.0f} ms, the same steps by curl {fresh[1][0] * 1000:.0f} ms (medians of alternating runs)")
    hist_wall, hist_rss, hist_lines = history(isrctl)
    print(f"history --json over {hist_lines} lines: {hist_wall:.3f} s, {hist_rss:.0f} MB")
    counts = [10_000] if QUICK else [100_000, 1_000_000]
    screens = console(counts)
    print("console:")
    for n in counts:
        print("  " + screens[n][2])

    def ratio(a, b):
        return f"{a / b:.2f}x"
    bare_time = bulk_rows["bare reqwest"][0]
    rows = [
        [f"bulk: {TARGETS} path revalidations, concurrency {CONCURRENCY}", f"{bulk_rows['isrctl'][0]:.3f} s", f"oha {oha_time:.3f} s (bare reqwest {bare_time:.3f} s)", ratio(bulk_rows["isrctl"][0], oha_time), "<= 1.5x oha"],
        ["bulk, the site with 5,000 routes", f"{bulk_rows['isrctl, 5k routes'][0]:.3f} s", f"oha {oha_time:.3f} s", ratio(bulk_rows["isrctl, 5k routes"][0], oha_time), "as bulk (13.5 s before the typo index)"],
        ["`--json` bulk", f"{bulk_rows['isrctl --json'][0]:.3f} s, {bulk_rows['isrctl --json'][1]:.0f} MB", f"oha {oha_time:.3f} s, {oha_rss:.0f} MB", ratio(bulk_rows["isrctl --json"][0], oha_time), "<= 1.6x oha"],
    ]
    if fresh is not None:
        rows.append(["time-to-fresh: `fresh` on two origins + Varnish", f"{fresh[0][0] * 1000:.0f} ms", f"curl {fresh[1][0] * 1000:.0f} ms", ratio(fresh[0][0], fresh[1][0]), "<= 1.5x curl"])
    big = counts[-1]
    rows += [
        [f"console, {big:,} routes: first frame", f"{screens[big][0]:.0f} ms (routes on screen at {screens[big][3]:.0f} ms), peak {screens[big][1]:.0f} MB", "-", "-", "<= 1.2 s, peak <= 600 MB"],
        [f"`history --json` over {hist_lines:,} lines", f"{hist_wall:.3f} s, {hist_rss:.0f} MB", "-", "-", "<= 1.0 s"],
        [f"stale scan: {pages} pages, {scan_gets} GETs", f"{scan[0]:.3f} s", f"oha {scan_floor[0]:.3f} s", ratio(scan[0], scan_floor[0]), "<= 1.5x oha"],
    ]
    table(rows)


if __name__ == "__main__":
    main()
