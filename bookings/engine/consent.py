"""Publishing a consent text: a change is always a new version, never an edit.

Plans point at the exact version their patient accepted (Plan.consent_text), so an accepted text
must stay as it was; a course whose risks or wording change gets the next version of its own
combination of procedure and source.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bookings.models import ConsentText


@transaction.atomic
def consent_text_publish(
    *, language: str, procedure: str, source: str, title: str, body: str
) -> ConsentText:
    """Publish the next version of the consent text for this procedure, source and language."""
    # Lock the combination's versions so two editors cannot publish the same number.
    versions = ConsentText.objects.select_for_update().filter(
        language=language, procedure=procedure, source=source
    )
    latest = versions.aggregate(latest=Max("version"))["latest"] or 0
    return ConsentText.objects.create(
        language=language,
        procedure=procedure,
        source=source,
        version=latest + 1,
        title=title,
        body=body,
        published_at=timezone.now(),
    )
