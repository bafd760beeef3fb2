"""Helpers for the online booking tests: walk the flow with Django's test client."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from bookings.models import ScreeningOutcome, ScreeningQuestion
from treatments.models import Protocol

DETAILS = {
    "full_name": "Maria Schneider",
    "email": "maria@example.com",
    "phone": "+49 30 555 0101",
    "date_of_birth": "1986-04-23",
    "preferred_language": "en",
}


def url(name: str, protocol: Protocol | None = None, **kwargs: object) -> str:
    if protocol is not None:
        kwargs["slug"] = protocol.slug
    return reverse(f"bookings:{name}", kwargs=kwargs)


def screening_post(protocol: Protocol, *, yes_to: str | None = None) -> dict[str, str]:
    """Answers to every question of the protocol: "no", except "yes" to the one whose English
    text contains `yes_to`."""
    data = {}
    for question in ScreeningQuestion.objects.for_protocol(protocol):
        yes = yes_to is not None and yes_to in question.text_en
        data[f"q{question.pk}"] = "yes" if yes else "no"
    return data


def answer_screening(client: Client, protocol: Protocol, *, yes_to: str | None = None):
    return client.post(url("start", protocol), screening_post(protocol, yes_to=yes_to))


def proposal(client: Client) -> str:
    """The id of the course the booking pages show now (each page sends it back)."""
    return client.session["booking"]["proposal"]


def with_proposal(client: Client, data: dict[str, str]) -> dict[str, str]:
    """A form as the page sends it: with the id of the course the page showed."""
    return {**data, "proposal": proposal(client)}


def hold(client: Client, protocol: Protocol, **details: str):
    client.get(url("times", protocol))
    return client.post(url("details", protocol), with_proposal(client, {**DETAILS, **details}))


def consent_post(client: Client, protocol: Protocol) -> dict[str, str]:
    response = client.get(url("review", protocol))
    consent = response.context["consent"]
    return {
        "consent": "on",
        "consent_text": str(consent.pk),
        "proposal": response.context["proposal"],
    }


def book(client: Client, protocol: Protocol, *, yes_to: str | None = None, **details: str):
    """The whole journey: screening, proposed times, details (hold), consent and confirm."""
    answer_screening(client, protocol, yes_to=yes_to)
    hold(client, protocol, **details)
    return client.post(url("review", protocol), consent_post(client, protocol))


def review_outcome_question() -> ScreeningQuestion:
    return ScreeningQuestion.objects.filter(yes_outcome=ScreeningOutcome.REVIEW).first()


def adult_birthday(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years).isoformat()
