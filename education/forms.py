from django import forms
from django.utils.translation import gettext_lazy as _

from common.search import QUERY_MAX_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, strip=True)

    def clean_q(self) -> str:
        # A pasted paragraph is cut, not refused: the first words are what the visitor meant.
        return " ".join(self.cleaned_data["q"][:QUERY_MAX_LENGTH].split())
