"""Create or update the two curator roles (idempotent; `make run` calls it).

- Curators: view, add, change and delete everything in the archive app (edit, review,
  merge, tag, upload and re-import), plus viewing the history tables.
- Readers: view only.

Permissions of other apps (users, groups) are not touched; running the command again
resets both groups to exactly these permissions.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand

APP = "archive"
CURATORS = "Curators"
READERS = "Readers"


def archive_permissions():
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # Permissions are created after migrate; make sure they exist when run right after.
    create_permissions(apps.get_app_config(APP), verbosity=0)
    types = ContentType.objects.filter(app_label=APP)
    return Permission.objects.filter(content_type__in=types)


def setup_roles() -> dict[str, int]:
    perms = archive_permissions()
    curators, _ = Group.objects.get_or_create(name=CURATORS)
    readers, _ = Group.objects.get_or_create(name=READERS)
    curators.permissions.set(perms)
    readers.permissions.set(perms.filter(codename__startswith="view_"))
    return {CURATORS: curators.permissions.count(), READERS: readers.permissions.count()}


class Command(BaseCommand):
    help = "Create the Curators (edit and review) and Readers (view only) groups."

    def handle(self, *args, **options):
        counts = setup_roles()
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n} permissions")
