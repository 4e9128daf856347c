"""The bindings' API and errors, checked against independent expectations (numpy, the CLI)."""

from __future__ import annotations

import errno
import pickle
import threading
import time

import numpy as np
import pytest

import biomatch
from conftest import FIXTURES, brute_force, random_faces, read_pgm, run_cli

ISO = FIXTURES / "c" / "finger"


# -- templates ---------------------------------------------------------------------------------

def test_template_read_bytes_and_path_agree_and_info_matches_the_cli(cli):
    path = ISO / "101_1.iso"
    a = biomatch.FingerTemplate.read(path)
    b = biomatch.FingerTemplate.from_bytes(path.read_bytes())
    assert a == b and a.format == "iso2005" and len(a) == 1
    info = a.info()
    assert info["view_count"] == 1
    # `biomatch template info` prints the minutia count and geometry independently.
    out = run_cli(cli, "template", "info", str(path))
    assert f"{info['views'][0]['minutia_count']} minutiae" in out
    assert a.minutiae().shape == (info["views"][0]["minutia_count"], 4)


def test_template_write_round_trips(tmp_path):
    t = biomatch.FingerTemplate.read(ISO / "102_1.iso")
    for fmt in ("iso2005", "iso2011", "ansi2004", "ansi2009"):
        p = tmp_path / f"t.{fmt}"
        t.write(p, fmt)
        back = biomatch.FingerTemplate.read(p)
        assert back.format == fmt
        assert p.read_bytes() == t.to_bytes(fmt)
        # Coordinates are whole pixels in every format; angles within one format step.
        np.testing.assert_allclose(back.minutiae()[:, :2], t.minutiae()[:, :2], atol=0.5)
        diff = np.abs((back.minutiae()[:, 2] - t.minutiae()[:, 2] + 180) % 360 - 180)
        assert diff.max() <= 2.0


def test_template_errors():
    with pytest.raises(biomatch.TemplateFormatError) as e:
        biomatch.FingerTemplate.from_bytes(b"not a template at all")
    assert isinstance(e.value, ValueError)
    with pytest.raises(biomatch.TemplateFormatError):
        biomatch.FingerTemplate.from_bytes(b"")
    with pytest.raises(biomatch.TemplateFormatError):
        biomatch.FingerTemplate.from_bytes((ISO / "101_1.iso").read_bytes()[:40])
    with pytest.raises(biomatch.TemplateFormatError):
        biomatch.FingerTemplate.read(ISO / "101_1.iso").to_bytes("no-such-format")
    with pytest.raises(FileNotFoundError.__mro__[1]) as e:  # OSError
        biomatch.FingerTemplate.read(FIXTURES / "does-not-exist.iso")
    assert isinstance(e.value, biomatch.BiomatchIOError)
    assert e.value.errno == errno.ENOENT and e.value.filename.endswith("does-not-exist.iso")


def test_template_pickles():
    t = biomatch.FingerTemplate.read(ISO / "103_2.iso")
    back = pickle.loads(pickle.dumps(t))
    assert back == t and back.format == "iso2005"
    assert biomatch.finger_score(back, t) == biomatch.finger_score(t, t)


# -- 1:1 fingerprint ---------------------------------------------------------------------------

def test_finger_scores_equal_the_cli(cli):
    paths = sorted(ISO.glob("*.iso"))[:6]
    templates = [biomatch.FingerTemplate.read(p) for p in paths]
    for i, a in enumerate(paths):
        for j, b in enumerate(paths):
            want = float(run_cli(cli, "match", str(a), str(b)).split()[0])
            got = biomatch.finger_score(templates[i], templates[j])
            assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (a.name, b.name)


def test_finger_score_needs_a_view():
    empty = biomatch.FingerTemplate._from_state('{"record": {"capture_device_id": 0, "certified": false, "cbeff_owner": 0, "cbeff_type": 0, "has_certification_blocks": false}, "views": []}')
    t = biomatch.FingerTemplate.read(ISO / "101_1.iso")
    with pytest.raises(biomatch.InvalidInputError):
        biomatch.finger_score(empty, t)


# -- extraction --------------------------------------------------------------------------------

def test_extraction_equals_the_cli_and_ignores_strides(cli, tmp_path):
    pgm = FIXTURES / "c" / "image" / "101_1.pgm"
    image = read_pgm(pgm)
    out = tmp_path / "cli.iso"
    run_cli(cli, "extract", str(pgm), str(out), "--ppi", "500", "--format", "iso2005")
    want = biomatch.FingerTemplate.read(out)

    t = biomatch.extract(image, ppi=500)
    assert 0 < t.quality <= 100
    ours = biomatch.FingerTemplate.from_bytes(t.to_bytes("iso2005"))
    np.testing.assert_array_equal(ours.minutiae(), want.minutiae())

    # The same pixels in other memory layouts: Fortran order, a padded buffer's window
    # (row stride larger than the width, column stride 2), and a read-only view.
    fortran = np.asfortranarray(image)
    padded = np.zeros((image.shape[0] + 7, 2 * image.shape[1] + 10), dtype=np.uint8)
    padded[3 : 3 + image.shape[0], 4 : 4 + 2 * image.shape[1] : 2] = image
    window = padded[3 : 3 + image.shape[0], 4 : 4 + 2 * image.shape[1] : 2]
    assert not window.flags.c_contiguous
    readonly = image.copy()
    readonly.setflags(write=False)
    for variant in (fortran, window, readonly):
        np.testing.assert_array_equal(biomatch.extract(variant, ppi=500).minutiae(), t.minutiae())


def test_extraction_errors():
    with pytest.raises(TypeError):
        biomatch.extract(np.zeros((300, 300), dtype=np.float32))
    with pytest.raises(TypeError):
        biomatch.extract(np.zeros((300, 300, 3), dtype=np.uint8))
    with pytest.raises(biomatch.ExtractionError):
        biomatch.extract(np.zeros((0, 300), dtype=np.uint8))
    with pytest.raises(biomatch.ExtractionError):
        biomatch.extract(np.zeros((20, 20), dtype=np.uint8))
    with pytest.raises(biomatch.ExtractionError):
        biomatch.extract(np.zeros((300, 300), dtype=np.uint8), ppi=float("nan"))
    with pytest.raises(ValueError):
        biomatch.extract(np.zeros((300, 300), dtype=np.uint8), threads=0)


# -- faces -------------------------------------------------------------------------------------

def test_face_score_is_the_cosine(faces):
    for i in range(0, 40, 7):
        for j in range(0, 40, 5):
            a, b = faces[i], faces[j]
            want = float(a.astype(np.float64) @ b / np.linalg.norm(a) / np.linalg.norm(b))
            assert biomatch.face_score(a, b) == pytest.approx(want, abs=2e-6)


def test_face_index_search_equals_numpy(faces):
    index = biomatch.FaceIndex("facenet512", 512)
    ids = np.arange(100, 120, dtype=np.int64)
    index.add(ids, faces[:20])
    scores, found = index.search(faces[20:], 5)
    want_s, want_rows = brute_force(faces[:20], faces[20:], 5)
    np.testing.assert_allclose(scores, want_s, atol=2e-6)
    np.testing.assert_array_equal(found, ids[want_rows])
    assert scores.dtype == np.float32 and found.dtype == np.int64 and len(index) == 20
    # k beyond the index: padded with -inf and -1.
    s, f = index.search(faces[20:22], 25)
    assert np.isneginf(s[:, 20:]).all() and (f[:, 20:] == -1).all()
    assert sorted(f[0, :20]) == list(ids)


def test_face_index_precisions_stay_within_their_bounds():
    g = random_faces(2000, 256, seed=1)
    q = random_faces(10, 256, seed=2)
    want, _ = brute_force(g, q, 10)
    for precision, tol in (("f16", 2e-3), ("i8", 2e-2)):
        index = biomatch.FaceIndex("m", 256, precision=precision)
        index.add(np.arange(2000, dtype=np.int64), g)
        s, _ = index.search(q, 10)
        np.testing.assert_allclose(s, want, atol=tol)


def test_face_index_takes_read_only_and_strided_arrays():
    g = random_faces(300, 128, seed=3)
    q = random_faces(4, 128, seed=4)
    index = biomatch.FaceIndex("m", 128)
    ro = g.copy()
    ro.setflags(write=False)
    index.add(np.arange(300, dtype=np.int64), ro)
    s0, i0 = index.search(q, 7)
    wide = np.zeros((4, 256), dtype=np.float32)
    wide[:, ::2] = q
    for variant in (np.asfortranarray(q), wide[:, ::2], q[::-1][::-1]):
        s, i = index.search(variant, 7)
        np.testing.assert_array_equal(s, s0)
        np.testing.assert_array_equal(i, i0)
    np.testing.assert_allclose(index.vector(5), g[5] / np.linalg.norm(g[5]), atol=1e-6)


def test_face_index_errors():
    index = biomatch.FaceIndex("m", 128)
    ok = random_faces(3, 128)
    with pytest.raises(TypeError):
        index.add(np.arange(3, dtype=np.int64), ok.astype(np.float64))
    with pytest.raises(TypeError):
        index.add(np.arange(3, dtype=np.int64), ok[0])
    with pytest.raises(TypeError):
        index.add(np.arange(3, dtype=np.int32), ok)
    with pytest.raises(biomatch.InvalidInputError):
        index.add(np.arange(3, dtype=np.int64), random_faces(3, 129))
    with pytest.raises(biomatch.InvalidInputError):
        index.add(np.arange(2, dtype=np.int64), ok)
    with pytest.raises(ValueError, match="negative"):
        index.add(np.array([-1, 2, 3], dtype=np.int64), ok)
    bad = ok.copy()
    bad[2, 7] = np.nan
    with pytest.raises(biomatch.InvalidInputError, match="row 2"):
        index.add(np.arange(3, dtype=np.int64), bad)
    assert len(index) == 0  # all or none
    index.add(np.arange(3, dtype=np.int64), ok)
    with pytest.raises(biomatch.DuplicateIdError):
        index.add(np.array([2], dtype=np.int64), ok[:1])
    with pytest.raises(KeyError):
        index.remove(np.array([9], dtype=np.int64))
    with pytest.raises(biomatch.InvalidInputError):
        index.search(ok, 0)
    with pytest.raises(biomatch.NotCalibratedError):
        index.threshold_for_fmr(1e-3)
    with pytest.raises(biomatch.InvalidInputError):
        biomatch.FaceIndex("m", 64)
    with pytest.raises(biomatch.InvalidInputError):
        biomatch.FaceIndex("m", 128, precision="f64")


def test_face_index_persists_and_pickles(tmp_path):
    g = random_faces(50, 128, seed=5)
    index = biomatch.FaceIndex("m", 128, precision="i8")
    index.add(np.arange(50, dtype=np.int64) * 3, g)
    index.calibrate(np.linspace(-0.2, 0.3, 500))
    q = random_faces(3, 128, seed=6)
    want = index.search(q, 4)
    index.save(tmp_path / "f.idx")
    for other in (biomatch.FaceIndex.load(tmp_path / "f.idx"), pickle.loads(pickle.dumps(index))):
        got = other.search(q, 4)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert other.precision == "i8" and other.calibration is not None
    (tmp_path / "bad.idx").write_bytes(b"BMFACEIX" + b"\0" * 40)
    with pytest.raises(biomatch.CorruptFileError):
        biomatch.FaceIndex.load(tmp_path / "bad.idx")
    with pytest.raises(OSError):
        biomatch.FaceIndex.load(tmp_path / "missing.idx")


def test_threads_argument_gives_the_same_answer():
    g = random_faces(5000, 128, seed=7)
    q = random_faces(20, 128, seed=8)
    index = biomatch.FaceIndex("m", 128)
    index.add(np.arange(5000, dtype=np.int64), g, threads=1)
    a = index.search(q, 10, threads=1)
    b = index.search(q, 10, threads=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError):
        index.search(q, 10, threads=0)


def test_long_calls_release_the_gil():
    g = random_faces(100_000, 256, seed=9)
    index = biomatch.FaceIndex("m", 256)
    index.add(np.arange(100_000, dtype=np.int64), g)
    q = random_faces(64, 256, seed=10)
    span: list[float] = []

    def search() -> None:
        t0 = time.perf_counter()
        for _ in range(3):
            index.search(q, 10, threads=1)
        span.extend([t0, time.perf_counter()])

    worker = threading.Thread(target=search)
    ticks: list[float] = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    t0, t1 = span
    assert t1 - t0 > 0.05, "the search was too short to tell"
    inside = [t for t in ticks if t0 + 0.01 < t < t1 - 0.01]
    # With the GIL held for the whole call, this thread could not run during it.
    assert len(inside) >= 5, (len(inside), t1 - t0)


# -- calibration -------------------------------------------------------------------------------

def test_calibration_counts_impostors_and_round_trips():
    rng = np.random.default_rng(11)
    impostors = rng.normal(0.0, 0.1, 20_000)
    cal = biomatch.Calibration(impostors, description="synthetic")
    for s in (-0.1, 0.0, 0.1, 0.2):
        assert cal.fmr(s) == pytest.approx(np.mean(impostors >= s), rel=1e-9)
    t = cal.threshold(1e-2)
    assert np.mean(impostors >= t) <= 1e-2 + 1e-12
    assert len(cal) == 20_000 and cal.description == "synthetic"
    back = biomatch.Calibration.from_json(cal.to_json())
    # Bit for bit, tail included (serde_json needs float_roundtrip for this).
    for s in np.linspace(0.0, 0.6, 61):
        assert back.fmr(s) == cal.fmr(s)
    assert pickle.loads(pickle.dumps(cal)).threshold(1e-3) == cal.threshold(1e-3)
    assert biomatch.Calibration(list(impostors[:100])).fmr(0.0) == pytest.approx(np.mean(impostors[:100] >= 0))


def test_calibration_errors():
    with pytest.raises(biomatch.CalibrationError):
        biomatch.Calibration(np.array([], dtype=np.float64))
    with pytest.raises(biomatch.CalibrationError):
        biomatch.Calibration(np.array([0.1, np.nan]))
    with pytest.raises(biomatch.CalibrationError):
        biomatch.Calibration(np.linspace(0, 1, 100)).threshold(0.0)
    with pytest.raises(biomatch.CalibrationError):
        biomatch.Calibration.from_json("{")


# -- gallery -----------------------------------------------------------------------------------

def test_gallery_face_search_equals_numpy(faces):
    g = biomatch.Gallery("facenet512", 512)
    ids = [f"person-{i:02d}" for i in range(20)]
    g.add(ids, faces[:20])
    scores, found = g.search(faces[20:], k=3)
    want_s, want_rows = brute_force(faces[:20], faces[20:], 3)
    np.testing.assert_allclose(scores, want_s, atol=2e-6)
    assert found == [[ids[r] for r in row] for row in want_rows]
    s, f = g.search(faces[20:21], k=25)
    assert np.isneginf(s[0, 20:]).all() and f[0][20:] == [None] * 5
    assert len(g) == 20 and "person-03" in g and "nobody" not in g


def test_gallery_finger_identify_equals_one_to_one_scores(finger_paths):
    templates = [biomatch.FingerTemplate.read(p) for p in finger_paths]
    g = biomatch.Gallery()
    # Subject "101" holds 101_1 and 101_2 ... ; the third impression of each is a probe.
    subjects = {}
    for p, t in zip(finger_paths, templates):
        finger, impression = p.stem.split("_")
        if impression != "3":
            subjects.setdefault(finger, []).append(t)
    g.enrol_many([(sid, None, ts) for sid, ts in subjects.items()])
    assert g.finger_count == 2 * len(subjects)
    for p, probe in zip(finger_paths, templates):
        if not p.stem.endswith("_3"):
            continue
        for mode in ("fast", "exhaustive"):
            got = g.identify(fingers=[probe], k=len(subjects), mode=mode)
            want = sorted(
                ((max(biomatch.finger_score(probe, t) for t in ts), sid) for sid, ts in subjects.items()),
                key=lambda x: (-x[0], x[1]),
            )
            assert [c.id for c in got] == [sid for _, sid in want]
            np.testing.assert_allclose([c.score for c in got], [s for s, _ in want], rtol=1e-6)
            assert [c.finger_scores[0] for c in got] == [c.score for c in got]
        top = g.identify(fingers=[probe], k=1)[0]
        assert top.id == p.stem.split("_")[0]
        v = g.verify(top.id, fingers=[probe])
        assert v == top


def test_gallery_writes_persist_and_errors(tmp_path, finger_paths, faces):
    t = [biomatch.FingerTemplate.read(p) for p in finger_paths[:3]]
    g = biomatch.Gallery("facenet512", 512)
    g.enrol("a", face=faces[0], fingers=t[:1])
    g.enrol("b", fingers=t[1:2])
    with pytest.raises(biomatch.DuplicateIdError):
        g.enrol("a", face=faces[1])
    with pytest.raises(KeyError) as e:
        g.replace("zz", face=faces[1])
    assert isinstance(e.value, biomatch.UnknownIdError) and "zz" in str(e.value)
    with pytest.raises(biomatch.InvalidInputError):
        g.enrol("c")
    with pytest.raises(biomatch.InvalidInputError):
        g.enrol("", face=faces[2])
    with pytest.raises(biomatch.InvalidInputError):
        g.identify()
    with pytest.raises(biomatch.NotCalibratedError):
        g.identify(face=faces[0], fingers=t[:1])
    with pytest.raises(biomatch.InvalidInputError):
        g.identify(face=faces[0][:100])
    with pytest.raises(TypeError):
        g.identify(face=faces[0].astype(np.float64))
    with pytest.raises(biomatch.InvalidInputError):
        g.identify(fingers=t[:1], mode="quick")
    g.replace("b", face=faces[3])
    face, fingers = g.get("b")
    np.testing.assert_allclose(face, faces[3] / np.linalg.norm(faces[3]), atol=1e-6)
    assert fingers == []
    g.remove("a")
    assert g.ids() == ["b"]
    g.save(tmp_path / "g.bmg")
    back = biomatch.Gallery.load(tmp_path / "g.bmg")
    assert back.ids() == ["b"] and back.face_model == "facenet512"
    assert back.identify(face=faces[3]) == g.identify(face=faces[3])
    (tmp_path / "junk.bmg").write_bytes(b"junk" * 10)
    with pytest.raises(biomatch.CorruptFileError):
        biomatch.Gallery.load(tmp_path / "junk.bmg")


def test_watchlist_records_windows_filters_purge_and_encryption(tmp_path, finger_paths):
    t0 = 1_800_000_000
    t = [biomatch.FingerTemplate.read(p) for p in finger_paths[:2]]
    g = biomatch.Gallery("facenet512", 512)
    # The same finger under three ids, another finger under a fourth.
    for i in ("valid", "expired", "missing"):
        g.enrol(i, fingers=t[:1])
    g.enrol("other", fingers=t[1:2])
    g.set_record("valid", {"category": "wanted", "agency": "INTERPOL", "reference": "A-1",
                           "action": "detain", "valid_from": t0 - 10, "valid_until": t0 + 10,
                           "fields": {"notice": "red"}})
    g.set_record("expired", {"category": "wanted", "agency": "INTERPOL", "valid_until": t0})
    g.set_record("missing", {"category": "missing", "agency": "police"})
    with pytest.raises(biomatch.InvalidInputError):
        g.set_record("valid", {"category": "wanted", "agency": "x", "valid_from": 5,
                               "valid_until": 4})
    with pytest.raises(biomatch.InvalidInputError):
        g.set_record("valid", {"category": "wanted", "agency": "x", "colour": "blue"})
    with pytest.raises(biomatch.UnknownIdError):
        g.set_record("nobody", None)

    def hits(**kw):
        found = g.identify(fingers=t[:1], mode="exhaustive", **kw)
        return sorted(c.id for c in found if c.id != "other")

    assert hits(at=t0 - 1) == ["expired", "missing", "valid"]
    assert hits(at=t0) == ["missing", "valid"]
    assert hits(at=t0 + 10) == ["missing"]
    assert hits(at=t0, categories=["wanted"]) == ["valid"]
    assert hits(at=t0, agencies=["police"]) == ["missing"]
    top = g.identify(fingers=t[:1], at=t0, categories=["wanted"])[0]
    assert top.record == {"category": "wanted", "agency": "INTERPOL", "reference": "A-1",
                          "action": "detain", "valid_from": t0 - 10, "valid_until": t0 + 10,
                          "fields": {"notice": "red"}}
    assert pickle.loads(pickle.dumps(top)) == top
    assert g.record("other") is None

    assert g.purge(at=t0) == ["expired"]
    assert g.ids() == ["missing", "other", "valid"]
    key, other = bytes(range(32)), bytes(32)
    g.save(tmp_path / "w.bmg", key=key)
    assert b"INTERPOL" not in (tmp_path / "w.bmg").read_bytes()
    back = biomatch.Gallery.load(tmp_path / "w.bmg", key=key)
    assert back.ids() == g.ids() and back.record("valid") == g.record("valid")
    with pytest.raises(biomatch.CorruptFileError, match="wrong key"):
        biomatch.Gallery.load(tmp_path / "w.bmg", key=other)
    with pytest.raises(biomatch.CorruptFileError, match="key is needed"):
        biomatch.Gallery.load(tmp_path / "w.bmg")
    with pytest.raises(biomatch.InvalidInputError):
        g.save(tmp_path / "w.bmg", key=b"short")


def test_fpir_threshold_uses_the_subject_count():
    assert biomatch.fpir_threshold(1e-2, 1000) == pytest.approx(5.0)
    assert biomatch.fpir_threshold(1e-3, 10) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        biomatch.fpir_threshold(0.0, 10)


def test_merge_candidates_orders_by_score_then_id():
    a = [biomatch.Candidate("b", 3.0), biomatch.Candidate("d", 1.0)]
    b = [biomatch.Candidate("a", 3.0), biomatch.Candidate("c", 2.0)]
    got = biomatch.merge_candidates([a, b], 3)
    assert [c.id for c in got] == ["a", "b", "c"]
    with pytest.raises(biomatch.InvalidInputError):
        biomatch.merge_candidates([a, [biomatch.Candidate("b", 0.5)]], 3)
    with pytest.raises(biomatch.InvalidInputError):
        biomatch.merge_candidates([[biomatch.Candidate("x", float("nan"))]], 3)


@pytest.mark.parametrize(
    "error",
    [
        biomatch.UnknownIdError('subject "x" is not enrolled'),
        biomatch.InvalidInputError("bad"),
        biomatch.BiomatchIOError(2, "no such file", "/x"),
        biomatch.ShardUnavailableError("shard 1"),
    ],
)
def test_exceptions_pickle(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and back.args == error.args and str(back) == str(error)
    assert isinstance(back, biomatch.BiomatchError)


def test_raised_exceptions_pickle():
    try:
        biomatch.Gallery().remove("ghost")
    except biomatch.BiomatchError as e:
        back = pickle.loads(pickle.dumps(e))
        assert isinstance(back, KeyError) and "ghost" in str(back)
    else:
        raise AssertionError("no error")
