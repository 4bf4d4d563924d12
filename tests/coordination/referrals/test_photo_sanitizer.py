"""Photo sanitising on real encoded images: what goes in, what comes out."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import ExifTags, Image, PngImagePlugin

from coordination.referrals.photo_sanitizer import UnsupportedImage, sanitize, sniff
from kernel.errors import Invalid

pillow_heif.register_heif_opener()
LIMIT = 10_000_000


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def test_heic_is_converted_to_jpeg() -> None:
    heic = _encoded(Image.new("RGB", (32, 24), (10, 200, 30)), "HEIF", quality=80)
    assert sniff(heic) == "HEIF"
    clean = sanitize(heic, LIMIT)
    assert clean.content_type == "image/jpeg" and (clean.width, clean.height) == (32, 24)
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"


def test_exif_orientation_is_applied_then_dropped() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N"}
    jpeg = _encoded(Image.new("RGB", (40, 20)), "JPEG", exif=exif.tobytes())
    clean = sanitize(jpeg, LIMIT)
    out = Image.open(io.BytesIO(clean.data))
    assert out.size == (20, 40)  # upright as the nurse saw it
    assert not out.getexif()


def test_jpeg_comments_are_dropped() -> None:
    jpeg = _encoded(Image.new("RGB", (16, 16)), "JPEG", comment=b"Patient DUPONT Jean, 48.80N")
    assert b"DUPONT" in jpeg
    assert b"DUPONT" not in sanitize(jpeg, LIMIT).data


def test_png_text_chunks_are_dropped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Mme Durand, née le 12/05/1941")
    png = _encoded(Image.new("RGB", (8, 8)), "PNG", pnginfo=info)
    assert b"Durand" in png
    clean = sanitize(png, LIMIT)
    assert clean.content_type == "image/png" and b"Durand" not in clean.data


@pytest.mark.parametrize(
    "data",
    [
        b"<?php system($_GET['c']); ?>",
        b"GIF89a" + bytes(20),
        b"\xff\xd8\xff\xe0" + b"not really a jpeg",
        b"\x89PNG\r\n\x1a\n" + bytes(30),
    ],
)
def test_what_is_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedImage, match=r"JPEG|image"):
        sanitize(data, LIMIT)


def test_size_and_pixel_limits() -> None:
    with pytest.raises(Invalid, match="MB"):
        sanitize(b"\xff\xd8\xff" + bytes(2_000_001), 2_000_000)
    bomb = _encoded(Image.new("1", (10_000, 10_000)), "PNG")  # 100 Mpx, a few kB
    assert len(bomb) < 100_000
    with pytest.raises(Invalid, match="pixels"):
        sanitize(bomb, LIMIT)
