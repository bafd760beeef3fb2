"""Export and erasure cover every model that holds a patient's data, including ones added later.

A new model with a foreign key to a patient, a plan, an appointment or anything below them fails
the first test until its erasure rule is decided in `privacy.services.ERASURE`, and the export
picks it up by itself (the second test proves it with a model of each kind present).
"""

import json
import zipfile
from io import BytesIO

from bookings.models import Patient
from privacy.services import ERASURE, patient_export


def models_reachable_from_patient() -> set[str]:
    found: set[str] = set()
    frontier = [Patient]
    while frontier:
        model = frontier.pop()
        label = model._meta.label_lower
        if label in found:
            continue
        found.add(label)
        frontier += [
            relation.related_model
            for relation in model._meta.related_objects
            if not relation.many_to_many and relation.field.concrete
        ]
    return found


def test_every_model_that_points_to_a_patient_has_an_erasure_rule():
    reachable = models_reachable_from_patient()

    assert reachable - set(ERASURE) == set(), "add an erasure rule to privacy.services.ERASURE"
    # The rules name real, reachable models (a renamed model must not leave a stale rule).
    assert set(ERASURE) - reachable == set()
    assert {"clinical.photo", "bookings.outgoingemail", "bookings.screeninganswer"} <= reachable


def test_the_export_holds_rows_of_every_model_reachable_from_the_patient(records):
    archive = zipfile.ZipFile(BytesIO(patient_export(patient=records.patient)))
    data = json.loads(archive.read("data.json"))

    assert set(data["data"]) == models_reachable_from_patient()
