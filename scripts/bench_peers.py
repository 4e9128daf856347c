"""Face search: biomatch against FAISS (and USearch) on the same data in one run.

Called by scripts/bench-peers.sh (which makes the venv). Every engine searches the same
unit-length float32 gallery for the top 10 of the same probes, with the same number of
threads. Single probes: the median over the probes of one search each. Batches: the median
over the batches of (batch time / batch size).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

K = 10


def timed_single(search, probes):
    """Median milliseconds of one search per probe (the first, a warm-up, is dropped)."""
    search(probes[:1])
    times = []
    for i in range(len(probes)):
        t = time.perf_counter()
        search(probes[i : i + 1])
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def timed_batches(search, probes, batch):
    """Median milliseconds per probe over the batches of `batch` probes."""
    search(probes[:batch])
    times = []
    for s in range(0, len(probes) - batch + 1, batch):
        t = time.perf_counter()
        search(probes[s : s + batch])
        times.append((time.perf_counter() - t) * 1e3 / batch)
    return statistics.median(times)


def biomatch(exe, gallery, probes, threads, precision, batch, queries, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [
            exe, "bench", "face", "--gallery", gallery, "--probes", probes,
            "--precision", precision, "--batch", str(batch), "--queries", str(queries),
            "--threads", str(threads), "--k", str(K), "--json", out.name, *extra,
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out.name) as f:
            return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--biomatch", required=True)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--single", type=int, default=30, help="probes timed one by one")
    ap.add_argument("--batches", type=int, default=3, help="batches of 100 timed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()

    # Every BLAS / OpenMP pool the peers use gets the same thread count (set before they
    # load: an unset OpenBLAS pool takes every core and oversubscribes them).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(a.threads)
    try:
        import usearch
        from usearch.index import MetricKind
        from usearch.index import search as usearch_search
    except ImportError:
        usearch = None

    rng = np.random.default_rng(a.seed)
    nq = max(a.single, 100 * a.batches)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"data: {a.n} x {a.dim} float32 gallery, {nq} probes (Gaussian, unit length), "
              f"seed {a.seed}; {a.threads} thread(s) everywhere; top {K}", flush=True)
        gallery = np.empty((a.n, a.dim), dtype=np.float32)
        for s in range(0, a.n, 1 << 16):
            e = min(a.n, s + (1 << 16))
            x = rng.standard_normal((e - s, a.dim), dtype=np.float32)
            gallery[s:e] = x / np.linalg.norm(x, axis=1, keepdims=True)
        probes = rng.standard_normal((nq, a.dim), dtype=np.float32)
        probes /= np.linalg.norm(probes, axis=1, keepdims=True)
        gpath, ppath = os.path.join(tmp, "gallery.npy"), os.path.join(tmp, "probes.npy")
        np.save(gpath, gallery)
        np.save(ppath, probes)

        def bm(precision, batch, queries, extra=()):
            r = biomatch(a.biomatch, gpath, ppath, a.threads, precision, batch, queries, extra)
            return r["median_ms_per_query"], r["bound_ms"], r

        print("biomatch ...", flush=True)
        f32_1, bound_f32, info = bm("f32", 1, a.single)
        i8_1, bound_i8, _ = bm("i8", 1, a.single)
        f32_100, _, _ = bm("f32", 100, 100 * a.batches)
        i8_100, _, _ = bm("i8", 100, 100 * a.batches)
        avx2 = {}
        if info["isa"] == "avx512":
            for product in ("rows", "gemm"):
                avx2[product], _, _ = bm("f32", 100, 100 * a.batches,
                                         ("--kernel", "avx2", "--batch-product", product))

        print("faiss ...", flush=True)
        flat = faiss.IndexFlatIP(a.dim)
        flat.add(gallery)
        fs = lambda q: flat.search(q, K)
        flat_1 = timed_single(fs, probes[: a.single])
        # FAISS 1.15 scans batches below 128,000 probes with its SIMD loops by default; its
        # BLAS path (the classic threshold of 20) is faster at 100: take FAISS's better one.
        flat_100 = timed_batches(fs, probes[: 100 * a.batches], 100)
        default_threshold = faiss.cvar.distance_compute_blas_threshold
        faiss.cvar.distance_compute_blas_threshold = 20
        flat_100 = min(flat_100, timed_batches(fs, probes[: 100 * a.batches], 100))
        faiss.cvar.distance_compute_blas_threshold = default_threshold
        del flat
        sq = faiss.IndexScalarQuantizer(a.dim, faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
        sq.train(gallery[: min(a.n, 100_000)])
        sq.add(gallery)
        ss = lambda q: sq.search(q, K)
        sq_1 = timed_single(ss, probes[: a.single])
        sq_100 = timed_batches(ss, probes[: 100 * a.batches], 100)
        del sq

        us_1 = us_100 = None
        if usearch is not None:
            print("usearch ...", flush=True)
            us = lambda q: usearch_search(gallery, q, K, MetricKind.IP, exact=True,
                                          threads=a.threads)
            us_1 = timed_single(us, probes[: a.single])
            us_100 = timed_batches(us, probes[: 100 * a.batches], 100)

    rows = [
        ("f32, one probe", f32_1, "FAISS IndexFlatIP", flat_1),
        ("int8, one probe", i8_1, "FAISS SQ 8-bit", sq_1),
        ("f32, batch 100 (per probe)", f32_100, "FAISS IndexFlatIP", flat_100),
        ("int8, batch 100 (per probe)", i8_100, "FAISS SQ 8-bit", sq_100),
    ]
    if us_1 is not None:
        rows += [
            ("f32, one probe", f32_1, f"USearch {usearch.__version__} exact", us_1),
            ("f32, batch 100 (per probe)", f32_100, f"USearch {usearch.__version__} exact", us_100),
        ]
    print(f"\nbiomatch ({info['isa']} kernels) against FAISS {faiss.__version__}, "
          f"{a.n} x {a.dim}, {a.threads} thread(s), ms per probe (median)")
    print(f"{'work':30} {'biomatch':>9} {'peer':>9}  {'peer/biomatch':>13}  peer")
    for work, b, peer, p in rows:
        print(f"{work:30} {b:9.2f} {p:9.2f}  {p / b:13.2f}  {peer}")
    print(f"\nread-bandwidth bound of this run: f32 {bound_f32:.2f} ms, int8 {bound_i8:.2f} ms; "
          f"biomatch f32 single probe {f32_1 / bound_f32:.3f}x the bound, "
          f"int8 {i8_1 / bound_i8:.3f}x")
    if avx2:
        print(f"AVX2 kernels, f32 batch 100: faer product {avx2['gemm']:.2f} ms/probe, "
              f"row-by-row {avx2['rows']:.2f} ms/probe: {avx2['rows'] / avx2['gemm']:.2f}x")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({
                "n": a.n, "dim": a.dim, "threads": a.threads, "isa": info["isa"],
                "faiss": faiss.__version__,
                "usearch": getattr(usearch, "__version__", None),
                "rows": [{"work": w, "biomatch_ms": b, "peer": n, "peer_ms": p}
                         for w, b, n, p in rows],
                "bound_ms": {"f32": bound_f32, "i8": bound_i8},
                "avx2_batch100_ms": avx2,
            }, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
