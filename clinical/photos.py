"""Before/after photos: accept only real JPEG, PNG or WebP images, and keep nothing but pixels.

An upload is recognised by opening it with Pillow (restricted to those three formats), never by
its name or the content type the browser sent. Decompression bombs are refused twice: by a byte
limit before anything is decoded, and by a pixel limit read from the header: our own check, and
Pillow's `Image.MAX_IMAGE_PIXELS` (set to CLINICAL_PHOTO_MAX_PIXELS at start-up, `apps.py`), whose
warning is made an error. The picture is then turned
upright by its EXIF orientation and re-encoded as a new JPEG with no metadata at all — no EXIF
(camera, time, GPS), no XMP, no comments — plus a small thumbnail for lists.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
THUMBNAIL_SIZE = (480, 480)
JPEG_QUALITY = 90


class PhotoRejected(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def photo_process(upload: IO[bytes], *, size: int | None = None) -> ProcessedPhoto:
    """Check and re-encode an uploaded photo; raises `PhotoRejected` with a readable message."""
    max_bytes = settings.CLINICAL_PHOTO_MAX_BYTES
    max_pixels = settings.CLINICAL_PHOTO_MAX_PIXELS
    if size is not None and size > max_bytes:
        raise PhotoRejected(_too_large_message(max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoRejected(_too_large_message(max_bytes))
    not_a_photo = _("This file is not a JPEG, PNG or WebP photo. Please choose a photo file.")
    too_many_pixels = _(
        "This picture is too large (more than %(megapixels)s megapixels). Please upload a "
        "smaller version."
    ) % {"megapixels": max_pixels // 1_000_000}
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            # The header's size is known before any pixel is decoded.
            if image.width * image.height > max_pixels:
                raise PhotoRejected(too_many_pixels)
            image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(too_many_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(not_a_photo) from None

    upright = ImageOps.exif_transpose(image)
    picture = _to_srgb(upright)
    full = _jpeg(picture)
    thumbnail = picture.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    return ProcessedPhoto(
        image=full,
        thumbnail=_jpeg(thumbnail),
        width=picture.width,
        height=picture.height,
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """An RGB image in sRGB: colour profiles are converted (then dropped), transparency is
    flattened onto white."""
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = image.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            rgb = ImageCms.profileToProfile(rgb, source, ImageCms.createProfile("sRGB"))
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: keep the pixels as they are
    # A brand-new image carries no info dictionary at all (no EXIF, XMP, comments, profile).
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _too_large_message(max_bytes: int) -> str:
    return _("This file is larger than %(megabytes)s MB. Please upload a smaller photo.") % {
        "megabytes": max_bytes // 1_000_000
    }


def photo_storage_save(content: bytes) -> str:
    """Store bytes under a fresh random name in the private photo storage; returns the name."""
    from django.core.files.base import ContentFile

    from clinical.models import photo_storage, random_photo_name

    return photo_storage().save(random_photo_name(None, ""), ContentFile(content))
