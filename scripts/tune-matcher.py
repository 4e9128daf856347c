#!/usr/bin/env python3
"""Chooses the matcher's tuned constants by search, leave-one-database-out.

The same discipline as scripts/tune-extractor.py: for every one of the eight shared FVC
databases a greedy coordinate search starts from the current defaults and chooses the
matcher's constants on the *other seven*; the choice is then measured on the held-out one.
The same search over all eight gives the in-sample choice, which may become the defaults only
when the leave-one-out mean is within 0.5 points of the in-sample mean.

The objective is the mean all-pairs EER over the databases and four sets of templates of the
same images:
  - none, fill, frame: minutiae our extractor finds on the clean images and on two of the
    robustness suite's transformations (written once per extractor by
    `biomatch eval verify --perturb none,fill,frame --write-templates`, stored as
    ISO/IEC 19794-2:2005 templates, as an integrator would store them);
  - secugen: the commercial extractor's ISO templates in datasets/iso-secugen (another
    extractor, another coordinate frame: the matcher must not fit our extractor alone).
Only matching runs per candidate (no extraction), so one evaluation takes a few seconds and
every evaluation is cached by its constants in --cache.

    cargo build --release -p biomatch-cli
    python3 scripts/tune-matcher.py --cache target/tune-matcher --report docs/tuning-matcher.md

Needs only Python 3 (no packages).
"""
import argparse
import copy
import hashlib
import json
import os
import subprocess
import sys
import time

# (parameter, candidate values). The current default must be among the values.
# `neighbours` and `roots` are not searched: they buy accuracy with speed (10 neighbours won
# 0.27 points of the objective in a first search but cost 28 % of the comparisons per second,
# below the 130,000/s the matcher must keep), so they stay where the speed budget puts them.
SPACE = [
    ("length_tolerance", [4.0, 5.0, 6.0, 7.0, 8.0]),
    ("length_tolerance_ratio", [0.035, 0.045, 0.055, 0.065, 0.075]),
    ("angle_tolerance", [11.5, 13.5, 15.5, 17.5, 19.5]),
    ("rotation_tolerance", [15.0, 20.0, 25.0, 30.0, 35.0]),
    ("consistency_tolerance", [12.0, 16.0, 20.0, 24.0, 28.0]),
    ("consistency_ratio", [0.05, 0.1, 0.15, 0.2, 0.25]),
    ("anisotropy", [0.0, 0.2, 0.3, 0.4, 0.5, 0.6]),
    ("anisotropy_rotation", [20.0, 30.0, 40.0, 50.0]),
    ("min_edge_length", [4.0, 6.0, 8.0, 10.0, 12.0]),
    ("max_edge_length", [180.0, 220.0, 260.0, 300.0]),
    ("chance_exponent", [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]),
]

DATABASES = [
    ("fvc2002/DB1_B", 500), ("fvc2002/DB2_B", 569), ("fvc2002/DB3_B", 500), ("fvc2002/DB4_B", 500),
    ("fvc2004/DB1_B", 500), ("fvc2004/DB2_B", 500), ("fvc2004/DB3_B", 512), ("fvc2004/DB4_B", 500),
]
EXTRACTED = ["none", "fill", "frame"]


class Evaluator:
    def __init__(self, args):
        self.args = args
        os.makedirs(args.cache, exist_ok=True)
        self.runs = 0
        self.sets = self.template_sets()

    def template_sets(self):
        """{set name: root folder holding fvc200x/DBn_B of templates}."""
        root = os.path.join(self.args.cache, "templates")
        if not os.path.isdir(os.path.join(root, EXTRACTED[-1])):
            dirs = [f"{self.args.datasets}/{db}@{ppi}" for db, ppi in DATABASES]
            print("extracting the template sets once ...", file=sys.stderr)
            subprocess.run([self.args.biomatch, "eval", "verify", *dirs, "--perturb", ",".join(EXTRACTED),
                            "--write-templates", root], check=True, stdout=subprocess.DEVNULL)
        sets = {name: os.path.join(root, name) for name in EXTRACTED}
        sets["secugen"] = os.path.join(self.args.datasets, "iso-secugen")
        return sets

    def results(self, params):
        """{(set, database): eer} over all sets and databases (cached)."""
        text = json.dumps(params, sort_keys=True)
        key = hashlib.sha256((text + "|" + ",".join(sorted(self.sets))).encode()).hexdigest()[:16]
        out = os.path.join(self.args.cache, key + ".json")
        if not os.path.exists(out):
            cand = os.path.join(self.args.cache, key + ".params.json")
            with open(cand, "w") as f:
                f.write(text)
            merged = {"params": params}
            t = time.time()
            for name, root in self.sets.items():
                dirs = [os.path.join(root, db) for db, _ in DATABASES]
                tmp = out + "." + name + ".tmp"
                subprocess.run([self.args.biomatch, "eval", "verify", *dirs, "--matcher-params", cand,
                                "--json", tmp], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(tmp) as f:
                    merged[name] = {d["name"]: d["eer"] for d in json.load(f)["databases"]}
                os.remove(tmp)
            with open(out + ".tmp", "w") as f:
                json.dump(merged, f)
            os.rename(out + ".tmp", out)
            self.runs += 1
            print(f"  evaluated {key} in {time.time() - t:.1f} s", file=sys.stderr)
        with open(out) as f:
            report = json.load(f)
        return {(s, db): report[s][db] for s in self.sets for db, _ in DATABASES}

    def objective(self, params, dbs):
        r = self.results(params)
        return 100 * sum(r[(s, db)] for s in self.sets for db in dbs) / (len(dbs) * len(self.sets))


def search(ev, start, dbs, min_gain, sweeps, log):
    """Greedy coordinate search: per parameter take the best value while it improves the
    objective on `dbs` by more than min_gain points; repeat for `sweeps` passes."""
    params = copy.deepcopy(start)
    best = ev.objective(params, dbs)
    for _ in range(sweeps):
        changed = False
        for path, values in SPACE:
            current = params[path]
            scored = []
            for v in values:
                if v == current:
                    continue
                cand = dict(params, **{path: v})
                scored.append((ev.objective(cand, dbs), v, cand))
            if not scored:
                continue
            score, v, cand = min(scored, key=lambda t: t[0])
            if score < best - min_gain:
                log(f"    {path}: {current} -> {v}: {best:.3f} -> {score:.3f}")
                params, best, changed = cand, score, True
        if not changed:
            break
    return params, best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=os.environ.get("BIOMATCH_DATASETS", "../shared/datasets"))
    ap.add_argument("--biomatch", default="target/release/biomatch")
    ap.add_argument("--cache", default="target/tune-matcher")
    ap.add_argument("--min-gain", type=float, default=0.02,
                    help="smallest improvement of the objective (EER points) worth a change")
    ap.add_argument("--sweeps", type=int, default=2, help="passes over the parameters")
    ap.add_argument("--report", help="write the tables as Markdown here")
    ap.add_argument("--json", help="write the folds' choices and results as JSON here")
    args = ap.parse_args()

    defaults = json.loads(subprocess.run([args.biomatch, "eval", "params", "--matcher"], check=True,
                                         capture_output=True, text=True).stdout)
    ev = Evaluator(args)
    names = [db for db, _ in DATABASES]
    sets = list(ev.sets)
    lines = []

    def log(s):
        print(s, file=sys.stderr)
        lines.append(s)

    log("in-sample search (all eight databases)")
    insample, _ = search(ev, defaults, names, args.min_gain, args.sweeps, log)
    folds = []
    for held in names:
        log(f"fold: {held} held out")
        chosen, _ = search(ev, defaults, [n for n in names if n != held], args.min_gain, args.sweeps, log)
        r = ev.results(chosen)
        folds.append({
            "held_out": held,
            "changes": {p: chosen[p] for p, _ in SPACE if chosen[p] != defaults[p]},
            "held_out_eer": {s: r[(s, held)] for s in sets},
        })
    r_in = ev.results(insample)
    r_def = ev.results(defaults)

    out = [f"Objective: mean all-pairs EER over the databases and the template sets {', '.join(sets)}.", "",
           "| held-out database | templates | defaults | chosen without it (LOO) | chosen on all eight (in-sample) |",
           "|---|---|---|---|---|"]
    means = {s: [0.0, 0.0, 0.0] for s in sets}
    for f in folds:
        for s in sets:
            a, b, c = r_def[(s, f["held_out"])], f["held_out_eer"][s], r_in[(s, f["held_out"])]
            for i, v in enumerate((a, b, c)):
                means[s][i] += v / len(folds)
            out.append(f"| {f['held_out']} | {s} | {100 * a:.2f} | {100 * b:.2f} | {100 * c:.2f} |")
    for s in sets:
        out.append(f"| **mean** | {s} | {100 * means[s][0]:.2f} | {100 * means[s][1]:.2f} | {100 * means[s][2]:.2f} |")
    overall = [sum(means[s][i] for s in sets) / len(sets) for i in range(3)]
    out.append(f"| **mean** | all | {100 * overall[0]:.2f} | {100 * overall[1]:.2f} | {100 * overall[2]:.2f} |")
    out.append("")
    out.append("In-sample changes: " + (", ".join(f"`{p}` {defaults[p]} -> {insample[p]}"
                                                for p, _ in SPACE if insample[p] != defaults[p]) or "none"))
    for f in folds:
        out.append(f"- without {f['held_out']}: " + (", ".join(f"`{k}` {v}" for k, v in f["changes"].items()) or "no change"))
    out.append("")
    out.append("LOO mean minus in-sample mean (points): "
               + ", ".join(f"{s} {100 * (means[s][1] - means[s][2]):+.2f}" for s in sets)
               + f", all {100 * (overall[1] - overall[2]):+.2f}")
    out.append(f"Evaluations run: {ev.runs} (the rest came from the cache).")
    text = "\n".join(out)
    print(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write("# Matcher tuning, leave-one-database-out\n\n"
                    "Made by `scripts/tune-matcher.py`; the search log:\n\n```\n"
                    + "\n".join(lines) + "\n```\n\n" + text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"folds": folds, "in_sample": insample, "defaults": defaults}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
