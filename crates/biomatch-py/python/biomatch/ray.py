"""A watchlist sharded over Ray actors.

Each shard is a :class:`biomatch.Gallery` saved in its own file and held by one Ray actor.
A subject lives whole in one shard, chosen by a stable hash of its id (:func:`shard_of`),
so its fused score does not depend on the sharding, and a merge of the shards' best
candidates in the order a single gallery uses (score descending, then id) gives exactly what
one gallery holding every subject would return.

* An actor's constructor loads its shard file; Ray restarts a dead actor
  (``max_restarts``), which then comes back with the content of its file.
* ``enrol``, ``replace`` and ``remove`` go to the owning shard, which saves its file
  before answering: an acknowledged write survives a restart.
* ``identify`` and ``search`` fail closed: a shard that does not answer (dead, or not
  within ``timeout`` seconds) raises :class:`biomatch.ShardUnavailableError` naming it;
  there is no partial answer, which could hide a watchlist hit.

Ray is imported when this module is; install it with ``pip install ray``.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import ray
import ray.exceptions

from . import Calibration, Candidate, FingerTemplate, Gallery, fpir_threshold, merge_candidates
from ._errors import ShardUnavailableError

__all__ = ["GalleryShard", "ShardedGallery", "shard_of", "split_gallery", "shard_paths"]

#: A subject record as ``Gallery.enrol_many`` takes it: ``(id, face or None, fingers)``.
SubjectRecord = tuple[str, "npt.NDArray[np.float32] | None", "Sequence[FingerTemplate] | None"]

#: Request ids a shard remembers, so a write Ray retries after a restart is not applied twice.
_REMEMBERED_REQUESTS = 10_000


def shard_of(subject_id: str, n_shards: int) -> int:
    """The shard of ``subject_id`` among ``n_shards``: BLAKE2b of its UTF-8 bytes, modulo
    ``n_shards`` (the same in every process and Python version, unlike ``hash``)."""
    if n_shards < 1:
        raise ValueError(f"n_shards={n_shards}: need at least one shard")
    digest = hashlib.blake2b(subject_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % n_shards


def shard_paths(directory: str | os.PathLike[str], n_shards: int) -> list[Path]:
    """The shard file names ``ShardedGallery(directory=..., n_shards=...)`` uses."""
    return [Path(directory) / f"shard-{i:03d}-of-{n_shards:03d}.bmg" for i in range(n_shards)]


def split_gallery(
    gallery: Gallery, directory: str | os.PathLike[str], n_shards: int, threads: int | None = None
) -> list[Path]:
    """Writes the subjects of ``gallery`` into ``n_shards`` shard files in ``directory``
    (routed by :func:`shard_of`, same configuration) and returns their paths."""
    paths = shard_paths(directory, n_shards)
    Path(directory).mkdir(parents=True, exist_ok=True)
    parts: list[list[SubjectRecord]] = [[] for _ in range(n_shards)]
    for sid in gallery.ids():
        face, fingers = gallery.get(sid)
        parts[shard_of(sid, n_shards)].append((sid, face, fingers))
    for path, records in zip(paths, parts):
        shard = _empty_like(gallery, threads)
        if records:
            shard.enrol_many(records)
        shard.save(path)
    return paths


def _empty_like(gallery: Gallery, threads: int | None) -> Gallery:
    return Gallery(
        face_model=gallery.face_model,
        face_dim=gallery.face_dim,
        precision=gallery.precision,
        finger_calibration=gallery.finger_calibration,
        face_calibration=gallery.face_calibration,
        threads=threads,
    )


class GalleryShard:
    """One shard: a gallery loaded from (and saved to) ``path``. Run as a Ray actor by
    :class:`ShardedGallery`; usable directly for tests."""

    def __init__(self, path: str, config: dict[str, Any], threads: int | None) -> None:
        self.path = Path(path)
        self.requests_path = self.path.with_name(self.path.name + ".requests")
        if self.path.exists():
            self.gallery = Gallery.load(self.path, threads=threads)
        else:
            self.gallery = Gallery(**config, threads=threads)
            self.gallery.save(self.path)
        self.applied: list[str] = []
        if self.requests_path.exists():
            self.applied = self.requests_path.read_text().split()

    def pid(self) -> int:
        return os.getpid()

    def size(self) -> int:
        return len(self.gallery)

    def ids(self) -> list[str]:
        return self.gallery.ids()

    def identify(self, kwargs: dict[str, Any]) -> tuple[list[Candidate], int]:
        return self.gallery.identify(**kwargs), len(self.gallery)

    def search(
        self, queries: npt.NDArray[np.float32], k: int, mode: str
    ) -> tuple[npt.NDArray[np.float64], list[list[str | None]]]:
        return self.gallery.search(queries, k, mode=mode)

    def get(self, subject_id: str) -> tuple[Any, list[FingerTemplate]]:
        return self.gallery.get(subject_id)

    def write(self, request: str, op: str, args: tuple[Any, ...]) -> None:
        """Applies a write once per request id, then saves the shard before answering."""
        if request in self.applied:
            return  # a retry of a write that was applied and saved before a restart
        if op == "enrol_many":
            self.gallery.enrol_many(*args)
        elif op == "replace":
            self.gallery.replace(*args)
        elif op == "remove":
            self.gallery.remove(*args)
        else:
            raise ValueError(f"unknown write {op!r}")
        self.gallery.save(self.path)
        self.applied = (self.applied + [request])[-_REMEMBERED_REQUESTS:]
        tmp = self.requests_path.with_name(self.requests_path.name + ".tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(self.applied))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.requests_path)


class ShardedGallery:
    """A watchlist sharded over Ray actors, one per shard file.

    Give the shard files as ``paths`` (their order is the routing order), or a
    ``directory`` and ``n_shards`` (files named by :func:`shard_paths`). Missing files are
    created empty with the given configuration. Each actor reserves ``num_cpus`` CPUs
    (default: ``threads``) and searches with ``threads`` threads; Ray restarts it up to
    ``max_restarts`` times (-1: always). ``timeout`` (seconds, ``None``: wait) bounds how
    long a search waits for every shard. Call :meth:`close` (or use ``with``) to stop the
    actors. Needs ``ray.init()`` first (or starts a local Ray).
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]] | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        n_shards: int | None = None,
        face_model: str = "face",
        face_dim: int = 512,
        precision: str = "f32",
        finger_calibration: Calibration | None = None,
        face_calibration: Calibration | None = None,
        threads: int = 1,
        num_cpus: float | None = None,
        max_restarts: int = -1,
        timeout: float | None = None,
    ) -> None:
        if paths is None:
            if directory is None or n_shards is None:
                raise ValueError("give the shard paths, or a directory and n_shards")
            Path(directory).mkdir(parents=True, exist_ok=True)
            paths = shard_paths(directory, n_shards)
        elif directory is not None or n_shards is not None:
            raise ValueError("give the shard paths, or a directory and n_shards, not both")
        if not paths:
            raise ValueError("need at least one shard")
        self.paths = [Path(p).resolve() for p in paths]
        self.timeout = timeout
        config = dict(
            face_model=face_model,
            face_dim=face_dim,
            precision=precision,
            finger_calibration=finger_calibration,
            face_calibration=face_calibration,
        )
        actor = ray.remote(GalleryShard).options(
            num_cpus=threads if num_cpus is None else num_cpus,
            max_restarts=max_restarts,
            max_task_retries=-1,
        )
        self.shards = [actor.remote(str(p), config, threads) for p in self.paths]
        # Wait until every shard has loaded its file (a bad file fails here, by name).
        self._gather([s.size.remote() for s in self.shards], "start")

    # -- plumbing ---------------------------------------------------------------------------

    def _gather(self, refs: list[Any], what: str) -> list[Any]:
        """Every shard's answer, or ShardUnavailableError naming the shards that failed."""
        _, waiting = ray.wait(refs, num_returns=len(refs), timeout=self.timeout)
        if waiting:
            for r in waiting:
                ray.cancel(r)
            late = [i for i, r in enumerate(refs) if r in waiting]
            raise ShardUnavailableError(
                f"{what}: shard(s) {', '.join(self._name(i) for i in late)} did not answer "
                f"within {self.timeout} s; no partial answer is returned"
            )
        out = []
        for i, r in enumerate(refs):
            try:
                out.append(ray.get(r))
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError) as e:
                raise ShardUnavailableError(
                    f"{what}: shard {self._name(i)} is unavailable ({type(e).__name__}); "
                    "no partial answer is returned"
                ) from e
        return out

    def _name(self, i: int) -> str:
        return f"{i} ({self.paths[i]})"

    def shard_of(self, subject_id: str) -> int:
        """The index of the shard holding (or to hold) ``subject_id``."""
        return shard_of(subject_id, len(self.shards))

    def _write(self, shard: int, op: str, *args: Any) -> None:
        request = uuid.uuid4().hex
        self._gather([self.shards[shard].write.remote(request, op, args)], op)

    # -- reads ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return sum(self._gather([s.size.remote() for s in self.shards], "size"))

    def shard_sizes(self) -> list[int]:
        """Subjects per shard."""
        return self._gather([s.size.remote() for s in self.shards], "size")

    def ids(self) -> list[str]:
        """Every enrolled id, sorted."""
        return sorted(i for part in self._gather([s.ids.remote() for s in self.shards], "ids") for i in part)

    def get(self, subject_id: str) -> tuple[Any, list[FingerTemplate]]:
        """The record of ``subject_id`` from its shard (``UnknownIdError`` if absent)."""
        return self._gather([self.shards[self.shard_of(subject_id)].get.remote(subject_id)], "get")[0]

    def identify(
        self,
        face: npt.NDArray[np.float32] | None = None,
        fingers: Sequence[FingerTemplate] | None = None,
        k: int = 10,
        mode: str = "fast",
        shortlist: int | None = None,
        min_fused_score: float | None = None,
        fpir: float | None = None,
    ) -> list[Candidate]:
        """1:N over every shard, merged exactly: the candidates a single
        :meth:`biomatch.Gallery.identify` over all subjects returns (same ids, scores and
        order). ``fpir`` uses the total subject count of all shards."""
        if min_fused_score is not None and fpir is not None:
            raise ValueError("give min_fused_score or fpir, not both")
        kwargs = dict(face=face, fingers=fingers, k=k, mode=mode, shortlist=shortlist,
                      min_fused_score=min_fused_score)
        args = ray.put(kwargs)
        answers = self._gather([s.identify.remote(args) for s in self.shards], "identify")
        merged = merge_candidates([c for c, _ in answers], k)
        if fpir is not None:
            # Filtering after the merge is exact: a threshold keeps a prefix of each list.
            threshold = fpir_threshold(fpir, sum(n for _, n in answers))
            merged = [c for c in merged if c.score >= threshold]
        return merged

    def search(
        self, queries: npt.NDArray[np.float32], k: int = 10, mode: str = "fast"
    ) -> tuple[npt.NDArray[np.float64], list[list[str | None]]]:
        """Face-only batch search over every shard, merged exactly per query row (as
        :meth:`biomatch.Gallery.search`: scores ``[m, k]`` padded with ``-inf``, ids padded
        with ``None``)."""
        q = ray.put(np.asarray(queries))
        answers = self._gather([s.search.remote(q, k, mode) for s in self.shards], "search")
        m = answers[0][0].shape[0]
        scores = np.full((m, k), -np.inf)
        ids: list[list[str | None]] = [[None] * k for _ in range(m)]
        for row in range(m):
            lists = [
                [Candidate(i, float(s)) for s, i in zip(sc[row], si[row]) if i is not None]
                for sc, si in answers
            ]
            for j, c in enumerate(merge_candidates(lists, k)):
                scores[row, j] = c.score
                ids[row][j] = c.id
        return scores, ids

    # -- writes (saved by the owning shard before they return) ------------------------------

    def enrol(
        self,
        subject_id: str,
        face: npt.NDArray[np.float32] | None = None,
        fingers: Sequence[FingerTemplate] | None = None,
    ) -> None:
        """Enrols one subject in its shard (``DuplicateIdError`` if enrolled)."""
        self._write(self.shard_of(subject_id), "enrol_many", [(subject_id, face, fingers)])

    def enrol_many(self, subjects: Iterable[SubjectRecord]) -> None:
        """Enrols ``(id, face, fingers)`` records, each shard's part all or none (the shards
        are written in parallel; a failing shard leaves the others' parts enrolled)."""
        parts: dict[int, list[SubjectRecord]] = {}
        for rec in subjects:
            parts.setdefault(self.shard_of(rec[0]), []).append(rec)
        refs = [self.shards[i].write.remote(uuid.uuid4().hex, "enrol_many", (recs,))
                for i, recs in parts.items()]
        self._gather(refs, "enrol_many")

    def replace(
        self,
        subject_id: str,
        face: npt.NDArray[np.float32] | None = None,
        fingers: Sequence[FingerTemplate] | None = None,
    ) -> None:
        """Replaces the record of an enrolled subject (``UnknownIdError`` if absent)."""
        self._write(self.shard_of(subject_id), "replace", subject_id, face, fingers)

    def remove(self, subject_id: str) -> None:
        """Removes a subject (``UnknownIdError`` if absent)."""
        self._write(self.shard_of(subject_id), "remove", subject_id)

    # -- life cycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the shard actors (their files stay)."""
        for s in self.shards:
            ray.kill(s, no_restart=True)
        self.shards = []

    def __enter__(self) -> ShardedGallery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
