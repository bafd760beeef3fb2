"""Free-text lot numbers of existing treatment records become lots from stock.

Each distinct (product name, lot number compared without case, spaces or dashes) becomes one Lot
of a Product of that name (created if the clinic has none, with its maker unknown: "?"), with the
latest expiry date the records give, received on the day of its first session, and as many units
received as sessions used it. A lot of the patient's own blood or fat belongs to the patient of
its first session; a record of another patient with the same own-source lot number keeps its text
and no lot (it cannot be that patient's lot; the clinic checks it by hand).
"""

import re

from django.db import migrations

SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")
SOURCE_OF = {"msc_ready_made": "donor", "prp_own": "own_blood", "msc_own_adipose": "own_fat"}


def lots_from_records(apps, schema_editor):
    TreatmentRecord = apps.get_model("clinical", "TreatmentRecord")
    Lot = apps.get_model("clinical", "Lot")
    Product = apps.get_model("treatments", "Product")
    records = (
        TreatmentRecord.objects.filter(lot__isnull=True)
        .select_related("appointment__plan__protocol")
        .order_by("appointment__start", "pk")
    )
    for record in records:
        plan = record.appointment.plan
        source = SOURCE_OF[plan.protocol.source]
        product = (
            Product.objects.filter(name=record.product_name, source=source).order_by("pk").first()
        )
        if product is None:
            product = Product.objects.create(
                name=record.product_name, maker="?", source=source, regulatory_status=""
            )
        key = SEPARATORS.sub("", record.lot_number).upper()
        lot = Lot.objects.filter(product=product, lot_key=key).first()
        own = source != "donor"
        if lot is None:
            lot = Lot.objects.create(
                product=product,
                lot_number=" ".join(record.lot_number.split()),
                lot_key=key,
                expiry_date=record.expiry_date,
                received_on=min(record.appointment.start.date(), record.expiry_date),
                quantity_received=0,
                patient_id=plan.patient_id if own else None,
            )
        elif own and lot.patient_id != plan.patient_id:
            continue
        lot.quantity_received += record.quantity_used
        lot.expiry_date = max(lot.expiry_date, record.expiry_date)
        lot.save(update_fields=["quantity_received", "expiry_date"])
        record.lot = lot
        record.save(update_fields=["lot"])


def first_versions(apps, schema_editor):
    """Each existing record's current state becomes its first version, so the first correction
    after this migration does not lose the lot it replaces."""
    TreatmentRecord = apps.get_model("clinical", "TreatmentRecord")
    Historical = apps.get_model("clinical", "HistoricalTreatmentRecord")
    names = [
        field.attname
        for field in TreatmentRecord._meta.concrete_fields
        if field.attname not in {"updated_at"}
    ]
    Historical.objects.bulk_create(
        Historical(
            **{name: getattr(record, name) for name in names},
            history_date=record.updated_at,
            history_type="+",
            history_change_reason="",
        )
        for record in TreatmentRecord.objects.all().iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0008_lots_history_aftercare"),
        ("treatments", "0004_products"),
    ]

    operations = [
        migrations.RunPython(lots_from_records, migrations.RunPython.noop),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
