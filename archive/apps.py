"""The archive app: Difang's one Django application."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_roles(sender, using, **kwargs):
    """After migrate: the Curators and Readers groups, so any archive has them."""
    from archive.roles import setup_roles

    setup_roles(using)


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "地方档案"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # A post_migrate handler rather than a data migration: permissions themselves are
        # only created after migrate, and no migration file keeps makemigrations clean.
        post_migrate.connect(create_roles, sender=self, dispatch_uid="archive.create_roles")
