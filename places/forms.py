"""The visitors' forms: the places list's filters and the coordinates of "near me"."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import browse
from places.models import LATITUDE_MESSAGE, LONGITUDE_MESSAGE, Place


class BrowseForm(forms.Form):
    """The places list's query string. A wrong parameter is reported and left out; the
    others still apply."""

    q = forms.CharField(required=False, max_length=200)
    category = forms.CharField(required=False, max_length=100)
    kind = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any")), *Place.Kind.choices]
    )
    country = forms.CharField(required=False, max_length=100)
    town = forms.SlugField(required=False, max_length=200)
    after = forms.SlugField(
        required=False,
        max_length=200,
        error_messages={
            "invalid": gettext_lazy("This page link is damaged: the list starts again here.")
        },
    )

    def clean_town(self):
        slug = self.cleaned_data["town"]
        if not slug:
            return None
        town = Place.objects.published_town(slug)
        if town is None:
            raise forms.ValidationError(
                _("No published town or district has the address “%(slug)s”.") % {"slug": slug}
            )
        return town

    def selection(self):
        """The browse.Selection of the valid parameters."""
        self.is_valid()
        values = {name: self.cleaned_data.get(name) for name in (*browse.URL_PARAMETERS, "after")}
        return browse.Selection(**{k: v for k, v in values.items() if v})


class CoordinatesForm(forms.Form):
    lat = forms.FloatField(
        label=gettext_lazy("Latitude"),
        min_value=-90,
        max_value=90,
        error_messages={"min_value": LATITUDE_MESSAGE, "max_value": LATITUDE_MESSAGE},
        help_text=gettext_lazy("Degrees, north positive, e.g. 49.679"),
    )
    lon = forms.FloatField(
        label=gettext_lazy("Longitude"),
        min_value=-180,
        max_value=180,
        error_messages={"min_value": LONGITUDE_MESSAGE, "max_value": LONGITUDE_MESSAGE},
        help_text=gettext_lazy("Degrees, east positive, e.g. 72.6855"),
    )
