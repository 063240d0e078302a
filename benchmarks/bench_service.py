"""Service throughput and latency against plain batch scoring, on the bundled sample calls.

Starts the app under uvicorn in this process (one worker, real HTTP on 127.0.0.1), then:
one request at a time on an idle service (single-call latency), and ``--clients``
concurrent clients each posting single calls (micro-batched throughput, p50/p95/p99),
against ``Scorer.score`` on the same calls in one batch pass.

    PYTHONPATH=. python benchmarks/bench_service.py --calls 64 --clients 16
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
