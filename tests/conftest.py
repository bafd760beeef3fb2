import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 costs about half a second per test user; production keeps it (settings.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so use unhashed static file names instead of the manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active; factories would then write `name` into name_de."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def receptionist(db):
    """Reception staff: a staff user with full rights in the admin (the demo clinic's setup)."""
    return UserFactory(username="reception", is_staff=True, is_superuser=True)


@pytest.fixture
def receptionist_client(client: Client, receptionist) -> Client:
    # A superuser can see medical data, so the admin asks for the second factor too.
    login_with_second_factor(client, receptionist)
    return client


@pytest.fixture
def cache_reads(monkeypatch) -> list[list[str]]:
    """The keys of each read of several keys from the shared cache (one round trip each)."""
    reads: list[list[str]] = []
    get_many = cache.get_many

    def counted(keys, *args, **kwargs):
        reads.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counted)
    return reads


@pytest.fixture
def shared_redis(settings, worker_id):
    """The production cache (clinic.cache_backend.ResilientRedisCache) on a real Redis, as
    several workers share it. A database of its own per test process (10, 11, 12), so parallel
    test processes do not empty each other's."""
    import redis

    index = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    url = f"redis://127.0.0.1:6379/{10 + index % 3}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
    except redis.RedisError:
        pytest.skip("needs a Redis server on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache_backend.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_timeout": 0.25, "retry_after_seconds": 10},
        }
    }
    cache.clear()
    yield
    cache.clear()
