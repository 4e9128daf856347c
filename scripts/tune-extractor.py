#!/usr/bin/env python3
"""Chooses the extractor's tuned constants by search, leave-one-database-out.

The rule this follows: nothing is tuned on the data it is judged on. For every one of the
eight shared FVC databases a greedy coordinate search starts from the current defaults and
chooses constants on the *other seven* (all-pairs EER, averaged over the clean images and
the robustness transformations given with --perturb); the chosen constants are then
measured on the held-out database. The same search over all eight gives the in-sample
choice. Defaults should be changed to the in-sample choice only when the leave-one-out mean
is within 0.5 points of the in-sample mean (otherwise the search overfits: simplify).

Every evaluation runs `biomatch eval verify ... --extract-params CANDIDATE.json --json` once
over all eight databases and is cached by its parameters in --cache, so the eight folds
share their work (they mostly walk the same path).

    cargo build --release -p biomatch-cli
    python3 scripts/tune-extractor.py --cache target/tune --report docs/tuning.md

Needs only Python 3 (no packages). Takes about 1-2 minutes per candidate on 2 cores.
"""
import argparse
import copy
import hashlib
import json
import os
import subprocess
import sys
import time

# (parameter path, candidate values). The current default must be among the values.
SPACE = [
    ("frame.max_stripe", [0, 24]),
    ("frame.ratio", [0.25, 0.35, 0.5]),
    ("filter.edge_distance", [8.0, 12.0, 16.0]),
    ("filter.border_facing", [12.0, 20.0, 28.0]),
    ("filter.border_distance", [6.0, 8.0, 12.0]),
    ("segment.smooth_passes", [0, 1, 2]),
    ("segment.min_std", [4.0, 6.0, 8.0]),
    ("segment.relative_std", [0.15, 0.25, 0.35]),
    ("filter.min_coherence", [0.1, 0.15, 0.25]),
    ("enhance.across_sigma", [0.35, 0.45, 0.55]),
    ("filter.max_minutiae", [80, 120]),
    ("frequency.min_amplitude", [2.0, 4.0, 6.0]),
    ("orientation.smooth_radius", [2, 3, 4]),
    ("frequency.min_swing_ratio", [0.0, 0.04, 0.07, 0.1]),
]

DATABASES = [
    ("fvc2002/DB1_B", 500), ("fvc2002/DB2_B", 569), ("fvc2002/DB3_B", 500), ("fvc2002/DB4_B", 500),
    ("fvc2004/DB1_B", 500), ("fvc2004/DB2_B", 500), ("fvc2004/DB3_B", 512), ("fvc2004/DB4_B", 500),
]


def get(params, path):
    for k in path.split("."):
        params = params[k]
    return params


def put(params, path, value):
    keys = path.split(".")
    for k in keys[:-1]:
        params = params.setdefault(k, {})
    params[keys[-1]] = value


class Evaluator:
    def __init__(self, args):
        self.args = args
        os.makedirs(args.cache, exist_ok=True)
        self.runs = 0

    def results(self, params):
        """{(perturbation, database): eer} over all eight databases (cached)."""
        text = json.dumps(params, sort_keys=True)
        key = hashlib.sha256((text + "|" + ",".join(self.args.perturb)).encode()).hexdigest()[:16]
        out = os.path.join(self.args.cache, key + ".json")
        if not os.path.exists(out):
            cand = os.path.join(self.args.cache, key + ".params.json")
            with open(cand, "w") as f:
                f.write(text)
            dirs = [f"{self.args.datasets}/{db}@{ppi}" for db, ppi in DATABASES]
            cmd = [self.args.biomatch, "eval", "verify", *dirs, "--perturb", ",".join(self.args.perturb),
                   "--extract-params", cand, "--json", out + ".tmp"]
            t = time.time()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            os.rename(out + ".tmp", out)
            self.runs += 1
            print(f"  evaluated {key} in {time.time() - t:.0f} s", file=sys.stderr)
        with open(out) as f:
            report = json.load(f)
        return {(d["perturbation"], d["name"]): d["eer"] for d in report["databases"]}

    def objective(self, params, dbs):
        r = self.results(params)
        return 100 * sum(r[(p, db)] for p in self.args.perturb for db in dbs) / (len(dbs) * len(self.args.perturb))


def search(ev, start, dbs, min_gain, log):
    """Greedy coordinate search: repeatedly take the best single change while it improves the
    objective on `dbs` by more than min_gain points."""
    params = copy.deepcopy(start)
    best = ev.objective(params, dbs)
    for sweep in range(ev.args.sweeps):
        changed = False
        for path, values in SPACE:
            current = get(params, path)
            for v in values:
                if v == current:
                    continue
                cand = copy.deepcopy(params)
                put(cand, path, v)
                score = ev.objective(cand, dbs)
                if score < best - min_gain:
                    log(f"    {path}: {current} -> {v}: {best:.3f} -> {score:.3f}")
                    params, best, current, changed = cand, score, v, True
        if not changed:
            break
    return params, best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=os.environ.get("BIOMATCH_DATASETS", "../shared/datasets"))
    ap.add_argument("--biomatch", default="target/release/biomatch")
    ap.add_argument("--cache", default="target/tune")
    ap.add_argument("--perturb", default="none,fill,frame",
                    help="transformations averaged into the objective (comma-separated)")
    ap.add_argument("--min-gain", type=float, default=0.05,
                    help="smallest improvement of the objective (EER points) worth a change")
    ap.add_argument("--sweeps", type=int, default=1, help="passes over the parameters")
    ap.add_argument("--params", help="comma-separated parameter paths: search only these")
    ap.add_argument("--report", help="write the tables as Markdown here")
    ap.add_argument("--json", help="write the folds' choices and results as JSON here")
    args = ap.parse_args()
    args.perturb = args.perturb.split(",")
    if args.params:
        # Search only these parameters (the rest keep their defaults): a new constant can be
        # chosen, leave-one-database-out, without repeating the whole search.
        wanted = args.params.split(",")
        unknown = [w for w in wanted if w not in dict(SPACE)]
        if unknown:
            ap.error(f"not in the search space: {', '.join(unknown)}")
        SPACE[:] = [(p, v) for p, v in SPACE if p in wanted]

    # The defaults: what the binary uses with no overrides (read back from a run's params).
    defaults = json.loads(subprocess.run([args.biomatch, "eval", "params"], check=True,
                                         capture_output=True, text=True).stdout)
    ev = Evaluator(args)
    names = [db for db, _ in DATABASES]
    lines = []

    def log(s):
        print(s, file=sys.stderr)
        lines.append(s)

    log("in-sample search (all eight databases)")
    insample, _ = search(ev, defaults, names, args.min_gain, log)
    folds = []
    for held in names:
        log(f"fold: {held} held out")
        chosen, _ = search(ev, defaults, [n for n in names if n != held], args.min_gain, log)
        r = ev.results(chosen)
        folds.append({
            "held_out": held,
            "changes": {p: get(chosen, p) for p, _ in SPACE if get(chosen, p) != get(defaults, p)},
            "held_out_eer": {p: r[(p, held)] for p in args.perturb},
        })
    r_in = ev.results(insample)
    r_def = ev.results(defaults)

    out = []
    out.append(f"Objective: mean all-pairs EER over the databases and the transformations {', '.join(args.perturb)}.")
    out.append("")
    out.append("| held-out database | transformation | defaults | chosen without it (LOO) | chosen on all eight (in-sample) |")
    out.append("|---|---|---|---|---|")
    means = {p: [0.0, 0.0, 0.0] for p in args.perturb}
    for f in folds:
        for p in args.perturb:
            a, b, c = r_def[(p, f["held_out"])], f["held_out_eer"][p], r_in[(p, f["held_out"])]
            means[p][0] += a / len(folds)
            means[p][1] += b / len(folds)
            means[p][2] += c / len(folds)
            out.append(f"| {f['held_out']} | {p} | {100 * a:.2f} | {100 * b:.2f} | {100 * c:.2f} |")
    for p in args.perturb:
        out.append(f"| **mean** | {p} | {100 * means[p][0]:.2f} | {100 * means[p][1]:.2f} | {100 * means[p][2]:.2f} |")
    out.append("")
    out.append("In-sample changes: " + (", ".join(f"`{p}` {get(defaults, p)} -> {get(insample, p)}"
                                                for p, _ in SPACE if get(insample, p) != get(defaults, p)) or "none"))
    for f in folds:
        out.append(f"- without {f['held_out']}: " + (", ".join(f"`{k}` {v}" for k, v in f["changes"].items()) or "no change"))
    gap = {p: 100 * (means[p][1] - means[p][2]) for p in args.perturb}
    out.append("")
    out.append("LOO mean minus in-sample mean (points): " + ", ".join(f"{p} {g:+.2f}" for p, g in gap.items()))
    out.append(f"Evaluations run: {ev.runs} (the rest came from the cache).")
    text = "\n".join(out)
    print(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write("# Extractor tuning, leave-one-database-out\n\n"
                    "Made by `scripts/tune-extractor.py`; the search log:\n\n```\n"
                    + "\n".join(lines) + "\n```\n\n" + text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"folds": folds, "in_sample": insample, "defaults": defaults}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
