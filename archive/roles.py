"""The two curator roles, Curators and Readers, and their permissions.

- Curators: view, add, change and delete everything in the archive app (edit, review,
  merge, tag, upload and re-import), plus viewing the history tables.
- Readers: view only.

`setup_roles()` is the one place that defines them. It runs after every `migrate`
(a `post_migrate` handler in `apps.py`, so any archive, test databases included, has both
groups) and from `manage.py setup_roles`, which repairs permissions edited by hand.
Permissions of other apps (users, groups) are not touched; running it again resets both
groups to exactly these permissions.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS

APP = "archive"
CURATORS = "Curators"
READERS = "Readers"


def archive_permissions(using: str = DEFAULT_DB_ALIAS):
    """Every permission of the archive app (created first if migrate has not yet)."""
    # post_migrate handlers run in app order; make sure ours exist whatever ran first.
    create_permissions(apps.get_app_config(APP), verbosity=0, using=using)
    types = ContentType.objects.db_manager(using).filter(app_label=APP)
    return Permission.objects.db_manager(using).filter(content_type__in=types)


def setup_roles(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Create or reset both groups; returns the number of permissions of each."""
    perms = archive_permissions(using)
    groups = Group.objects.db_manager(using)
    curators, _ = groups.get_or_create(name=CURATORS)
    readers, _ = groups.get_or_create(name=READERS)
    curators.permissions.set(perms)
    readers.permissions.set(perms.filter(codename__startswith="view_"))
    return {CURATORS: curators.permissions.count(), READERS: readers.permissions.count()}
