#!/usr/bin/env python3
"""Summarise Scripts/bench.sh runs: one markdown table per scenario, plus JSON.

Input: runs.jsonl (one loadgen JSON line per run, with scenario/server/round
added) and skips.tsv (server <TAB> reason). Output: the tables on stdout,
latest.md and latest.json. Only the standard library is used.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

REFERENCES = ["c-uring", "c-epoll", "nio", "erlang"]
NOISE_PCT = 10.0  # other processes' CPU (% of one core) above which a row is flagged
SCENARIO_TEXT = {
    "c1-64": "1 connection, 64 B ping-pong",
    "c64-64": "64 connections, 64 B ping-pong",
    "c256-64": "256 connections, 64 B ping-pong",
    "c64-512": "64 connections, 512 B ping-pong",
    "c256-512": "256 connections, 512 B ping-pong",
    "c64-64-p8": "64 connections, 64 B, 8 requests in flight per connection",
    "c64-16k": "64 connections, 16 KiB ping-pong",
    "bulk16": "16 connections streaming, 256 KiB window each (a request = a 64 KiB chunk; MB/s is the headline)",
    "accept": "connect/send 64 B/recv/close storm, 16 at a time (a request = a whole connection)",
    "scale": "64 connections, 64 B ping-pong, the server free to use every CPU",
    "c10k": "server memory per connection: connections held open, idle, then 2 echoes of 64 B each",
}
CONNECTIONS = {"c1-64": 1, "c64-64": 64, "c256-64": 256, "c64-512": 64, "c256-512": 256,
               "c64-64-p8": 64, "c64-16k": 64, "bulk16": 16, "accept": 16, "scale": 64}
# scenarios whose server placement or measure differ: no performance targets there
NO_TARGETS = ("bulk16", "accept", "scale", "c10k")


def one_unit(server):
    """The same server with one loop / event-loop thread / process (scale's baseline)."""
    m = re.fullmatch(r"(esock-.*)-l(\d+)", server)
    if m:
        return f"{m.group(1)}-l1"
    m = re.fullmatch(r"(c-(?:uring|epoll))-x(\d+)", server)
    if m:
        return m.group(1)
    m = re.fullmatch(r"nio-t(\d+)", server)
    if m:
        return "nio-t1"
    return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def span(values):
    values = [v for v in values if v is not None]
    return (min(values), max(values)) if values else (None, None)


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def summarise(runs, servers, scenarios):
    summary = {}
    for sc in scenarios:
        rows = {}
        for sv in servers:
            rs = [r for r in runs if r["scenario"] == sc and r["server"] == sv]
            ok = [r for r in rs if r.get("requests") is not None and not r.get("failure")]
            if not rs:
                continue
            rps = [r["rps"] for r in ok]
            cpu = [r.get("server_cpu_us_per_req") for r in ok]
            cores = [r["server_cpu_s"] / r["seconds"] for r in ok
                     if r.get("server_cpu_s") is not None and r.get("seconds")]
            rows[sv] = {
                "runs": len(rs),
                "ok_runs": len(ok),
                "failures": [r["failure"] for r in rs if r.get("failure")],
                "rps": med(rps),
                "rps_min": span(rps)[0],
                "rps_max": span(rps)[1],
                "mbps": med([r["mbps"] for r in ok]),
                "p50_us": med([r["p50_us"] for r in ok]),
                "p90_us": med([r["p90_us"] for r in ok]),
                "p99_us": med([r["p99_us"] for r in ok]),
                "p999_us": med([r["p999_us"] for r in ok]),
                "cpu_us_per_req": med(cpu),
                "cpu_min": span(cpu)[0],
                "cpu_max": span(cpu)[1],
                "client_cpu_us_per_req": med([r.get("client_cpu_us_per_req") for r in ok]),
                "errors": sum(r.get("errors") or 0 for r in ok),
                "other_cpu_pct_max": max([r["other_cpu_pct"] for r in ok
                                          if r.get("other_cpu_pct") is not None], default=None),
                "server_cores": med(cores),
            }
            if any(r.get("mode") == "hold" for r in ok):
                busy = [r.get("rss_busy_per_conn_b") for r in ok]
                rows[sv].update({
                    "connections": max(r["connections"] for r in ok),
                    "connections_held_min": min(r["connections_held"] for r in ok),
                    "rss_before_kb": med([r.get("rss_before_kb") for r in ok]),
                    "rss_idle_kb": med([r.get("rss_idle_kb") for r in ok]),
                    "rss_busy_kb": med([r.get("rss_busy_kb") for r in ok]),
                    "rss_idle_per_conn_b": med([r.get("rss_idle_per_conn_b") for r in ok]),
                    "rss_busy_per_conn_b": med(busy),
                    "rss_busy_per_conn_min": span(busy)[0],
                    "rss_busy_per_conn_max": span(busy)[1],
                })
        for sv, row in rows.items():
            row["vs"] = {}
            refs = list(REFERENCES)
            base = one_unit(sv) if sc == "scale" else None
            if base and base != sv:
                refs.append(base)
            for ref in refs:
                if ref in rows and ref != sv:
                    row["vs"][ref] = {
                        "rps": ratio(row["rps"], rows[ref]["rps"]),
                        "cpu": ratio(row["cpu_us_per_req"], rows[ref]["cpu_us_per_req"]),
                    }
            if base and base != sv and base in rows:
                row["vs_one_unit"] = dict(row["vs"][base], server=base)
        summary[sc] = rows
    return summary


def targets(summary):
    """The project's performance targets, checked where both sides ran (pingpong, >= 16 connections)."""
    checks = []

    def check(sc, rows, who, what, ref, key, op, bound):
        if who not in rows or ref not in rows:
            return
        r = ratio(rows[who][key], rows[ref][key])
        if r is None:
            return
        ok = r >= bound if op == ">=" else r <= bound
        checks.append({"scenario": sc, "server": who, "check": f"{what} {op} {bound}x {ref}",
                       "ratio": r, "ok": ok})

    for sc, rows in summary.items():
        if sc in NO_TARGETS or CONNECTIONS.get(sc, 0) < 16:
            continue
        check(sc, rows, "esock-uring", "req/s", "c-uring", "rps", ">=", 0.9)
        check(sc, rows, "esock-uring", "req/s", "nio", "rps", ">=", 1.1)
        check(sc, rows, "esock-uring", "CPU/req", "c-uring", "cpu_us_per_req", "<=", 1.15)
        check(sc, rows, "esock-uring", "CPU/req", "nio", "cpu_us_per_req", "<=", 0.85)
        check(sc, rows, "esock-uring", "p99", "nio", "p99_us", "<=", 1.0)
        check(sc, rows, "esock-poll", "req/s", "c-epoll", "rps", ">=", 0.9)
        check(sc, rows, "esock-poll", "req/s", "nio", "rps", ">=", 1.0)
        check(sc, rows, "esock-poll", "CPU/req", "c-epoll", "cpu_us_per_req", "<=", 1.15)
        check(sc, rows, "esock-uring", "req/s", "erlang", "rps", ">=", 2.5)
        check(sc, rows, "esock-poll", "req/s", "erlang", "rps", ">=", 2.5)
    return checks


def markdown(meta, summary, checks, skips):
    out = []
    out.append("# ESock echo benchmark")
    out.append("")
    out.append(f"{meta['date']} · {meta['cpu']} · {meta['nproc']} CPUs · kernel {meta['kernel']}"
               f"{' · commit ' + meta['commit'] if meta.get('commit') else ''}")
    out.append("")
    out.append(f"{meta['rounds']} round(s) x {meta['duration']} s measured (+{meta['warmup']} s warm-up) per "
               f"server and scenario; server on CPU {meta['server_cpu']}, load generator on CPU "
               f"{meta['client_cpu']}; medians, (min-max) over rounds. CPU = server utime+stime over "
               f"the measured window / requests. `vs X` = this server's req/s ÷ X's, then its CPU/req ÷ X's "
               f"(req/s: higher is better; CPU: lower is better).")
    if meta.get("robust"):
        out.append("")
        out.append("Disconnect torture (Scripts/bench/robust.py): " + "; ".join(
            f"{sv}: {v}" for sv, v in meta["robust"].items()))
    if skips:
        out.append("")
        out.append("Skipped:")
        for sv, why in skips.items():
            out.append(f"- {sv}: {why}")
    for sc, rows in summary.items():
        out.append("")
        out.append(f"## {sc}: {SCENARIO_TEXT.get(sc, sc)}")
        out.append("")
        if not rows:
            out.append("(no server ran)")
            continue
        if sc == "c10k":
            out.extend(c10k_table(rows))
            continue
        scale = sc == "scale"
        refs = [ref for ref in REFERENCES if ref in rows]
        head = ["server", "req/s median (min-max)", "MB/s", "p50 us", "p99 us",
                "CPU us/req (min-max)", "errors"] + [f"vs {ref} (req/s, CPU)" for ref in refs]
        if scale:
            head += ["server cores", "vs 1 loop (req/s, CPU)"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for sv, row in rows.items():
            if row["ok_runs"] == 0:
                cells = [sv, "failed: " + "; ".join(row["failures"])[:120]] + [""] * (len(head) - 2)
                out.append("| " + " | ".join(cells) + " |")
                continue
            cells = [
                sv,
                f"{fmt(row['rps'])} ({fmt(row['rps_min'])}-{fmt(row['rps_max'])})",
                fmt(row["mbps"], 1),
                fmt(row["p50_us"], 1),
                fmt(row["p99_us"], 1),
                f"{fmt(row['cpu_us_per_req'], 2)} ({fmt(row['cpu_min'], 2)}-{fmt(row['cpu_max'], 2)})",
                str(row["errors"]) + (f" ({len(row['failures'])} failed runs)" if row["failures"] else ""),
            ]
            for ref in refs:
                if ref == sv:
                    cells.append("-")
                else:
                    v = row["vs"].get(ref, {})
                    cells.append(f"{fmt_ratio(v.get('rps'))}, {fmt_ratio(v.get('cpu'))}")
            if scale:
                cells.append(fmt(row.get("server_cores"), 2))
                v = row.get("vs_one_unit")
                cells.append(f"{fmt_ratio(v['rps'])}, {fmt_ratio(v['cpu'])}" if v else "-")
            out.append("| " + " | ".join(cells) + " |")
        if scale:
            out.append("")
            out.append(f"Server on CPUs {meta.get('scale_server_cpus')}, load generator on CPU "
                       f"{meta['client_cpu']}. On {meta['nproc']} cores the load generator competes with "
                       f"the server for CPU, so req/s is capped by what the load generator gets: "
                       f"**server CPU per request** (all the server's processes and threads together) "
                       f"is the fair figure. `server cores` = server CPU seconds ÷ measured seconds; "
                       f"`vs 1 loop` = against the same server with one loop, event-loop thread or process "
                       f"(`-l1`, `-t1`, no `-xN`).")
        noisy = [(sv, row["other_cpu_pct_max"]) for sv, row in rows.items()
                 if (row.get("other_cpu_pct_max") or 0) > NOISE_PCT]
        if noisy:
            out.append("")
            out.append("Noise: other processes took CPU during the measured window (max % of one core): "
                       + ", ".join(f"{sv} {pct:.0f}%" for sv, pct in noisy)
                       + ". Treat these rows with care.")
    if checks:
        out.append("")
        out.append("## Performance targets, where both sides ran")
        out.append("")
        out.append("| scenario | server | target | measured | |")
        out.append("|---|---|---|---:|---|")
        for c in checks:
            out.append(f"| {c['scenario']} | {c['server']} | {c['check']} | {c['ratio']:.2f}x | "
                       f"{'ok' if c['ok'] else 'MISSED'} |")
    out.append("")
    return "\n".join(out)


def kib(b):
    return "n/a" if b is None else f"{b:,.0f} B ({b / 1024:.1f} KiB)"


def mib(kb):
    return "n/a" if kb is None else f"{kb / 1024:,.1f}"


def c10k_table(rows):
    out = []
    head = ["server", "held", "RSS before MiB", "RSS idle MiB", "RSS busy MiB",
            "RSS/conn idle", "RSS/conn (min-max)", "echo p99 ms", "errors"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    n = None
    for sv, row in rows.items():
        if row["ok_runs"] == 0 or "rss_busy_kb" not in row:
            why = "; ".join(row["failures"])[:120] or "no RSS reading"
            out.append("| " + " | ".join([sv, "failed: " + why] + [""] * (len(head) - 2)) + " |")
            continue
        n = row["connections"]
        span_txt = ""
        if row["rss_busy_per_conn_min"] != row["rss_busy_per_conn_max"]:
            span_txt = (f" ({row['rss_busy_per_conn_min'] / 1024:.1f}-"
                        f"{row['rss_busy_per_conn_max'] / 1024:.1f} KiB)")
        cells = [
            sv,
            f"{row['connections_held_min']:,} of {n:,}",
            mib(row["rss_before_kb"]),
            mib(row["rss_idle_kb"]),
            mib(row["rss_busy_kb"]),
            kib(row["rss_idle_per_conn_b"]),
            kib(row["rss_busy_per_conn_b"]) + span_txt,
            fmt(row["p99_us"] / 1000 if row["p99_us"] is not None else None, 1),
            str(row["errors"]) + (f" ({len(row['failures'])} failed runs)" if row["failures"] else ""),
        ]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    count = f"{n:,}" if n else "N"
    out.append(f"RSS/conn = (server VmRSS with all {count} connections open, after each did 2 echoes) "
               f"− (VmRSS before the first connect), ÷ connections; `idle` = the same once the server "
               f"holds every connection, before any byte. VmRSS of every server process, summed. Kernel "
               f"socket buffers are not in RSS. `echo p99` = all connections echoing at once.")
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--skips", required=True)
    ap.add_argument("--robust", default="")
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--servers", required=True)
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--warmup", type=float, required=True)
    ap.add_argument("--server-cpu", required=True)
    ap.add_argument("--client-cpu", required=True)
    ap.add_argument("--scale-server-cpus", default="")
    ap.add_argument("--esock-uring-cmd", default="")
    ap.add_argument("--esock-poll-cmd", default="")
    a = ap.parse_args()

    runs = []
    with open(a.runs) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    skips = {}
    with open(a.skips) as f:
        for line in f:
            if "\t" in line:
                sv, why = line.rstrip("\n").split("\t", 1)
                skips[sv] = why
    robust = {}
    if a.robust and os.path.exists(a.robust):
        with open(a.robust) as f:
            for line in f:
                if "\t" in line:
                    sv, verdict = line.rstrip("\n").split("\t", 1)
                    robust[sv] = verdict
    servers = a.servers.split()
    scenarios = a.scenarios.split()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    commit = None
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip() or None
    except Exception:
        pass
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": platform.release(),
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "commit": commit,
        "rounds": a.rounds,
        "duration": a.duration,
        "warmup": a.warmup,
        "server_cpu": a.server_cpu,
        "client_cpu": a.client_cpu,
        "scale_server_cpus": a.scale_server_cpus,
        "servers": servers,
        "scenarios": scenarios,
        "esock_commands": {"esock-uring": a.esock_uring_cmd, "esock-poll": a.esock_poll_cmd},
    }
    summary = summarise(runs, servers, scenarios)
    checks = targets(summary)
    meta["robust"] = robust
    md = markdown(meta, summary, checks, skips)
    print(md)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"meta": meta, "skipped": skips, "summary": summary, "targets": checks,
                   "runs": runs}, f, indent=1)
        f.write("\n")
    with open(a.md, "w") as f:
        f.write(md)
    failed = [r for r in runs if r.get("failure") or r.get("requests") is None]
    fragile = [sv for sv, v in robust.items() if v != "robust ok"]
    if fragile:
        print(f"bench: failed the disconnect torture: {', '.join(fragile)}", file=sys.stderr)
    verify = sum(r.get("verify_errors") or 0 for r in runs)
    if verify:
        print(f"bench: {verify} echoed bytes did not match what was sent", file=sys.stderr)
    if failed:
        print(f"bench: {len(failed)} run(s) failed", file=sys.stderr)
    return 1 if (failed or verify or fragile) else 0


if __name__ == "__main__":
    sys.exit(main())
