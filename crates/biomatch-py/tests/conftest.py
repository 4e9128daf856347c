"""Shared fixtures: repository paths, the CLI (an independent route to the same core), data."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import biomatch

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures"


def read_pgm(path: Path) -> np.ndarray:
    """A binary (P5) 8-bit PGM as a 2-D uint8 array, parsed here, not by biomatch."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and int(fields[3]) == 255
    w, h = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data[pos + 1 : pos + 1 + w * h], dtype=np.uint8)
    return pixels.reshape(h, w)


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `biomatch` command (BIOMATCH_CLI, else target/release or target/debug)."""
    candidates = [os.environ.get("BIOMATCH_CLI")] + [
        str(ROOT / "target" / p / "biomatch") for p in ("release", "debug")
    ] + [shutil.which("biomatch")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    pytest.skip("SKIPPED: the biomatch CLI is not built (cargo build --release -p biomatch-cli)")


def run_cli(cli: Path, *args: str) -> str:
    return subprocess.run([str(cli), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def finger_paths() -> list[Path]:
    return sorted((FIXTURES / "gallery" / "fingers").glob("*.iso"))


@pytest.fixture(scope="session")
def faces() -> np.ndarray:
    """The 40 LFW facenet512 embeddings of fixtures/c/face (raw little-endian float32)."""
    d = FIXTURES / "c" / "face"
    paths = sorted(d.glob("watchlist_*.f32")) + sorted(d.glob("probe_*.f32"))
    return np.stack([np.fromfile(p, dtype="<f4") for p in paths])


def random_faces(n: int, dim: int = 128, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def brute_force(gallery: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine top-k in numpy (float64), ties broken by row index."""
    g = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    s = q.astype(np.float64) @ g.astype(np.float64).T
    order = np.lexsort((np.broadcast_to(np.arange(s.shape[1]), s.shape), -s), axis=1)[:, :k]
    return np.take_along_axis(s, order, axis=1), order


__all__ = ["ROOT", "FIXTURES", "read_pgm", "run_cli", "random_faces", "brute_force", "biomatch"]
