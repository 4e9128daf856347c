"""The exceptions biomatch raises.

Every error of the native module is a :class:`BiomatchError`. Each subclass also derives from
the built-in exception a Python user would catch for that kind of problem (``ValueError`` for
bad input, ``KeyError`` for an unknown id, ``OSError`` for file-system failures), so existing
``except`` clauses keep working. They are defined in Python, under their real import path, so
they pickle: Ray re-raises a worker's exception in the driver.
"""

from __future__ import annotations


class BiomatchError(Exception):
    """Base class of every biomatch error."""


class InvalidInputError(BiomatchError, ValueError):
    """An argument was rejected: wrong dimension, NaN, empty probe, bad id, too large..."""


class DuplicateIdError(BiomatchError, ValueError):
    """The id is already enrolled (use ``replace`` to overwrite it)."""


class UnknownIdError(BiomatchError, KeyError):
    """No subject or vector is enrolled under this id."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class NotCalibratedError(BiomatchError, ValueError):
    """An FMR or fused score was asked for, but the modality has no calibration."""


class TemplateFormatError(BiomatchError, ValueError):
    """A minutiae template is malformed, ambiguous or in an unsupported format."""


class ExtractionError(BiomatchError, ValueError):
    """Minutiae extraction rejected the image (empty, too small or too large, bad ppi)."""


class CalibrationError(BiomatchError, ValueError):
    """A calibration could not be built or cannot answer (bad FMR, beyond its data)."""


class CorruptFileError(BiomatchError, ValueError):
    """A gallery or index file is not one, has an unknown version, or fails its checksum."""


class BiomatchIOError(BiomatchError, OSError):
    """Reading or writing a file failed at the operating-system level (``errno`` and
    ``filename`` are set as for ``OSError``)."""


class ShardUnavailableError(BiomatchError):
    """A shard of a sharded gallery did not answer: the search fails closed rather than
    return a partial candidate list that could hide a hit."""


__all__ = [
    "BiomatchError",
    "InvalidInputError",
    "DuplicateIdError",
    "UnknownIdError",
    "NotCalibratedError",
    "TemplateFormatError",
    "ExtractionError",
    "CalibrationError",
    "CorruptFileError",
    "BiomatchIOError",
    "ShardUnavailableError",
]
