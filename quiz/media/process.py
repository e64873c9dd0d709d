"""What an upload's bytes are, and what the server stores of them. Pure, CPU-bound.

The only entry the service calls (in a thread). The first bytes say whether
to read a sound clip (:mod:`quiz.media.audio`); everything else is tried as
a picture (:mod:`quiz.media.images`), whose decoders are the only judge of
whether it is one. The claimed content type plays no part.
"""

from __future__ import annotations

from dataclasses import dataclass

from quiz.media.audio import audio_kind, process_audio
from quiz.media.images import process_image
from quiz.media.model import Media, unsupported

# ISO base media files that are pictures, not sound (an iPhone's HEIC).
_PICTURE_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis"})


@dataclass(frozen=True, slots=True)
class Limits:
    """What one item may be, from the settings."""

    max_pixels: int
    audio_max_seconds: float


def process(data: bytes, limits: Limits) -> Media:
    """The item to store for ``data``, or :class:`~quiz.media.model.MediaRefused`."""
    head = data[:16]
    if head[4:8] == b"ftyp" and head[8:12] in _PICTURE_BRANDS:
        raise unsupported("HEIC and AVIF pictures are not accepted: send a JPEG, PNG or WebP")
    kind = audio_kind(head)
    if kind is not None:
        return process_audio(data, kind, limits.audio_max_seconds)
    return process_image(data, limits.max_pixels)
