"""The page a login locked by django-axes gets: who is locked, from where, and for how long."""

import math

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def locked_out(request, response, credentials):
    """AXES_LOCKOUT_CALLABLE: the admin's look, in the visitor's language, status 429."""
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    context = {
        **admin.site.each_context(request),
        "username": get_client_username(request, credentials) or "",
        "minutes": minutes,
    }
    return render(
        request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
