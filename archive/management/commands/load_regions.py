"""Load the gazetteer (fixtures/regions.csv and fixtures/region_aliases.csv)."""

from django.core.management.base import BaseCommand, CommandError

from archive import gazetteer


class Command(BaseCommand):
    help = "Load administrative divisions and their aliases; loading twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--regions", default=str(gazetteer.REGIONS_CSV))
        parser.add_argument("--aliases", default=str(gazetteer.ALIASES_CSV))

    def handle(self, *args, **options):
        try:
            rows = gazetteer.read_regions(options["regions"])
            aliases = gazetteer.read_aliases(options["aliases"])
            report = gazetteer.sync_regions(rows, aliases)
        except (OSError, gazetteer.GazetteerError) as exc:
            raise CommandError(str(exc)) from exc
        levels = ", ".join(f"{count} {level}" for level, count in report.by_level.items() if count)
        self.stdout.write(
            f"regions: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged ({levels}); aliases: {report.aliases_added} added"
        )
