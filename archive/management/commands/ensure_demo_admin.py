"""Create a demo superuser "admin" with a random password, unless a superuser exists."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = 'Create superuser "admin" with a random, printed password if there is no superuser.'

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; nothing to do.")
            return
        if User.objects.filter(username="admin").exists():
            self.stdout.write('User "admin" exists but is not a superuser; nothing to do.')
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(f"Created superuser admin with password: {password}")
