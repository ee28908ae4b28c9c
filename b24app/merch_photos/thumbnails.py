"""Small JPEG thumbnails of the photos, made once and kept in the database.

Photos are downloaded from the ``DOWNLOAD_URL`` that ``disk.attachedObject.get`` returns
(rest-facts §7: the attachment ID from UF_TASK_WEBDAV_FILES is resolved there, never used as
a Drive file ID). The URL is followed, never built, stored or logged: on a real portal it
carries an access token. Pillow decodes and resizes (EXIF orientation respected, since phone
photos are often stored sideways); anything it cannot read is recorded as an error so the
board shows a placeholder instead of retrying on every visit.
"""
from __future__ import annotations

import io

import requests
from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_EDGE = 320
JPEG_QUALITY = 75
MAX_DOWNLOAD_BYTES = 40 * 1024 * 1024
DOWNLOAD_TIMEOUT = (5.0, 30.0)


TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class PhotoUnavailable(Exception):
    """The photo could not be downloaded or decoded; the message is safe to show and store.

    ``transient``: worth another try later (a timeout, a 5xx), not a property of the photo.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def download(url: str, session: requests.Session | None = None) -> tuple[bytes, str]:
    """Return the bytes and content type behind a DOWNLOAD_URL (size-capped)."""
    getter = session or requests
    try:
        with getter.get(url, timeout=DOWNLOAD_TIMEOUT, stream=True) as answer:
            if answer.status_code != 200:
                raise PhotoUnavailable(f"HTTP {answer.status_code}",
                                       transient=answer.status_code in TRANSIENT_STATUSES)
            chunks: list[bytes] = []
            total = 0
            for chunk in answer.iter_content(65536):
                total += len(chunk)
                if total > MAX_DOWNLOAD_BYTES:
                    raise PhotoUnavailable("too large")
                chunks.append(chunk)
            return b"".join(chunks), answer.headers.get("Content-Type", "application/octet-stream")
    except requests.RequestException as exc:
        raise PhotoUnavailable(type(exc).__name__, transient=True) from None


def make_thumbnail(data: bytes, edge: int = THUMB_EDGE) -> bytes:
    """Return a JPEG no larger than ``edge`` × ``edge`` of an image, upright."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (edge * 2, edge * 2))   # JPEG: decode at a reduced scale, fast
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge))
            out = io.BytesIO()
            upright.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoUnavailable(f"not an image ({type(exc).__name__})") from None
