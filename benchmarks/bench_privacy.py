"""Planted personal data against every file cxnlp writes, and what redaction costs.

Run by hand (never in the tests):

    .venv/bin/python benchmarks/bench_privacy.py [--stc3 N] [--embedding onnx-int8]

1. For each split of ``benchmarks/data/privacy`` (``dev``: the templates the recognisers
   were tuned on; ``heldout``: templates never looked at while tuning), runs the real
   ``cxnlp score`` (table + rejects), ``cxnlp report`` and ``cxnlp batch`` (store), once
   with redaction on and once with ``--no-redact``, capturing their logs.
2. Scans every output file for every planted value (digits compared with separators and
   spoken digits normalised, names by word): card numbers and security codes found with
   redaction on (must be 0), security codes with it off (must be 0 too), and for every
   other kind the share still present with redaction on among the values that were
   present with it off (goal <= 5 %).
3. Ordinary words wrongly redacted: the share of words of evidence sentences holding no
   planted value that redaction changed (planted corpus), and the share of all evidence
   words it changed on STC-3 (real helpdesk text, no planted data).
4. Throughput cost on STC-3 (``--cost-only`` runs this part alone): process CPU seconds
   to score N dialogues, and to write their rows with redaction off and on (what
   ``Scorer.output_row`` adds), each with a warm redactor (see :func:`stc3_cost`); with
   ``--cli-cost N``, also the child-process CPU seconds of the real ``cxnlp score`` on N
   dialogues with ``--no-redact`` and ``--redact`` (:func:`cli_cost`).

Results are appended to ``benchmarks/results/privacy.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import REPO, RESULTS_DIR, append_result, stc3_transcripts

DATA = REPO / "benchmarks" / "data" / "privacy"
RESULTS = RESULTS_DIR / "privacy.jsonl"
DIGITS = {
    w: str(i)
    for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
}
#: A street after a short number: a house number, not a security code.
STREET_AFTER = r" (?:[a-z]+ ){1,2}(?:street|road|lane|avenue|drive|close)\b"
#: Columns holding hashes, ids and vectors: random characters, not text anyone wrote.
OPAQUE = ("slot_vectors", "content_hash", "config_id", "run_id", "scored_at", "cxnlp_version")


def normalise(text: str) -> str:
    """Lower case, spoken digits as digits, digit groups joined (spaces, -, / between digits)."""
    text = text.lower()
    text = re.sub(r"\b(" + "|".join(DIGITS) + r")\b", lambda m: DIGITS[m.group()], text)
    text = re.sub(r"\s+dot\s+", ".", text)
    text = re.sub(r"\s+at\s+(?=[a-z0-9]+\.)", "@", text)
    return re.sub(r"(?<=\d)[\s\-/]+(?=\d)", "", text)


def file_text(path: Path) -> str:
    """What a person reading the file would see, without opaque columns and embedded images."""
    if path.suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        return frame.drop(columns=[c for c in OPAQUE if c in frame.columns]).to_json(
            orient="records", lines=True, force_ascii=False
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return "\n".join(
            json.dumps({k: v for k, v in r.items() if k not in OPAQUE}, ensure_ascii=False) for r in rows
        )
    if path.suffix == ".html":
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    return text


def needle_of(item: dict) -> str:
    """What to look for: an IBAN by its digits (groups of letters and digits are split by
    spaces in some forms), everything else as planted."""
    if item["kind"] == "IBAN_CODE":
        return item["needle"][8:]
    return item["needle"]


def where(needle: str, haystack: str) -> re.Match[str] | None:
    """Where ``needle`` occurs in normalised ``haystack``.

    A number must not be part of a longer one, nor of a decimal such as a score (0.823);
    a short one (a security code) must not be a JSON or table-cell number or a line number
    (``"commit_every": 256``, ``<td>121</td>``, ``calls.jsonl:line 121``): bookkeeping, not text.
    """
    n = normalise(needle)
    if n.isdigit():
        pattern = rf"(?<!\d)(?<!\d\.){re.escape(n)}(?!\d)(?!\.\d)"
        for m in re.finditer(pattern, haystack):
            if len(n) <= 4 and haystack[m.start() - 1 : m.start()].isalpha():
                continue  # a name such as "sha256"
            if len(n) <= 4 and haystack[max(0, m.start() - 5) : m.start()] == "line ":
                continue  # a reject's source, "calls.jsonl:line 121"
            if len(n) <= 4 and re.match(STREET_AFTER, haystack[m.end() : m.end() + 40]):
                continue  # another call's house number ("173 victoria lane")
            if len(n) <= 4 and (
                re.search(r'(?:": |>|line )$', haystack[max(0, m.start() - 5) : m.start()])
                and re.match(r"[,}<\n]", haystack[m.end() : m.end() + 1])
            ):
                continue
            return m
        return None
    return re.search(rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])", haystack)


def found(needle: str, haystack: str) -> bool:
    return where(needle, haystack) is not None


def cli(*args: str, log: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as sink:
        subprocess.run(
            [sys.executable, "-m", "cxnlp.cli", *args, "--verbose"],
            check=True,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    return time.perf_counter() - started


def run_split(split: str, work: Path, embedding: str) -> dict:
    calls = DATA / f"calls_{split}.jsonl"
    truth = [json.loads(line) for line in (DATA / f"truth_{split}.jsonl").read_text().splitlines()]
    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for mode, flag in (("on", "--redact"), ("off", "--no-redact")):
        out = work / f"{split}-{mode}"
        out.mkdir()
        common = ["--embedding", embedding, flag]
        seconds[mode] = cli(
            "score", str(calls), "--out", str(out / "scores.jsonl"), *common, log=out / "score.log"
        )
        cli(
            "report",
            str(out / "scores.jsonl"),
            "--out",
            str(out / "report.html"),
            flag,
            log=out / "report.log",
        )
        cli("batch", str(calls), "--store", str(out / "store"), *common, log=out / "batch.log")
        files = sorted(
            p
            for p in out.rglob("*")
            if p.is_file()
            and not p.name.startswith(".")
            and p.suffix in (".jsonl", ".parquet", ".html", ".log", ".json")
        )
        texts[mode] = "\n".join(normalise(file_text(p)) for p in files)
        texts[f"{mode}_files"] = str(len(files))
    present: dict[str, dict[str, int]] = defaultdict(lambda: {"planted": 0, "off": 0, "on": 0})
    cvv_off = 0
    for record in truth:
        for item in record["planted"]:
            key = item["kind"]
            tally = present[key]
            tally["planted"] += 1
            in_off = found(needle_of(item), texts["off"])
            in_on = found(needle_of(item), texts["on"])
            tally["off"] += in_off
            tally["on"] += in_on
            cvv_off += key == "CVV" and in_off
            if key == "CVV" and in_off:
                m = where(needle_of(item), texts["off"])
                context = texts["off"][m.start() - 80 : m.end() + 20]
                print(f"  CVV with --no-redact {split} {record['id']}: ...{context!r}")
            if in_on and key in ("CREDIT_CARD", "CVV"):
                m = where(needle_of(item), texts["on"])
                context = texts["on"][m.start() - 80 : m.end() + 20]
                print(f"  LEAK {split} {record['id']} {key} {item['form']}: ...{context!r}")
    ordinary = ordinary_words_changed(
        work / f"{split}-off" / "scores.jsonl", work / f"{split}-on" / "scores.jsonl", truth
    )
    return {
        "files_scanned": int(texts["on_files"]),
        "kinds": {
            k: {**v, "share_left": (v["on"] / v["off"]) if v["off"] else None} for k, v in present.items()
        },
        "cards_found": present["CREDIT_CARD"]["on"],
        "cvv_found": present["CVV"]["on"],
        "cvv_found_no_redact": cvv_off,
        "ordinary_words_changed": ordinary,
        "score_seconds": seconds,
    }


def _evidence_pairs(off: Path, on: Path):
    rows_off = {r["transcript_id"]: r for r in map(json.loads, off.read_text().splitlines())}
    rows_on = {r["transcript_id"]: r for r in map(json.loads, on.read_text().splitlines())}
    for tid, row in rows_off.items():
        for a, b in zip(json.loads(row["evidence"]), json.loads(rows_on[tid]["evidence"]), strict=True):
            yield tid, a["sentence"], b["sentence"]


def ordinary_words_changed(off: Path, on: Path | None, truth: list[dict] | None) -> dict:
    """Share of words in evidence sentences with no planted value that redaction replaced."""
    needles = {r["id"]: [needle_of(i) for i in r["planted"]] for r in (truth or [])}
    words = changed = 0
    for tid, a, b in _evidence_pairs(off, on):
        if any(found(n, normalise(a)) for n in needles.get(tid, [])):
            continue
        tokens = a.split()
        kept = set(b.split())
        words += len(tokens)
        changed += sum(1 for t in tokens if t not in kept)
    return {"words": words, "changed": changed, "share": changed / words if words else None}


def _cpu() -> float:
    """CPU seconds of this process, all threads: on a shared machine, wall-clock time
    measures the neighbours as much as the code."""
    return time.process_time()


def stc3_cost(limit: int, embedding: str) -> dict:
    """What redaction adds to ``cxnlp score`` on STC-3, in process CPU seconds.

    Scores ``limit`` dialogues once with redaction off (timed: the scoring pass), then
    produces their output rows both ways, as :class:`~cxnlp.scoring.Scorer` writes them:
    redaction off (``Scorer(redact=False).output_row``: security codes are still removed)
    and on (the batch's named-entity prefetch, then ``output_row``), each with a warm
    redactor of its own (loading Presidio and spaCy once per process is reported apart).
    ``cost_share`` = (rows on - rows off) / (scoring + rows off): what turning redaction on
    adds to a ``score`` run. Wall-clock seconds are kept for reference only.
    """
    from cxnlp.scoring import Scorer, quoted_strings, result_row

    transcripts = stc3_transcripts(limit)
    scorer = Scorer(redact=False, embedding=embedding)
    scorer.prepare()
    cpu, wall = _cpu(), time.perf_counter()
    results = list(scorer.iter_scored(transcripts))
    score_cpu, score_wall = _cpu() - cpu, time.perf_counter() - wall
    on_scorer = Scorer(redact=True, embedding=embedding)
    loads = {}
    for mode, row_scorer in (("off", scorer), ("on", on_scorer)):
        cpu = _cpu()
        row_scorer.redactor.redact("Warm up, Mr Smith: 4111 1111 1111 1111.")  # loads Presidio and spaCy
        loads[mode] = _cpu() - cpu
    timings: dict[str, tuple[float, float]] = {}
    rows: dict[str, list[dict]] = {}
    for mode, row_scorer in (("off", scorer), ("on", on_scorer)):
        cpu, wall = _cpu(), time.perf_counter()
        if mode == "on":  # as Scorer does per batch: the quoted strings' NER pass first, in one pipe
            row_scorer.redactor.prefetch(text for r in results for text in quoted_strings(r))
        rows[mode] = [row_scorer.output_row(r) for r in results]
        timings[mode] = (_cpu() - cpu, time.perf_counter() - wall)
    words = changed = 0
    for result, new in zip(results, rows["on"], strict=True):
        for a, b in zip(json.loads(result_row(result)["evidence"]), json.loads(new["evidence"]), strict=True):
            tokens = a["sentence"].split()
            kept = set(b["sentence"].split())
            words += len(tokens)
            changed += sum(1 for t in tokens if t not in kept)
    off_cpu, on_cpu = timings["off"][0], timings["on"][0]
    return {
        "transcripts": len(results),
        "clock": "process CPU seconds (time.process_time)",
        "score_cpu_seconds": round(score_cpu, 2),
        "rows_off_cpu_seconds": round(off_cpu, 2),
        "rows_on_cpu_seconds": round(on_cpu, 2),
        "redactor_load_cpu_seconds": {k: round(v, 2) for k, v in loads.items()},
        "cost_share": round((on_cpu - off_cpu) / (score_cpu + off_cpu), 4),
        "wall_seconds": {
            "score": round(score_wall, 2),
            "rows_off": round(timings["off"][1], 2),
            "rows_on": round(timings["on"][1], 2),
        },
        "evidence_words": words,
        "evidence_words_changed_share": round(changed / words, 5) if words else None,
    }


def cli_cost(limit: int, embedding: str, work: Path) -> dict:
    """The real ``cxnlp score`` on the first ``limit`` STC-3 dialogues, ``--no-redact`` then
    ``--redact`` (then both again, the other way round), in CPU seconds of the child process
    (user + system, ``RUSAGE_CHILDREN``): start-up, model loading, reading and writing
    included. ``cost_share`` = on / off - 1 over the summed runs."""
    import resource

    calls = work / "stc3.jsonl"
    with open(calls, "w", encoding="utf-8") as sink:
        for t in stc3_transcripts(limit):
            turns = [{"speaker": turn.speaker, "text": turn.text} for turn in t.turns]
            sink.write(json.dumps({"id": t.id, "turns": turns}, ensure_ascii=False) + "\n")
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    for run, mode in enumerate(("off", "on", "on", "off")):
        out = work / f"stc3-{run}-{mode}.jsonl"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli(
            "score",
            str(calls),
            "--out",
            str(out),
            "--embedding",
            embedding,
            "--redact" if mode == "on" else "--no-redact",
            log=work / f"stc3-{run}.log",
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[mode].append(round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2))
    return {
        "transcripts": limit,
        "embedding": embedding,
        "clock": "child CPU seconds, user + system (RUSAGE_CHILDREN), runs off, on, on, off",
        "cpu_seconds": cpu,
        "cost_share": round(sum(cpu["on"]) / sum(cpu["off"]) - 1, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--stc3", type=int, default=200, help="STC-3 dialogues for the cost measure (0: skip)."
    )
    parser.add_argument(
        "--embedding", default="onnx-int8", help="Encoder backend for the planted-corpus runs."
    )
    parser.add_argument("--stc3-embedding", default="torch", help="Encoder backend for the cost measure.")
    parser.add_argument(
        "--cli-cost",
        type=int,
        default=0,
        help="Also time the real 'cxnlp score' on this many STC-3 dialogues, redaction off and on.",
    )
    parser.add_argument(
        "--cost-only", action="store_true", help="Only the STC-3 cost measure (skip the planted corpus)."
    )
    args = parser.parse_args()
    record: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": platform.node(),
        "cpus": os.cpu_count(),
        "embedding": args.embedding,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        ).stdout.strip(),
        "load_average": os.getloadavg()[0],
    }
    if args.cost_only:
        record["cost_only"] = True
    with tempfile.TemporaryDirectory() as tmp:
        for split in () if args.cost_only else ("dev", "heldout"):
            record[split] = run_split(split, Path(tmp), args.embedding)
            print(split, json.dumps(record[split], indent=1))
        if args.cli_cost:
            record["stc3_cli"] = cli_cost(args.cli_cost, args.stc3_embedding, Path(tmp))
            print("stc3_cli", json.dumps(record["stc3_cli"], indent=1))
    if args.stc3:
        record["stc3"] = stc3_cost(args.stc3, args.stc3_embedding)
        print("stc3", json.dumps(record["stc3"], indent=1))
    append_result(RESULTS, record)


if __name__ == "__main__":
    main()
