"""Moving photos to private object storage is a configuration change (docs/deploy.md)."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from clinic.demo import DEMO_PASSWORD
from tests.clinic.test_settings import start_django
from tests.factories import UserFactory

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


@pytest.mark.django_db
def test_the_deploy_check_catches_a_clinician_without_the_staff_flag_on_the_demo_password(
    settings,
):
    # Such an account signs in at /<lang>/staff/ and reads medical data: the check looked at
    # is_staff and is_superuser only.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    user = UserFactory(username="dr.demo", is_staff=False, password=DEMO_PASSWORD)
    user.groups.add(Group.objects.get(name="Clinician"))

    with pytest.raises(SystemCheckError, match=rf"clinic\.E003.*user ids {user.pk}\)"):
        call_command("check", "--deploy", "--tag", "demo")
