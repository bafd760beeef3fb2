"""Demo text for each protocol's "How to prepare" and "Results: when you can judge them".

Kept beside treatments/demo.py (merged into its PROTOCOLS by slug) so that the two new
sections can be read and reviewed together. Sources: Mayo Clinic, "Laser resurfacing: how you
prepare" (sun, retinoids, antiviral before ablative laser); the studies each protocol page
cites (when their results were measured). Short sentences: the English aims at school grade 8.
"""

GUIDANCE = {
    "acne-scars-laser-msc": {
        "how_to_prepare": {
            "en": "Protect your skin from the sun for two months before the first session. Too "
            "much sun before a laser can leave lasting uneven colour.\n\n"
            "We prescribe an antiviral medicine for everyone having this laser. Start it before "
            "the session, as we tell you, and keep taking it after.\n\n"
            "Tell us which creams you use. Some doctors advise a retinoid cream for the four "
            "weeks before an ablative laser. Do not start or stop one on your own: follow what "
            "we agree at your consultation.\n\n"
            "Tell us if you have taken isotretinoin, a tablet for severe acne, in the last six "
            "months.",
            "de": "Schützen Sie Ihre Haut zwei Monate vor der ersten Sitzung vor der Sonne. Zu "
            "viel Sonne vor einem Laser kann bleibende ungleichmäßige Verfärbungen hinterlassen."
            "\n\n"
            "Wir verordnen allen, die diesen Laser erhalten, ein antivirales Mittel. Beginnen "
            "Sie damit vor der Sitzung, wie wir es Ihnen sagen, und nehmen Sie es danach weiter."
            "\n\n"
            "Sagen Sie uns, welche Cremes Sie verwenden. Manche Ärztinnen und Ärzte raten in "
            "den vier Wochen vor einem ablativen Laser zu einer Retinoid-Creme. Beginnen oder "
            "beenden Sie eine solche Creme nicht auf eigene Faust: Halten Sie sich "
            "an das, was wir im Beratungsgespräch vereinbaren.\n\n"
            "Sagen Sie uns, ob Sie in den letzten sechs Monaten Isotretinoin eingenommen haben, "
            "eine Tablette gegen schwere Akne.",
            "tr": "İlk seanstan önceki iki ay boyunca cildinizi güneşten koruyun. Lazerden önce "
            "fazla güneş, ciltte geçmeyebilecek düzensiz renk bırakabilir.\n\n"
            "Bu lazeri yaptıran herkese antiviral bir ilaç reçete ederiz. Söylediğimiz gibi "
            "seanstan önce başlayın ve sonrasında da kullanmaya devam edin.\n\n"
            "Hangi kremleri kullandığınızı bize söyleyin. Bazı hekimler ablatif lazerden önceki "
            "dört hafta boyunca retinoid krem önerir. Kendi başınıza "
            "böyle bir kreme başlamayın veya bırakmayın: Görüşmede kararlaştırdığımıza uyun."
            "\n\n"
            "Son altı ayda şiddetli akne için bir tablet olan izotretinoin kullandıysanız bize "
            "söyleyin.",
        },
        "results_timing": {
            "en": "Do not judge the result after one session. In the acne scar study, scars "
            "were judged at the end of a 12-week study, after all three sessions. After an "
            "ablative laser, redness can last for months and can hide the result until it "
            "fades.",
            "de": "Beurteilen Sie das Ergebnis nicht nach einer Sitzung. In der "
            "Aknenarben-Studie wurden die Narben am Ende einer 12-wöchigen Studie beurteilt, "
            "nach allen drei Sitzungen. Nach einem ablativen Laser kann die Rötung Monate "
            "anhalten und das Ergebnis verdecken, bis sie abklingt.",
            "tr": "Sonucu tek bir seanstan sonra değerlendirmeyin. Akne izi çalışmasında izler, "
            "üç seansın tamamından sonra, 12 haftalık çalışmanın sonunda değerlendirildi. "
            "Ablatif lazerden sonra kızarıklık aylarca sürebilir ve geçene kadar sonucu "
            "gizleyebilir.",
        },
    },
    "skin-renewal-microneedling-msc": {
        "how_to_prepare": {
            "en": "Avoid sunburn on your face before the session: we do not treat burnt or "
            "irritated skin. Tell us about cold sores, about any skin infection and about the "
            "creams and medicines you use. Come without make-up.",
            "de": "Vermeiden Sie vor der Sitzung einen Sonnenbrand im Gesicht: Verbrannte oder "
            "gereizte Haut behandeln wir nicht. Sagen Sie uns, ob Sie zu Lippenherpes neigen, "
            "ob Sie eine Hautinfektion haben und welche Cremes und Medikamente Sie verwenden. "
            "Kommen Sie ungeschminkt.",
            "tr": "Seanstan önce yüzünüzde güneş yanığı olmamasına dikkat edin: Yanmış veya "
            "tahriş olmuş cildi tedavi etmeyiz. Uçuk eğiliminizi, ciltte bir enfeksiyon olup "
            "olmadığını ve kullandığınız krem ve ilaçları bize söyleyin. Makyajsız gelin.",
        },
        "results_timing": {
            "en": "Do not judge the result after one session. In the study behind this course, "
            "results were measured at the end of 12 weeks, after three sessions three weeks "
            "apart.",
            "de": "Beurteilen Sie das Ergebnis nicht nach einer Sitzung. In der Studie, auf der "
            "diese Serie beruht, wurden die Ergebnisse nach 12 Wochen gemessen, nach drei "
            "Sitzungen im Abstand von drei Wochen.",
            "tr": "Sonucu tek bir seanstan sonra değerlendirmeyin. Bu kürün dayandığı "
            "çalışmada sonuçlar, üçer hafta arayla yapılan üç seanstan sonra, 12. haftanın "
            "sonunda ölçüldü.",
        },
    },
    "barrier-support-single-msc": {
        "how_to_prepare": {
            "en": "Book only when your skin is calm. If your eczema flares before the session, "
            "call us to move it: we never treat over active eczema. Come without make-up, and "
            "tell us which creams and medicines you use.",
            "de": "Buchen Sie nur, wenn Ihre Haut ruhig ist. Wenn Ihr Ekzem vor der Sitzung "
            "aufflammt, rufen Sie uns an, um den Termin zu verschieben: Auf akutem Ekzem "
            "behandeln wir nie. Kommen Sie ungeschminkt und sagen Sie uns, welche Cremes und "
            "Medikamente Sie verwenden.",
            "tr": "Yalnızca cildiniz sakinken randevu alın. Seanstan önce egzamanız "
            "alevlenirse randevuyu ertelemek için bizi arayın: Aktif egzama üzerine asla "
            "uygulama yapmayız. Makyajsız gelin ve kullandığınız krem ve ilaçları bize "
            "söyleyin.",
        },
        "results_timing": {
            "en": "We found no study of a single session for this use. So we cannot tell you "
            "when a change might show, or whether it will. Look at how your skin reacts in the "
            "weeks after the session, and talk to us before you decide on more.",
            "de": "Eine Studie zu einer einzelnen Sitzung für diesen Zweck haben wir nicht "
            "gefunden. Wir können Ihnen also nicht sagen, wann sich etwas zeigen könnte und ob "
            "überhaupt. Achten Sie in den Wochen nach der Sitzung darauf, wie Ihre Haut "
            "reagiert, und sprechen Sie mit uns, bevor Sie sich für weitere Sitzungen "
            "entscheiden.",
            "tr": "Bu kullanım için tek seansı inceleyen bir çalışma bulamadık. Bu yüzden bir "
            "değişikliğin ne zaman görüleceğini, hatta görülüp görülmeyeceğini söyleyemeyiz. "
            "Seanstan sonraki haftalarda cildinizin nasıl tepki verdiğine bakın ve daha fazla "
            "seansa karar vermeden önce bizimle konuşun.",
        },
    },
    "own-prp-exosomes-rf-microneedling": {
        "how_to_prepare": {
            "en": "For the blood draw: do not take anti-inflammatory painkillers, such as "
            "ibuprofen, in the 48 hours before it. Tell us if you have taken steroid tablets in "
            "the last two weeks, or if you have a fever on the day.\n\n"
            "For the sessions: avoid sunburn on the area, come without make-up, and tell us "
            "about cold sores and the creams and medicines you use.",
            "de": "Vor der Blutentnahme: Nehmen Sie in den 48 Stunden davor keine "
            "entzündungshemmenden Schmerzmittel wie Ibuprofen. Sagen Sie uns, ob Sie in den "
            "letzten zwei Wochen Kortison-Tabletten genommen haben oder am Tag Fieber haben."
            "\n\n"
            "Vor den Sitzungen: Vermeiden Sie einen Sonnenbrand an der Stelle, kommen Sie "
            "ungeschminkt und sagen Sie uns, ob Sie zu Lippenherpes neigen und welche Cremes "
            "und Medikamente Sie verwenden.",
            "tr": "Kan alımı için: Öncesindeki 48 saat içinde ibuprofen gibi iltihap giderici "
            "ağrı kesiciler almayın. Son iki haftada kortizon tableti kullandıysanız veya o gün "
            "ateşiniz varsa bize söyleyin.\n\n"
            "Seanslar için: Bölgede güneş yanığı olmamasına dikkat edin, makyajsız gelin ve "
            "uçuk eğiliminizi ve kullandığınız krem ve ilaçları bize söyleyin.",
        },
        "results_timing": {
            "en": "We found no study of exosomes made from PRP for the skin, so we cannot tell "
            "you when a change might show. Do not judge the result after one session: wait "
            "until the whole course is over and the redness has gone.",
            "de": "Eine Studie zu Exosomen aus PRP für die Haut haben wir nicht gefunden; wir "
            "können Ihnen also nicht sagen, wann sich etwas zeigen könnte. Beurteilen Sie das "
            "Ergebnis nicht nach einer Sitzung: Warten Sie, bis die ganze Serie vorbei und die "
            "Rötung abgeklungen ist.",
            "tr": "Cilt için PRP kaynaklı eksozomları inceleyen bir çalışma bulamadık; bu yüzden "
            "bir değişikliğin ne zaman görülebileceğini söyleyemeyiz. Sonucu tek bir seanstan "
            "sonra değerlendirmeyin: Kürün tamamı bitene ve kızarıklık geçene kadar bekleyin.",
        },
    },
    "scalp-own-prp-exosomes": {
        "how_to_prepare": {
            "en": "For the blood draw: do not take anti-inflammatory painkillers, such as "
            "ibuprofen, in the 48 hours before it. Tell us if you have taken steroid tablets in "
            "the last two weeks, or if you have a fever on the day.\n\n"
            "For the sessions: if you use minoxidil, ask us when to pause it. Keep taking "
            "finasteride if it has been prescribed. Come with clean hair and no styling "
            "products.",
            "de": "Vor der Blutentnahme: Nehmen Sie in den 48 Stunden davor keine "
            "entzündungshemmenden Schmerzmittel wie Ibuprofen. Sagen Sie uns, ob Sie in den "
            "letzten zwei Wochen Kortison-Tabletten genommen haben oder am Tag Fieber haben."
            "\n\n"
            "Vor den Sitzungen: Wenn Sie Minoxidil verwenden, fragen Sie uns, wann Sie es "
            "pausieren. Verordnetes Finasterid nehmen Sie weiter. Kommen Sie mit sauberem Haar "
            "und ohne Stylingprodukte.",
            "tr": "Kan alımı için: Öncesindeki 48 saat içinde ibuprofen gibi iltihap giderici "
            "ağrı kesiciler almayın. Son iki haftada kortizon tableti kullandıysanız veya o gün "
            "ateşiniz varsa bize söyleyin.\n\n"
            "Seanslar için: Minoksidil kullanıyorsanız ne zaman ara vereceğinizi bize sorun. "
            "Reçete edildiyse finasteride devam edin. Temiz saçla ve şekillendirici ürün "
            "kullanmadan gelin.",
        },
        "results_timing": {
            "en": "Hair grows slowly, so do not judge the result after one session. In the "
            "injection study, hair density was measured 4 and 12 weeks after treatment. In the "
            "other study, people were followed for 24 weeks. Photos taken the "
            "same way before and after help you compare.",
            "de": "Haar wächst langsam; beurteilen Sie das Ergebnis also nicht nach einer "
            "Sitzung. In der Studie mit Injektionen wurde die Haardichte 4 und 12 Wochen nach "
            "der Behandlung gemessen. In der anderen Studie wurden die Personen 24 Wochen "
            "lang begleitet. Fotos, die vorher und nachher auf die gleiche Weise gemacht "
            "werden, helfen beim Vergleich.",
            "tr": "Saç yavaş uzar; bu yüzden sonucu tek bir seanstan sonra değerlendirmeyin. "
            "Enjeksiyon çalışmasında saç yoğunluğu tedaviden 4 ve 12 hafta sonra ölçüldü. Diğer "
            "çalışmada kişiler 24 hafta boyunca izlendi. Öncesinde ve "
            "sonrasında aynı şekilde çekilen fotoğraflar karşılaştırmanıza yardımcı olur.",
        },
    },
    "own-adipose-msc-exosomes-laser": {
        "how_to_prepare": {
            "en": "For the fat harvest: tell us if you take blood thinners or have a bleeding "
            "disorder. Bring loose clothes that fit over the compression dressing.\n\n"
            "For the laser: protect your skin from the sun for two months before the first "
            "session. Too much sun before a laser can leave lasting uneven colour. If you get "
            "cold sores, tell us: you then start an antiviral medicine before the session.",
            "de": "Vor der Entnahme des Fettgewebes: Sagen Sie uns, ob Sie blutverdünnende "
            "Medikamente nehmen oder eine Blutgerinnungsstörung haben. Bringen Sie weite "
            "Kleidung mit, die über den Kompressionsverband passt.\n\n"
            "Vor dem Laser: Schützen Sie Ihre Haut zwei Monate vor der ersten Sitzung vor der "
            "Sonne. Zu viel Sonne vor einem Laser kann bleibende ungleichmäßige Verfärbungen "
            "hinterlassen. Wenn Sie zu Lippenherpes neigen, sagen Sie es uns: Dann beginnen Sie "
            "vor der Sitzung mit einem antiviralen Mittel.",
            "tr": "Yağ alımı için: Kan sulandırıcı ilaç kullanıyorsanız veya bir kanama "
            "bozukluğunuz varsa bize söyleyin. Kompresyon bandajının üzerine uyan bol giysiler "
            "getirin.\n\n"
            "Lazer için: İlk seanstan önceki iki ay boyunca cildinizi güneşten koruyun. "
            "Lazerden önce fazla güneş, ciltte geçmeyebilecek düzensiz renk bırakabilir. Uçuk "
            "eğiliminiz varsa bize söyleyin: Seanstan önce antiviral bir ilaca başlarsınız.",
        },
        "results_timing": {
            "en": "We found no study of this method, so we cannot tell you when a change might "
            "show. Do not judge the result after one session: wait until the whole course is "
            "over and the redness has gone.",
            "de": "Eine Studie zu dieser Methode haben wir nicht gefunden; wir können Ihnen "
            "also nicht sagen, wann sich etwas zeigen könnte. Beurteilen Sie das Ergebnis nicht "
            "nach einer Sitzung: Warten Sie, bis die ganze Serie vorbei und die Rötung "
            "abgeklungen ist.",
            "tr": "Bu yöntemi inceleyen bir çalışma bulamadık; bu yüzden bir değişikliğin ne "
            "zaman görülebileceğini söyleyemeyiz. Sonucu tek bir seanstan sonra "
            "değerlendirmeyin: Kürün tamamı bitene ve kızarıklık geçene kadar bekleyin.",
        },
    },
}
