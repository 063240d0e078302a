"""Service throughput and latency against plain batch scoring, on the bundled sample calls.

Starts the app under uvicorn in this process (one worker, real HTTP on 127.0.0.1), then:
one request at a time on an idle service (single-call latency), and ``--clients``
concurrent clients each posting single calls (micro-batched throughput, p50/p95/p99),
against ``Scorer.score`` on the same calls in one batch pass.

    PYTHONPATH=. python benchmarks/bench_service.py --calls 64 --clients 16

``--memory N`` instead starts ``cxnlp serve`` as its own process and sends it N small
score requests (the first turns of the sample calls, each with its own id; with
``--vary-text`` each also carries a sentence never seen before, so the bounded caches of
sentence vectors and redaction findings keep filling) from ``--clients`` concurrent
clients, and samples the server's resident memory (VmRSS from /proc) every
``--sample-every`` requests: flat memory means no per-request leak.

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.scoring import Scorer
from cxnlp.service.app import create_app
from cxnlp.service.state import ServiceSettings, load_service

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_transcripts.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=64)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--idle", type=int, default=10, help="Single requests on an idle service.")
    parser.add_argument("--memory", type=int, default=0, help="Requests of the memory run (0: none).")
    parser.add_argument("--sample-every", type=int, default=1000, help="Requests between RSS samples.")
    parser.add_argument("--turns", type=int, default=4, help="Turns of each small call (memory run).")
    parser.add_argument("--vary-text", action="store_true", help="A new sentence in every request.")
    parser.add_argument("--out", type=Path, help="Write the memory run's samples here (JSON).")
    args = parser.parse_args()
    if args.memory:
        memory_run(args)
        return
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[: args.calls]]

    scorer = Scorer().prepare()
    service = load_service(ServiceSettings(rate_limit=0), scorer=scorer)
    started = time.perf_counter()
    scorer.parser.encoder.clear_cache()
    scorer.score([transcript_from_record(r) for r in records])
    batch_rate = len(records) / (time.perf_counter() - started)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service=service), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/v1/score"

    def post(record: dict) -> float:
        with httpx.Client(timeout=300) as http:
            t = time.perf_counter()
            assert http.post(url, json=record).status_code == 200
            return time.perf_counter() - t

    scorer.parser.encoder.clear_cache()
    idle = [post(r) for r in records[: args.idle]]
    scorer.parser.encoder.clear_cache()
    before = service.batcher.batches
    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        latencies = list(pool.map(post, records))
    service_rate = len(records) / (time.perf_counter() - started)
    q = statistics.quantiles(latencies, n=100)
    print(f"calls {len(records)}, clients {args.clients}")
    print(f"cxnlp score (one batch pass): {batch_rate:.1f} calls/s")
    print(
        f"service, {args.clients} concurrent clients: {service_rate:.1f} calls/s "
        f"({service_rate / batch_rate:.2f} of batch), {service.batcher.batches - before} shared batches"
    )
    print(f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")
    print(f"idle single-call latency: median {statistics.median(idle) * 1000:.0f} ms")
    server.should_exit = True


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "cxnlp.cli", "serve", "--port", str(port), "--rate-limit", "0"]
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
    finally:
        server.terminate()
        server.wait(timeout=60)
    q = statistics.quantiles(latencies, n=100)
    after_first = [s["rss_mib"] for s in samples[1:]]
    summary = {
        "requests": len(latencies),
        "clients": args.clients,
        "turns_per_call": args.turns,
        "vary_text": args.vary_text,
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


if __name__ == "__main__":
    main()
