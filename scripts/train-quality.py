#!/usr/bin/env python3
"""Trains biomatch's fingerprint quality model and judges it leave-one-database-out.

The model (crates/biomatch/data/quality-model.json, compiled into the library) is a logistic
function of the measurements `biomatch quality --features` prints. It is fitted to how well
each image's genuine comparisons scored (its *utility*): per database, every genuine score
is turned into its rank percentile among that database's genuine scores, and an image's
utility is the mean percentile of the comparisons it takes part in. A ridge regression of
the utility on the standardised measurements gives the weights; the ridge strength is chosen
inside each fit by leave-one-database-out over that fit's own training databases (nested),
from a fixed list. The logit is the regression's prediction centred at 0.5 and scaled by 8,
so scores spread over 0..100.

Protocol:
  * leave one database out: for each of the eight databases, fit on the other seven
    (standardisation too) and score the held-out images; the held-out scores are judged by
    `biomatch eval quality` (error versus discard, normalised partial area to 20 % discarded,
    threshold at FNMR 10 %), next to NIST NFIQ 2, with biomatch's scores and with BOZORTH3's;
  * the model shipped is fitted on all eight (its in-sample figures are reported too).

Needs numpy (the nist-peer venv has it). Usage (from the repository root, after
`cargo build --release -p biomatch-cli`):
  python3 scripts/train-quality.py --datasets ../shared/datasets --work /tmp/quality \
      [--bozorth DIR] [--write-model] [--report docs/quality-training.md]
`--bozorth DIR` points at a folder written by scripts/nist-peer-suite.py for the clean
images (DIR/fvc2002_DB1_B/nist-scores.json ...). Nothing here is tuned per database or file.
"""

import argparse
import csv
import glob
import json
import math
import os
import subprocess
import sys

import numpy as np

DATABASES = [
    ("fvc2002", "DB1_B", 500), ("fvc2002", "DB2_B", 569), ("fvc2002", "DB3_B", 500),
    ("fvc2002", "DB4_B", 500), ("fvc2004", "DB1_B", 500), ("fvc2004", "DB2_B", 500),
    ("fvc2004", "DB3_B", 512), ("fvc2004", "DB4_B", 500),
]
# Measurements used, with their transform (counts, areas and grey levels flatten as they grow).
INPUTS = [
    ("area_mm2", "log1p"), ("foreground_fraction", "identity"), ("coherence_mean", "identity"),
    ("coherence_q25", "identity"), ("measured_fraction", "identity"),
    ("period_median", "identity"), ("period_cv", "identity"), ("minutiae", "log1p"),
    ("good_minutiae", "log1p"), ("minutia_quality_mean", "identity"),
    ("edge_fraction", "identity"), ("centroid_offset", "identity"), ("contrast", "log1p"),
    ("image_std", "log1p"), ("candidates", "log1p"), ("false_fraction", "identity"),
    ("ridge_continuity", "identity"), ("orientation_flow", "identity"),
    ("minutiae_spread_mm", "identity"), ("clarity_mean", "identity"),
    ("clarity_q25", "identity"),
]
# Ridge strengths tried; each fit takes the one with the lowest leave-one-database-out area
# among its own training databases (nested, so the held-out database never chooses it).
RIDGES = [1.0, 10.0, 50.0, 200.0, 1000.0]
LOGIT_SCALE = 8.0
ALGORITHM = "biomatch-quality-1"


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, text=True, **kw)


def db_name(year, db):
    return f"{year}/{db}"


def transform(x, how):
    return math.log1p(max(x, 0.0)) if how == "log1p" else x


def load_features(args, year, db, ppi):
    path = os.path.join(args.work, f"features-{year}-{db}.jsonl")
    if not os.path.exists(path):
        files = sorted(glob.glob(os.path.join(args.datasets, year, db, "*.tif")))
        with open(path + ".tmp", "w") as out:
            run([args.biomatch, "quality", "--json", "--features", "--ppi", str(ppi)] + files,
                stdout=out)
        os.replace(path + ".tmp", path)
    rows = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "error" in r:
                sys.exit(f"{r['file']}: {r['error']}")
            rows[os.path.basename(r["file"])] = r
    return rows


def load_scores(args):
    path = os.path.join(args.work, "ours.csv")
    if not os.path.exists(path):
        dirs = [f"{os.path.join(args.datasets, y, d)}@{p}" for y, d, p in DATABASES]
        run([args.biomatch, "eval", "verify", *dirs, "--scores", path + ".tmp"],
            stdout=subprocess.DEVNULL)
        os.replace(path + ".tmp", path)
    return path


def utilities(scores_csv, target):
    """Per (database, file): how well its genuine comparisons scored (see --target)."""
    genuine, impostor = {}, {}
    with open(scores_csv) as f:
        for r in csv.DictReader(f):
            if r["kind"] == "genuine":
                genuine.setdefault(r["database"], []).append(
                    (r["probe"], r["candidate"], float(r["score"])))
            else:
                for n in (r["probe"], r["candidate"]):
                    impostor.setdefault((r["database"], n), []).append(float(r["score"]))
    util = {}
    if target == "separation":
        # Per image: (mean genuine - mean impostor) / impostor sd, as a rank percentile
        # within its database (NFIQ 2's utility, made scale-free).
        for db, rows in genuine.items():
            gen = {}
            for p, c, s in rows:
                for n in (p, c):
                    gen.setdefault(n, []).append(s)
            sep = {}
            for n, gs in gen.items():
                imp = np.array(impostor[(db, n)])
                sep[n] = (np.mean(gs) - imp.mean()) / max(imp.std(), 1e-6)
            names = sorted(sep, key=lambda n: sep[n])
            for i, n in enumerate(names):
                util[(db, n)] = i / max(len(names) - 1, 1)
        return util
    for db, rows in genuine.items():
        scores = np.array([s for _, _, s in rows])
        order = scores.argsort(kind="stable")
        ranks = np.empty(len(scores))
        # Average ranks over ties, scaled to 0..1.
        sorted_scores = scores[order]
        i = 0
        while i < len(scores):
            j = i
            while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
                j += 1
            ranks[order[i:j + 1]] = (i + j) / 2.0
            i = j + 1
        pct = ranks / max(len(scores) - 1, 1)
        if target == "errors":
            # 1 for a comparison above the database's FNMR-10 % threshold, 0 for a non-match.
            k = int(round(0.1 * len(scores)))
            tau = sorted_scores[k - 1]
            pct = (scores > tau).astype(float)
        elif target == "low":
            # The rank percentile, saturated above the lowest 30 %: only the weak end counts.
            pct = np.minimum(pct / 0.3, 1.0)
        acc = {}
        for (p, c, _), u in zip(rows, pct):
            for name in (p, c):
                acc.setdefault(name, []).append(u)
        for name, us in acc.items():
            util[(db, name)] = float(np.mean(us))
    return util


def genuine_pairs(scores_csv):
    """Per database: [(probe, candidate, score)] of the genuine comparisons."""
    out = {}
    with open(scores_csv) as f:
        for r in csv.DictReader(f):
            if r["kind"] == "genuine":
                out.setdefault(r["database"], []).append(
                    (r["probe"], r["candidate"], float(r["score"])))
    return out


def normalised_area(pairs, quality, start=0.1, limit=0.2):
    """Error versus discard as `biomatch eval quality` computes it (an independent
    implementation, used to choose the ridge inside the training folds)."""
    scores = sorted(s for _, _, s in pairs)
    tau = scores[int(round(start * len(scores))) - 1]
    comp = sorted((min(quality[p], quality[c]), s <= tau) for p, c, s in pairs)
    counts, errs, last = [], [], None
    for q, err in comp:
        if q == last:
            counts[-1] += 1
            errs[-1] += int(err)
        else:
            counts.append(1)
            errs.append(int(err))
            last = q
    counts, errs = np.array(counts, float), np.array(errs, float)
    n, errors = counts.sum(), errs.sum()
    ends = np.cumsum(counts)
    starts = ends - counts
    steps = max(8 * int(n), 2000)
    f = np.linspace(0.0, limit, steps + 1)
    d = f * n
    # Part of each tie group discarded at each d, and the errors that removes.
    taken = np.clip(d[:, None] - starts[None, :], 0.0, counts[None, :])
    removed = (taken / counts[None, :] * errs[None, :]).sum(axis=1)
    fnmr = np.maximum((errors - removed) / (n - d), 0.0)
    area = (fnmr[0] + fnmr[-1]) / 2 + fnmr[1:-1].sum()
    return area * (limit / steps) / (limit * errors / n)


def design(rows):
    return np.array([[transform(r["features"][n], how) for n, how in INPUTS] for r in rows])


def fit(x, y, ridge):
    """Ridge regression of the utility on the standardised inputs."""
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd <= 1e-12] = 1.0
    z = (x - mean) / sd
    yc = y - y.mean()
    beta = np.linalg.solve(z.T @ z + ridge * np.eye(z.shape[1]), z.T @ yc)
    return {"mean": mean, "sd": sd, "beta": beta, "intercept": float(y.mean())}


def predict(model, x):
    z = (x - model["mean"]) / model["sd"]
    logit = LOGIT_SCALE * (model["intercept"] + z @ model["beta"] - 0.5)
    return np.clip(np.round(100.0 / (1.0 + np.exp(-logit))), 0, 100).astype(int)


def model_json(model, trained_on):
    return {
        "algorithm": ALGORITHM,
        "inputs": [
            {"name": n, "transform": how, "mean": float(m), "sd": float(s),
             "weight": float(LOGIT_SCALE * b)}
            for (n, how), m, s, b in zip(INPUTS, model["mean"], model["sd"], model["beta"])
        ],
        "bias": float(LOGIT_SCALE * (model["intercept"] - 0.5)),
        "provenance": "scripts/train-quality.py: ridge regression (ridge 1.0) of each image's "
                      "mean genuine-score rank percentile on the standardised measurements, "
                      "logit = 8 x (prediction - 0.5); trained on " + ", ".join(trained_on),
    }


def write_quality_csv(path, predictions):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["database", "file", "quality"])
        for (db, name), q in sorted(predictions.items()):
            w.writerow([db, name, q])


def bozorth_csv(args):
    """BOZORTH3 scores of the clean images in `eval verify --scores` form."""
    out = os.path.join(args.work, "bozorth3.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["database", "kind", "probe", "candidate", "score"])
        for year, db, _ in DATABASES:
            cache = os.path.join(args.bozorth, f"{year}_{db}", "nist-scores.json")
            d = json.load(open(cache))
            names = sorted(os.path.basename(p) for p in
                           glob.glob(os.path.join(args.datasets, year, db, "*.tif")))
            gi = ii = 0
            for a in range(len(names)):
                for b in range(a + 1, len(names)):
                    same = names[a].split("_")[0] == names[b].split("_")[0]
                    if same:
                        s, gi = d["genuine"][gi], gi + 1
                    else:
                        s, ii = d["impostor"][ii], ii + 1
                    w.writerow([db_name(year, db), "genuine" if same else "impostor",
                                names[a], names[b], s])
            assert gi == len(d["genuine"]) and ii == len(d["impostor"]), cache
    return out


def judge(args, qualities, matcher, tag):
    dirs = [f"{os.path.join(args.datasets, y, d)}@{p}" for y, d, p in DATABASES]
    js = os.path.join(args.work, f"judge-{tag}.json")
    cmd = [args.biomatch, "eval", "quality", *dirs, "--matcher", matcher, "--json", js]
    for q in qualities:
        cmd += ["--quality", q]
    text = run(cmd, stdout=subprocess.PIPE).stdout
    print(text)
    return text, json.load(open(js))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=os.environ.get("BIOMATCH_DATASETS", "../shared/datasets"))
    ap.add_argument("--biomatch", default="target/release/biomatch")
    ap.add_argument("--work", required=True)
    ap.add_argument("--bozorth", help="folder of nist-peer-suite.py caches for the clean images")
    ap.add_argument("--target", choices=["percentile", "errors", "low", "separation"], default="percentile",
                    help="what the regression predicts per image")
    ap.add_argument("--write-model", action="store_true",
                    help="write crates/biomatch/data/quality-model.json (fitted on all eight)")
    ap.add_argument("--report", help="write a Markdown report here")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    scores = load_scores(args)
    util = utilities(scores, args.target)
    data = {}
    for year, db, ppi in DATABASES:
        feats = load_features(args, year, db, ppi)
        rows = [dict(r, name=n, db=db_name(year, db)) for n, r in sorted(feats.items())]
        data[db_name(year, db)] = (rows, design(rows),
                                   np.array([util[(db_name(year, db), r["name"])] for r in rows]))
    names = list(data)
    pairs = genuine_pairs(scores)
    loo, insample = {}, {}

    def fit_on(train, ridge):
        return fit(np.vstack([data[n][1] for n in train]),
                   np.concatenate([data[n][2] for n in train]), ridge)

    def loo_area(train, ridge):
        """Mean normalised area of leave-one-out predictions within `train`."""
        areas = []
        for held in train:
            m = fit_on([n for n in train if n != held], ridge)
            rows, x, _ = data[held]
            q = dict(zip((r["name"] for r in rows), predict(m, x)))
            areas.append(normalised_area(pairs[held], q))
        return float(np.mean(areas))

    chosen = {}

    def train_on(train):
        # Nested choice: the ridge whose leave-one-out area within `train` is lowest.
        trials = {r: loo_area(train, r) for r in RIDGES}
        ridge = min(trials, key=lambda r: (trials[r], r))
        left_out = ", ".join(sorted(set(names) - set(train))) or "none (shipped model)"
        chosen[left_out] = (ridge, trials)
        print(f"held out {left_out}: ridge {ridge}", file=sys.stderr)
        return fit_on(train, ridge)

    full = train_on(names)
    for held in names:
        train = [n for n in names if n != held]
        m = train_on(train)
        rows, x, _ = data[held]
        for r, q in zip(rows, predict(m, x)):
            loo[(held, r["name"])] = int(q)
        for r, q in zip(rows, predict(full, x)):
            insample[(held, r["name"])] = int(q)
    loo_csv = os.path.join(args.work, "loo.csv")
    ins_csv = os.path.join(args.work, "insample.csv")
    write_quality_csv(loo_csv, loo)
    write_quality_csv(ins_csv, insample)
    nfiq = os.path.join(args.datasets, "quality", "nfiq2-fvc.csv")
    sections = []
    qualities = [f"csv:{loo_csv}", f"csv:{ins_csv}", f"csv:{nfiq}"]
    text, _ = judge(args, qualities, f"scores:{scores}", "biomatch")
    sections.append(("biomatch's matcher (end to end, our extractor)", text))
    if args.bozorth:
        text, _ = judge(args, qualities, f"scores:{bozorth_csv(args)}", "bozorth3")
        sections.append(("NIST MINDTCT + BOZORTH3 scores of the same images", text))
    mj = model_json(full, names)
    if args.write_model:
        path = os.path.join(os.path.dirname(__file__), "..", "crates", "biomatch", "data",
                            "quality-model.json")
        with open(path, "w") as f:
            json.dump(mj, f, indent=2)
            f.write("\n")
        print(f"wrote {path}", file=sys.stderr)
    if args.report:
        with open(args.report, "w") as f:
            f.write("# Quality model training, leave-one-database-out\n\n")
            f.write("Made by `scripts/train-quality.py`. `quality:loo` is each database scored by "
                    "the model fitted on the other seven; `quality:insample` by the model fitted "
                    "on all eight (the one shipped); `nfiq2:nfiq2-fvc` is NIST NFIQ 2.3.\n\n")
            for title, t in sections:
                f.write(f"## With {title}\n\n```\n{t}```\n\n")
            f.write("## Ridge chosen per fit (nested leave-one-database-out area per ridge)\n\n")
            f.write("| held out | ridge | " + " | ".join(f"area at {r:g}" for r in RIDGES)
                    + " |\n|---|---|" + "---|" * len(RIDGES) + "\n")
            for k, (r, trials) in chosen.items():
                f.write(f"| {k} | {r:g} | " + " | ".join(f"{trials[x]:.3f}" for x in RIDGES)
                        + " |\n")
            f.write("\n## Weights of the shipped model (standardised inputs)\n\n")
            f.write("| input | transform | weight |\n|---|---|---|\n")
            for i in mj["inputs"]:
                f.write(f"| {i['name']} | {i['transform']} | {i['weight']:+.3f} |\n")
            f.write(f"\nBias {mj['bias']:+.3f}.\n")


if __name__ == "__main__":
    main()
