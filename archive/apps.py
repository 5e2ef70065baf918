"""The archive app: Difang's one Django application."""

from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "地方档案"
    default_auto_field = "django.db.models.BigAutoField"
