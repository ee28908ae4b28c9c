"""Thumbnails: small upright JPEGs, unreadable data refused with a safe message."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from b24app.merch_photos.thumbnails import PhotoUnavailable, make_thumbnail


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "JPEG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_thumbnail_fits_the_edge_and_keeps_the_aspect_ratio() -> None:
    thumb = make_thumbnail(_jpeg(4000, 3000))
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 240)
    assert len(thumb) < 20_000


def test_thumbnail_of_a_png_is_a_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 255, 128)).save(out, "PNG")
    with Image.open(io.BytesIO(make_thumbnail(out.getvalue()))) as image:
        assert (image.format, image.size) == ("JPEG", (100, 50))


def test_exif_orientation_is_applied() -> None:
    # Orientation 6: stored landscape, shown rotated 90° (a phone held upright).
    with Image.open(io.BytesIO(make_thumbnail(_jpeg(400, 300, orientation=6)))) as image:
        assert image.size == (240, 320)


def test_unreadable_data_raises_photo_unavailable() -> None:
    with pytest.raises(PhotoUnavailable):
        make_thumbnail(b"definitely not an image")
