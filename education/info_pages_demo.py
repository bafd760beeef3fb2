# ruff: noqa: E501 -- Markdown prose: one paragraph a line, as in education/content/.
"""Demo texts of the Impressum, privacy notice and contact page (the clinic replaces them).

Every placeholder says that it is one, so a demo text cannot pass for the clinic's legal text.
"""

INFO_PAGES = {
    "impressum": {
        "title": {"en": "Legal notice (Impressum)", "de": "Impressum", "tr": "Künye (Impressum)"},
        "body": {
            "en": """## Provider under § 5 DDG

**[Placeholder: the clinic enters its legal name here]**, Beispielstraße 12, 10115 Berlin, Germany.

## Contact

Phone: +49 30 1234 5678 · Email: hello@lumen-skin.example

## Register and supervisory authority

- Commercial or partnership register: **[placeholder: register court and number, if any]**
- Supervisory authority: **[placeholder: the responsible health authority]**

## Professional regulations

- Professional title: Ärztin / Arzt (physician), awarded in Germany; specialist title: **[placeholder]**
- Chamber: **[placeholder: Ärztekammer Berlin or the chamber responsible]**
- Rules: the professional code of the chamber (Berufsordnung), available from the chamber.

This is a demo text: the clinic replaces every placeholder in the admin before going live.
""",
            "de": """## Anbieter nach § 5 DDG

**[Platzhalter: Die Praxis trägt hier ihren Namen bzw. ihre Rechtsform ein]**, Beispielstraße 12, 10115 Berlin.

## Kontakt

Telefon: +49 30 1234 5678 · E-Mail: hello@lumen-skin.example

## Register und Aufsichtsbehörde

- Handels- oder Partnerschaftsregister: **[Platzhalter: Registergericht und Nummer, falls vorhanden]**
- Zuständige Aufsichtsbehörde: **[Platzhalter: das zuständige Gesundheitsamt]**

## Berufsrechtliche Angaben

- Gesetzliche Berufsbezeichnung: Ärztin / Arzt, verliehen in Deutschland; Facharztbezeichnung: **[Platzhalter]**
- Zuständige Kammer: **[Platzhalter: Ärztekammer Berlin oder die zuständige Kammer]**
- Berufsrechtliche Regelungen: die Berufsordnung der zuständigen Ärztekammer, einsehbar bei der Kammer.

Dies ist ein Demotext: Die Praxis ersetzt vor dem Start alle Platzhalter in der Verwaltung.
""",
            "tr": """## § 5 DDG uyarınca hizmet sağlayıcı

**[Yer tutucu: klinik burada resmî adını girer]**, Beispielstraße 12, 10115 Berlin, Almanya.

## İletişim

Telefon: +49 30 1234 5678 · E-posta: hello@lumen-skin.example

## Sicil ve denetim makamı

- Ticaret veya ortaklık sicili: **[yer tutucu: varsa sicil mahkemesi ve numarası]**
- Denetim makamı: **[yer tutucu: yetkili sağlık dairesi]**

## Meslek kuralları

- Meslek unvanı: Ärztin / Arzt (hekim), Almanya'da verilmiştir; uzmanlık unvanı: **[yer tutucu]**
- Bağlı olunan tabip odası: **[yer tutucu: Ärztekammer Berlin veya yetkili oda]**
- Kurallar: ilgili tabip odasının meslek yönetmeliği (Berufsordnung); odadan temin edilebilir.

Bu bir demo metindir: Klinik, yayına girmeden önce tüm yer tutucuları yönetim panelinde değiştirir.
""",
        },
    },
    "privacy": {
        "title": {"en": "Privacy notice", "de": "Datenschutzerklärung", "tr": "Gizlilik bildirimi"},
        "body": {
            "en": """## Who is responsible

**[Placeholder: the clinic's legal name and address]** is the controller under Art. 13 GDPR. Data protection officer: **[placeholder: name and email of the data protection officer]**.

## What we process, and why

- **Booking data** (name, email, phone, date of birth, appointments): to book and run your treatment course (Art. 6(1)(b) GDPR).
- **Health data** (your answers to the health questions, review notes, treatment records): to decide safely whether a treatment suits you and to document it, as medical law requires. This is special category data; we process it with your explicit consent and for medical care (Art. 9(2)(a) and (h) GDPR).
- **Emails** we send you about your appointments.

Only the staff who need it see your health data: reception staff do not.

## How long we keep it

Treatment records are kept for 10 years after the treatment, as the German professional code and § 630f BGB require. Booking data without treatment is deleted **[placeholder: retention period]** after the last appointment.

## Your rights

You have the right to access, rectification, erasure, restriction, data portability and objection (Art. 15–21 GDPR), and you can withdraw your consent at any time for the future. You can complain to a supervisory authority, for example the Berlin Commissioner for Data Protection and Freedom of Information.

This is a demo text: the clinic replaces every placeholder in the admin before going live.
""",
            "de": """## Verantwortliche Stelle

**[Platzhalter: Name und Anschrift der Praxis]** ist Verantwortliche nach Art. 13 DSGVO. Datenschutzbeauftragte(r): **[Platzhalter: Name und E-Mail-Adresse]**.

## Was wir verarbeiten und warum

- **Buchungsdaten** (Name, E-Mail, Telefon, Geburtsdatum, Termine): um Ihre Behandlungsserie zu buchen und durchzuführen (Art. 6 Abs. 1 lit. b DSGVO).
- **Gesundheitsdaten** (Ihre Antworten auf die Gesundheitsfragen, Prüfvermerke, Behandlungsdokumentation): um sicher zu entscheiden, ob eine Behandlung für Sie geeignet ist, und um sie zu dokumentieren, wie es das Berufsrecht verlangt. Das sind besondere Kategorien personenbezogener Daten; wir verarbeiten sie mit Ihrer ausdrücklichen Einwilligung und zur medizinischen Versorgung (Art. 9 Abs. 2 lit. a und h DSGVO).
- **E-Mails**, die wir Ihnen zu Ihren Terminen senden.

Nur wer sie braucht, sieht Ihre Gesundheitsdaten; das Empfangspersonal nicht.

## Wie lange wir speichern

Die Behandlungsdokumentation bewahren wir 10 Jahre nach der Behandlung auf, wie es die Berufsordnung und § 630f BGB verlangen. Buchungsdaten ohne Behandlung löschen wir **[Platzhalter: Frist]** nach dem letzten Termin.

## Ihre Rechte

Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch (Art. 15–21 DSGVO) und können eine Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Sie können sich bei einer Aufsichtsbehörde beschweren, zum Beispiel bei der Berliner Beauftragten für Datenschutz und Informationsfreiheit.

Dies ist ein Demotext: Die Praxis ersetzt vor dem Start alle Platzhalter in der Verwaltung.
""",
            "tr": """## Sorumlu kim?

GVKT (GDPR) Madde 13 uyarınca veri sorumlusu **[yer tutucu: kliniğin resmî adı ve adresi]**'dir. Veri koruma görevlisi: **[yer tutucu: adı ve e-posta adresi]**.

## Neleri, neden işliyoruz?

- **Randevu verileri** (ad, e-posta, telefon, doğum tarihi, randevular): tedavi kürünüzü planlamak ve yürütmek için (GDPR Madde 6(1)(b)).
- **Sağlık verileri** (sağlık sorularına yanıtlarınız, inceleme notları, tedavi kayıtları): bir tedavinin sizin için uygun olup olmadığına güvenle karar vermek ve meslek hukukunun gerektirdiği şekilde kayıt altına almak için. Bunlar özel nitelikli verilerdir; açık rızanız ve tıbbi bakım amacıyla işlenir (GDPR Madde 9(2)(a) ve (h)).
- Randevularınızla ilgili size gönderdiğimiz **e-postalar**.

Sağlık verilerinizi yalnızca ihtiyacı olan personel görür; resepsiyon görmez.

## Ne kadar süre saklıyoruz?

Tedavi kayıtları, Alman meslek yönetmeliği ve § 630f BGB gereği tedaviden sonra 10 yıl saklanır. Tedaviye dönüşmeyen randevu verileri son randevudan **[yer tutucu: süre]** sonra silinir.

## Haklarınız

Erişim, düzeltme, silme, işlemeyi kısıtlama, veri taşınabilirliği ve itiraz haklarına sahipsiniz (GDPR Madde 15–21); verdiğiniz rızayı ileriye dönük olarak her zaman geri alabilirsiniz. Bir denetim makamına, örneğin Berlin Veri Koruma ve Bilgi Edinme Özgürlüğü Görevlisi'ne şikâyette bulunabilirsiniz.

Bu bir demo metindir: Klinik, yayına girmeden önce tüm yer tutucuları yönetim panelinde değiştirir.
""",
        },
    },
    "contact": {
        "title": {
            "en": "Contact and opening hours",
            "de": "Kontakt und Öffnungszeiten",
            "tr": "İletişim ve çalışma saatleri",
        },
        "body": {
            "en": """## Languages we speak

German, English and Turkish.

## Getting here

The practice is on the ground floor and can be reached without steps. **[Placeholder: public transport and parking]**
""",
            "de": """## Sprachen

Deutsch, Englisch und Türkisch.

## Anfahrt

Die Praxis liegt im Erdgeschoss und ist stufenlos erreichbar. **[Platzhalter: öffentliche Verkehrsmittel und Parken]**
""",
            "tr": """## Konuştuğumuz diller

Almanca, İngilizce ve Türkçe.

## Ulaşım

Muayenehane zemin kattadır ve basamaksız ulaşılabilir. **[Yer tutucu: toplu taşıma ve otopark]**
""",
        },
    },
}
