"""Photo sanitising on real encoded images: what goes in, what comes out."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import ExifTags, Image, PngImagePlugin

from coordination.referrals.photo_sanitizer import CleanImage, UnsupportedImage, sanitize, sniff
from kernel.errors import Invalid
from server.state import photo_sandbox

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


def test_an_icc_profile_does_not_ride_along() -> None:
    png = _encoded(Image.new("RGB", (8, 8)), "PNG", icc_profile=b"Mme Durand's profile")
    assert b"Durand" not in sanitize(png, LIMIT).data


async def test_a_large_png_fits_the_photo_sandbox_and_is_kept_at_most_max_side() -> None:
    # 6300 x 6300 RGBA, 170 kB, under the 40 Mpx limit: five full copies of its pixels (about
    # 780 MB) once went into re-encoding it; one copy and its reduction fit the sandbox.
    big = _encoded(Image.new("RGBA", (6300, 6300), (180, 40, 40, 255)), "PNG")
    clean = await photo_sandbox().run(CleanImage, sanitize, big, LIMIT)
    assert (clean.width, clean.height) == (3150, 3150)
    assert Image.open(io.BytesIO(clean.data)).getpixel((10, 10)) == (180, 40, 40, 255)


def test_a_large_jpeg_is_decoded_at_the_size_kept() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8  # rotate 90° counter-clockwise to display
    photo = Image.new("RGB", (6000, 4000), (20, 120, 200))
    photo.paste((250, 250, 0), (0, 0, 600, 400))  # a yellow top-left corner, as stored
    clean = sanitize(_encoded(photo, "JPEG", exif=exif.tobytes(), quality=85), LIMIT)
    assert (clean.width, clean.height) == (2000, 3000)  # halved by the decoder, then upright
    out = Image.open(io.BytesIO(clean.data))
    r, g, b = out.getpixel((50, 2950))  # the stored top-left corner, now bottom-left
    assert r > 200 and g > 200 and b < 80
