"""A clinician's qualification is shown to patients (as the reviewer of education pages and on
the team page), and so are the screening questions."""

from modeltranslation.translator import TranslationOptions, register

from bookings.models import Clinician, ScreeningQuestion


@register(Clinician)
class ClinicianTranslation(TranslationOptions):
    fields = ("qualification", "qualifications")


@register(ScreeningQuestion)
class ScreeningQuestionTranslation(TranslationOptions):
    fields = ("text", "explanation")
