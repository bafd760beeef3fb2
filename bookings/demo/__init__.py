"""Demo clinic staff and calendar: clinicians, their working hours, one laser, holidays; the
health screening questions and the consent text patients accept when they book online; the
consultation settings (bookings/demo/consultation.py).

Idempotent: every row is found by a natural key and refreshed.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from bookings.demo.consent import seed_course_consent
from bookings.demo.consultation import seed_consultation
from bookings.engine.placing import (
    Channel,
    ConsentEvidence,
    booking_place,
    plan_consent_record,
    proposal_new_id,
)
from bookings.engine.planner import course_propose
from bookings.engine.rules import local_date
from bookings.engine.screening import screening_questions, screening_snapshot
from bookings.models import (
    Clinician,
    ConsentText,
    Device,
    Patient,
    Plan,
    ScreeningOutcome,
    ScreeningQuestion,
    TimeOff,
    Weekday,
    WorkingHours,
)
from common.seeding import demo_row
from treatments.models import Procedure, Protocol, Source

WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]

CLINICIANS = [
    {
        "username": "dr.weber",
        "first_name": "Anna",
        "last_name": "Weber",
        "display_name": "Dr. med. Anna Weber",
        "qualification": {"en": "Dermatologist", "de": "Dermatologin", "tr": "Dermatolog"},
        "qualifications": {
            "en": "[Demo profile of a fictional person: the clinic replaces it]\n"
            "Doctor of medicine, licensed in Germany\n"
            "Specialist in dermatology and venereology\n"
            "Trained in microneedling and fractional laser treatment",
            "de": "[Demoprofil einer erfundenen Person: Die Praxis ersetzt es]\n"
            "Ärztin mit Approbation in Deutschland, Dr. med.\n"
            "Fachärztin für Dermatologie und Venerologie\n"
            "Geschult in Microneedling und fraktionierter Laserbehandlung",
            "tr": "[Kurgusal bir kişinin demo profili: klinik bunu değiştirir]\n"
            "Tıp doktoru, Almanya'da hekimlik ruhsatı var\n"
            "Dermatoloji ve veneroloji uzmanı\n"
            "Mikro iğneleme ve fraksiyonel lazer tedavisi eğitimi almış",
        },
        "protocols": "all",
        # A split shift: mornings and afternoons with a lunch break.
        "hours": [(day, time(9), time(13)) for day in WEEKDAYS]
        + [(day, time(14), time(18)) for day in WEEKDAYS],
    },
    {
        "username": "dr.yilmaz",
        "first_name": "Mehmet",
        "last_name": "Yılmaz",
        "display_name": "Dr. Mehmet Yılmaz",
        "qualification": {
            "en": "Aesthetic physician",
            "de": "Arzt für ästhetische Medizin",
            "tr": "Estetik hekim",
        },
        "qualifications": {
            "en": "[Demo profile of a fictional person: the clinic replaces it]\n"
            "Doctor of medicine, licensed in Germany\n"
            "Further training in aesthetic medicine\n"
            "Trained in fat-tissue harvest under local anaesthetic and in laser treatment",
            "de": "[Demoprofil einer erfundenen Person: Die Praxis ersetzt es]\n"
            "Arzt mit Approbation in Deutschland\n"
            "Fortbildung in ästhetischer Medizin\n"
            "Geschult in der Entnahme von Fettgewebe unter örtlicher Betäubung und in "
            "Laserbehandlung",
            "tr": "[Kurgusal bir kişinin demo profili: klinik bunu değiştirir]\n"
            "Tıp doktoru, Almanya'da hekimlik ruhsatı var\n"
            "Estetik tıp alanında ek eğitim almış\n"
            "Lokal anestezi altında yağ dokusu alımı ve lazer tedavisi eğitimi almış",
        },
        "protocols": "all",
        "hours": [(day, time(10), time(18)) for day in [*WEEKDAYS[1:], Weekday.SATURDAY]],
    },
    {
        "username": "l.hoffmann",
        "first_name": "Lena",
        "last_name": "Hoffmann",
        "display_name": "Lena Hoffmann",
        "qualification": {
            "en": "Nurse specialist in aesthetic dermatology",
            "de": "Fachpflegekraft für ästhetische Dermatologie",
            "tr": "Estetik dermatoloji uzman hemşiresi",
        },
        "qualifications": {
            "en": "[Demo profile of a fictional person: the clinic replaces it]\n"
            "Registered nurse, licensed in Germany\n"
            "Further training in aesthetic dermatology\n"
            "Trained in microneedling and blood draws",
            "de": "[Demoprofil einer erfundenen Person: Die Praxis ersetzt es]\n"
            "Examinierte Pflegefachkraft in Deutschland\n"
            "Weiterbildung in ästhetischer Dermatologie\n"
            "Geschult in Microneedling und Blutentnahme",
            "tr": "[Kurgusal bir kişinin demo profili: klinik bunu değiştirir]\n"
            "Almanya'da kayıtlı hemşire\n"
            "Estetik dermatoloji alanında ek eğitim almış\n"
            "Mikro iğneleme ve kan alma eğitimi almış",
        },
        # Microneedling and blood draws, but neither lasers nor lipoaspiration.
        "protocols": "no_laser_no_lipo",
        "hours": [
            (day, time(8), time(14)) for day in [Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY]
        ],
    },
]

DEVICES = [("Fractional CO2 laser", Procedure.FRACTIONAL_LASER)]

CLINIC_CLOSURES = [
    (date(2026, 12, 24), date(2026, 12, 27), "Christmas"),
    (date(2026, 12, 31), date(2027, 1, 2), "New Year"),
    (date(2027, 4, 2), date(2027, 4, 6), "Easter"),
]


def _protocols_for(rule: str) -> list[Protocol]:
    protocols = list(Protocol.objects.all())
    if rule == "all":
        return protocols
    return [
        protocol
        for protocol in protocols
        if protocol.procedure != Procedure.FRACTIONAL_LASER and protocol.source != "msc_own_adipose"
    ]


@transaction.atomic
def seed(*, refresh: bool = False) -> list[Clinician]:
    """Create the missing demo clinicians, devices and closures (all again when refreshing)."""
    clinicians = []
    for data in CLINICIANS:
        user, _ = demo_row(
            get_user_model(),
            refresh=refresh,
            username=data["username"],
            defaults={
                "first_name": data["first_name"],
                "last_name": data["last_name"],
                "email": f"{data['username']}@clinic.example",
                "is_staff": True,
            },
        )
        clinician, created = demo_row(
            Clinician,
            refresh=refresh,
            user=user,
            defaults={
                "display_name": data["display_name"],
                **{
                    f"{field}_{language}": text
                    for field in ("qualification", "qualifications")
                    for language, text in data[field].items()
                },
                "active": True,
            },
        )
        if created or refresh:
            clinician.protocols.set(_protocols_for(data["protocols"]))
            clinician.working_hours.all().delete()
            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=clinician, weekday=day, start=start, end=end)
                for day, start, end in data["hours"]
            )
        clinicians.append(clinician)

    for name, procedure in DEVICES:
        demo_row(
            Device, refresh=refresh, name=name, defaults={"procedure": procedure, "active": True}
        )

    zone = timezone.get_current_timezone()
    for first_day, day_after, reason in CLINIC_CLOSURES:
        demo_row(
            TimeOff,
            refresh=refresh,
            clinician=None,
            start=datetime.combine(first_day, time.min, tzinfo=zone),
            defaults={
                "end": datetime.combine(day_after, time.min, tzinfo=zone),
                "reason": reason,
            },
        )
    seed_screening(refresh=refresh)
    seed_consent()
    seed_consultation(refresh=refresh)
    return clinicians


def lead_clinician() -> Clinician:
    """The dermatologist who medically reviews the demo education pages."""
    return Clinician.objects.get(user__username=CLINICIANS[0]["username"])


# --- Screening and consent ------------------------------------------------------------------------
# From shared/DOMAIN.md ("Screening before treatment"). BLOCK: cannot be booked online (the patient
# is asked to call); REVIEW: booked, but a clinician confirms the plan first.

BLOCK, REVIEW = ScreeningOutcome.BLOCK, ScreeningOutcome.REVIEW

SCREENING_QUESTIONS = [
    {
        "position": 10,
        "yes_outcome": BLOCK,
        "text": {
            "en": "Are you pregnant, trying to become pregnant, or breastfeeding?",
            "de": "Sind Sie schwanger, planen Sie eine Schwangerschaft oder stillen Sie?",
            "tr": "Hamile misiniz, hamilelik planlıyor musunuz veya emziriyor musunuz?",
        },
        "explanation": {
            "en": "These treatments have not been studied in pregnancy or while breastfeeding.",
            "de": "Diese Behandlungen wurden in Schwangerschaft und Stillzeit nicht untersucht.",
            "tr": "Bu tedaviler hamilelikte ve emzirme döneminde araştırılmamıştır.",
        },
    },
    {
        "position": 20,
        "yes_outcome": BLOCK,
        "text": {
            "en": "Do you have an active skin infection, or cold sores (herpes), where you want "
            "to be treated?",
            "de": "Haben Sie an der zu behandelnden Stelle eine akute Hautinfektion oder "
            "Lippenherpes?",
            "tr": "Tedavi edilecek bölgede aktif bir cilt enfeksiyonu veya uçuk (herpes) var mı?",
        },
        "explanation": {
            "en": "Needles or a laser could spread an infection; it must heal first.",
            "de": "Nadeln oder ein Laser könnten eine Infektion verbreiten; sie muss erst "
            "abheilen.",
            "tr": "İğneler veya lazer enfeksiyonu yayabilir; önce iyileşmesi gerekir.",
        },
    },
    {
        "position": 30,
        "yes_outcome": BLOCK,
        "text": {
            "en": "Do you have skin cancer, or a mole or growth that a doctor is watching, in "
            "the area to be treated?",
            "de": "Haben Sie im Behandlungsbereich Hautkrebs oder ein Muttermal bzw. eine "
            "Veränderung, die ärztlich beobachtet wird?",
            "tr": "Tedavi edilecek bölgede cilt kanseri ya da doktorun takip ettiği bir ben "
            "veya kitle var mı?",
        },
        "explanation": {
            "en": "That area must be seen by a dermatologist in person first.",
            "de": "Diese Stelle muss zuerst persönlich dermatologisch untersucht werden.",
            "tr": "Bu bölgenin önce bir dermatolog tarafından yüz yüze görülmesi gerekir.",
        },
    },
    {
        "position": 40,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Do you take blood thinners (anticoagulants), or do you have a bleeding "
            "disorder?",
            "de": "Nehmen Sie blutverdünnende Medikamente oder haben Sie eine "
            "Blutgerinnungsstörung?",
            "tr": "Kan sulandırıcı ilaç kullanıyor musunuz veya bir kanama bozukluğunuz var mı?",
        },
        "explanation": {
            "en": "You may bruise or bleed more; a clinician checks whether the course is safe.",
            "de": "Es kann stärker bluten oder blaue Flecken geben; eine Ärztin oder ein Arzt "
            "prüft, ob die Behandlung sicher ist.",
            "tr": "Daha fazla morarma veya kanama olabilir; bir hekim kürün güvenli olup "
            "olmadığını kontrol eder.",
        },
    },
    {
        "position": 50,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Are you being treated for cancer (chemotherapy or radiotherapy), or do you "
            "take medicines that weaken the immune system?",
            "de": "Werden Sie wegen Krebs behandelt (Chemo- oder Strahlentherapie) oder nehmen "
            "Sie Medikamente, die das Immunsystem schwächen?",
            "tr": "Kanser tedavisi (kemoterapi veya radyoterapi) görüyor musunuz ya da bağışıklık "
            "sistemini baskılayan ilaçlar kullanıyor musunuz?",
        },
        "explanation": {
            "en": "Healing and the risk of infection can differ; a clinician reads this first.",
            "de": "Heilung und Infektionsrisiko können anders sein; eine Ärztin oder ein Arzt "
            "liest dies zuerst.",
            "tr": "İyileşme ve enfeksiyon riski farklı olabilir; bunu önce bir hekim okur.",
        },
    },
    {
        "position": 60,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Do you have an autoimmune or connective tissue disease (for example lupus or "
            "scleroderma)?",
            "de": "Haben Sie eine Autoimmun- oder Bindegewebserkrankung (zum Beispiel Lupus "
            "oder Sklerodermie)?",
            "tr": "Otoimmün veya bağ dokusu hastalığınız (örneğin lupus veya skleroderma) var mı?",
        },
        "explanation": {"en": "", "de": "", "tr": ""},
    },
    {
        "position": 70,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Do you form raised scars (keloids), or is acne, eczema or psoriasis flaring "
            "where you want to be treated?",
            "de": "Neigen Sie zu wulstigen Narben (Keloiden) oder haben Sie an der Stelle "
            "gerade einen Schub von Akne, Ekzem oder Schuppenflechte?",
            "tr": "Kabarık iz (keloid) oluşturma eğiliminiz var mı ya da tedavi bölgesinde "
            "akne, egzama veya sedef alevlenmesi var mı?",
        },
        "explanation": {"en": "", "de": "", "tr": ""},
    },
    {
        "position": 80,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Are you allergic to local anaesthetics or to any ingredient of skin treatments?",
            "de": "Sind Sie allergisch gegen örtliche Betäubungsmittel oder Inhaltsstoffe von "
            "Hautbehandlungen?",
            "tr": "Lokal anesteziklere veya cilt tedavisi ürünlerinin bir bileşenine alerjiniz "
            "var mı?",
        },
        "explanation": {"en": "", "de": "", "tr": ""},
    },
    *[
        {
            "position": 90,
            "procedure": procedure,
            "yes_outcome": REVIEW,
            "text": {
                "en": "Have you taken isotretinoin (for example Roaccutane) in the last 6 months?",
                "de": "Haben Sie in den letzten 6 Monaten Isotretinoin (zum Beispiel "
                "Roaccutan) eingenommen?",
                "tr": "Son 6 ayda izotretinoin (örneğin Roaccutane) kullandınız mı?",
            },
            "explanation": {
                "en": "Skin heals differently after isotretinoin; treatment may need to wait.",
                "de": "Nach Isotretinoin heilt die Haut anders; die Behandlung muss eventuell "
                "warten.",
                "tr": "İzotretinoin sonrası cilt farklı iyileşir; tedavinin beklemesi gerekebilir.",
            },
        }
        for procedure in Procedure.values
    ],
    {
        "position": 100,
        "source": Source.PRP_OWN,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Have you been told you have low platelets or a platelet disorder?",
            "de": "Wurde bei Ihnen ein Mangel an Blutplättchen oder eine Störung der "
            "Blutplättchen festgestellt?",
            "tr": "Size düşük trombosit veya bir trombosit bozukluğu tanısı kondu mu?",
        },
        "explanation": {
            "en": "Your exosomes are made from your own platelets.",
            "de": "Ihre Exosomen werden aus Ihren eigenen Blutplättchen gewonnen.",
            "tr": "Eksozomlarınız kendi trombositlerinizden elde edilir.",
        },
    },
    {
        "position": 110,
        "source": Source.PRP_OWN,
        "yes_outcome": REVIEW,
        "text": {
            "en": "Do you have a blood-borne infection (such as hepatitis B or C, or HIV), or "
            "have you taken steroid tablets or injections in the last 2 weeks?",
            "de": "Haben Sie eine über das Blut übertragbare Infektion (etwa Hepatitis B oder C "
            "oder HIV) oder haben Sie in den letzten 2 Wochen Kortison als Tabletten oder "
            "Spritze bekommen?",
            "tr": "Kan yoluyla bulaşan bir enfeksiyonunuz (hepatit B veya C ya da HIV gibi) var "
            "mı veya son 2 haftada tablet ya da iğne şeklinde kortizon kullandınız mı?",
        },
        "explanation": {"en": "", "de": "", "tr": ""},
    },
]

CONSENT_TEXTS = {
    "en": {
        "title": "Consent to an exosome treatment course",
        "body": (
            "I have read the treatment page and understand that:\n\n"
            "- exosome products are **not approved** as medicines by the FDA or the EMA, and "
            "the evidence comes from small studies;\n"
            "- no result can be promised, and results differ from person to person;\n"
            "- the combined procedure (microneedling or laser) can cause redness, swelling, "
            "bruising, darker patches of skin and, rarely, infection or scarring;\n"
            "- my answers to the health questions are true and complete, and I will tell the "
            "clinic if anything changes before a session;\n"
            "- a clinician may review my answers and may decline the course;\n"
            "- I can cancel free of charge until 24 hours before each visit.\n\n"
            "The clinic stores my details and answers to plan and document my treatment."
        ),
    },
    "de": {
        "title": "Einwilligung in eine Exosomen-Behandlungsserie",
        "body": (
            "Ich habe die Behandlungsseite gelesen und verstehe, dass:\n\n"
            "- Exosomen-Produkte weder von der FDA noch von der EMA als Arzneimittel "
            "**zugelassen** sind und die Belege aus kleinen Studien stammen;\n"
            "- kein Ergebnis versprochen werden kann und Ergebnisse von Mensch zu Mensch "
            "verschieden sind;\n"
            "- das kombinierte Verfahren (Microneedling oder Laser) Rötung, Schwellung, blaue "
            "Flecken, dunklere Hautstellen und selten Infektionen oder Narben verursachen kann;\n"
            "- meine Antworten auf die Gesundheitsfragen wahr und vollständig sind und ich die "
            "Praxis informiere, wenn sich vor einer Sitzung etwas ändert;\n"
            "- eine Ärztin oder ein Arzt meine Antworten prüfen und die Behandlung ablehnen "
            "kann;\n"
            "- ich bis 24 Stunden vor jedem Termin kostenlos absagen kann.\n\n"
            "Die Praxis speichert meine Angaben und Antworten, um meine Behandlung zu planen "
            "und zu dokumentieren."
        ),
    },
    "tr": {
        "title": "Eksozom tedavi kürü için onam",
        "body": (
            "Tedavi sayfasını okudum ve şunları anlıyorum:\n\n"
            "- eksozom ürünleri FDA veya EMA tarafından ilaç olarak **onaylanmamıştır** ve "
            "kanıtlar küçük çalışmalardan gelmektedir;\n"
            "- hiçbir sonuç garanti edilemez ve sonuçlar kişiden kişiye değişir;\n"
            "- birlikte uygulanan işlem (mikroiğneleme veya lazer) kızarıklık, şişlik, morarma, "
            "ciltte koyulaşma ve nadiren enfeksiyon veya iz bırakabilir;\n"
            "- sağlık sorularına verdiğim yanıtlar doğru ve eksiksizdir; bir seanstan önce bir "
            "şey değişirse kliniğe bildireceğim;\n"
            "- bir hekim yanıtlarımı inceleyebilir ve kürü reddedebilir;\n"
            "- her randevudan 24 saat öncesine kadar ücretsiz iptal edebilirim.\n\n"
            "Klinik, tedavimi planlamak ve belgelemek için bilgilerimi ve yanıtlarımı saklar."
        ),
    },
}


def seed_screening(*, refresh: bool = False) -> int:
    """The demo questions, when the clinic has none yet (or when refreshing).

    Once the clinic has its own questions, they are the clinic's: a restart adds nothing back.
    """
    if ScreeningQuestion.objects.exists() and not refresh:
        return 0
    for data in SCREENING_QUESTIONS:
        defaults = {
            "yes_outcome": data["yes_outcome"],
            "active": True,
            **{f"text_{language}": text for language, text in data["text"].items()},
            **{f"explanation_{language}": text for language, text in data["explanation"].items()},
        }
        ScreeningQuestion.objects.update_or_create(
            position=data["position"],
            source=data.get("source", ""),
            procedure=data.get("procedure", ""),
            defaults=defaults,
        )
    return len(SCREENING_QUESTIONS)


def seed_consent() -> int:
    """Version 1 of each consent text, if missing: one per procedure and source, and the
    general text (CONSENT_TEXTS) for a course no specific text is written for.

    Never overwritten, even with --refresh: patients accepted exactly this text.
    """
    created = seed_course_consent()
    for language, data in CONSENT_TEXTS.items():
        _, was_created = ConsentText.objects.get_or_create(
            language=language,
            procedure="",
            source="",
            version=1,
            defaults={**data, "published_at": timezone.now()},
        )
        created += was_created
    return created


# --- Demo patients and their visits ---------------------------------------------------------------
# So that the staff pages are alive right after `make run`: reception's agenda shows visits today
# and tomorrow (journey 5), and dr. Weber has a plan to review with a flagged answer (journey 3).
# Names are the usual placeholder names in each language and every address is at example.com, so
# `clinic.demo.real_data_found()` never counts these patients as real.


@dataclass(frozen=True)
class DemoPatient:
    full_name: str
    email: str
    language: str
    date_of_birth: date
    protocol_slug: str
    # Numbers from the ranges reserved for drama and documentation (no real line rings).
    phone: str = ""


# Booked by phone (confirmed at once), each at the earliest free time of its day: the first three
# on the agenda day (today, or the next day someone works; one of them on the laser, so the
# agenda's device column shows), the last on the working day after.
AGENDA_PATIENTS = [
    DemoPatient(
        "Erika Mustermann",
        "erika.mustermann@example.com",
        "de",
        date(1984, 3, 12),
        "skin-renewal-microneedling-msc",
    ),
    DemoPatient(
        "Jane Doe", "jane.doe@example.com", "en", date(1979, 7, 2), "barrier-support-single-msc"
    ),
    DemoPatient(
        "Max Mustermann",
        "max.mustermann@example.com",
        "de",
        date(1975, 5, 8),
        "acne-scars-laser-msc",
    ),
    DemoPatient(
        "Fatma Örnek",
        "fatma.ornek@example.com",
        "tr",
        date(1991, 11, 23),
        "skin-renewal-microneedling-msc",
    ),
]
VISITS_ON_AGENDA_DAY = 3
# A demo patient with a visit this soon is not booked again (see `seed_visits`).
DEMO_HORIZON_DAYS = 14

# One more first visit on each of the following days, so the calendar's week view is alive too.
WEEK_PATIENTS = [
    DemoPatient(
        "Lieschen Müller",
        "lieschen.mueller@example.com",
        "de",
        date(1988, 4, 17),
        "barrier-support-single-msc",
        "+49 30 23125 101",
    ),
    DemoPatient(
        "Richard Roe",
        "richard.roe@example.com",
        "en",
        date(1970, 1, 9),
        "skin-renewal-microneedling-msc",
        "+44 20 7946 0102",
    ),
    DemoPatient(
        "Ayşe Yılmaz",
        "ayse.yilmaz@example.com",
        "tr",
        date(1993, 6, 3),
        "acne-scars-laser-msc",
        "+90 212 555 0103",
    ),
    DemoPatient(
        "Otto Normalverbraucher",
        "otto.normal@example.com",
        "de",
        date(1962, 12, 1),
        "barrier-support-single-msc",
        "+49 30 23125 104",
    ),
]

# Booked online, answered "yes" to the blood-thinner question: waits for dr. Weber's review.
REVIEW_PATIENT = DemoPatient(
    "John Doe", "john.doe@example.com", "en", date(1968, 9, 30), "skin-renewal-microneedling-msc"
)
REVIEW_QUESTION_POSITION = 40  # "Do you take blood thinners (anticoagulants)…" above


@dataclass
class DemoVisits:
    """What `seed_visits()` did, for the command's output."""

    agenda_day: date | None = None
    next_day: date | None = None
    plans: int = 0
    review_plans: int = 0
    skipped: list[str] = field(default_factory=list)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _demo_patient(spec: DemoPatient) -> Patient:
    patient, _ = Patient.objects.get_or_create(
        email=spec.email,
        defaults={
            "full_name": spec.full_name,
            "date_of_birth": spec.date_of_birth,
            "preferred_language": spec.language,
            "phone": spec.phone,
        },
    )
    return patient


def _book_phone_course(spec: DemoPatient, *, from_day: date) -> Plan:
    """The patient's course from the earliest free time on or after `from_day`, as reception
    books it by phone. The clock is set to that day's midnight so that a seed run at 3 pm still
    puts the agenda's first visits at the start of the day, as when reception opens at 8:00.
    The demo patients have since accepted the consent from their email link."""
    protocol = Protocol.objects.get(slug=spec.protocol_slug)
    clock = _local_midnight(from_day)
    visits = course_propose(protocol=protocol, now=clock, online=False)
    plan = booking_place(
        channel=Channel.PHONE,
        protocol=protocol,
        visits=visits,
        proposal_id=proposal_new_id(),
        answers=[],
        patient=_demo_patient(spec),
        now=clock,
    )
    consent = ConsentText.objects.for_course(protocol, spec.language)
    return plan_consent_record(plan=plan, consent=ConsentEvidence(text=consent), now=clock)


def _book_for_review(spec: DemoPatient, *, clinician: Clinician) -> Plan:
    """An online booking whose screening flagged the blood-thinner question."""
    protocol = Protocol.objects.get(slug=spec.protocol_slug)
    visits = course_propose(protocol=protocol, clinician=clinician)
    with translation.override(spec.language):
        questions = screening_questions(protocol)
        answers = {
            question.pk: question.position == REVIEW_QUESTION_POSITION for question in questions
        }
        snapshot = screening_snapshot(questions, answers)
    placement = {
        "channel": Channel.ONLINE,
        "protocol": protocol,
        "visits": visits,
        "proposal_id": proposal_new_id(),
        "answers": snapshot,
        "patient": _demo_patient(spec),
    }
    # As on the booking pages: held, then confirmed with the consent (without the emails).
    booking_place(**placement, hold=True)
    consent = ConsentText.objects.for_course(protocol, spec.language)
    return booking_place(**placement, consent=ConsentEvidence(text=consent))


def seed_visits(*, today: date) -> DemoVisits:
    """Book the demo patients' courses, each only while that patient has no plan yet.

    Runs the booking services, so it must be called outside any transaction (they open their
    own). Times come from the planner, so the demo visits never overlap each other or anything
    already booked. Running it again books nothing: every demo patient then has a plan, and what
    staff did with those plans since (check-ins, moves, cancellations) is left as it is.
    """
    done = DemoVisits()
    # A demo patient with no visit in the coming two weeks (the demo database was seeded on an
    # earlier day) is booked again from today, so the agenda and the week are alive whenever the
    # demo runs. Their old plans, and anything staff created, are left exactly as they are: only
    # new plans are booked, at free times the planner finds.
    everyone = [*AGENDA_PATIENTS, *WEEK_PATIENTS, REVIEW_PATIENT]
    booked = set(
        Plan.objects.filter(
            patient__email__in=[spec.email for spec in everyone],
            appointments__start__gte=_local_midnight(today),
            appointments__start__lt=_local_midnight(today + timedelta(days=DEMO_HORIZON_DAYS)),
        ).values_list("patient__email", flat=True)
    )
    for index, spec in enumerate(AGENDA_PATIENTS):
        if spec.email in booked:
            done.skipped.append(spec.full_name)
            continue
        # The first visits set the agenda day; the later ones start the day after it.
        from_day = today if index < VISITS_ON_AGENDA_DAY else (done.agenda_day or today)
        if index >= VISITS_ON_AGENDA_DAY:
            from_day += timedelta(days=1)
        plan = _book_phone_course(spec, from_day=from_day)
        first_day = local_date(min(a.start for a in plan.appointments.all()))
        if index < VISITS_ON_AGENDA_DAY:
            done.agenda_day = done.agenda_day or first_day
        else:
            done.next_day = done.next_day or first_day
        done.plans += 1
    week_day = done.next_day or done.agenda_day or today
    for spec in WEEK_PATIENTS:
        if spec.email in booked:
            done.skipped.append(spec.full_name)
            continue
        week_day += timedelta(days=1)
        plan = _book_phone_course(spec, from_day=week_day)
        week_day = local_date(min(a.start for a in plan.appointments.all()))
        done.plans += 1
    if REVIEW_PATIENT.email in booked:
        done.skipped.append(REVIEW_PATIENT.full_name)
    else:
        _book_for_review(REVIEW_PATIENT, clinician=lead_clinician())
        done.plans += 1
        done.review_plans += 1
    return done
