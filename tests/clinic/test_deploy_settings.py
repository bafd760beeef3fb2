"""Moving photos to private object storage is a configuration change (docs/deploy.md)."""

import json

from tests.clinic.test_settings import start_django

# The settings only: the S3 backend itself (django-storages, the `s3` extra) is installed where
# it is used, not in development.
SHOW_PHOTO_STORAGE = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.STORAGES['clinical_photos'], default=str))"
)


def test_photos_stay_in_a_private_folder_by_default():
    result = start_django(code=SHOW_PHOTO_STORAGE)

    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storage["OPTIONS"]["base_url"] is None


def test_a_bucket_moves_photos_to_private_object_storage():
    result = start_django(
        code=SHOW_PHOTO_STORAGE,
        CLINICAL_PHOTOS_BUCKET="clinic-photos",
        CLINICAL_PHOTOS_REGION="eu-central-1",
    )

    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "clinic-photos"
    assert storage["OPTIONS"]["region_name"] == "eu-central-1"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["querystring_auth"] is True
