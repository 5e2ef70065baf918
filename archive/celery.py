"""The Celery application of the import queue: ``celery -A archive worker``.

Its settings are the ``CELERY_*`` names in archive/settings.py (broker, acks_late); its
one task is archive.tasks.import_raw_file.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

app = Celery("archive")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["archive"])
