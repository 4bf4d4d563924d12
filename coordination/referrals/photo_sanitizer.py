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
from PIL import Image, ImageOps, UnidentifiedImageError

from kernel.errors import Invalid

pillow_heif.register_heif_opener()

MAX_PIXELS = 40_000_000  # beyond this a "photo" is a decompression bomb, not a wound
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class UnsupportedImage(Invalid):
    """Not an image we accept (415): its content says so, whatever its name says."""

    title = "Unsupported media type"


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


def sanitize(data: bytes, max_bytes: int) -> CleanImage:
    if len(data) > max_bytes:
        raise Invalid(f"a photo is at most {max_bytes // 1_000_000} MB", field="file")
    if not data:
        raise Invalid("the file is empty", field="file")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedImage("only JPEG, PNG and HEIC photos are accepted", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as probe:
                probe.verify()  # structure check, before decoding any pixel
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Invalid("the image has too many pixels", field="file")
                upright = ImageOps.exif_transpose(image)  # keep its look once EXIF is gone
                upright.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedImage("the file is not a readable image", field="file") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Invalid("the image has too many pixels", field="file") from exc
    out = io.BytesIO()
    mode = "RGBA" if kind == "PNG" and upright.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    decoded = upright.convert(mode)
    # A new image from the bare pixels: no `info` (comments, ICC, text chunks, EXIF) can ride
    # along, whatever Pillow would otherwise copy to the output.
    pixels = Image.frombytes(mode, decoded.size, decoded.tobytes())
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
