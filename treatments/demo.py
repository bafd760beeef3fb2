"""Demo catalogue: the six indications and realistic protocols (facts from shared/DOMAIN.md).

Text fields are given per language; `seed()` is idempotent (update_or_create by slug).
"""

from decimal import Decimal

from django.db import transaction

from common.seeding import demo_row
from treatments.demo_guidance import GUIDANCE
from treatments.models import Indication, Procedure, Product, ProductSource, Protocol, Source

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
        "name": {"en": "Pigment spots", "de": "Pigmentflecken", "tr": "Pigment lekeleri"},
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
        "indications": ["acne-scars"],
        "session_count": 3,
        "min_interval_days": 28,
        "max_interval_days": 42,
        "session_minutes": 75,
        "price": Decimal("1650.00"),
        "display_order": 10,
        "name": {
            "en": "Acne scar course: fractional laser with ready-made MSC exosomes",
            "de": "Aknenarben-Serie: fraktionierter Laser mit fertigen MSC-Exosomen",
            "tr": "Akne izi kürü: hazır MSC eksozomlarıyla fraksiyonel lazer",
        },
        "summary": {
            "en": "A course of ablative fractional CO2 laser sessions, each followed by a "
            "ready-made MSC exosome preparation on the treated skin.",
            "de": "Eine Serie von Sitzungen mit ablativem fraktioniertem CO2-Laser, jeweils "
            "gefolgt von einem fertigen MSC-Exosomen-Präparat auf der behandelten Haut.",
            "tr": "Bir dizi ablatif fraksiyonel CO2 lazer seansı; her seansın ardından tedavi "
            "edilen cilde hazır bir MSC eksozom preparatı uygulanır.",
        },
        "description": {
            "en": "This course is built for depressed acne scars. We use an ablative fractional "
            "CO2 laser, the type used in the study below: it removes a fine grid of tiny columns "
            "of skin, and the exosome preparation is applied straight afterwards.\n\n"
            "The best study so far is small: 25 people, three CO2 laser sessions, one half of the "
            "face with a gel of exosomes from adipose stem cells and the other with a plain "
            "control gel. The exosome side "
            "improved somewhat "
            "more and settled faster. One study is not proof, and some of its authors worked "
            "with the manufacturer. We will tell you honestly whether we think your scars are "
            "likely to respond.",
            "de": "Diese Serie ist für eingesunkene Aknenarben gedacht. Wir verwenden einen "
            "ablativen fraktionierten CO2-Laser, wie in der unten genannten Studie: Er trägt ein "
            "feines Raster winziger Hautsäulen ab, und das Exosomen-Präparat wird direkt danach "
            "aufgetragen.\n\n"
            "Die beste Studie bisher ist klein: 25 Personen, drei Sitzungen mit CO2-Laser, eine "
            "Gesichtshälfte mit einem Gel aus Exosomen von Fettgewebs-Stammzellen und die andere "
            "mit einem Kontroll-Gel. Die "
            "Exosomen-Seite "
            "verbesserte sich etwas stärker und beruhigte sich schneller. Eine einzelne Studie "
            "ist kein Beweis, und einige ihrer Autorinnen und Autoren arbeiteten mit dem "
            "Hersteller zusammen. "
            "Wir sagen Ihnen ehrlich, ob Ihre Narben unserer Einschätzung nach wahrscheinlich "
            "ansprechen.",
            "tr": "Bu kür çukur akne izleri için tasarlanmıştır. Aşağıdaki çalışmada da kullanılan "
            "türde, ablatif fraksiyonel CO2 lazer kullanırız: Lazer ciltte ince bir ızgara "
            "şeklinde minik sütunlar açar; eksozom preparatı hemen ardından uygulanır.\n\n"
            "Şimdiye kadarki en iyi çalışma küçüktür: 25 kişi, üç CO2 lazer seansı, yüzün bir "
            "yarısına yağ dokusu kök hücrelerinden elde edilen eksozomları içeren jel, diğer "
            "yarısına ise kontrol jeli. Eksozom tarafı biraz daha "
            "fazla iyileşti ve daha hızlı toparlandı. Tek bir çalışma kanıt sayılmaz ve "
            "yazarlarının bir kısmı üreticiyle birlikte çalışmıştı. İzlerinizin tedaviye yanıt "
            "verme olasılığı hakkındaki görüşümüzü size dürüstçe söyleriz.",
        },
        "what_to_expect": {
            "en": "A numbing cream is applied 45 minutes before the laser. The skin feels hot "
            "for a few hours, then oozes and crusts for about a week. The redness can last for "
            "weeks, and sometimes for months. Darker patches can follow, more often in darker "
            "skin types. Cold sores can flare up after an ablative laser, so we prescribe an "
            "antiviral medicine for everyone, to take before and after each session.",
            "de": "45 Minuten vor dem Laser wird eine betäubende Creme aufgetragen. Die Haut fühlt "
            "sich einige Stunden lang heiß an, nässt dann und verkrustet etwa eine Woche lang. "
            "Die Rötung kann Wochen und manchmal Monate anhalten. Danach können dunklere "
            "Flecken entstehen, häufiger bei dunkleren Hauttypen. Nach einem ablativen Laser "
            "kann Lippenherpes aufflammen; deshalb verordnen wir allen ein antivirales Mittel, "
            "das Sie vor und nach jeder Sitzung einnehmen.",
            "tr": "Lazerden 45 dakika önce uyuşturma kremi sürülür. Cilt birkaç saat sıcak "
            "hissedilir, ardından yaklaşık bir hafta sulanır ve kabuklanır. Kızarıklık "
            "haftalarca, bazen aylarca sürebilir. Sonrasında, koyu ten tiplerinde daha sık "
            "olmak üzere koyu lekeler oluşabilir. Ablatif lazerden sonra uçuk alevlenebilir; bu "
            "yüzden herkese, her seanstan önce ve sonra kullanılacak antiviral bir ilaç reçete "
            "ederiz.",
        },
        "aftercare": {
            "en": "Keep the skin clean and use the bland moisturiser we give you. Avoid direct "
            "sun and use SPF 50 for one to two months. No retinoids, peels or saunas for one "
            "week.",
            "de": "Halten Sie die Haut sauber und verwenden Sie die milde Feuchtigkeitspflege, die "
            "wir Ihnen mitgeben. Meiden Sie ein bis zwei Monate lang direkte Sonne und "
            "verwenden Sie LSF 50. Eine Woche lang keine Retinoide, Peelings oder Saunagänge.",
            "tr": "Cildinizi temiz tutun ve size verdiğimiz sade nemlendiriciyi kullanın. Bir ila "
            "iki ay boyunca doğrudan güneşten kaçının ve SPF 50 kullanın. Bir hafta boyunca "
            "retinoid, peeling ve sauna yok.",
        },
    },
    {
        "slug": "skin-renewal-microneedling-msc",
        "source": Source.MSC_READY_MADE,
        "procedure": Procedure.MICRONEEDLING,
        "indications": ["skin-rejuvenation", "pigment-spots"],
        "session_count": 3,
        "min_interval_days": 21,
        "max_interval_days": 28,
        "session_minutes": 60,
        "price": Decimal("1200.00"),
        "display_order": 20,
        "name": {
            "en": "Skin renewal: microneedling with ready-made MSC exosomes",
            "de": "Hauterneuerung: Microneedling mit fertigen MSC-Exosomen",
            "tr": "Cilt yenileme: hazır MSC eksozomlarıyla mikroiğneleme",
        },
        "summary": {
            "en": "A course of microneedling sessions, with a ready-made MSC exosome preparation "
            "applied straight after each one.",
            "de": "Eine Serie von Microneedling-Sitzungen; nach jeder Sitzung wird direkt ein "
            "fertiges MSC-Exosomen-Präparat aufgetragen.",
            "tr": "Bir dizi mikroiğneleme seansı; her seansın hemen ardından hazır bir MSC "
            "eksozom preparatı uygulanır.",
        },
        "description": {
            "en": "For fine lines, tired-looking skin and uneven tone. "
            "Microneedling on its own already stimulates the skin's repair; the exosome "
            "preparation is added on top.\n\n"
            "In a split-face study of 28 people treated with microneedling three times, three "
            "weeks apart, the side given a solution of exosomes from adipose stem cells did "
            "better on wrinkles, elasticity and hydration than the side treated with salt water, "
            "and the study reported on pigmentation too. That is encouraging, but it is one "
            "small study.",
            "de": "Für feine Linien, müde wirkende Haut und ungleichmäßigen Hautton. "
            "Microneedling allein regt bereits die Reparatur der Haut an; das "
            "Exosomen-Präparat kommt zusätzlich hinzu.\n\n"
            "In einer Split-Face-Studie mit 28 Personen, die dreimal im Abstand von drei "
            "Wochen ein Microneedling erhielten, schnitt die Seite mit einer Lösung aus "
            "Exosomen von Fettgewebs-Stammzellen bei Falten, Elastizität und Feuchtigkeit besser "
            "ab als die mit Kochsalzlösung behandelte Seite; die Studie berichtete auch über die "
            "Pigmentierung. Das ist ermutigend, aber es ist nur eine kleine Studie.",
            "tr": "İnce çizgiler, yorgun görünen cilt ve düzensiz cilt tonu için. "
            "Mikroiğneleme tek başına da cildin onarımını uyarır; eksozom preparatı "
            "bunun üzerine eklenir.\n\n"
            "Üç hafta arayla üç kez mikroiğneleme yapılan 28 kişilik bir split-face çalışmada, "
            "yağ dokusu kök hücrelerinden elde edilen eksozom solüsyonu uygulanan taraf "
            "kırışıklık, esneklik ve nem açısından tuzlu su uygulanan taraftan daha iyi sonuç "
            "verdi; çalışma pigmentasyon sonuçlarını da bildirdi. Bu umut verici, ancak yalnızca "
            "tek bir küçük çalışmadır.",
        },
        "what_to_expect": {
            "en": "After a numbing cream, the session takes about 30 minutes of needling. Your "
            "skin will be red afterwards. How long the redness lasts differs from person to "
            "person; we found no reliable figure to give you. Darker patches can follow, more "
            "often in darker skin types; sun protection lowers "
            "the risk.",
            "de": "Nach dem Auftragen einer betäubenden Creme dauert das Needling etwa 30 Minuten. "
            "Ihre Haut ist danach gerötet. Wie lange die Rötung anhält, ist von Mensch zu "
            "Mensch verschieden; eine verlässliche Zahl haben wir nicht gefunden. Danach können "
            "dunklere Flecken entstehen, "
            "häufiger bei dunkleren Hauttypen; Sonnenschutz senkt das Risiko.",
            "tr": "Uyuşturma kremi sürüldükten sonra iğneleme yaklaşık 30 dakika sürer. Cildiniz "
            "sonrasında kızarır. Kızarıklığın ne kadar süreceği kişiden kişiye değişir; bu "
            "konuda güvenilir bir rakam bulamadık. Sonrasında, koyu ten tiplerinde daha sık olmak "
            "üzere koyu lekeler "
            "oluşabilir; güneşten korunmak riski azaltır.",
        },
        "aftercare": {
            "en": "No make-up for 24 hours. Wash gently, moisturise, and use SPF 50. Pause "
            "retinoids and acids for five days.",
            "de": "24 Stunden lang kein Make-up. Sanft reinigen, eincremen und LSF 50 verwenden. "
            "Retinoide und Säuren fünf Tage lang pausieren.",
            "tr": "24 saat makyaj yapmayın. Nazikçe yıkayın, nemlendirin ve SPF 50 kullanın. "
            "Retinoidlere ve asitlere beş gün ara verin.",
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
        "name": {
            "en": "Single session: gentle microneedling with ready-made MSC exosomes",
            "de": "Einzelsitzung: sanftes Microneedling mit fertigen MSC-Exosomen",
            "tr": "Tek seans: hazır MSC eksozomlarıyla nazik mikroiğneleme",
        },
        "summary": {
            "en": "One gentle, shallow microneedling session with a ready-made MSC exosome "
            "preparation, for people who want to try a single treatment first.",
            "de": "Eine sanfte, oberflächliche Microneedling-Sitzung mit einem fertigen "
            "MSC-Exosomen-Präparat für alle, die zunächst eine einzelne Behandlung "
            "ausprobieren möchten.",
            "tr": "Önce tek bir tedaviyi denemek isteyenler için, hazır bir MSC eksozom "
            "preparatıyla yapılan nazik ve yüzeysel tek bir mikroiğneleme seansı.",
        },
        "description": {
            "en": "A single, low-depth session. It suits people who want to see how their skin "
            "reacts before committing to a course.\n\n"
            "For dermatitis-prone skin we only treat between flares and never over active "
            "eczema. Be aware that the evidence for exosomes in atopic dermatitis comes mostly "
            "from laboratory and animal studies; the few small reports in people concern facial "
            "redness during dupilumab treatment, not the eczema itself, and there is no "
            "controlled trial.",
            "de": "Eine einzelne Sitzung mit geringer Nadeltiefe. Sie eignet sich für alle, die "
            "sehen möchten, wie ihre Haut reagiert, bevor sie sich für eine Serie "
            "entscheiden.\n\n"
            "Bei zu Dermatitis neigender Haut behandeln wir nur zwischen den Schüben und "
            "niemals auf akutem Ekzem. Bitte beachten Sie: Die Daten zu Exosomen bei "
            "atopischer Dermatitis stammen überwiegend aus Labor- und Tierstudien; die wenigen "
            "kleinen Berichte am Menschen betreffen Gesichtsrötungen während einer "
            "Dupilumab-Behandlung, nicht das Ekzem selbst, und eine kontrollierte Studie gibt "
            "es nicht.",
            "tr": "Düşük derinlikte, tek bir seans. Bir küre başlamadan önce cildinin nasıl tepki "
            "verdiğini görmek isteyenler için uygundur.\n\n"
            "Dermatite yatkın ciltlerde yalnızca atak aralarında tedavi uyguluyoruz ve aktif "
            "egzama üzerine asla uygulama yapmıyoruz. Atopik dermatitte eksozomlarla ilgili "
            "kanıtların çoğunlukla laboratuvar ve hayvan çalışmalarından geldiğini bilmenizi "
            "isteriz; insanlardaki az sayıdaki küçük rapor egzamanın kendisiyle değil, "
            "dupilumab tedavisi sırasındaki yüz kızarıklığıyla ilgilidir ve kontrollü bir "
            "çalışma yoktur.",
        },
        "what_to_expect": {
            "en": "Mild redness afterwards, and sensitive skin can feel tight. How long this "
            "lasts differs from person to person; we found no reliable figure to give you.",
            "de": "Danach leichte Rötung, und empfindliche Haut kann sich gespannt anfühlen. Wie "
            "lange das anhält, ist von Mensch zu Mensch verschieden; eine verlässliche Zahl haben "
            "wir nicht gefunden.",
            "tr": "Sonrasında hafif kızarıklık olur ve hassas cilt gergin hissedilebilir. Bunun "
            "ne kadar süreceği kişiden kişiye değişir; bu konuda güvenilir bir rakam bulamadık.",
        },
        "aftercare": {
            "en": "Use your usual gentle, fragrance-free moisturiser and SPF 50. If your skin "
            "flares, call us.",
            "de": "Verwenden Sie Ihre gewohnte milde, parfümfreie Feuchtigkeitspflege und LSF 50. "
            "Wenn Ihre Haut einen Schub bekommt, rufen Sie uns an.",
            "tr": "Alışık olduğunuz nazik, parfümsüz nemlendiriciyi ve SPF 50'yi kullanın. "
            "Cildinizde alevlenme olursa bizi arayın.",
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
        "name": {
            "en": "Your own PRP exosomes with RF microneedling",
            "de": "Ihre eigenen PRP-Exosomen mit RF-Microneedling",
            "tr": "RF mikroiğneleme ile kendi PRP eksozomlarınız",
        },
        "summary": {
            "en": "A blood draw first; after the lab time, a course of RF microneedling "
            "sessions with exosomes made from your own platelets.",
            "de": "Zuerst eine Blutentnahme; nach der Laborzeit eine Serie von "
            "RF-Microneedling-Sitzungen mit Exosomen aus Ihren eigenen Blutplättchen.",
            "tr": "Önce kan alınır; laboratuvar süresinden sonra, kendi trombositlerinizden "
            "üretilen eksozomlarla bir dizi RF mikroiğneleme seansı yapılır.",
        },
        "description": {
            "en": "Exosomes made from your own blood, applied after radio-frequency "
            "microneedling, for firmness, texture and shallow acne scars.\n\n"
            "A recent split-face study compared exosomes from adipose stem cells (not from "
            "blood) with plain PRP after three RF microneedling sessions and found both sides "
            "improved about equally. We found no study of exosomes made from PRP, as used in "
            "this course, for the skin. So this course is a choice, not a proven upgrade over "
            "PRP alone.",
            "de": "Exosomen aus Ihrem eigenen Blut, aufgetragen nach Radiofrequenz-Microneedling, "
            "für Festigkeit, Hautstruktur und flache Aknenarben.\n\n"
            "Eine aktuelle Split-Face-Studie verglich nach drei RF-Microneedling-Sitzungen "
            "Exosomen aus Fettgewebs-Stammzellen (nicht aus Blut) mit einfachem PRP und stellte "
            "fest, dass sich beide Seiten etwa gleich stark verbesserten. Eine Studie zu "
            "Exosomen aus PRP, wie sie diese Serie verwendet, haben wir für die Haut nicht "
            "gefunden. Diese Serie ist also eine Wahlmöglichkeit und keine sichere Verbesserung "
            "gegenüber PRP allein.",
            "tr": "Kendi kanınızdan üretilen eksozomlar; sıkılık, cilt dokusu ve yüzeysel akne "
            "izleri için radyofrekanslı mikroiğnelemeden sonra uygulanır.\n\n"
            "Yakın tarihli bir split-face çalışma, üç RF mikroiğneleme seansından sonra yağ "
            "dokusu kök hücrelerinden (kandan değil) elde edilen eksozomları tek başına PRP ile "
            "karşılaştırdı ve her iki tarafın da yaklaşık aynı ölçüde iyileştiğini buldu. Bu "
            "kürde kullanılan PRP kaynaklı eksozomları cilt için inceleyen bir çalışma "
            "bulamadık. Yani bu kür bir seçenektir; tek başına PRP'ye göre kesin bir üstünlük "
            "sunmaz.",
        },
        "what_to_expect": {
            "en": "The blood draw takes a few minutes. The RF microneedling sessions are done "
            "under numbing cream. Afterwards the skin is red and has small marks. How long they "
            "last differs from person to person; we found no reliable figure to give you.",
            "de": "Die Blutentnahme dauert wenige Minuten. Die RF-Microneedling-Sitzungen erfolgen "
            "unter betäubender Creme. Danach ist die Haut gerötet und zeigt kleine Spuren. Wie "
            "lange sie bleiben, ist von Mensch zu Mensch verschieden; eine verlässliche Zahl "
            "haben wir nicht gefunden.",
            "tr": "Kan alımı birkaç dakika sürer. RF mikroiğneleme seansları uyuşturma kremi "
            "altında yapılır. Sonrasında cilt kızarır ve küçük izler olur. Bunların ne kadar "
            "süreceği kişiden kişiye değişir; bu konuda güvenilir bir rakam bulamadık.",
        },
        "aftercare": {
            "en": "No make-up for 24 hours, SPF 50 daily, no sauna or sport for 48 hours, pause "
            "retinoids for a week.",
            "de": "24 Stunden lang kein Make-up, täglich LSF 50, 48 Stunden lang keine Sauna und "
            "kein Sport, Retinoide eine Woche lang pausieren.",
            "tr": "24 saat makyaj yok, her gün SPF 50, 48 saat sauna ve spor yok, retinoidlere bir "
            "hafta ara verin.",
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
        "name": {
            "en": "Scalp course: your own PRP exosomes with microneedling",
            "de": "Kopfhaut-Serie: Ihre eigenen PRP-Exosomen mit Microneedling",
            "tr": "Saçlı deri kürü: mikroiğneleme ile kendi PRP eksozomlarınız",
        },
        "summary": {
            "en": "A blood draw, then a course of scalp microneedling sessions with exosomes "
            "made from your own platelets.",
            "de": "Eine Blutentnahme, danach eine Serie von Microneedling-Sitzungen an der "
            "Kopfhaut mit Exosomen aus Ihren eigenen Blutplättchen.",
            "tr": "Bir kan alımı, ardından kendi trombositlerinizden üretilen eksozomlarla bir "
            "dizi saçlı deri mikroiğneleme seansı.",
        },
        "description": {
            "en": "For thinning hair. Two small studies from 2024 reported more hair density "
            "after exosome treatment. Neither had a comparison group, so the results are hard to "
            "judge. In one, exosomes from stem cells of foreskin tissue were injected into the "
            "scalp of 30 men. In the other, 30 people were treated with exosomes from fat-tissue "
            "stem cells; its summary does not say how they were given. "
            "We found no study of exosomes made from PRP, as used in this course, for hair "
            "loss.\n\n"
            "For pattern hair loss (androgenetic alopecia), minoxidil and finasteride are the "
            "only FDA-approved medicines; finasteride is approved for men only. In Germany, "
            "alfatradiol solution is approved too. We will talk about them with you, and this "
            "course can be combined with them.",
            "de": "Bei dünner werdendem Haar. Zwei kleine Studien aus dem Jahr 2024 berichteten "
            "nach einer Exosomen-Behandlung über eine höhere Haardichte. Keine hatte eine "
            "Vergleichsgruppe, deshalb sind die Ergebnisse schwer zu beurteilen. In der einen "
            "wurden 30 Männern Exosomen aus Stammzellen von Vorhautgewebe in die Kopfhaut "
            "gespritzt. In der anderen wurden 30 Personen mit Exosomen aus Stammzellen "
            "des Fettgewebes behandelt; die Zusammenfassung sagt nicht, wie sie "
            "gegeben wurden. Eine Studie zu Exosomen aus PRP, wie sie diese Serie verwendet, "
            "haben wir für Haarausfall nicht gefunden.\n\n"
            "Gegen erblich bedingten Haarausfall (androgenetische Alopezie) sind Minoxidil und "
            "Finasterid die einzigen von der US-Behörde FDA zugelassenen Arzneimittel; "
            "Finasterid nur für Männer. In Deutschland ist außerdem Alfatradiol-Lösung "
            "zugelassen. Wir sprechen mit Ihnen darüber, und diese Serie lässt sich mit ihnen "
            "kombinieren.",
            "tr": "Seyrelen saçlar için. 2024'te yayımlanan iki küçük çalışma, eksozom "
            "tedavisinden sonra saç yoğunluğunun arttığını bildirdi. İkisinde de karşılaştırma "
            "grubu yoktu; bu yüzden sonuçları değerlendirmek zordur. Birinde, sünnet derisi "
            "dokusunun kök hücrelerinden elde edilen eksozomlar 30 erkeğin saçlı derisine "
            "enjekte edildi. Diğer çalışmada 30 kişi, yağ dokusu kök "
            "hücrelerinden elde edilen eksozomlarla tedavi edildi; çalışmanın özeti "
            "eksozomların nasıl verildiğini söylemiyor. Bu kürde kullanılan PRP kaynaklı "
            "eksozomları saç dökülmesinde inceleyen bir çalışma bulamadık.\n\n"
            "Kalıtsal saç dökülmesi (androgenetik alopesi) için FDA onaylı ilaçlar yalnızca "
            "minoksidil ve finasteriddir; finasterid yalnızca erkekler için onaylıdır. "
            "Almanya'da alfatradiol solüsyonu da onaylıdır. Bunları sizinle konuşuruz; bu kür "
            "onlarla birlikte uygulanabilir.",
        },
        "what_to_expect": {
            "en": "The scalp is numbed; needling takes about 20 minutes. The scalp can be red "
            "and tender afterwards. You can wash your hair the next day.",
            "de": "Die Kopfhaut wird betäubt; das Needling dauert etwa 20 Minuten. Die Kopfhaut "
            "kann danach gerötet und empfindlich sein. Am nächsten Tag dürfen Sie Ihre "
            "Haare waschen.",
            "tr": "Saçlı deri uyuşturulur; iğneleme yaklaşık 20 dakika sürer. Saçlı deri "
            "sonrasında kırmızı ve hassas olabilir. Ertesi gün saçınızı yıkayabilirsiniz.",
        },
        "aftercare": {
            "en": "No hair dye, styling products or swimming for 48 hours. Keep taking "
            "finasteride if it has been prescribed; minoxidil is usually paused for a few days "
            "around each session, and we tell you when to restart.",
            "de": "48 Stunden lang keine Haarfarbe, keine Stylingprodukte und kein Schwimmen. "
            "Verordnetes Finasterid nehmen Sie weiter; Minoxidil wird meist einige Tage rund "
            "um jede Sitzung pausiert, und wir sagen Ihnen, wann Sie wieder beginnen.",
            "tr": "48 saat boyunca saç boyası, şekillendirici ürün ve yüzme yok. Reçete "
            "edildiyse finasteride devam edin; minoksidile genellikle her seansın öncesinde ve "
            "sonrasında birkaç gün ara verilir, ne zaman yeniden başlayacağınızı size söyleriz.",
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
        "name": {
            "en": "Personal MSC exosomes from your own fat tissue, with fractional laser",
            "de": "Persönliche MSC-Exosomen aus Ihrem eigenen Fettgewebe, mit fraktioniertem Laser",
            "tr": "Kendi yağ dokunuzdan kişisel MSC eksozomları, fraksiyonel lazer ile",
        },
        "summary": {
            "en": "A small harvest of fat tissue, lab work, then fractional laser sessions with "
            "exosomes from your own stem cells.",
            "de": "Eine kleine Entnahme von Fettgewebe, Laborarbeit, danach Sitzungen mit "
            "fraktioniertem Laser und Exosomen aus Ihren eigenen Stammzellen.",
            "tr": "Küçük bir yağ dokusu alımı, laboratuvar çalışması, ardından kendi kök "
            "hücrelerinizden elde edilen eksozomlarla fraksiyonel lazer seansları.",
        },
        "description": {
            "en": "A small amount of fat is taken under local anaesthetic. A laboratory grows "
            "stem cells from it and collects the exosomes they release. These are then applied "
            "after each fractional laser session.\n\n"
            "Using your own cells avoids donor material, but it does not mean the treatment is "
            "proven: doses and methods are not standardised, and the clinical studies are small. "
            "The laser in this course is a gentler, non-ablative fractional laser.\n\n"
            "We found no study of this method: exosomes from a person's own fat tissue, used "
            "with a non-ablative laser. The acne scar study in the sources tested a ready-made "
            "gel with an ablative CO2 laser, which is a different method.",
            "de": "Unter örtlicher Betäubung wird eine kleine Menge Fett entnommen. Ein Labor "
            "züchtet daraus Stammzellen und sammelt die Exosomen, die sie abgeben. Diese "
            "werden dann nach jeder Sitzung mit fraktioniertem Laser aufgetragen.\n\n"
            "Eigene Zellen vermeiden Spendermaterial, das heißt aber nicht, dass die "
            "Behandlung bewiesen ist: Dosis und Methoden sind nicht standardisiert, und die "
            "klinischen Studien sind klein. Der Laser in dieser Serie ist ein sanfterer, nicht "
            "ablativer fraktionierter Laser.\n\n"
            "Eine Studie zu dieser Methode, also zu Exosomen aus dem eigenen Fettgewebe mit "
            "einem nicht ablativen Laser, haben wir nicht gefunden. Die Aknenarben-Studie unter "
            "den Quellen prüfte ein fertiges Gel mit einem ablativen CO2-Laser; das ist eine "
            "andere Methode.",
            "tr": "Lokal anestezi altında az miktarda yağ alınır. Laboratuvar bundan kök hücre "
            "çoğaltır ve hücrelerin saldığı eksozomları toplar. Bunlar daha sonra her "
            "fraksiyonel lazer seansının ardından uygulanır.\n\n"
            "Kendi hücrelerinizi kullanmak donör materyalini ortadan kaldırır, ancak bu, "
            "tedavinin kanıtlanmış olduğu anlamına gelmez: Doz ve yöntemler standart değildir "
            "ve klinik çalışmalar küçüktür. Bu kürde daha hafif, ablatif olmayan bir fraksiyonel "
            "lazer kullanılır.\n\n"
            "Bu yöntemi, yani kişinin kendi yağ dokusundan elde edilen eksozomların ablatif "
            "olmayan bir lazerle kullanımını inceleyen bir çalışma bulamadık. Kaynaklardaki "
            "akne izi çalışması, ablatif CO2 lazerle hazır bir jeli test etti; bu farklı bir "
            "yöntemdir.",
        },
        "what_to_expect": {
            "en": "Taking the fat has its own risks: the small site is usually bruised and "
            "swollen, and infection or an uneven contour can occur. After each laser session "
            "the skin is red and swollen for a short time; recovery is shorter than after an "
            "ablative laser. Darker patches can follow, more often in darker skin types. If you "
            "get cold sores, tell us: we then prescribe an antiviral medicine to take before "
            "and after each session.",
            "de": "Die Entnahme des Fettgewebes hat eigene Risiken: Die kleine Entnahmestelle "
            "zeigt meist einen Bluterguss und eine Schwellung, und es kann zu einer Infektion "
            "oder einer unebenen Kontur kommen. Nach jeder Lasersitzung ist die Haut kurze Zeit "
            "gerötet und geschwollen; die Erholung ist kürzer als nach einem ablativen Laser. "
            "Danach können dunklere Flecken entstehen, häufiger bei dunkleren Hauttypen. Wenn "
            "Sie zu Lippenherpes neigen, sagen Sie es uns: Dann verordnen wir ein antivirales "
            "Mittel, das Sie vor und nach jeder Sitzung einnehmen.",
            "tr": "Yağ alınmasının kendine özgü riskleri vardır: Küçük işlem bölgesinde "
            "genellikle morluk ve şişlik olur; enfeksiyon veya düzensiz kontur görülebilir. Her "
            "lazer seansından sonra cilt kısa bir süre kırmızı ve şiş olur; iyileşme ablatif "
            "lazere göre daha kısadır. Sonrasında, koyu ten tiplerinde daha sık olmak üzere "
            "koyu lekeler oluşabilir. Uçuk eğiliminiz varsa bize söyleyin: Her seanstan önce ve "
            "sonra kullanacağınız antiviral bir ilaç reçete ederiz.",
        },
        "aftercare": {
            "en": "Wear the compression dressing for 48 hours after the fat is taken. After "
            "the laser: bland moisturiser, no direct sun for one to two months, SPF 50.",
            "de": "Tragen Sie den Kompressionsverband 48 Stunden lang nach der Entnahme des "
            "Fettgewebes. Nach dem Laser: milde Feuchtigkeitspflege, ein bis zwei Monate keine "
            "direkte Sonne, LSF 50.",
            "tr": "Yağ alındıktan sonra kompresyon bandajını 48 saat boyunca takın. Lazerden "
            "sonra: sade nemlendirici, bir ila iki ay doğrudan güneş yok, SPF 50.",
        },
    },
]


@transaction.atomic
def seed(*, refresh: bool = False) -> tuple[int, int]:
    """Create the missing demo indications and protocols (all of them again when refreshing)."""
    indications = {}
    for order, data in enumerate(INDICATIONS, start=1):
        indication, _ = demo_row(
            Indication,
            refresh=refresh,
            slug=data["slug"],
            defaults={"display_order": order, **_translated(data, "name", "description")},
        )
        indications[indication.slug] = indication

    products = demo_products(refresh=refresh)
    for data in PROTOCOLS:
        data = {**data, **GUIDANCE[data["slug"]]}
        fields = {
            key: value
            for key, value in data.items()
            if key not in {"slug", "indications", *TRANSLATED_PROTOCOL_FIELDS}
        }
        protocol, created = demo_row(
            Protocol,
            refresh=refresh,
            slug=data["slug"],
            defaults={
                "published": True,
                "product": products[PRODUCT_FOR_SOURCE[data["source"]]],
                **fields,
                **_translated(data, *TRANSLATED_PROTOCOL_FIELDS),
            },
        )
        if protocol.product_id is None:
            # A demo row created before products existed: give it its demo product.
            protocol.product = products[PRODUCT_FOR_SOURCE[data["source"]]]
            protocol.save(update_fields=["product"])
        if created or refresh:
            protocol.indications.set([indications[slug] for slug in data["indications"]])
    return len(indications), len(PROTOCOLS)


TRANSLATED_PROTOCOL_FIELDS = (
    "name",
    "summary",
    "description",
    "what_to_expect",
    "aftercare",
    "how_to_prepare",
    "results_timing",
)

# The demo cannot know the clinic's products: these are fictional, and every text says "demo" so
# that nobody takes them for a real product. The regulatory sentence after it is true of every
# exosome product.
DEMO_PRODUCTS = {
    "donor": {
        "name": "DemoExo UC (demo product)",
        "maker": "Demo Biolab (fictional)",
        "source": ProductSource.DONOR,
        "supplier": "Demo Supply (fictional)",
        "donor_tissue": {
            "en": "umbilical cord tissue (demo)",
            "de": "Nabelschnurgewebe (Demo)",
            "tr": "göbek kordonu dokusu (demo)",
        },
        "regulatory_status": {
            "en": "Demo product: fictional, for trying out this website; a real clinic names "
            "its actual product here. No exosome product is approved as a medicine in the EU.",
            "de": "Demo-Produkt: erfunden, zum Ausprobieren dieser Website; eine echte Praxis "
            "nennt hier ihr tatsächliches Produkt. Kein Exosomen-Produkt ist in der EU als "
            "Arzneimittel zugelassen.",
            "tr": "Demo ürün: bu web sitesini denemek için uydurulmuştur; gerçek bir klinik "
            "burada gerçek ürününü belirtir. AB'de hiçbir eksozom ürünü ilaç olarak onaylı "
            "değildir.",
        },
    },
    "own_blood": {
        "name": "Own-blood exosome preparation (demo)",
        "maker": "Demo Laboratory (fictional)",
        "source": ProductSource.OWN_BLOOD,
        "supplier": "",
        "donor_tissue": {"en": "", "de": "", "tr": ""},
        "regulatory_status": {
            "en": "Demo: a fictional laboratory. It is made for you from your own blood and used "
            "only for you. Exosome preparations are not approved as medicines in the EU.",
            "de": "Demo: ein erfundenes Labor. Es wird für Sie aus Ihrem eigenen Blut hergestellt "
            "und nur bei Ihnen angewendet. Exosomen-Präparate sind in der EU nicht als "
            "Arzneimittel zugelassen.",
            "tr": "Demo: uydurma bir laboratuvar. Sizin için kendi kanınızdan üretilir ve yalnızca "
            "sizde kullanılır. Eksozom preparatları AB'de ilaç olarak onaylı değildir.",
        },
    },
    "own_fat": {
        "name": "Own-fat MSC exosome preparation (demo)",
        "maker": "Demo Laboratory (fictional)",
        "source": ProductSource.OWN_FAT,
        "supplier": "",
        "donor_tissue": {"en": "", "de": "", "tr": ""},
        "regulatory_status": {
            "en": "Demo: a fictional laboratory. It is made for you from your own fat tissue and "
            "used only for you. Exosome preparations are not approved as medicines in the EU.",
            "de": "Demo: ein erfundenes Labor. Es wird für Sie aus Ihrem eigenen Fettgewebe "
            "hergestellt und nur bei Ihnen angewendet. Exosomen-Präparate sind in der EU nicht "
            "als Arzneimittel zugelassen.",
            "tr": "Demo: uydurma bir laboratuvar. Sizin için kendi yağ dokunuzdan üretilir ve "
            "yalnızca sizde kullanılır. Eksozom preparatları AB'de ilaç olarak onaylı değildir.",
        },
    },
}

PRODUCT_FOR_SOURCE = {
    Source.MSC_READY_MADE: "donor",
    Source.PRP_OWN: "own_blood",
    Source.MSC_OWN_ADIPOSE: "own_fat",
}


def demo_products(*, refresh: bool = False) -> dict[str, Product]:
    """The fictional demo products, created once (by name) and kept as they are unless refreshed."""
    products = {}
    for key, data in DEMO_PRODUCTS.items():
        product, _ = demo_row(
            Product,
            refresh=refresh,
            name=data["name"],
            defaults={
                "maker": data["maker"],
                "source": data["source"],
                "supplier": data["supplier"],
                "is_demo": True,
                **_translated(data, "donor_tissue", "regulatory_status"),
            },
        )
        products[key] = product
    return products


def _translated(data: dict, *fields: str) -> dict[str, str]:
    """{"name": {"en": "…", "de": "…"}} → {"name_en": "…", "name_de": "…"}."""
    return {
        f"{field}_{language}": text for field in fields for language, text in data[field].items()
    }
