"""What each of the site benchmark's pages runs: the SQL statements (counted, and hashed
with their literals) and a hash of the response body, caches off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/difang_bench SECRET_KEY=x \\
        .venv/bin/python tests/bench/page_queries.py > after.txt

Run it from two checkouts against the same kept benchmark database (``bench_site.py
--keep``) and diff the outputs: the same lines mean a refactor builds the same queries and
the same pages, which timings on a shared machine cannot show. Not part of the suite.
"""

from __future__ import annotations

import hashlib
import os
import sys


def digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()[:12]


def main() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    os.environ["DIFANG_PAGE_CACHE_SECONDS"] = "0"
    os.environ["DIFANG_FACET_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from archive.models import Source, Tag

    settings.ALLOWED_HOSTS = ["*"]
    tag = Tag.objects.order_by("pk")[5].pk
    source = Source.objects.order_by("pk")[3].pk
    urls = [
        "/",
        "/?format=json",
        "/region/370000/",
        "/region/371500/",
        f"/?region=370000&tag={tag}",
        f"/?region=371500&source={source}",
        "/?q=阿胶",
        "/?q=作风",
        "/?q=工作",
        "/?q=消防 演练",
        '/?q="乡村 振兴"',
        "/?q=作风&region=370000",
        "/?q=茶叶&region=371500",
        f"/?q=作风&tag={tag}",
        f"/?q=工作&source={source}",
        "/?q=工作&sort=new",
        "/?q=茶叶&sort=new&format=json",
        "/?q=作风&format=atom",
        "/feed/",
        "/?region=370000&format=json&after=2024-01-01.500000",
    ]
    client = Client()
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, secure=True)
        sqls = "\n".join(q["sql"] for q in ctx.captured_queries)
        print(
            f"{url:52s} {response.status_code} queries={len(ctx.captured_queries):3d} "
            f"sql={digest(sqls.encode())} body={digest(response.content)}"
        )


if __name__ == "__main__":
    main()
