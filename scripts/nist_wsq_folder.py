#!/usr/bin/env python3
"""Encodes every FVC B image with NIST's WSQ encoder (PyPI `wsq`, its default setting) into
OUT/<db>/NAME.wsq, the control for scripts/wsq-eer.sh: run `biomatch eval verify OUT/<db>@PPI ...` on it.
usage: nist_wsq_folder.py DATASETS OUT"""
import io
import os
import sys

from PIL import Image
import wsq  # noqa: F401

datasets, out = sys.argv[1], sys.argv[2]
total_bits = total_pixels = 0
for db in ["fvc2002/DB1_B", "fvc2002/DB2_B", "fvc2002/DB3_B", "fvc2002/DB4_B",
           "fvc2004/DB1_B", "fvc2004/DB2_B", "fvc2004/DB3_B", "fvc2004/DB4_B"]:
    os.makedirs(os.path.join(out, db), exist_ok=True)
    for f in sorted(os.listdir(os.path.join(datasets, db))):
        if not f.endswith(".tif"):
            continue
        im = Image.open(os.path.join(datasets, db, f)).convert("L")
        buf = io.BytesIO()
        im.save(buf, "WSQ")
        open(os.path.join(out, db, f[:-4] + ".wsq"), "wb").write(buf.getvalue())
        total_bits += 8 * len(buf.getvalue())
        total_pixels += im.size[0] * im.size[1]
print(f"NIST WSQ: mean {total_bits / total_pixels:.3f} bit/pixel")
