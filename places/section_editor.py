"""The admin's section editor: each body box with the section as its page will show it beside
it, kept up to date as one types (static/js/section-editor.js) by a preview endpoint."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from places.markup import sanitise
from places.models import stored_section

PREVIEW_URL_NAME = "places_place_section_preview"


def preview_html(body: str) -> str:
    """The HTML a place's page shows for this body: rendered as Section.save stores it, then
    sanitised as the page shows it."""
    return sanitise(stored_section(body)[1])


@require_POST
def section_preview(request):
    """A section body's preview, for anyone who may add or edit sections (the admin site
    checks that they are staff, and the CSRF token)."""
    user = request.user
    if not (user.has_perm("places.add_section") or user.has_perm("places.change_section")):
        raise PermissionDenied
    html = preview_html(request.POST.get("body", ""))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


class SectionBodyWidget(forms.Textarea):
    """The text box, and beside it the section as its page shows it: rendered here as the
    form is shown, then by the endpoint as the text changes. The box grows with its text."""

    class Media:
        css = {"all": ["css/section-editor.css"]}
        js = ["js/section-editor.js"]

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {
            **(attrs or {}),
            "data-preview-url": reverse(f"admin:{PREVIEW_URL_NAME}"),
            "data-preview-error": _("The preview could not be updated; your text is unchanged."),
        }
        box = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="section-editor">{}<div class="section-preview-pane">'
            '<p class="section-preview-label" aria-hidden="true">{}</p>'
            '<div class="section-preview" role="region" aria-label="{}" aria-live="polite">{}</div>'
            '<p class="section-preview-status" role="status"></p></div></div>',
            box,
            _("Preview"),
            _("Preview of the section as its page shows it"),
            mark_safe(preview_html(value or "")),  # sanitised by nh3
        )
