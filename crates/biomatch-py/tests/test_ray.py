"""The Ray-sharded watchlist against a single gallery, with real Ray processes."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import biomatch
from conftest import FIXTURES, random_faces

ray = pytest.importorskip("ray", reason="SKIPPED: ray is not installed (pip install ray)")
from biomatch.ray import ShardedGallery, shard_of, split_gallery  # noqa: E402

DIM = 128


@pytest.fixture(scope="module")
def ray_cluster():
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 << 20,
             log_to_driver=False, configure_logging=False)
    print(f"\nray.init() took {time.perf_counter() - t0:.1f} s")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def watchlist():
    """A single calibrated gallery: 80 subjects with a face and fingers (real fixture fingers
    and synthetic ones), plus exact duplicates under other ids (tied scores), and probes."""
    real = [biomatch.FingerTemplate.read(p) for p in sorted((FIXTURES / "gallery" / "fingers").glob("*.iso"))]
    synth = biomatch.synthetic_fingers(real, 120, seed=3)
    faces = random_faces(80, DIM, seed=12)
    # Impostor distributions for the calibrations (synthetic vs real fingers; random faces).
    finger_imp = [biomatch.finger_score(a, b) for a in real[:6] for b in synth[:40]]
    face_imp = (faces[:40] @ faces[40:].T / np.outer(np.linalg.norm(faces[:40], axis=1),
                                                     np.linalg.norm(faces[40:], axis=1))).ravel()
    g = biomatch.Gallery("m", DIM, finger_calibration=biomatch.Calibration(np.array(finger_imp, dtype=np.float64)),
                         face_calibration=biomatch.Calibration(face_imp.astype(np.float64)), threads=1)
    records = []
    for i in range(80):
        fingers = [real[i % 18]] if i < 18 else [synth[i], synth[i + 40]]
        records.append((f"subject-{i:03d}", faces[i], fingers))
    # Ties: the same record under other ids.
    records += [(f"twin-{i:03d}", faces[i], records[i][2]) for i in (0, 5, 30)]
    g.enrol_many(records)
    probes = [
        dict(face=faces[5] + 0.3 * random_faces(1, DIM, seed=13)[0]),
        dict(fingers=[real[0]]),
        dict(fingers=[real[7], synth[30]]),
        dict(face=faces[30], fingers=[synth[30]]),
    ]
    return g, probes


def answers(g, probes, mode):
    return [g.identify(**p, k=10, mode=mode) for p in probes]


@pytest.mark.parametrize("n_shards", [1, 2, 4])
def test_sharded_identify_equals_single_gallery(ray_cluster, watchlist, tmp_path, n_shards):
    g, probes = watchlist
    paths = split_gallery(g, tmp_path, n_shards)
    with ShardedGallery(paths, threads=1, num_cpus=0.25) as sg:
        assert len(sg) == len(g) and sg.ids() == g.ids()
        sizes = sg.shard_sizes()
        assert sum(sizes) == len(g) and (n_shards == 1 or min(sizes) > 0)
        for mode in ("fast", "exhaustive"):
            want = answers(g, probes, mode)
            got = [sg.identify(**p, k=10, mode=mode) for p in probes]
            assert got == want  # ids, every score, order (ties by id)
        # the tie: subject-005 and twin-005 have the same fused score, the id orders them
        top = sg.identify(**probes[0], k=2)
        assert [c.id for c in top] == ["subject-005", "twin-005"] and top[0].score == top[1].score
        # FPIR thresholds use the total subject count, not a shard's
        for fpir in (1e-1, 1e-3):
            t = biomatch.fpir_threshold(fpir, len(g))
            want = [c for c in g.identify(**probes[3], k=10) if c.score >= t]
            assert sg.identify(**probes[3], k=10, fpir=fpir) == want
            assert g.identify(**probes[3], k=10, fpir=fpir) == want
        # face batch search
        q = random_faces(6, DIM, seed=14)
        s1, i1 = g.search(q, k=7)
        s2, i2 = sg.search(q, k=7)
        np.testing.assert_array_equal(s1, s2)
        assert i1 == i2


def test_writes_route_and_survive_a_killed_shard(ray_cluster, watchlist, tmp_path):
    g, probes = watchlist
    paths = split_gallery(g, tmp_path, 2)
    with ShardedGallery(paths, threads=1, num_cpus=0.25, face_model="m", face_dim=DIM) as sg:
        before = [sg.identify(**p, k=10) for p in probes]
        new_face = random_faces(1, DIM, seed=15)[0]
        sg.enrol("newcomer", face=new_face)
        owner = sg.shard_of("newcomer")
        assert owner == shard_of("newcomer", 2)
        with pytest.raises(biomatch.DuplicateIdError):
            sg.enrol("newcomer", face=new_face)
        sg.remove("subject-010")
        with pytest.raises(KeyError):
            sg.remove("subject-010")
        # Kill both shard processes outright; Ray restarts them from their files.
        for s in sg.shards:
            os.kill(ray.get(s.pid.remote()), signal.SIGKILL)
        hit = sg.identify(face=new_face, k=1)
        assert hit[0].id == "newcomer" and hit[0].face_score == pytest.approx(1.0, abs=1e-5)
        assert "subject-010" not in sg.ids()
        g2 = biomatch.Gallery.load(paths[owner])
        assert "newcomer" in g2
        after = [sg.identify(**p, k=10) for p in probes]
        # the same answers as before, but for the two writes
        for b, a in zip(before, after):
            assert [c for c in a if c.id != "newcomer"] == [c for c in b if c.id != "subject-010"][: len([c for c in a if c.id != "newcomer"])]


def test_a_missing_shard_fails_closed(ray_cluster, watchlist, tmp_path):
    g, probes = watchlist
    paths = split_gallery(g, tmp_path, 2)
    sg = ShardedGallery(paths, threads=1, num_cpus=0.25)
    ray.kill(sg.shards[1], no_restart=True)
    with pytest.raises(biomatch.ShardUnavailableError, match=r"shard 1 \(") as e:
        sg.identify(**probes[0])
    assert str(paths[1].resolve()) in str(e.value)
    sg.close()


def test_shard_errors_reach_the_driver_as_biomatch_errors(ray_cluster, watchlist, tmp_path):
    g, _ = watchlist
    with ShardedGallery(split_gallery(g, tmp_path, 2), threads=1, num_cpus=0.25) as sg:
        with pytest.raises(biomatch.InvalidInputError):
            sg.identify(face=np.zeros(DIM, dtype=np.float32))
        with pytest.raises(biomatch.UnknownIdError):
            sg.replace("nobody", face=random_faces(1, DIM)[0])


def test_ray_readme_example_runs(ray_cluster, tmp_path):
    """The README's Ray example, run in this process (Ray is already up)."""
    from conftest import ROOT
    import re

    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "biomatch.ray" in b]
    assert blocks, "the README's Python section has no Ray example"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for code in blocks:
            exec(compile(code.replace("ray.init(", "(lambda **k: None)("), "README", "exec"), {})
    finally:
        os.chdir(cwd)
