"""`make run` loads demo data with seed_demo; running it again duplicates nothing."""

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
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


def test_seeding_again_keeps_what_the_clinic_changed_in_the_admin(settings, capsys):
    from treatments.models import Protocol

    settings.DEBUG = True
    call_command("seed_demo")
    protocol = Protocol.objects.get(slug="acne-scars-laser-msc")
    Protocol.objects.filter(pk=protocol.pk).update(price=999, published=False)
    protocol.indications.clear()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("the-clinic-own-password")
    admin.save()

    call_command("seed_demo")

    protocol.refresh_from_db()
    assert (protocol.price, protocol.published) == (999, False)
    assert not protocol.indications.exists()
    assert authenticate(username="admin", password="the-clinic-own-password") is not None
    assert "password (changed since seeding" in capsys.readouterr().out


def test_seeding_with_refresh_restores_the_demo_values(settings):
    from treatments.models import Protocol

    settings.DEBUG = True
    call_command("seed_demo")
    Protocol.objects.filter(slug="acne-scars-laser-msc").update(price=999, published=False)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("the-clinic-own-password")
    admin.save()

    call_command("seed_demo", "--refresh")

    protocol = Protocol.objects.get(slug="acne-scars-laser-msc")
    assert protocol.published and protocol.price != 999
    assert protocol.indications.exists()
    assert authenticate(username="admin", password="exosome-demo-2026") is not None
