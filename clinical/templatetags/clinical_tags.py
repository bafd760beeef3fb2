from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def age_on(date_of_birth: date, today: date) -> int:
    """Whole years of age on `today`."""
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


@register.filter
def initials(full_name: str) -> str:
    """ "Maria Schneider" → "M. S." (what a safety report asks for instead of the name)."""
    return " ".join(f"{part[0]}." for part in full_name.split() if part[:1].isalpha())
