"""Files for the media tests, made here: pictures with real Pillow, sound clips
as real containers (MPEG frames, Ogg pages, MP4 atoms) that mutagen reads,
and the hostile ones (SVG, HTML, a zip bomb, a pixel bomb)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from mutagen.ogg import OggPage
from PIL import ExifTags, Image, ImageDraw


def photo(
    width: int = 4000, height: int = 3000, *, orientation: int = 1, gps: bool = True
) -> bytes:
    """A JPEG photo-like picture (gradients, shapes, noise) with EXIF GPS."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(200, 40, 40))
    draw.rectangle((0, 0, width // 8, height // 8), fill=(20, 90, 200))  # marks the top left
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.5)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def png(width: int = 300, height: int = 200, *, transparent: bool = True, seed: int = 0) -> bytes:
    """A drawing: a few flat colours, half of it transparent when asked."""
    image = Image.new(
        "RGBA", (width, height), (0, 0, 0, 0) if transparent else (255, 255, 255, 255)
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height), fill=(200, 16 + seed % 200, 46, 255))
    draw.text((10, 10), f"flag {seed}", fill=(0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def gif(frames: int = 3) -> bytes:
    """An animated GIF whose first frame is red, the others blue."""
    images = [Image.new("P", (120, 80), 0) for _ in range(frames)]
    for i, image in enumerate(images):
        image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
        if i:
            image.paste(1, (0, 0, 120, 80))
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def other_format(kind: str) -> bytes:
    """A picture Pillow can read but the server does not take (BMP, TIFF, ICO...)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(out, kind)
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script><img src=x></body></html>"
# An HTML page dressed as an MP3: an ID3 tag, then markup and no MPEG frame.
HTML_AS_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + HTML * 20


def zip_bomb(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A zip whose one file inflates to ``inflated`` zero bytes (about 200 KB)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(inflated // len(chunk)):
            member.write(chunk)
    return out.getvalue()


def pixel_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG of ``width`` x ``height`` black pixels that is a few KB:
    900 megapixels, 2.7 GB once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    row = b"\x00" + bytes(width * 3)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# Sound.


def mp3(seconds: float) -> bytes:
    """An MP3 of silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz)."""
    header = bytes((0xFF, 0xFB, 0x90, 0x64))
    frame = header + bytes(417 - len(header))
    return frame * round(seconds * 44100 / 1152)


def ogg_vorbis(seconds: float, rate: int = 44100) -> bytes:
    """An Ogg Vorbis stream: its three headers and one audio page ending at ``seconds``."""
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 2, rate, 0, 128000, 0, 0xB8, 1)
    vendor = b"quiz tests"
    comment = (
        b"\x03vorbis" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0) + b"\x01"
    )
    setup = b"\x05vorbis" + bytes(32)
    pages = []
    for sequence, (packets, position) in enumerate(
        [([ident], 0), ([comment, setup], 0), ([bytes(200)], round(seconds * rate))]
    ):
        page = OggPage()
        page.serial, page.sequence, page.position, page.packets = 7, sequence, position, packets
        page.first = sequence == 0
        page.last = sequence == 2
        pages.append(page.write())
    return b"".join(pages)


def _atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _track(handler: bytes, seconds: float, sample_entry: bytes) -> bytes:
    timescale = 44100
    mdhd = _atom(
        b"mdhd",
        bytes(4) + struct.pack(">IIII", 0, 0, timescale, round(seconds * timescale)) + bytes(4),
    )
    hdlr = _atom(b"hdlr", bytes(8) + handler + bytes(12) + b"handler\x00")
    stsd = _atom(b"stsd", bytes(4) + struct.pack(">I", 1) + sample_entry)
    minf = _atom(b"minf", _atom(b"stbl", stsd))
    return _atom(b"trak", _atom(b"mdia", mdhd + hdlr + minf))


def m4a(seconds: float, *, video: bool = False) -> bytes:
    """An M4A (MP4 with one AAC track); with ``video``, an MP4 film with a video track too."""
    ftyp = _atom(b"ftyp", b"M4A " + bytes(4) + b"M4A mp42isom")
    mvhd = _atom(
        b"mvhd",
        bytes(4)
        + struct.pack(">IIII", 0, 0, 1000, round(seconds * 1000))
        + b"\x00\x01\x00\x00\x01\x00"
        + bytes(10)
        + bytes(36)
        + bytes(24)
        + struct.pack(">I", 3),
    )
    # The AAC decoder's description (ISO 14496-1 descriptors): AAC LC, 44.1 kHz, stereo.
    decoder = b"\x40\x15" + bytes(3) + struct.pack(">II", 128000, 128000) + b"\x05\x02\x12\x10"
    es = struct.pack(">HB", 1, 0) + b"\x04" + bytes((len(decoder),)) + decoder + b"\x06\x01\x02"
    esds = _atom(b"esds", bytes(4) + b"\x03" + bytes((len(es),)) + es)
    mp4a = _atom(
        b"mp4a",
        bytes(6)
        + struct.pack(">H", 1)
        + bytes(8)
        + struct.pack(">HHHHI", 2, 16, 0, 0, 44100 << 16)
        + esds,
    )
    tracks = b""
    if video:
        avc1 = _atom(b"avc1", bytes(6) + struct.pack(">H", 1) + bytes(70))
        tracks += _track(b"vide", seconds, avc1)
    tracks += _track(b"soun", seconds, mp4a)
    return ftyp + _atom(b"moov", mvhd + tracks) + _atom(b"mdat", bytes(256))
