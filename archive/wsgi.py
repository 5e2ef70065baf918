"""WSGI entry point for Difang."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if not (settings.DEBUG or settings.SECRET_KEY_FROM_ENV):
    raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=1 for development).")

from archive.warm import warm_up  # noqa: E402

warm_up()  # jieba's dictionary loaded, start-up objects out of the collector's way
