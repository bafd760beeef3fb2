"""`make run` loads demo data with seed_demo; running it again duplicates nothing."""

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("treatments", "bookings", "education", "auth")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_twice_duplicates_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = row_counts()

    call_command("seed_demo")

    assert row_counts() == first
    assert first["treatments.Indication"] == 6
    assert first["treatments.Protocol"] >= 5
    assert first["bookings.Clinician"] >= 2
    assert first["bookings.WorkingHours"] > 0


def test_seed_demo_covers_every_source_and_procedure(settings):
    from treatments.models import Procedure, Protocol, Source

    settings.DEBUG = True
    call_command("seed_demo")

    protocols = Protocol.objects.published()
    assert {p.source for p in protocols} == set(Source.values)
    assert {p.procedure for p in protocols} == set(Procedure.values)


def test_seed_demo_prints_working_admin_credentials(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")

    output = capsys.readouterr().out
    assert "username 'admin'  password 'exosome-demo-2026'" in output
    user = authenticate(username="admin", password="exosome-demo-2026")
    assert user is not None and user.is_staff


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo")

    assert not apps.get_model("treatments", "Protocol").objects.exists()
