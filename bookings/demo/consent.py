"""The demo consent texts: one per procedure and source, in English, German and Turkish.

A text is composed of sections: what every course shares, the risks of the combined procedure
and what the source of the exosomes means. Each combination gets its own versioned text, so
a patient booking a laser course with donor-cell exosomes consents to the risks of exactly that.

Seeding never rewrites a text. A changed text is published as a new version of its combination
(bookings.engine.consent.consent_text_publish); texts patients have accepted stay as they were,
and each plan keeps the version its patient accepted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import ConsentText
from treatments.models import Procedure, Source

TITLES = {
    "en": "Consent to an exosome treatment course",
    "de": "Einwilligung in eine Exosomen-Behandlungsserie",
    "tr": "Eksozom tedavi kürü için onam",
}

INTRO = {
    "en": "I have read the treatment page and understand that:",
    "de": "Ich habe die Behandlungsseite gelesen und verstehe, dass:",
    "tr": "Tedavi sayfasını okudum ve şunları anlıyorum:",
}

EVIDENCE = {
    "en": "- no exosome product is approved as a medicine by the US FDA or the EU's EMA, and the "
    "evidence comes from small studies;\n"
    "- no result can be promised, and results differ from person to person;",
    "de": "- kein Exosomen-Produkt von der US-Behörde FDA oder der EU-Behörde EMA als "
    "Arzneimittel **zugelassen** ist und die Belege aus kleinen Studien stammen;\n"
    "- kein Ergebnis versprochen werden kann und Ergebnisse von Mensch zu Mensch "
    "verschieden sind;",
    "tr": "- hiçbir eksozom ürünü ABD'de FDA veya AB'de EMA tarafından ilaç olarak "
    "**onaylanmamıştır** ve kanıtlar küçük çalışmalardan gelmektedir;\n"
    "- hiçbir sonuç garanti edilemez ve sonuçlar kişiden kişiye değişir;",
}

# The risks of the procedure the exosomes are applied after.
PROCEDURE_RISKS = {
    Procedure.MICRONEEDLING: {
        "en": "- microneedling makes the skin red and swollen for a short time. It can push what "
        "is put on the skin into deeper layers, and firm lumps (granulomas) have been reported "
        "after this. Darker patches of skin, infection and, rarely, scars can also occur;",
        "de": "- Microneedling die Haut für kurze Zeit rötet und anschwellen lässt. Es kann "
        "das, was auf die Haut kommt, in tiefere Schichten bringen; danach wurden feste "
        "Knötchen (Granulome) beschrieben. Auch dunklere Hautstellen, Infektionen und selten "
        "Narben sind möglich;",
        "tr": "- mikroiğneleme cildi kısa bir süre kızartır ve şişirir. Cilde sürülen ürünü "
        "daha derin katmanlara itebilir; bundan sonra sert şişlikler (granülom) bildirilmiştir. "
        "Ciltte koyu lekeler, enfeksiyon ve nadiren iz de oluşabilir;",
    },
    Procedure.RF_MICRONEEDLING: {
        "en": "- RF microneedling uses needles and heat. It makes the skin red and swollen and "
        "leaves small marks for a short time. Like microneedling, it can push what is put on the "
        "skin into deeper layers, and firm lumps (granulomas) have been reported after "
        "microneedling. Darker patches of skin, infection and, rarely, scars can also occur;",
        "de": "- RF-Microneedling mit Nadeln und Wärme arbeitet. Es rötet die Haut, lässt sie "
        "anschwellen und hinterlässt für kurze Zeit kleine Spuren. Wie Microneedling kann es "
        "das, was auf die Haut kommt, in tiefere Schichten bringen; nach Microneedling wurden "
        "feste Knötchen (Granulome) beschrieben. Auch dunklere Hautstellen, Infektionen und "
        "selten Narben sind möglich;",
        "tr": "- RF mikroiğneleme iğne ve ısı kullanır. Cildi kızartır, şişirir ve kısa bir süre "
        "küçük izler bırakır. Mikroiğneleme gibi cilde sürülen ürünü daha derin katmanlara "
        "itebilir; mikroiğnelemeden sonra sert şişlikler (granülom) bildirilmiştir. Ciltte koyu "
        "lekeler, enfeksiyon ve nadiren iz de oluşabilir;",
    },
    Procedure.FRACTIONAL_LASER: {
        "en": "- the laser makes the skin hot, red and swollen. After an ablative laser, such as "
        "the CO2 laser, the skin oozes and crusts for about a week, and the redness can last for "
        "weeks or months. Cold sores can flare up, so for an ablative laser an antiviral "
        "medicine is usually prescribed for everyone, before and after. Darker or lighter "
        "patches of skin, infection and scars can also occur;",
        "de": "- der Laser die Haut heiß, rot und geschwollen macht. Nach einem ablativen Laser "
        "wie dem CO2-Laser nässt und verkrustet die Haut etwa eine Woche lang, und die Rötung "
        "kann Wochen oder Monate anhalten. Lippenherpes kann aufflammen; deshalb wird bei einem "
        "ablativen Laser meist allen ein antivirales Mittel für die Zeit davor und danach "
        "verordnet. Auch dunklere oder "
        "hellere Hautstellen, Infektionen und Narben sind möglich;",
        "tr": "- lazer cildi sıcak, kırmızı ve şiş yapar. CO2 lazer gibi ablatif bir lazerden "
        "sonra cilt yaklaşık bir hafta sulanır ve kabuklanır; kızarıklık haftalarca, hatta "
        "aylarca sürebilir. Uçuk alevlenebilir; bu yüzden ablatif lazerde genellikle "
        "herkese, işlemden önce ve sonra kullanılmak üzere antiviral bir ilaç verilir. "
        "Ciltte koyu veya açık lekeler, enfeksiyon ve iz de "
        "oluşabilir;",
    },
}

# What the source of the exosomes means for the patient.
SOURCE_RISKS = {
    Source.MSC_READY_MADE: {
        "en": "- the ready-made product is made from donor cells, that is, cells from another "
        "person grown in a laboratory, not from my own body. Experts have warned that products "
        "made from human cells may carry a risk of passing on disease;",
        "de": "- das fertige Produkt aus Spenderzellen hergestellt wird, also aus Zellen eines "
        "anderen Menschen, die in einem Labor vermehrt wurden, und nicht aus meinem eigenen "
        "Körper. Fachleute haben gewarnt, dass Produkte aus menschlichen Zellen ein Risiko "
        "bergen können, Krankheiten zu übertragen;",
        "tr": "- hazır ürün donör hücrelerden, yani laboratuvarda çoğaltılmış başka bir kişinin "
        "hücrelerinden yapılır, kendi vücudumdan değil. Uzmanlar, insan hücrelerinden yapılan "
        "ürünlerin hastalık bulaştırma riski taşıyabileceği konusunda uyarmıştır;",
    },
    Source.MSC_OWN_ADIPOSE: {
        "en": "- before the course, a small amount of my fat tissue is taken under local "
        "anaesthetic. Where it is taken, this can cause bruising, swelling, pain, infection "
        "and an uneven skin contour. The laboratory may not be able to make a product from my "
        "fat; the clinic then tells me before the first session;",
        "de": "- vor der Serie eine kleine Menge meines Fettgewebes unter örtlicher Betäubung "
        "entnommen wird. An der Entnahmestelle kann das Blutergüsse, Schwellung, Schmerzen, "
        "eine Infektion und eine unebene Hautkontur verursachen. Es kann sein, dass das Labor "
        "aus meinem Fettgewebe kein Produkt herstellen kann; dann informiert mich die Praxis "
        "vor der ersten Sitzung;",
        "tr": "- kürden önce lokal anestezi altında yağ dokumdan küçük bir miktar alınır. "
        "Alındığı yerde morarma, şişlik, ağrı, enfeksiyon ve ciltte düzensiz kontur "
        "oluşabilir. Laboratuvar yağ dokumdan ürün üretemeyebilir; bu durumda klinik bana "
        "ilk seanstan önce haber verir;",
    },
    Source.PRP_OWN: {
        "en": "- before the course, blood is taken from me, as for a blood test. This can leave "
        "a bruise where the needle went in. The laboratory may not be able to make a product "
        "from my blood; the clinic then tells me before the first session;",
        "de": "- mir vor der Serie Blut abgenommen wird, wie bei einer Blutuntersuchung. An der "
        "Einstichstelle kann ein Bluterguss entstehen. Es kann sein, dass das Labor aus meinem "
        "Blut kein Produkt herstellen kann; dann informiert mich die Praxis vor der ersten "
        "Sitzung;",
        "tr": "- kürden önce, kan tahlilinde olduğu gibi kanım alınır. İğnenin girdiği yerde "
        "morluk kalabilir. Laboratuvar kanımdan ürün üretemeyebilir; bu durumda klinik bana "
        "ilk seanstan önce haber verir;",
    },
}

CLOSING = {
    "en": "- my answers to the health questions are true and complete, and I will tell the "
    "clinic if anything changes before a session;\n"
    "- a clinician may review my answers and may decline the course;\n"
    "- I can cancel free of charge until {hours} hours before each visit.\n\n"
    "The clinic stores my details and answers to plan and document my treatment.",
    "de": "- meine Antworten auf die Gesundheitsfragen wahr und vollständig sind und ich die "
    "Praxis informiere, wenn sich vor einer Sitzung etwas ändert;\n"
    "- eine Ärztin oder ein Arzt meine Antworten prüfen und die Behandlung ablehnen kann;\n"
    "- ich bis {hours} Stunden vor jedem Termin kostenlos absagen kann.\n\n"
    "Die Praxis speichert meine Angaben und Antworten, um meine Behandlung zu planen und zu "
    "dokumentieren.",
    "tr": "- sağlık sorularına verdiğim yanıtlar doğru ve eksiksizdir; bir seanstan önce bir "
    "şey değişirse kliniğe bildireceğim;\n"
    "- bir hekim yanıtlarımı inceleyebilir ve kürü reddedebilir;\n"
    "- her randevudan {hours} saat öncesine kadar ücretsiz iptal edebilirim.\n\n"
    "Klinik, tedavimi planlamak ve belgelemek için bilgilerimi ve yanıtlarımı saklar.",
}

LANGUAGES = ("en", "de", "tr")


def consent_body(*, procedure: str, source: str, language: str) -> str:
    """The consent text for one procedure and source, in one language (Markdown)."""
    hours = settings.BOOKING_CANCELLATION_NOTICE_HOURS
    return "\n".join(
        [
            INTRO[language],
            "",
            EVIDENCE[language],
            PROCEDURE_RISKS[Procedure(procedure)][language],
            SOURCE_RISKS[Source(source)][language],
            CLOSING[language].format(hours=hours),
        ]
    )


@transaction.atomic
def seed_course_consent() -> int:
    """Version 1 of the consent text of every procedure and source in each language, if missing.

    Never overwritten, even with --refresh: patients accepted exactly this text. A clinic that
    changes a course's consent publishes a new version (`consent_text_publish`).
    """
    created = 0
    now = timezone.now()
    for procedure in Procedure.values:
        for source in Source.values:
            for language in LANGUAGES:
                _, was_created = ConsentText.objects.get_or_create(
                    language=language,
                    procedure=procedure,
                    source=source,
                    version=1,
                    defaults={
                        "title": TITLES[language],
                        "body": consent_body(procedure=procedure, source=source, language=language),
                        "published_at": now,
                    },
                )
                created += was_created
    return created
