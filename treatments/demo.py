"""Demo catalogue: the six indications and realistic protocols (facts from shared/DOMAIN.md).

Text fields are given per language; `seed()` is idempotent (update_or_create by slug).
"""

from decimal import Decimal

from django.db import transaction

from treatments.models import Indication, Procedure, Protocol, Source

INDICATIONS = [
    {
        "slug": "skin-rejuvenation",
        "name": {
            "en": "Skin rejuvenation / anti-aging",
            "de": "Hautverjüngung / Anti-Aging",
            "tr": "Cilt yenileme / yaşlanma karşıtı",
        },
        "description": {
            "en": "Fine lines, loss of firmness and dull, dry-looking skin.",
            "de": "Feine Linien, nachlassende Festigkeit und fahle, trocken wirkende Haut.",
            "tr": "İnce çizgiler, sıkılık kaybı ve donuk, kuru görünen cilt.",
        },
    },
    {
        "slug": "pigment-spots",
        "name": {"en": "Pigment spots", "de": "Pigmentflecken", "tr": "Leke tedavisi"},
        "description": {
            "en": "Uneven tone and darker patches after sun exposure or inflammation.",
            "de": "Ungleichmäßiger Hautton und dunklere Stellen nach Sonne oder Entzündungen.",
            "tr": "Güneş veya iltihap sonrası oluşan düzensiz ton ve koyu lekeler.",
        },
    },
    {
        "slug": "acne-scars",
        "name": {"en": "Acne scars", "de": "Aknenarben", "tr": "Akne izleri"},
        "description": {
            "en": "Depressed or uneven scars left behind after acne has healed.",
            "de": "Eingesunkene oder unebene Narben, die nach abgeheilter Akne bleiben.",
            "tr": "Akne iyileştikten sonra kalan çukur veya düzensiz izler.",
        },
    },
    {
        "slug": "enlarged-pores",
        "name": {"en": "Enlarged pores", "de": "Vergrößerte Poren", "tr": "Geniş gözenekler"},
        "description": {
            "en": "Visible pores, most often on the nose and cheeks.",
            "de": "Sichtbare Poren, meist an Nase und Wangen.",
            "tr": "Çoğunlukla burun ve yanaklarda görünen gözenekler.",
        },
    },
    {
        "slug": "hair-loss",
        "name": {"en": "Hair loss", "de": "Haarausfall", "tr": "Saç dökülmesi"},
        "description": {
            "en": "Thinning hair on the scalp in women and men.",
            "de": "Dünner werdendes Kopfhaar bei Frauen und Männern.",
            "tr": "Kadın ve erkeklerde saç tellerinin seyrelmesi.",
        },
    },
    {
        "slug": "atopic-dermatitis",
        "name": {
            "en": "Atopic dermatitis / dermatitis",
            "de": "Atopische Dermatitis / Ekzem",
            "tr": "Atopik dermatit / egzama",
        },
        "description": {
            "en": "Dry, easily irritated skin that tends to flare; treated only between flares.",
            "de": "Trockene, leicht reizbare Haut mit Schüben; behandelt nur zwischen Schüben.",
            "tr": "Alevlenmelere eğilimli kuru, kolay tahriş olan cilt; yalnızca atak aralarında.",
        },
    },
]

PROTOCOLS = [
    {
        "slug": "acne-scars-laser-msc",
        "source": Source.MSC_READY_MADE,
        "procedure": Procedure.FRACTIONAL_LASER,
        "indications": ["acne-scars", "enlarged-pores"],
        "session_count": 3,
        "min_interval_days": 28,
        "max_interval_days": 42,
        "session_minutes": 75,
        "price": Decimal("1650.00"),
        "display_order": 10,
        "name": {"en": "Acne scar course: fractional laser with ready-made MSC exosomes"},
        "summary": {
            "en": "Three fractional laser sessions about a month apart, each followed by a "
            "ready-made MSC exosome preparation on the treated skin.",
        },
        "description": {
            "en": "This course is built for depressed acne scars. The laser creates a fine grid "
            "of tiny treatment zones; the exosome preparation is applied straight afterwards.\n\n"
            "The best study so far is small: 25 people, three laser sessions, one half of the "
            "face with exosome gel and the other without. The exosome side improved somewhat "
            "more and settled faster. One study is not proof, and some of its authors worked "
            "with the manufacturer. We will tell you honestly whether we think your scars are "
            "likely to respond.",
        },
        "what_to_expect": {
            "en": "A numbing cream is applied 45 minutes before the laser. The skin feels hot "
            "for a few hours and is red and slightly swollen for 2 to 3 days; fine crusts can "
            "flake for up to a week.",
        },
        "aftercare": {
            "en": "Keep the skin clean and use the bland moisturiser we give you. Avoid direct "
            "sun and use SPF 50 for one to two months. No retinoids, peels or saunas for one "
            "week.",
        },
    },
    {
        "slug": "skin-renewal-microneedling-msc",
        "source": Source.MSC_READY_MADE,
        "procedure": Procedure.MICRONEEDLING,
        "indications": ["skin-rejuvenation", "enlarged-pores", "pigment-spots"],
        "session_count": 3,
        "min_interval_days": 21,
        "max_interval_days": 28,
        "session_minutes": 60,
        "price": Decimal("1200.00"),
        "display_order": 20,
        "name": {"en": "Skin renewal: microneedling with ready-made MSC exosomes"},
        "summary": {
            "en": "Three microneedling sessions three to four weeks apart, with a ready-made MSC "
            "exosome preparation applied straight after each one.",
        },
        "description": {
            "en": "For fine lines, tired-looking skin, visible pores and uneven tone. "
            "Microneedling on its own already stimulates the skin's repair; the exosome "
            "preparation is added on top.\n\n"
            "In a split-face study of 28 people treated this way three times, three weeks apart, "
            "the exosome side did better on wrinkles, elasticity and hydration than the side "
            "treated with salt water. That is encouraging, but it is one small study.",
        },
        "what_to_expect": {
            "en": "After a numbing cream, the session takes about 30 minutes of needling. Your "
            "skin will look like a mild sunburn; the redness usually settles within 72 hours.",
        },
        "aftercare": {
            "en": "No make-up for 24 hours. Wash gently, moisturise, and use SPF 50. Pause "
            "retinoids and acids for five days.",
        },
    },
    {
        "slug": "barrier-support-single-msc",
        "source": Source.MSC_READY_MADE,
        "procedure": Procedure.MICRONEEDLING,
        "indications": ["atopic-dermatitis", "skin-rejuvenation"],
        "session_count": 1,
        "min_interval_days": 28,
        "max_interval_days": 56,
        "session_minutes": 45,
        "price": Decimal("420.00"),
        "display_order": 30,
        "name": {"en": "Single session: gentle microneedling with ready-made MSC exosomes"},
        "summary": {
            "en": "One gentle, shallow microneedling session with a ready-made MSC exosome "
            "preparation, for people who want to try a single treatment first.",
        },
        "description": {
            "en": "A single, low-depth session. It suits people who want to see how their skin "
            "reacts before committing to a course.\n\n"
            "For dermatitis-prone skin we only treat between flares and never over active "
            "eczema. Be aware that the evidence for exosomes in atopic dermatitis comes mostly "
            "from laboratory and animal studies; there is no controlled trial in people yet.",
        },
        "what_to_expect": {
            "en": "Mild redness for a day or two. Sensitive skin can feel tight for a few days.",
        },
        "aftercare": {
            "en": "Use your usual gentle, fragrance-free moisturiser and SPF 50. If your skin "
            "flares, call us.",
        },
    },
    {
        "slug": "own-prp-exosomes-rf-microneedling",
        "source": Source.PRP_OWN,
        "procedure": Procedure.RF_MICRONEEDLING,
        "indications": ["skin-rejuvenation", "acne-scars"],
        "session_count": 3,
        "min_interval_days": 21,
        "max_interval_days": 35,
        "session_minutes": 75,
        "preparation_minutes": 30,
        "lab_lead_days": 14,
        "price": Decimal("1900.00"),
        "display_order": 40,
        "name": {"en": "Your own PRP exosomes with RF microneedling"},
        "summary": {
            "en": "A blood draw first; two weeks later the first of three RF microneedling "
            "sessions with exosomes made from your own platelets.",
        },
        "description": {
            "en": "Exosomes made from your own blood, applied after radio-frequency "
            "microneedling, for firmness, texture and shallow acne scars.\n\n"
            "A recent split-face study compared exosomes with plain PRP after three RF "
            "microneedling sessions and found both sides improved about equally. So this course "
            "is a choice, not a guaranteed upgrade over PRP alone.",
        },
        "what_to_expect": {
            "en": "The blood draw takes a few minutes. The RF microneedling sessions are done "
            "under numbing cream; redness and small marks usually fade within 2 to 3 days.",
        },
        "aftercare": {
            "en": "No make-up for 24 hours, SPF 50 daily, no sauna or sport for 48 hours, pause "
            "retinoids for a week.",
        },
    },
    {
        "slug": "scalp-own-prp-exosomes",
        "source": Source.PRP_OWN,
        "procedure": Procedure.MICRONEEDLING,
        "indications": ["hair-loss"],
        "session_count": 3,
        "min_interval_days": 28,
        "max_interval_days": 35,
        "session_minutes": 60,
        "preparation_minutes": 30,
        "lab_lead_days": 14,
        "price": Decimal("1500.00"),
        "display_order": 50,
        "name": {"en": "Scalp course: your own PRP exosomes with microneedling"},
        "summary": {
            "en": "A blood draw, then three monthly scalp microneedling sessions with exosomes "
            "made from your own platelets.",
        },
        "description": {
            "en": "For thinning hair. Two small studies from 2024 reported more hair density "
            "after exosome treatment, but neither had a comparison group, which makes the "
            "result hard to judge.\n\n"
            "Only minoxidil and finasteride are approved medicines for hair loss. We will talk "
            "about them with you, and this course can be combined with them.",
        },
        "what_to_expect": {
            "en": "The scalp is numbed; needling takes about 20 minutes. The scalp can be red "
            "and tender for a day. You can wash your hair the next day.",
        },
        "aftercare": {
            "en": "No hair dye, styling products or swimming for 48 hours. Keep using any hair "
            "loss medicine you have been prescribed.",
        },
    },
    {
        "slug": "own-adipose-msc-exosomes-laser",
        "source": Source.MSC_OWN_ADIPOSE,
        "procedure": Procedure.FRACTIONAL_LASER,
        "indications": ["skin-rejuvenation", "pigment-spots", "acne-scars"],
        "session_count": 2,
        "min_interval_days": 28,
        "max_interval_days": 42,
        "session_minutes": 75,
        "preparation_minutes": 90,
        "lab_lead_days": 21,
        "price": Decimal("3400.00"),
        "display_order": 60,
        "name": {"en": "Personal MSC exosomes from your own fat tissue, with fractional laser"},
        "summary": {
            "en": "A small lipoaspiration, three weeks of lab work, then two fractional laser "
            "sessions with exosomes grown from your own stem cells.",
        },
        "description": {
            "en": "A small amount of fat is taken under local anaesthetic. A laboratory grows "
            "stem cells from it and collects the exosomes they release, which are then applied "
            "after two fractional laser sessions.\n\n"
            "Using your own cells avoids donor material, but it does not mean the treatment is "
            "proven: doses and methods are not standardised, and the clinical studies are small.",
        },
        "what_to_expect": {
            "en": "The lipoaspiration visit takes about 90 minutes; the small site can be "
            "bruised for a week. After each laser session the skin is red and swollen for 2 to "
            "3 days.",
        },
        "aftercare": {
            "en": "Wear the compression dressing for 48 hours after the lipoaspiration. After "
            "the laser: bland moisturiser, no direct sun for one to two months, SPF 50.",
        },
    },
]


@transaction.atomic
def seed() -> tuple[int, int]:
    """Create or refresh the demo indications and protocols; returns how many of each exist."""
    indications = {}
    for order, data in enumerate(INDICATIONS, start=1):
        indication, _ = Indication.objects.update_or_create(
            slug=data["slug"],
            defaults={"display_order": order, **_translated(data, "name", "description")},
        )
        indications[indication.slug] = indication

    for data in PROTOCOLS:
        fields = {
            key: value
            for key, value in data.items()
            if key not in {"slug", "indications", *TRANSLATED_PROTOCOL_FIELDS}
        }
        protocol, _ = Protocol.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "published": True,
                **fields,
                **_translated(data, *TRANSLATED_PROTOCOL_FIELDS),
            },
        )
        protocol.indications.set([indications[slug] for slug in data["indications"]])
    return len(indications), len(PROTOCOLS)


TRANSLATED_PROTOCOL_FIELDS = ("name", "summary", "description", "what_to_expect", "aftercare")


def _translated(data: dict, *fields: str) -> dict[str, str]:
    """{"name": {"en": "…", "de": "…"}} → {"name_en": "…", "name_de": "…"}."""
    return {
        f"{field}_{language}": text for field in fields for language, text in data[field].items()
    }
