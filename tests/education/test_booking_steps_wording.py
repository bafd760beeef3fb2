"""The guide's steps match the booking: consent is the last step, not part of step 1."""

import re

import pytest

from tests.education.conftest import LANGUAGES, page_text

CONSENT_WORD = {"en": "consent", "de": "einwilligung", "tr": "onam"}
STEP_ONE = {"en": "## Step 1:", "de": "## Schritt 1:", "tr": "## 1. adım:"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_step_1_of_how_a_course_works_is_the_health_questions_without_consent(language):
    body = page_text(f"{language}/how-a-course-works.md")["body"]

    heading = re.search(rf"^{re.escape(STEP_ONE[language])}.*$", body, re.MULTILINE)

    assert heading, f"no step 1 heading in {language}"
    assert CONSENT_WORD[language] not in heading[0].lower()
    assert CONSENT_WORD[language] in body.lower(), "consent is still explained (as the last step)"


def test_the_booking_steps_end_with_consent(client, db):
    from bookings.templatetags.booking_flow import booking_steps
    from tests.factories import ProtocolFactory

    html = booking_steps(ProtocolFactory(), 1)

    labels = re.findall(r'<span class="step-number">\d</span> ([^<]+)</li>', html)
    assert labels == ["Health questions", "Times", "Your details", "Consent and confirm"]
