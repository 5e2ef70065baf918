"""Write a dated release: a Frictionless data package and a BagIt bag of raw files."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from archive.release.bag import BagError
from archive.release.package import export


def day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since {value!r}: expected a date, YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Export the published articles as a dated data package with a bag of raw files."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="folder the release is written into")
        parser.add_argument("--since", help="only articles changed on or after this date")

    def handle(self, *args, **options):
        since = day(options["since"]) if options["since"] else None
        try:
            report = export(options["out_dir"], since=since)
        except (OSError, BagError) as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{n} {table}" for table, n in report["counts"].items())
        self.stdout.write(
            f"{report['name']}: {counts}; bag: {report['raw_files']} raw files, "
            f"{report['raw_bytes']} bytes"
        )
