"""An uploaded picture made safe and small with Pillow. Pure and CPU-bound:
the server runs it in a thread (quiz.media.service), never on the event loop.

The bytes decide what a picture is, never its name or claimed type: only
JPEG, PNG, WebP and GIF decoders are tried (``Image.open(formats=...)``), so
SVG, HTML, TIFF, PDF, EPS (which would start Ghostscript) and the rest never
reach a parser. The pixel count is read from the header and refused over
the limit before anything is decoded; a JPEG is decoded already scaled down
(``draft``: libjpeg's DCT scaling); EXIF orientation is applied; the longest
side becomes at most :data:`LONGEST_SIDE`; colours are converted to sRGB;
the result is encoded anew with no metadata at all (EXIF, GPS, XMP, ICC).

Why WebP for everything: one format holds photos and transparency, it is
about half the bytes of a JPEG of the same look at 1600 px (measured here:
160 KB against 326 KB for the same photo at quality 80/85), iOS Safari has
shown it since 2020, and each picture is sent to every phone of a room,
while it is encoded once. Drawings with at most 256 colours that came as
PNG or GIF (flags, diagrams) are encoded losslessly: exact edges, and small.
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from quiz.media.model import IMAGE_TYPE, Media, too_large, unsupported

ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")
LONGEST_SIDE = 1600
QUALITY = 80
# libwebp's effort, 0 to 6: 4 is its default, within a few per cent of 6's
# size at half its time (about 150 ms for a 1600 x 1200 photo here).
METHOD = 4
# Pictures from lossless formats with this few colours stay lossless.
PALETTE_COLOURS = 256
# What a broken file makes Pillow's decoders raise, besides OSError.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def process_image(data: bytes, max_pixels: int) -> Media:
    """The picture ``data`` holds, re-encoded; :class:`MediaRefused` if none."""
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit: an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_large(f"the image has more than {max_pixels} pixels") from None
        except UnidentifiedImageError:
            raise unsupported(
                "the file is not a JPEG, PNG, WebP or GIF image, nor MP3, Ogg or M4A audio"
            ) from None
        except _DECODE_ERRORS:
            raise unsupported("the image is damaged") from None
        with image:
            return _reencode(image, max_pixels)


def _reencode(image: Image.Image, max_pixels: int) -> Media:
    width, height = image.size
    if width < 1 or height < 1:
        raise unsupported("the image has no pixels")
    if width * height > max_pixels:
        raise too_large(
            f"the image is {width} x {height} pixels; at most {max_pixels} pixels are accepted"
        )
    source = image.format
    target = _fitted((width, height))
    if source == "JPEG" and target != (width, height):
        # Decode at 1/2, 1/4 or 1/8 scale, never below the target size:
        # four to sixty-four times fewer pixels to decode and to resize.
        image.draft("RGB", target)
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A GIF frame may reach past the size its header gave.
        raise too_large(f"the image has more than {max_pixels} pixels") from None
    except _DECODE_ERRORS:
        raise unsupported("the image is damaged or truncated") from None
    picture = _upright(image)
    picture = _srgb(picture, image.info.get("icc_profile"))
    picture = _plain_mode(picture)
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    lossless = source in ("PNG", "GIF") and picture.getcolors(PALETTE_COLOURS) is not None
    out = io.BytesIO()
    # Nothing but pixels: no exif, icc_profile or xmp is passed, and Pillow's
    # WebP writer adds none of its own.
    picture.save(out, "WEBP", quality=QUALITY, method=METHOD, lossless=lossless)
    return Media.of(out.getvalue(), IMAGE_TYPE, width=picture.width, height=picture.height)


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled so that its longest side is at most LONGEST_SIDE."""
    width, height = size
    longest = max(width, height)
    if longest <= LONGEST_SIDE:
        return size
    scale = LONGEST_SIDE / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _upright(image: Image.Image) -> Image.Image:
    """The picture as the camera was held (EXIF orientation), a new image."""
    try:
        upright = ImageOps.exif_transpose(image)
    except (*_DECODE_ERRORS, KeyError, TypeError):
        # Unreadable EXIF: shown as stored, like a browser would.
        return image.copy()
    return upright if upright is not None else image.copy()


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in sRGB, so that dropping the ICC profile changes no colour
    (a phone's Display P3 photo would look faded without it)."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile littlecms cannot read: the pixels as they are
    return converted if converted is not None else image


def _plain_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA where some pixel is not opaque."""
    if image.mode.startswith("I;16"):
        # 16 bits a channel (some PNGs): the top 8 bits, not a clipped white.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.has_transparency_data:
        image = image.convert("RGBA")
        if image.getchannel("A").getextrema() == (255, 255):
            image = image.convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return image
