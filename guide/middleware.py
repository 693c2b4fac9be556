"""The site's own middleware: the Content-Security-Policy header, and a 503 page while the
database cannot answer."""

import logging

from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader

from guide import csp
from places.api import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """settings.SECURE_CSP on every response that has none. Django 6.0 ships this middleware,
    reading the same setting: on that upgrade it gives way to
    django.middleware.csp.ContentSecurityPolicyMiddleware. No page of ours needs an inline
    script, so a fixed header does the work, without nonces or a dependency (django-csp)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A response may carry a stricter policy of its own (photos: places/media.py). Django's
        # debug pages for 404 and 500 are styled and scripted inline: a developer's only.
        if HEADER not in response and not (settings.DEBUG and response.status_code in (404, 500)):
            response[HEADER] = csp.header(settings.SECURE_CSP)
        return response


class DatabaseUnavailableMiddleware:
    """A page whose database cannot answer (down, restarting, unreachable, locked) is a 503
    that says so and when to try again, not a 500: nothing is broken that a retry will not
    mend, and the workers reconnect by themselves once it is back (CONN_HEALTH_CHECKS). The
    API answers the same in JSON (places/api.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        log.error("The database could not answer %s: %s", request.path, exception)
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
