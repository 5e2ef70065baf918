"""Reset the Curators and Readers groups to their permissions (idempotent).

`migrate` creates both groups already (`archive/roles.py`); this command repairs them,
e.g. after permissions were edited by hand in the admin.
"""

from django.core.management.base import BaseCommand

from archive.roles import setup_roles


class Command(BaseCommand):
    help = "Create the Curators (edit and review) and Readers (view only) groups."

    def handle(self, *args, **options):
        counts = setup_roles()
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n} permissions")
