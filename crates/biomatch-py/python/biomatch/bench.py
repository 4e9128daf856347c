"""Search latency of a sharded fingerprint watchlist against one in-process gallery.

``python -m biomatch.bench --n 100000 --shards 1,2,4 --threads 2``

The gallery holds the first impression of every FVC2002 B-set finger (``BIOMATCH_DATASETS``,
default ``../shared/datasets``, ``iso-secugen/fvc2002/DB{1..4}_B``; the repository's fixtures
otherwise) and synthetic distractors up to ``--n`` fingers, one finger per subject; the
probes are second impressions. The single-process figure uses one ``Gallery`` with
``--threads`` threads; each sharded run splits the same subjects over S Ray actors with
``threads / S`` threads each (``num_cpus`` likewise) and checks that every answer equals the
single gallery's. The single gallery and the shard files are made in a child process that
exits before Ray starts, so its memory is back before the shard actors load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import biomatch


def _real_fingers() -> list[tuple[str, list[Path]]]:
    root = Path(os.environ.get("BIOMATCH_DATASETS", "../shared/datasets")) / "iso-secugen" / "fvc2002"
    out = []
    for db in ("DB1_B", "DB2_B", "DB3_B", "DB4_B"):
        for first in sorted((root / db).glob("*_1.iso")):
            finger = first.stem.split("_")[0]
            out.append((f"{db}-{finger}", sorted((root / db).glob(f"{finger}_*.iso"))))
    if not out:
        fixtures = Path(__file__).resolve().parents[4] / "fixtures" / "gallery" / "fingers"
        for first in sorted(fixtures.glob("*_1.iso")):
            finger = first.stem.split("_")[0]
            out.append((finger, sorted(fixtures.glob(f"{finger}_*.iso"))))
    return out


def _time(fn, probes, repeats: int = 1) -> tuple[float, list]:
    times, answers = [], []
    fn(probes[0])  # warm-up
    for p in probes:
        t0 = time.perf_counter()
        answers.append(fn(p))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), answers


def _answers(found) -> list:
    """Candidate lists as plain (id, fused score) tuples (comparable across processes)."""
    return [[(c.id, c.score) for c in cands] for cands in found]


def _prepare(a) -> None:
    """Child process: builds the gallery, times the single in-process search, writes the shard
    files and the single gallery's answers, and exits (returning its memory before Ray and
    the shard actors start: at 1M fingers both would not fit on one 24 GiB node)."""
    from biomatch.ray import split_gallery

    real = _real_fingers()
    mates = [(sid, biomatch.FingerTemplate.read(paths[0])) for sid, paths in real]
    probes = _probes(real, a.probes)
    t0 = time.perf_counter()
    distractors = biomatch.synthetic_fingers([t for _, t in mates], max(0, a.n - len(mates)), seed=1, threads=a.threads)
    records = [(sid, None, [t]) for sid, t in mates] + [(f"synth-{i:08d}", None, [t]) for i, t in enumerate(distractors)]
    del distractors
    single = biomatch.Gallery(threads=a.threads)
    single.enrol_many(records)
    del records
    built = time.perf_counter() - t0
    print(f"gallery: {single.finger_count} fingers, built in {built:.1f} s", flush=True)
    base, want = _time(lambda p: single.identify(fingers=[p], k=10, mode=a.mode), probes)
    print(f"single gallery: {base * 1e3:.1f} ms per search (median of {len(probes)})", flush=True)
    for s in [int(x) for x in a.shards.split(",")]:
        t1 = time.perf_counter()
        split_gallery(single, Path(a.prepare) / f"s{s}", s, threads=a.threads)
        print(f"{s} shard file(s) written in {time.perf_counter() - t1:.0f} s", flush=True)
    with open(Path(a.prepare) / "single.json", "w") as f:
        json.dump({"fingers": single.finger_count, "median_s": base, "answers": _answers(want)}, f)


def _probes(real, n: int) -> list:
    return [biomatch.FingerTemplate.read(paths[1]) for _, paths in real[:: max(1, len(real) // n)]][:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="gallery size in fingers")
    ap.add_argument("--shards", default="1,2,4", help="shard counts to time")
    ap.add_argument("--threads", type=int, default=2, help="threads in all (per process for the single gallery)")
    ap.add_argument("--probes", type=int, default=7)
    ap.add_argument("--mode", default="fast", choices=["fast", "exhaustive"])
    ap.add_argument("--prepare", help=argparse.SUPPRESS)  # internal: the child process's folder
    a = ap.parse_args()
    if a.prepare:
        _prepare(a)
        return

    import ray
    from biomatch.ray import ShardedGallery, shard_paths

    real = _real_fingers()
    probes = _probes(real, a.probes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        child = [sys.executable, "-m", "biomatch.bench", "--prepare", tmp, "--n", str(a.n),
                 "--shards", a.shards, "--threads", str(a.threads), "--probes", str(a.probes),
                 "--mode", a.mode]
        subprocess.run(child, check=True)
        with open(Path(tmp) / "single.json") as f:
            single = json.load(f)
        base, want = single["median_s"], single["answers"]
        rows.append(("1 process (biomatch.Gallery)", 1, a.threads, base, True))
        t0 = time.perf_counter()
        ray.init(num_cpus=a.threads, include_dashboard=False, log_to_driver=False)
        print(f"ray.init: {time.perf_counter() - t0:.1f} s", flush=True)
        for s in [int(x) for x in a.shards.split(",")]:
            paths = shard_paths(Path(tmp) / f"s{s}", s)
            per = max(1, a.threads // s)
            t1 = time.perf_counter()
            with ShardedGallery(paths, threads=per, num_cpus=a.threads / s) as sg:
                load = time.perf_counter() - t1
                med, got = _time(lambda p: sg.identify(fingers=[p], k=10, mode=a.mode), probes)
            same = _answers(got) == [[tuple(c) for c in cands] for cands in want]
            rows.append((f"Ray, {s} shard(s) (load {load:.0f} s)", s, per, med, same))
            print(f"{s} shard(s): {med * 1e3:.1f} ms per search, equal to single: {same}", flush=True)
    ray.shutdown()
    print()
    print(f"| {single['fingers']:,} fingers, {a.mode} | shards | threads per shard | ms per search (median) | searches/s | vs 1 process | answers equal |")
    print("|---|---|---|---|---|---|---|")
    for name, s, per, med, same in rows:
        print(f"| {name} | {s} | {per} | {med * 1e3:.1f} | {1 / med:.2f} | {med / base - 1:+.1%} | {same} |")


if __name__ == "__main__":
    main()
