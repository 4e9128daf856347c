"""biomatch: fingerprint and face biometric matching for border gates.

The matching runs in Rust (the ``biomatch._biomatch`` extension); arrays are numpy arrays,
read in place. Long calls release the GIL and take ``threads=`` (the size of the thread pool
they run in; ``None`` uses one thread per core). ``biomatch.ray`` shards a watchlist over Ray
actors.
"""

from __future__ import annotations

from ._biomatch import (
    Calibration,
    Candidate,
    FaceIndex,
    FingerTemplate,
    Gallery,
    __version__,
    default_threads,
    extract,
    face_score,
    finger_score,
    fpir_threshold,
    merge_candidates,
    synthetic_fingers,
)
from ._errors import (
    BiomatchError,
    BiomatchIOError,
    CalibrationError,
    CorruptFileError,
    DuplicateIdError,
    ExtractionError,
    InvalidInputError,
    NotCalibratedError,
    ShardUnavailableError,
    TemplateFormatError,
    UnknownIdError,
)

__all__ = [
    "Calibration",
    "Candidate",
    "FaceIndex",
    "FingerTemplate",
    "Gallery",
    "__version__",
    "default_threads",
    "extract",
    "face_score",
    "finger_score",
    "fpir_threshold",
    "merge_candidates",
    "synthetic_fingers",
    "BiomatchError",
    "BiomatchIOError",
    "CalibrationError",
    "CorruptFileError",
    "DuplicateIdError",
    "ExtractionError",
    "InvalidInputError",
    "NotCalibratedError",
    "ShardUnavailableError",
    "TemplateFormatError",
    "UnknownIdError",
]
