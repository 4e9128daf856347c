#!/usr/bin/env python3
"""NIST MINDTCT + BOZORTH3 on the robustness suite's images, side by side with biomatch.

Measurement only: NIST's code comes from the venv made by ../shared/tools/nist-peer/make_venv.sh
and is never a dependency of biomatch.

    biomatch eval verify DIR@PPI... --perturb all --write-images IMG --json ours.json
    VENV/bin/python scripts/nist-peer-suite.py IMG --ours ours.json --json nist.json

IMG holds TRANSFORMATION/DATABASE/NNN_M.png with a ppi.txt per folder. Images not at 500 ppi
are resampled to 500 ppi (MINDTCT assumes it). Protocol: all pairs (every same-finger pair
genuine, every pair of different fingers impostor, each unordered pair once); an image where
MINDTCT finds no minutia scores 0 in all its comparisons (FVC failure-to-enrol rule). EER is
the FVC midpoint of the bracket, computed as biomatch's `eval::metrics` does. A cache of
scores per folder (nist-scores.json inside the folder) makes re-runs instant.
"""
import argparse
import io
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image


def fvc_eer(genuine, impostor):
    """(eer, low, high, fmr1000) with biomatch's definitions (accept when score >= t)."""
    g = np.sort(np.asarray(genuine, dtype=float))
    i = np.sort(np.asarray(impostor, dtype=float))
    thresholds = np.unique(np.concatenate([g, i]))
    thresholds = np.append(thresholds, np.inf)
    fnmr = np.searchsorted(g, thresholds, side="left") / len(g)
    fmr = 1.0 - np.searchsorted(i, thresholds, side="left") / len(i)
    le = np.nonzero(fnmr <= fmr)[0]
    ge = np.nonzero(fnmr >= fmr)[0]
    p1 = le[-1] if len(le) else 0
    p2 = ge[0] if len(ge) else len(thresholds) - 1
    if fnmr[p1] + fmr[p1] <= fmr[p2] + fnmr[p2]:
        low, high = fnmr[p1], fmr[p1]
    else:
        low, high = fmr[p2], fnmr[p2]
    ok = np.nonzero(fmr <= 0.001)[0]
    fmr1000 = fnmr[ok[0]] if len(ok) else 1.0
    return (low + high) / 2.0, low, high, fmr1000


def extractor():
    import nbis

    return nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0,
            get_center=False,
            check_fingerprint=False,
            compute_nfiq2=False,
            ppi=500.0,
        )
    )


def folder_scores(folder):
    """Genuine and impostor BOZORTH3 scores of one folder (cached in the folder)."""
    cache = os.path.join(folder, "nist-scores.json")
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    ex = extractor()
    ppi = float(open(os.path.join(folder, "ppi.txt")).read().strip())
    names = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    templates = []
    for n in names:
        img = Image.open(os.path.join(folder, n)).convert("L")
        if abs(ppi - 500.0) > 5.0:
            f = 500.0 / ppi
            img = img.resize((round(img.width * f), round(img.height * f)), Image.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        try:
            templates.append(ex.extract_minutiae(buf.getvalue()).to_iso_19794_2_2011())
        except Exception:
            templates.append(None)
    ids = [tuple(int(x) for x in n[:-4].split("_")) for n in names]
    genuine, impostor = [], []
    for a in range(len(names)):
        rest = list(range(a + 1, len(names)))
        if templates[a] is None:
            scores = [0] * len(rest)
        else:
            valid = [b for b in rest if templates[b] is not None]
            got = dict(zip(valid, ex.compare_iso_19794_2_2011_batch(templates[a], [templates[b] for b in valid]))) if valid else {}
            scores = [got.get(b, 0) for b in rest]
        for b, s in zip(rest, scores):
            (genuine if ids[a][0] == ids[b][0] else impostor).append(float(s))
    out = {
        "genuine": genuine,
        "impostor": impostor,
        "failed": sum(t is None for t in templates),
        "images": len(names),
    }
    with open(cache, "w") as f:
        json.dump(out, f)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", help="folder written by eval verify --write-images")
    ap.add_argument("--ours", help="biomatch's eval verify --json of the same run")
    ap.add_argument("--json", help="write NIST's figures here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="comma-separated transformations to run (default: every folder)")
    args = ap.parse_args()
    folders = []
    only = args.only.split(",") if args.only else None
    for pert in sorted(os.listdir(args.images)):
        if only and pert not in only:
            continue
        for db in sorted(os.listdir(os.path.join(args.images, pert))):
            folders.append((pert, db, os.path.join(args.images, pert, db)))
    os.environ.setdefault("NBIS_BOZORTH_THREADS", "1")
    with ProcessPoolExecutor(args.jobs) as pool:
        all_scores = list(pool.map(folder_scores, [f for _, _, f in folders]))
    nist = {}
    for (pert, db, _), s in zip(folders, all_scores):
        eer, low, high, fmr1000 = fvc_eer(s["genuine"], s["impostor"])
        nist[(pert, db)] = {
            "perturbation": pert,
            "database": db,
            "eer": eer,
            "genuine_errors": int(round(eer * len(s["genuine"]))),
            "fmr1000": fmr1000,
            "failed_to_enrol": s["failed"],
            "genuine": len(s["genuine"]),
            "impostor": len(s["impostor"]),
        }
    ours = {}
    if args.ours:
        with open(args.ours) as f:
            for d in json.load(f)["databases"]:
                ours[(d["perturbation"], d["name"].replace("/", "_"))] = d
    print(f"{'transformation':<14} {'database':<14} {'biomatch EER (err)':>19} {'NIST EER (err)':>15} {'FMR1000 ours/NIST':>18}")
    by_pert = {}
    for key in sorted(nist):
        n = nist[key]
        o = ours.get(key)
        by_pert.setdefault(key[0], []).append((o, n))
        ours_s = f"{100 * o['eer']:6.2f} ({o['genuine_errors']:3d})" if o else "-"
        f1000 = f"{100 * o['fmr1000']:6.2f} / {100 * n['fmr1000']:6.2f}" if o else f"- / {100 * n['fmr1000']:6.2f}"
        print(f"{key[0]:<14} {key[1]:<14} {ours_s:>19} {100 * n['eer']:8.2f} ({n['genuine_errors']:3d}) {f1000:>18}")
    print()
    print(f"{'transformation':<14} {'biomatch mean':>13} {'NIST mean':>10} {'worst db ours-NIST':>19} {'wins':>5}")
    for pert, rows in by_pert.items():
        nm = np.mean([n["eer"] for _, n in rows]) * 100
        if all(o for o, _ in rows):
            om = np.mean([o["eer"] for o, _ in rows]) * 100
            worst = max((o["eer"] - n["eer"]) * 100 for o, n in rows)
            wins = sum(o["eer"] <= n["eer"] for o, n in rows)
            print(f"{pert:<14} {om:13.2f} {nm:10.2f} {worst:+19.2f} {wins:>3}/{len(rows)}")
        else:
            print(f"{pert:<14} {'-':>13} {nm:10.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(list(nist.values()), f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
