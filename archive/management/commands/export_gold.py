"""Write every article a curator marked reviewed as gold (the dev corpus's format).

    python manage.py export_gold OUT.json [--raw-dir DIR]

Then ``python ../shared/tools/score_extraction.py OUT.json DIR --project .`` scores the
parser against the archive's curated records (see ``archive/gold.py``).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive import gold


class Command(BaseCommand):
    help = "Export reviewed articles as gold.json (keyed by raw file name) for the scorer."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the gold file to write (- for stdout)")
        parser.add_argument(
            "--raw-dir", help="also write each raw file's bytes here, under its key"
        )

    def handle(self, *args, **options):
        articles = gold.reviewed()
        doc = gold.export(articles)
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        if options["out"] == "-":
            self.stdout.write(text)
        else:
            try:
                Path(options["out"]).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{options['out']}: cannot write ({exc.strerror})") from exc
        if options["raw_dir"]:
            folder = Path(options["raw_dir"])
            keys = gold.file_keys(list({a.raw_file_id: a.raw_file for a in articles}.values()))
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for article in articles:
                    (folder / keys[article.raw_file_id]).write_bytes(article.raw_file.data)
            except OSError as exc:
                raise CommandError(f"{folder}: cannot write ({exc.strerror})") from exc
        n_files = len(doc["files"])
        self.stderr.write(f"{len(articles)} reviewed articles from {n_files} files")
