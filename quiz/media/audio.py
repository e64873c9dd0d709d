"""An uploaded sound clip checked with mutagen. Pure and CPU-bound (it reads
headers and frames in memory), run in a thread like the pictures.

Audio is stored as uploaded: re-encoding needs an encoder (ffmpeg) the
server does not ship, and a clip plays only as sound. What is checked: the
container is one of three (MP3, Ogg with Vorbis or Opus, M4A with AAC and no
video track) by its first bytes and by mutagen reading it through, and the
clip lasts at most the configured time.
"""

from __future__ import annotations

import io
import struct

from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from quiz.media.model import AUDIO_TYPES, Media, too_large, unsupported

_ERRORS = (MutagenError, OSError, ValueError, EOFError, IndexError, KeyError, struct.error)


def audio_kind(head: bytes) -> str | None:
    """``mp3``, ``ogg`` or ``m4a`` by a file's first bytes, or None."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"  # an ID3 tag, or an MPEG audio frame's sync bits
    if head.startswith(b"OggS"):
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    return None


def process_audio(data: bytes, kind: str, max_seconds: float) -> Media:
    """The clip ``data`` holds, as uploaded; :class:`MediaRefused` if it is none."""
    try:
        seconds = _duration(data, kind)
    except _ERRORS:
        seconds = None
    if seconds is None or not seconds > 0:
        raise unsupported(f"the file is not a playable {kind.upper()} audio clip")
    if seconds > max_seconds:
        raise too_large(f"the clip lasts {seconds:.1f} s; at most {max_seconds:g} s are accepted")
    return Media.of(data, AUDIO_TYPES[kind], duration_ms=round(seconds * 1000))


def _duration(data: bytes, kind: str) -> float | None:
    if kind == "mp3":
        mp3 = MP3(io.BytesIO(data))
        return float(mp3.info.length) if mp3.info.layer == 3 else None
    if kind == "ogg":
        for reader in (OggVorbis, OggOpus):
            try:
                return float(reader(io.BytesIO(data)).info.length)
            except _ERRORS:
                continue
        return None
    if _has_video(data):
        return None  # an MP4 film is not a sound clip
    m4a = MP4(io.BytesIO(data))
    codec = getattr(m4a.info, "codec", "")
    return float(m4a.info.length) if codec.startswith("mp4a") else None


def _has_video(data: bytes) -> bool:
    """Whether an MP4 container holds a video track."""
    file = io.BytesIO(data)
    atoms = Atoms(file)
    for trak in atoms[b"moov"].findall(b"trak"):
        ok, handler = trak[b"mdia", b"hdlr"].read(file)
        if not ok or handler[8:12] == b"vide":
            return True
    return False
