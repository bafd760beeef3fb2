"""The booking flow's fast radio fields give exactly crispy-bootstrap5's markup (issue 22).

The screening and free-times forms render their radio buttons with `forms/radio_form.html`
(a template tag) instead of crispy-bootstrap5's templates, and a blank screening form is
rendered once per set of questions and language. The patient must not see any difference.
"""

from datetime import UTC, datetime

import pytest
from crispy_forms.utils import render_crispy_form
from django.test import Client
from django.test.html import parse_html
from django.utils import translation

from bookings.engine.availability import Opening
from bookings.models import ScreeningQuestion
from bookings.online.forms import OpeningChoiceForm, ScreeningForm
from tests.bookings.online import url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


def crispy_default(form) -> str:
    """The same form through crispy-bootstrap5's own templates."""
    form.helper.template = None
    return render_crispy_form(form)


def assert_same_markup(form_class, *args, **kwargs) -> None:
    fast = render_crispy_form(form_class(*args, **kwargs))
    default = crispy_default(form_class(*args, **kwargs))
    assert parse_html(fast) == parse_html(default)
    assert 'type="radio"' in fast


def questions() -> list[ScreeningQuestion]:
    return [
        ScreeningQuestion.objects.create(
            text="Are you <b>pregnant</b> & breastfeeding?",
            explanation="Not <em>studied</em> in pregnancy.",
            yes_outcome="exclude",
        ),
        ScreeningQuestion.objects.create(text="Any cold sores?", yes_outcome="fine"),
    ]


def test_a_blank_screening_form_is_marked_up_as_crispy_does():
    assert_same_markup(ScreeningForm, questions=questions())


def test_answered_and_missing_answers_with_their_errors_are_marked_up_as_crispy_does():
    first, second = questions()
    answered = {f"q{first.pk}": "yes"}  # the second is missing: an error under its options

    assert_same_markup(ScreeningForm, answered, questions=[first, second])
    html = render_crispy_form(ScreeningForm(answered, questions=[first, second]))
    assert "Please answer yes or no." in html
    assert "checked" in html
    # Escaped as crispy escapes it: question text never becomes markup.
    assert "&lt;b&gt;pregnant&lt;/b&gt; &amp; breastfeeding" in html


def test_free_times_grouped_by_clinician_are_marked_up_as_crispy_does():
    openings = [
        Opening(
            sequence=1,
            start=datetime(2026, 3, 2, 8, minute, tzinfo=UTC),
            clinician_id=c,
            minutes=45,
        )
        for c in (1, 2)
        for minute in (0, 15, 30)
    ]
    names = {1: "Dr. Ada <Lovelace>", 2: "Dr. Grace Hopper"}
    chosen = OpeningChoiceForm.value_of(openings[1])
    kwargs = {"openings": openings, "clinician_names": names}

    with translation.override("de"):
        assert_same_markup(OpeningChoiceForm, initial={"opening": chosen}, **kwargs)
        assert_same_markup(OpeningChoiceForm, {"opening": "not a time"}, **kwargs)
        html = render_crispy_form(OpeningChoiceForm(initial={"opening": chosen}, **kwargs))
    assert "Dr. Ada &lt;Lovelace&gt;" in html
    assert html.count('type="radio"') == 6


def test_the_screening_page_shows_the_same_questions_whether_rendered_or_remembered():
    clinic = seed_small_clinic()
    first = Client().get(url("start", clinic.protocol)).content.decode()
    again = Client().get(url("start", clinic.protocol)).content.decode()
    question = ScreeningQuestion.objects.for_protocol(clinic.protocol).first()
    fields = first[first.index('<div id="div_id_') : first.index("Continue to times")]

    assert fields == again[again.index('<div id="div_id_') : again.index("Continue to times")]
    assert question.text in fields

    # An edited question is shown at once: the remembered form is keyed on the text itself.
    question.text = "Have you had a skin infection in the last two weeks?"
    question.save()
    edited = Client().get(url("start", clinic.protocol)).content.decode()
    assert "Have you had a skin infection in the last two weeks?" in edited


def test_a_treatment_without_health_questions_still_says_so_with_the_remembered_form():
    # The remembered blank form of no questions is whitespace ("\n\n\n"), which the template
    # took for a form: the page showed neither questions nor the sentence saying there are none.
    clinic = seed_small_clinic()
    ScreeningQuestion.objects.update(active=False)

    html = Client().get(url("start", clinic.protocol)).content.decode()

    assert "There are no health questions for this treatment." in html
