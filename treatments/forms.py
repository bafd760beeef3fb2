from django import forms
from django.utils.translation import gettext_lazy as _

from treatments.models import Indication, Source


class CatalogFilterForm(forms.Form):
    """Validates the catalog's GET filters; unknown values are reported, never trusted."""

    indication = forms.SlugField(required=False)
    source = forms.ChoiceField(required=False, choices=[("", _("All sources")), *Source.choices])

    def __init__(self, *args: object, indications: list[Indication], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.indication_slugs = {indication.slug for indication in indications}

    def clean_indication(self) -> str:
        slug = self.cleaned_data["indication"]
        if slug and slug not in self.indication_slugs:
            raise forms.ValidationError(_("We have no treatments listed for that concern."))
        return slug
