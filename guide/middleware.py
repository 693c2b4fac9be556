"""The Content-Security-Policy header (settings.SECURE_CSP) on every response that has none.

Django 6.0 ships this middleware, reading the same setting: on that upgrade, this module
gives way to django.middleware.csp.ContentSecurityPolicyMiddleware. No page of ours needs an
inline script, so a fixed header does the work, without nonces or a dependency (django-csp).
"""

from django.conf import settings

from guide import csp

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A response may carry a stricter policy of its own (photos: places/media.py). Django's
        # debug pages for 404 and 500 are styled and scripted inline: a developer's only.
        if HEADER not in response and not (settings.DEBUG and response.status_code in (404, 500)):
            response[HEADER] = csp.header(settings.SECURE_CSP)
        return response
