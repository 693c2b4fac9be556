#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.DEBUG  # noqa: B018 (reading one setting loads them all)
    except ImproperlyConfigured as error:
        # A setting missing from the environment: say which in one line, not a traceback.
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)
