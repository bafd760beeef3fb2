"""One radio-button field in crispy-bootstrap5's markup, built in Python.

Used by `templates/forms/radio_form.html`, the `FormHelper.template` of the booking flow's
radio-only forms (still rendered with `{% crispy form %}`). crispy-bootstrap5's own field
template runs about a dozen filters and three includes per field and one include per option:
on the screening page (ten questions) and a day's free times (forty-odd start times) that was a
third of the request (issue 22). The markup is crispy-bootstrap5's, option for option
(tests/bookings/test_radio_field.py compares the two).
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

from common.markup import conditional_escape, escape

register = template.Library()


def _attrs(attrs: dict[str, object]) -> str:
    """Like crispy-bootstrap5's layout/attrs.html: `name` for True, `name="value"` otherwise."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag(takes_context=True)
def radio_field(context: template.Context, field: BoundField) -> SafeString:
    # Plain string building with every value escaped: format_html per option and attribute was
    # most of this tag's time on a day with forty-odd start times.
    errors = field.errors if context.get("form_show_errors", True) else []
    invalid = " is-invalid" if field.errors else ""
    name = escape(field.html_name)
    groups = optgroups(field)
    parts: list[str] = []
    for position, (group, options, _index) in enumerate(groups):
        if group:
            parts.append(f"<strong>{conditional_escape(group)}</strong>")
        for option in options:
            attrs = option["attrs"]
            parts.append(
                f' <div class="form-check"> <input type="radio" class="form-check-input{invalid}"'
                f' name="{name}" value="{escape(option["value"])}"{_attrs(attrs)}>'
                f' <label for="{escape(attrs.get("id", ""))}" class="form-check-label">'
                f"{conditional_escape(option['label'])}</label>"
            )
            if errors and position == len(groups) - 1 and option is options[-1]:
                messages = "".join(
                    f' <p id="error_{counter}_{escape(field.auto_id)}">'
                    f"<strong>{conditional_escape(error)}</strong></p>"
                    for counter, error in enumerate(errors, start=1)
                )
                parts.append(
                    f' <div id="{escape(field.errors.field_id)}_error" class="invalid-feedback">'
                    f"{messages}</div>"
                )
            parts.append(" </div>")
    required = field.field.required
    described = (
        f' aria-describedby="{escape(field.aria_describedby)}"' if field.aria_describedby else ""
    )
    wrapper = " ".join(
        part for part in ("mb-3", context.get("wrapper_class") or "", field.css_classes()) if part
    )
    help_text = (
        # Not escaped, as crispy does (`|safe`): help texts are written by the clinic.
        f' <div id="{escape(field.auto_id)}_helptext" class="form-text">{field.help_text}</div>'
        if field.help_text
        else ""
    )
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    # Every value above is escaped, or is the clinic's own help text.
    return mark_safe(
        f'<div id="div_{escape(field.auto_id)}" class="{escape(wrapper)}"> <fieldset{described}>'
        f' <legend class="form-label{" requiredField" if required else ""} fs-6">'
        f"{conditional_escape(field.label)}"
        f"{asterisk}</legend>"
        f" <div>{''.join(parts)}</div>{help_text} </fieldset> </div>"
    )
