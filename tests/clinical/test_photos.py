"""Before/after photos: only real images, no decompression bombs, no metadata, never by URL."""

import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bookings.engine.errors import InvalidPlanState
from bookings.models import PlanStatus
from clinical import services
from clinical.models import AuditEntry, Photo
from clinical.photos import PhotoRejected, photo_process
from tests.clinical.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def jpeg_with_gps_and_orientation_6() -> bytes:
    """A 40×20 picture stored sideways: EXIF orientation 6 says "turn 90° clockwise to view".

    Its left half is red, so after turning, the top half must be red. It carries GPS data.
    """
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (the pixel data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 30), (10, 200, 10, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- Processing ------------------------------------------------------------------------------


def test_a_jpeg_with_gps_exif_and_orientation_6_comes_back_upright_without_any_exif():
    original = Image.open(io.BytesIO(jpeg_with_gps_and_orientation_6()))
    assert original.getexif()[0x0112] == 6
    assert original.getexif().get_ifd(0x8825)  # the GPS data is really there

    processed = photo_process(io.BytesIO(jpeg_with_gps_and_orientation_6()))

    for data in (processed.image, processed.thumbnail):
        result = Image.open(io.BytesIO(data))
        assert result.format == "JPEG"
        assert len(result.getexif()) == 0
        assert "exif" not in result.info
        assert not any(key.lower().startswith(("xmp", "icc", "comment")) for key in result.info)
        assert b"PhoneMaker" not in data and b"GPS" not in data
    upright = Image.open(io.BytesIO(processed.image)).convert("RGB")
    assert (processed.width, processed.height) == upright.size == (20, 40)
    top, bottom = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60, top  # red on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue below


def test_a_small_png_declaring_over_100_megapixels_is_refused_before_decoding():
    bomb = png_declaring(12_000, 9_000)  # 108 megapixels in a few dozen bytes
    assert len(bomb) < 200
    with pytest.raises(PhotoRejected, match="too large"):
        photo_process(io.BytesIO(bomb))


def test_a_picture_just_over_the_configured_pixel_limit_is_refused(settings):
    settings.CLINICAL_PHOTO_MAX_PIXELS = 1_000_000
    with pytest.raises(PhotoRejected, match="more than 1 megapixels"):
        photo_process(io.BytesIO(png_declaring(1001, 1000)))


def test_a_file_over_the_byte_limit_is_refused(settings):
    settings.CLINICAL_PHOTO_MAX_BYTES = 100_000
    with pytest.raises(PhotoRejected, match="larger than"):
        photo_process(io.BytesIO(b"\xff\xd8" + b"0" * 100_000))


@pytest.mark.parametrize(
    "content",
    [
        b"Just some notes, not a photo at all.\n",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
        b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        b"\xff\xd8\xff\xe0 truncated jpeg",
    ],
    ids=["text", "gif", "broken-jpeg"],
)
def test_anything_but_a_real_jpeg_png_or_webp_is_refused(content):
    with pytest.raises(PhotoRejected, match="not a JPEG, PNG or WebP photo"):
        photo_process(io.BytesIO(content))


def test_png_and_webp_are_accepted_and_re_encoded_as_jpeg():
    webp = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(webp, format="WEBP")
    for data in (small_png(), webp.getvalue()):
        processed = photo_process(io.BytesIO(data))
        assert Image.open(io.BytesIO(processed.image)).format == "JPEG"


# --- Upload and serving ----------------------------------------------------------------------


def stored_files():
    root = Path(storages["clinical_photos"].location)
    return (path for path in root.rglob("*") if path.is_file()) if root.exists() else iter(())


@pytest.fixture
def session(make_plan, clinician, patient):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    return plan.appointments.get(sequence=1)


def upload(client, session, content: bytes, name: str, content_type: str = "image/jpeg"):
    return client.post(
        reverse("clinical:photo-add", args=[session.pk]),
        {
            "kind": "before",
            "area": "cheeks",
            "image": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def test_a_text_file_named_jpg_is_refused_with_a_clear_message(client, clinician, session):
    sign_in(client, clinician.user)

    response = upload(client, session, b"name,diagnosis\nMaria,secret\n", "cheek.jpg")

    assert response.status_code == 400
    assert "This file is not a JPEG, PNG or WebP photo." in response.content.decode()
    assert Photo.objects.count() == 0
    assert not list(stored_files())


def test_an_uploaded_photo_is_stored_privately_under_a_random_name(
    client, clinician, session, settings
):
    sign_in(client, clinician.user)

    response = upload(client, session, jpeg_with_gps_and_orientation_6(), "Maria-GPS.jpg")

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert "Maria" not in photo.image.name and "Maria" not in photo.thumbnail.name
    assert photo.image.name != photo.thumbnail.name
    stored = storages["clinical_photos"]
    assert not str(stored.path(photo.image.name)).startswith(str(settings.MEDIA_ROOT))
    with stored.open(photo.image.name) as handle:
        assert len(Image.open(handle).getexif()) == 0
    assert (photo.kind, photo.area, photo.taken_by) == ("before", "cheeks", clinician)


def test_the_photo_is_served_to_its_clinician_with_private_headers_and_audited(
    client, clinician, session
):
    sign_in(client, clinician.user)
    upload(client, session, small_png(), "x.png", "image/png")
    photo = Photo.objects.get()

    for variant in ("full", "thumb"):
        response = client.get(reverse("clinical:photo-file", args=[photo.pk, variant]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"
    views = AuditEntry.objects.filter(action="view", object_type="photo", object_id=photo.pk)
    assert views.count() == 2


def test_a_photo_url_gives_404_to_everyone_not_allowed(
    client, clinician, other_clinician, receptionist, session, client_for
):
    sign_in(client, clinician.user)
    upload(client, session, small_png(), "x.png", "image/png")
    photo = Photo.objects.get()
    urls = [reverse("clinical:photo-file", args=[photo.pk, v]) for v in ("full", "thumb")]
    before = AuditEntry.objects.count()

    from django.test import Client

    anonymous = Client()
    visitor = client_for(UserFactory(username="visitor"))
    for url in urls:
        assert anonymous.get(url).status_code == 404
        assert client_for(other_clinician.user).get(url).status_code == 404
        assert client_for(receptionist).get(url).status_code == 404
        assert visitor.get(url).status_code == 404
    # A guessed id that does not exist is a 404 like one that is not yours.
    assert (
        client.get(reverse("clinical:photo-file", args=[photo.pk + 1, "full"])).status_code == 404
    )
    assert AuditEntry.objects.count() == before
    # And the file itself is not under MEDIA_URL or any static path.
    assert client.get(f"/media/{photo.image.name}").status_code == 404


def test_side_by_side_shows_the_first_before_and_the_latest_after_per_area(
    client, clinician, session
):
    sign_in(client, clinician.user)
    upload(client, session, small_png(), "a.png", "image/png")
    client.post(
        reverse("clinical:photo-add", args=[session.pk]),
        {
            "kind": "after",
            "area": "cheeks",
            "image": SimpleUploadedFile("b.png", small_png(), content_type="image/png"),
        },
    )
    before, after = Photo.objects.order_by("pk")

    page = client.get(reverse("clinical:plan-photos", args=[session.plan_id])).content.decode()

    assert page.count("<figure") == 2
    assert page.index(reverse("clinical:photo-file", args=[before.pk, "full"])) < page.index(
        reverse("clinical:photo-file", args=[after.pk, "full"])
    )


# --- photos belong to sessions that have started ---------------------------------------------


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_a_photo_for_a_session_that_has_not_started_is_refused_and_nothing_is_stored(
    make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() + timedelta(days=2),
    )
    future = plan.appointments.get(sequence=1)

    with pytest.raises(InvalidPlanState, match="once the session has started"):
        services.photo_add(
            appointment=future, clinician=clinician, kind="before", area="cheeks", upload=_jpeg()
        )

    assert Photo.objects.count() == 0


def test_the_session_page_says_photos_come_once_the_session_has_started(
    client, make_plan, clinician, patient
):
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() + timedelta(days=2),
    )
    future = plan.appointments.get(sequence=1)
    sign_in(client, clinician.user)

    page = client.get(reverse("clinical:session-detail", args=[future.pk])).text
    posted = client.post(
        reverse("clinical:photo-add", args=[future.pk]),
        {
            "kind": "before",
            "area": "cheeks",
            "image": SimpleUploadedFile("cheek.jpg", _jpeg().read(), content_type="image/jpeg"),
        },
    )

    assert "Photos can be added once the session has started." in page
    assert reverse("clinical:photo-add", args=[future.pk]) not in page  # no form to fill in
    assert posted.status_code == 400
    assert "Photos can be added once the session has started." in posted.text
    assert Photo.objects.count() == 0
