import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so use unhashed static file names instead of the manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def receptionist(db):
    """Reception staff: a staff user with full rights in the admin (the demo clinic's setup)."""
    return UserFactory(username="reception", is_staff=True, is_superuser=True)


@pytest.fixture
def receptionist_client(client: Client, receptionist) -> Client:
    client.force_login(receptionist)
    return client
