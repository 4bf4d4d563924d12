"""What a wound photo must be before anyone stores it: a real JPEG, PNG or HEIC image (judged
by its bytes, never its name), not too big, and re-encoded from its pixels so that no EXIF, GPS,
maker note or comment survives. HEIC (iPhones) is converted to JPEG.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import ExifTags, Image, UnidentifiedImageError

from kernel.errors import Invalid, UnsupportedMedia

pillow_heif.register_heif_opener()

MAX_PIXELS = 40_000_000  # beyond this a "photo" is a decompression bomb, not a wound
MAX_SIDE = 4096  # the longest side kept: a phone's 12 Mpx photo whole, anything larger scaled
# EXIF orientations (2-8) as the transposition that shows the photo upright.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class UnsupportedImage(UnsupportedMedia):
    """Not an image we accept (415): its content says so, whatever its name says."""


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def sniff(data: bytes) -> str | None:
    """The format the first bytes prove: "JPEG", "PNG", "HEIF" or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _reduction(width: int, height: int) -> int:
    """The integer factor that brings the longest side to MAX_SIDE or under."""
    return -(-max(width, height) // MAX_SIDE)


def precheck(data: bytes, max_bytes: int) -> str:
    """The checks that read no pixel (size, the format's magic bytes): cheap enough to run
    before a photo is handed to a sandbox. The format proven, or Invalid / UnsupportedImage."""
    if len(data) > max_bytes:
        raise Invalid(
            f"a photo is at most {max_bytes // 1_000_000} MB",
            code="file_too_large",
            params={"megabytes": max_bytes // 1_000_000},
            field="file",
        )
    if not data:
        raise Invalid("the file is empty", code="referral_photo_empty", field="file")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedImage(
            "only JPEG, PNG and HEIC photos are accepted",
            code="referral_photo_format",
            field="file",
        )
    return kind


def sanitize(data: bytes, max_bytes: int) -> CleanImage:
    """The photo re-encoded from its pixels alone, its longest side at most MAX_SIDE.

    Memory: one decoded copy at a time where it can be (a JPEG is decoded straight at the
    size kept or near it, by its DCT scaling; a PNG at full size, then reduced by an integer
    factor), so a 40 Mpx RGBA PNG costs about 160 MB and its reduction, not five copies. Callers bound how many run at once (the server runs
    this in its photo sandbox)."""
    kind = precheck(data, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as probe:
                probe.verify()  # structure check, before decoding any pixel
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Invalid(
                        "the image has too many pixels",
                        code="referral_photo_too_many_pixels",
                        field="file",
                    )
                orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
                mode = (
                    "RGBA" if kind == "PNG" and image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
                )
                if kind == "JPEG":
                    factor = _reduction(image.width, image.height)
                    image.draft(mode, (image.width // factor, image.height // factor))
                pixels = _decoded(image, mode)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedImage(
            "the file is not a readable image", code="referral_photo_unreadable", field="file"
        ) from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Invalid(
            "the image has too many pixels", code="referral_photo_too_many_pixels", field="file"
        ) from exc
    if orientation in _TRANSPOSE:  # keep its look once EXIF is gone
        pixels = pixels.transpose(_TRANSPOSE[orientation])
    # Only the pixels go out: no `info` (comments, ICC, text chunks, EXIF) can ride along,
    # whatever Pillow would otherwise copy from it to the output.
    pixels.info = {}
    out = io.BytesIO()
    if kind == "PNG":
        pixels.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        pixels.save(out, format="JPEG", quality=90, optimize=True)
        content_type = "image/jpeg"
    clean = out.getvalue()
    return CleanImage(
        data=clean,
        content_type=content_type,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(clean).hexdigest(),
    )


def _decoded(image: Image.Image, mode: str) -> Image.Image:
    """The pixels in `mode` at the size kept, the larger copies released as soon as done."""
    image.load()
    pixels = image if image.mode == mode else image.convert(mode)
    if pixels is not image:
        image.close()  # the decoded original is not needed any more
    factor = _reduction(pixels.width, pixels.height)
    if factor > 1:
        pixels = pixels.reduce(factor)  # a box average, one pass, a copy the size kept
    return pixels
