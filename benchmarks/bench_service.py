"""Service throughput and latency against plain batch scoring, on the bundled sample calls.

Starts ``cxnlp serve`` as its own process (one worker, real HTTP on 127.0.0.1, its own
logging, as a user runs it), sends it ``--idle`` single calls one at a time (the latency
of one request on an idle service; they also warm it up), then alternates, ``--rounds``
times: ``--clients`` concurrent clients each posting single calls (micro-batched
throughput) of ``--calls`` calls, then ``Scorer.score`` in this process on the same calls
in one batch pass (what ``cxnlp score`` computes, without the file writing), with the
same redaction setting (``--no-redact`` for both). Each round takes the next ``--calls``
calls of the sample, so both sides see every call new. Interleaving (A/B/A/B) keeps the
comparison fair on a machine other work shares; the load average is recorded around each
measurement. Beside calls per wall-clock second, calls per CPU second of the process that
scores (the server's threads, all of them; this process's during the batch pass) is a
measure that other load on the machine hardly moves: on shared cores a process with more
runnable threads gets a larger share of them, which flatters the wall-clock rate of the
service (16 request threads) against the batch pass. Prints both rates, their ratios per
round and overall, and appends a record to ``benchmarks/results/service.jsonl``.

    PYTHONPATH=. python benchmarks/bench_service.py --calls 64 --clients 16

``--memory N`` instead sends ``cxnlp serve`` N small score requests (the first turns of
the sample calls, each with its own id; with ``--vary-text`` each also carries a sentence
never seen before, so the bounded caches of sentence vectors and redaction findings keep
filling) from ``--clients`` concurrent clients, and samples the server's resident memory
(VmRSS from /proc) every ``--sample-every`` requests: flat memory means no per-request leak.

    PYTHONPATH=. nice python benchmarks/bench_service.py --memory 10000 --clients 8
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from common import append_result

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.scoring import Scorer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_transcripts.jsonl"
RESULTS = Path(__file__).resolve().parent / "results" / "service.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=64, help="Calls of each round.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="Service/batch pairs, interleaved.")
    parser.add_argument("--idle", type=int, default=10, help="Single requests on an idle service.")
    parser.add_argument("--no-redact", action="store_true", help="Both sides without redaction.")
    parser.add_argument("--memory", type=int, default=0, help="Requests of the memory run (0: none).")
    parser.add_argument("--sample-every", type=int, default=1000, help="Requests between RSS samples.")
    parser.add_argument("--turns", type=int, default=4, help="Turns of each small call (memory run).")
    parser.add_argument("--vary-text", action="store_true", help="A new sentence in every request.")
    parser.add_argument("--out", type=Path, help="Also write the memory run's samples here (JSON).")
    parser.add_argument("--no-record", action="store_true", help=f"Do not append to {RESULTS.name}.")
    args = parser.parse_args()
    if args.memory:
        memory_run(args)
    else:
        throughput_run(args)


@contextmanager
def cxnlp_serve(*options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A ``cxnlp serve`` process on a free port, once it answers ready; its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "cxnlp.cli", "serve", "--port", str(port), "--rate-limit", "0", *options]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"cxnlp serve exited with {server.returncode} before it was ready")
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=60)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput_run(args: argparse.Namespace) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    needed = args.rounds * args.calls + args.idle
    if needed > len(lines):
        raise SystemExit(f"--rounds x --calls + --idle = {needed}; the sample has {len(lines)} calls")
    records = [json.loads(line) for line in lines]
    rounds = [records[k * args.calls : (k + 1) * args.calls] for k in range(args.rounds)]
    warm_up = records[len(records) - args.idle :]
    redact = not args.no_redact
    scorer = Scorer(redact=redact).prepare()
    scorer.score([transcript_from_record(r) for r in warm_up])  # loads what the first call loads

    with cxnlp_serve(*([] if redact else ["--no-redact"])) as (base, server):
        local = threading.local()

        def post(record: dict) -> float:
            http = getattr(local, "http", None)
            if http is None:
                http = local.http = httpx.Client(base_url=base, timeout=600)
            t = time.perf_counter()
            response = http.post("/v1/score", json=record)
            elapsed = time.perf_counter() - t
            if response.status_code != 200 or response.json()["rejects"]:
                raise SystemExit(f"{record['id']}: {response.status_code} {response.text[:200]}")
            return elapsed

        idle = [post(r) for r in warm_up]
        measured, latencies = [], []
        with ThreadPoolExecutor(args.clients) as pool:
            for k, calls in enumerate(rounds):
                load_before = load_average()
                cpu, started = cpu_seconds(server.pid), time.perf_counter()
                latencies.extend(pool.map(post, calls))
                service_s = time.perf_counter() - started
                service_cpu = cpu_seconds(server.pid) - cpu
                load_between = load_average()
                cpu, started = time.process_time(), time.perf_counter()
                scorer.score([transcript_from_record(r) for r in calls])
                batch_s = time.perf_counter() - started
                batch_cpu = time.process_time() - cpu
                measured.append(
                    {
                        "round": k + 1,
                        "calls": len(calls),
                        "service_seconds": service_s,
                        "service_cpu_seconds": service_cpu,
                        "batch_seconds": batch_s,
                        "batch_cpu_seconds": batch_cpu,
                        "ratio": batch_s / service_s,
                        "ratio_cpu": batch_cpu / service_cpu,
                        "load_average": [load_before, load_between, load_average()],
                    }
                )
                print(
                    f"round {k + 1}: service {len(calls) / service_s:.2f} calls/s "
                    f"({len(calls) / service_cpu:.2f} per CPU s), batch {len(calls) / batch_s:.2f} calls/s "
                    f"({len(calls) / batch_cpu:.2f} per CPU s); ratio {batch_s / service_s:.2f}, "
                    f"per CPU s {batch_cpu / service_cpu:.2f} (load average {load_before} / "
                    f"{load_between} / {measured[-1]['load_average'][2]})",
                    flush=True,
                )
    total = sum(m["calls"] for m in measured)
    sums = {key: sum(m[key] for m in measured) for key in measured[0] if key.endswith("seconds")}
    q = statistics.quantiles(latencies, n=100)
    summary = {
        "benchmark": "service_throughput",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "calls_per_round": args.calls,
        "rounds": measured,
        "clients": args.clients,
        "redact": redact,
        "cpu_count": os.cpu_count(),
        "service_calls_per_s": total / sums["service_seconds"],
        "batch_calls_per_s": total / sums["batch_seconds"],
        "ratio": sums["batch_seconds"] / sums["service_seconds"],
        "service_calls_per_cpu_s": total / sums["service_cpu_seconds"],
        "batch_calls_per_cpu_s": total / sums["batch_cpu_seconds"],
        "ratio_cpu": sums["batch_cpu_seconds"] / sums["service_cpu_seconds"],
        "latency_ms": {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000},
        "idle_latency_ms_median": statistics.median(idle) * 1000,
    }
    print(
        f"calls {args.calls} a round x {args.rounds}, {args.clients} clients, "
        f"redaction {'on' if redact else 'off'}\n"
        f"service {summary['service_calls_per_s']:.2f} calls/s "
        f"({summary['service_calls_per_cpu_s']:.2f} per CPU s), "
        f"batch (Scorer.score) {summary['batch_calls_per_s']:.2f} calls/s "
        f"({summary['batch_calls_per_cpu_s']:.2f} per CPU s)\n"
        f"service / batch: {summary['ratio']:.2f} wall clock, {summary['ratio_cpu']:.2f} per CPU second\n"
        f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms; "
        f"idle single-call latency: median {statistics.median(idle) * 1000:.0f} ms"
    )
    if not args.no_record:
        append_result(RESULTS, summary)


def rss_kib(pid: int) -> tuple[int, int]:
    """The process's resident set now and its peak (VmRSS, VmHWM), in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def small_calls(turns: int) -> list[dict]:
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    return [{"id": r["id"], "turns": r["turns"][:turns]} for r in records]


def memory_run(args: argparse.Namespace) -> None:
    """N small score requests to a ``cxnlp serve`` process; its RSS every ``sample_every``."""
    with cxnlp_serve(*(["--no-redact"] if args.no_redact else [])) as (base, server):
        calls = small_calls(args.turns)
        lock = threading.Lock()
        sent = 0
        samples = [{"requests": 0, "rss_mib": rss_kib(server.pid)[0] / 1024}]
        latencies: list[float] = []
        started = time.perf_counter()

        def client() -> None:
            nonlocal sent
            with httpx.Client(base_url=base, timeout=300) as http:
                while True:
                    with lock:
                        if sent >= args.memory:
                            return
                        sent += 1
                        n = sent
                    call = calls[n % len(calls)]
                    record = {"id": f"{call['id']}-{n}", "turns": list(call["turns"])}
                    if args.vary_text:
                        record["turns"].append({"speaker": "customer", "text": f"My reference is R{n:07d}."})
                    t = time.perf_counter()
                    response = http.post("/v1/score", json=record)
                    if response.status_code != 200 or response.json()["rejects"]:
                        raise SystemExit(f"request {n}: {response.status_code} {response.text[:200]}")
                    with lock:
                        latencies.append(time.perf_counter() - t)
                        done = len(latencies)
                        if done % args.sample_every == 0:
                            rss, _ = rss_kib(server.pid)
                            samples.append(
                                {
                                    "requests": done,
                                    "rss_mib": rss / 1024,
                                    "seconds": time.perf_counter() - started,
                                }
                            )
                            print(f"{done:>6} requests  RSS {rss / 1024:7.1f} MiB", flush=True)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        rss, peak = rss_kib(server.pid)
    q = statistics.quantiles(latencies, n=100)
    after_first = [s["rss_mib"] for s in samples[1:]]
    summary = {
        "benchmark": "service_memory",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "requests": len(latencies),
        "clients": args.clients,
        "turns_per_call": args.turns,
        "vary_text": args.vary_text,
        "redact": not args.no_redact,
        "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"),
        "load_average_at_end": load_average(),
        "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "latency_ms": {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000},
        "rss_ready_mib": samples[0]["rss_mib"],
        "rss_first_sample_mib": after_first[0] if after_first else None,
        "rss_last_sample_mib": after_first[-1] if after_first else None,
        "rss_peak_mib": peak / 1024,
        "samples": samples,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "samples"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if not args.no_record:
        append_result(RESULTS, summary)


if __name__ == "__main__":
    main()
