"""`make run` loads demo data with seed_demo; running it again duplicates nothing."""

from datetime import datetime, time, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clinic.accounts.services import MEDICAL_PERMISSION
from clinic.models import DemoAccount
from tests.factories import PatientFactory, UserFactory
from tests.second_factor import login_with_second_factor

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


def test_seed_demo_prints_a_one_time_link_that_enrols_the_demo_admins_second_factor(
    settings, capsys, client
):
    import re

    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = True
    call_command("seed_demo")
    output = capsys.readouterr().out
    links = re.findall(r"http://127\.0\.0\.1:8000(/en/account/enrol/[\w-]+/)", output)
    assert len(links) == 4, "one per demo account"
    admin_line = output.index("username 'admin'")
    admin_link = links[0]
    assert output.index(admin_link) > admin_line

    opened = client.post(admin_link, {"password": "exosome-demo-2026"})
    assert opened.status_code == 302
    setup = client.get(opened["Location"])
    assert setup.status_code == 200 and "<svg" in setup.text
    assert client.post(admin_link, {"password": "exosome-demo-2026"}).status_code == 404

    # Once enrolled, seeding again prints no new link for that account.
    TOTPDevice.objects.create(
        user=get_user_model().objects.get(username="admin"), name="app", confirmed=True
    )
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert len(re.findall(r"/en/account/enrol/", again)) == 3


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


# --- Demo data cannot leak into production (issue 13, item 4) ------------------------------------


def test_refresh_leaves_an_admin_it_did_not_create_untouched(settings):
    from treatments.models import Protocol

    settings.DEBUG = True
    real_admin = UserFactory(
        username="admin", is_staff=True, is_superuser=True, password="the-clinic-own-password"
    )
    stored_hash = real_admin.password

    with pytest.raises(CommandError, match=r"'admin' already exist and were not created"):
        call_command("seed_demo", "--refresh")

    real_admin.refresh_from_db()
    assert real_admin.password == stored_hash
    assert authenticate(username="admin", password="exosome-demo-2026") is None
    assert not DemoAccount.objects.exists()
    assert not Protocol.objects.exists(), "nothing else was seeded either"


def test_even_when_told_to_allow_real_data_an_account_it_did_not_create_is_refused(settings):
    settings.DEBUG = True
    UserFactory(username="dr.weber", password="her-own-password")

    with pytest.raises(CommandError, match=r"'dr\.weber'"):
        call_command("seed_demo", "--refresh", "--allow-real-data")

    assert authenticate(username="dr.weber", password="her-own-password") is not None


def test_a_database_with_real_accounts_is_refused_unless_told_explicitly(settings, capsys):
    from treatments.models import Protocol

    settings.DEBUG = True
    colleague = UserFactory(username="j.doe", is_staff=True, password="own-password")

    with pytest.raises(CommandError, match=r"1 user account\(s\) seed_demo did not create"):
        call_command("seed_demo")
    assert not Protocol.objects.exists()
    assert get_user_model().objects.count() == 1

    call_command("seed_demo", "--allow-real-data")

    assert Protocol.objects.exists()
    colleague.refresh_from_db()
    assert colleague.check_password("own-password")
    assert not colleague.groups.exists()
    assert not DemoAccount.objects.filter(user=colleague).exists()


def test_a_database_with_real_patients_is_refused_but_example_addresses_are_demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    PatientFactory(email="demo.patient@example.com")
    call_command("seed_demo")  # still a demo database

    PatientFactory(email="someone@gmail.com")

    with pytest.raises(CommandError, match=r"1 patient\(s\) with a real email address"):
        call_command("seed_demo", "--refresh")


def test_a_demo_account_deleted_and_made_again_by_hand_is_real(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    get_user_model().objects.filter(username="admin").delete()
    UserFactory(username="admin", is_superuser=True, password="a-real-password")

    with pytest.raises(CommandError, match="'admin'"):
        call_command("seed_demo", "--refresh")

    assert authenticate(username="admin", password="a-real-password") is not None


def test_one_demo_account_per_role_each_printed_with_the_password(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    output = capsys.readouterr().out
    accounts = {
        "admin": None,
        "reception": "Reception",
        "dr.weber": "Clinician",
        "manager": "Clinic manager",
    }
    for username, role in accounts.items():
        user = authenticate(username=username, password="exosome-demo-2026")
        assert user is not None and user.is_staff, username
        assert list(user.groups.values_list("name", flat=True)) == ([role] if role else [])
        assert f"username {username!r}  password 'exosome-demo-2026'" in output
        assert DemoAccount.objects.filter(user=user).exists()
    assert get_user_model().objects.get(username="admin").is_superuser
    medical = {
        username
        for username in accounts
        if get_user_model().objects.get(username=username).has_perm(MEDICAL_PERMISSION)
    }
    assert medical == {"admin", "dr.weber", "manager"}


def test_a_missing_role_group_stops_seeding_with_a_clear_message_and_writes_nothing(settings):
    from treatments.models import Protocol

    settings.DEBUG = True
    Group.objects.filter(name="Clinic manager").delete()

    with pytest.raises(
        CommandError, match=r"'Clinic manager' does not exist\. Run `manage\.py migrate`"
    ):
        call_command("seed_demo")

    assert not Protocol.objects.exists()
    assert not get_user_model().objects.exists()


# --- Demo patients: the staff pages have something to show after `make run` ----------------------


def _first_working_day(start):
    """The first day from `start` on which a demo clinician works and the clinic is open."""
    from bookings.models import TimeOff, WorkingHours

    day = start
    while True:
        midnight = datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())
        closed = TimeOff.objects.filter(clinician=None, start__lte=midnight, end__gt=midnight)
        if WorkingHours.objects.filter(weekday=day.weekday()).exists() and not closed.exists():
            return day
        day += timedelta(days=1)


def test_after_seeding_reception_sees_visits_on_todays_agenda(settings, client, capsys):
    from bookings.engine.rules import local_date
    from bookings.models import Appointment, Patient

    settings.DEBUG = True
    call_command("seed_demo")

    today = local_date(timezone.now())
    agenda_day = _first_working_day(today)
    visits = Appointment.objects.filter(
        start__date=agenda_day, plan__status="confirmed"
    ).select_related("plan__patient")
    assert visits.count() >= 2
    assert {visit.plan.patient.email.rsplit("@")[1] for visit in visits} == {"example.com"}
    output = capsys.readouterr().out
    if agenda_day == today:
        assert "Today's agenda" in output
    else:
        assert "Nobody works today" in output

    login_with_second_factor(client, get_user_model().objects.get(username="reception"))
    page = client.get(reverse("admin:bookings_agendaday_changelist"), {"day": agenda_day})
    for visit in visits:
        assert visit.plan.patient.full_name in page.content.decode()
        assert f"{timezone.localtime(visit.start):%H:%M}" in page.content.decode()
    assert Patient.objects.filter(full_name__in=["Erika Mustermann", "Jane Doe"]).count() == 2


def test_on_a_day_nobody_works_the_demo_visits_start_on_the_next_working_day(
    settings, capsys, monkeypatch
):
    from bookings.models import Appointment
    from clinic.management.commands import seed_demo

    settings.DEBUG = True
    today = timezone.localdate()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    monkeypatch.setattr(seed_demo, "local_date", lambda moment: sunday)

    call_command("seed_demo")

    first_visits = Appointment.objects.filter(sequence=1, plan__status="confirmed")
    days = sorted({timezone.localtime(visit.start).date() for visit in first_visits})
    agenda_day = _first_working_day(sunday)
    assert agenda_day > sunday and days[0] == agenda_day
    assert first_visits.filter(start__date=agenda_day).count() >= 2
    output = capsys.readouterr().out
    assert "Nobody works today" in output
    assert date_format(agenda_day, "l j F Y") in output


def test_a_plan_with_a_flagged_blood_thinner_answer_awaits_the_demo_clinicians_review(
    settings, client
):
    from bookings.models import Plan, ScreeningAnswer

    settings.DEBUG = True
    call_command("seed_demo")

    plan = Plan.objects.get(status="awaiting_review")
    assert plan.clinician.user.username == "dr.weber"
    assert plan.consent_text is not None
    flagged = [answer for answer in ScreeningAnswer.objects.filter(plan=plan) if answer.is_flagged]
    assert [answer.question_text for answer in flagged] == [
        "Do you take blood thinners (anticoagulants), or do you have a bleeding disorder?"
    ]

    login_with_second_factor(client, get_user_model().objects.get(username="dr.weber"))
    dashboard = client.get(reverse("clinical:dashboard"))
    assert plan.patient.full_name in dashboard.content.decode()


def test_seeding_again_books_no_new_visits_even_with_refresh(settings, capsys):
    from bookings.models import Appointment, Patient, Plan

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Patient.objects.count(), Plan.objects.count(), Appointment.objects.count())
    # The booked demo plans (the aftercare demo's past courses are not bookings).
    assert (
        counts[1] - Plan.objects.filter(patient__email__startswith="demo.aftercare.").count() == 9
    )
    capsys.readouterr()

    call_command("seed_demo")
    call_command("seed_demo", "--refresh")

    assert (Patient.objects.count(), Plan.objects.count(), Appointment.objects.count()) == counts
    assert "9 demo patients already have plans; no visits added" in capsys.readouterr().out


def test_a_demo_seeded_weeks_ago_is_alive_again_today_and_through_the_week(settings, capsys):
    import time_machine

    from bookings.engine.rules import local_date
    from bookings.models import Appointment, Patient

    settings.DEBUG = True
    call_command("seed_demo")
    staff_patient = PatientFactory(email="walk-in@example.com")
    before = set(Appointment.objects.values_list("pk", "start", "status"))

    with time_machine.travel(timezone.now() + timedelta(days=60), tick=True):
        call_command("seed_demo")
        today = local_date(timezone.now())
        agenda_day = _first_working_day(today)
        upcoming = Appointment.objects.filter(
            start__gte=datetime.combine(
                agenda_day, time.min, tzinfo=timezone.get_current_timezone()
            ),
            start__lt=datetime.combine(
                agenda_day + timedelta(days=7), time.min, tzinfo=timezone.get_current_timezone()
            ),
        )
        days = {timezone.localtime(visit.start).date() for visit in upcoming}

    assert agenda_day in days and len(days) >= 3
    # What was there before is untouched, and so is the patient staff created.
    assert before <= set(Appointment.objects.values_list("pk", "start", "status"))
    assert Patient.objects.filter(pk=staff_patient.pk).exists()


# --- Consultations in the demo (issue 18): bookable out of the box, the clinic's changes kept ----


def test_the_demo_offers_a_free_consultation_with_its_doctors_and_the_page_shows_times(
    settings, client
):
    from bookings.models import ConsultationSettings

    settings.DEBUG = True
    call_command("seed_demo")

    consultation = ConsultationSettings.objects.current()
    assert consultation is not None
    assert (consultation.minutes, consultation.price) == (20, None)  # free
    assert sorted(c.display_name for c in consultation.clinicians.all()) == [
        "Dr. Mehmet Yılmaz",
        "Dr. med. Anna Weber",
    ]
    page = client.get(reverse("bookings:consultation")).content.decode()
    assert "The consultation is free." in page
    assert "cannot be booked online" not in page
    assert "There are no free consultation times" not in page


def test_seeding_again_keeps_the_consultation_settings_the_clinic_changed(settings):
    from bookings.models import Clinician, ConsultationSettings

    settings.DEBUG = True
    call_command("seed_demo")
    ConsultationSettings.objects.update(minutes=30, price=40, active=False)
    ConsultationSettings.objects.get().clinicians.set(
        [Clinician.objects.get(display_name="Lena Hoffmann")]
    )

    call_command("seed_demo")

    consultation = ConsultationSettings.objects.get()  # still one row
    assert (consultation.minutes, consultation.price, consultation.active) == (30, 40, False)
    assert [c.display_name for c in consultation.clinicians.all()] == ["Lena Hoffmann"]

    call_command("seed_demo", "--refresh")

    consultation = ConsultationSettings.objects.get()
    assert (consultation.minutes, consultation.price, consultation.active) == (20, None, True)
    assert consultation.clinicians.count() == 2
