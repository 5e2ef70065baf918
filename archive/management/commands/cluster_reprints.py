"""Cluster the reprints of an existing archive: sign every article that has no MinHash
signature yet, in order of appearance, and put it in its story.

Resumable: each batch commits on its own and a signed article is never signed again, so
an interrupted run goes on where it stopped and a finished one changes nothing."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from archive.models import Article
from archive.reprints.store import cluster_article


class Command(BaseCommand):
    help = "Sign articles without a reprint signature and cluster them into stories."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200, help="articles per transaction")
        parser.add_argument("--limit", type=int, default=None, help="stop after N articles")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, batch, limit, quiet, **options):
        from tqdm import tqdm

        todo = Article.objects.filter(signature__isnull=True)
        total = todo.count() if limit is None else min(limit, todo.count())
        bar = tqdm(total=total, unit="article", file=sys.stderr, disable=quiet)
        done = joined = 0
        last = 0
        while done < total:
            size = min(batch, total - done)
            # Articles are signed by id order: each batch starts after the last one seen.
            ids = list(todo.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
            if not ids:
                break
            with transaction.atomic():
                for article in Article.objects.filter(pk__in=ids).only("pk", "body"):
                    joined += cluster_article(article) is not None
            last = ids[-1]
            done += len(ids)
            bar.update(len(ids))
        bar.close()
        self.stdout.write(f"{done} articles signed, {joined} joined a story")
