"""Two importers at once (issue 21): the appearances of each generated story are split
between two `manage.py import_raw` processes running at the same time against a database
of their own (procdb.py); the stories they leave are those of one import of everything.
On PostgreSQL an importer locks its article's reprint band keys (archive/locks.py), so two
reprints imported at the same moment take turns and the second finds the first; SQLite has
one writer."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from procdb import ROOT, fresh_database, migrate, query
from reprint_corpus import make_corpus
from test_reprints import write_docs

from archive.models import StoryMember

STORIES = """
from collections import defaultdict
from archive.models import StoryMember
by = defaultdict(list)
for h, s in StoryMember.objects.values_list("article__content_hash", "story_id"):
    by[s].append(h)
print(json.dumps(sorted(sorted(v) for v in by.values())))
"""


def stories_here() -> list[list[str]]:
    by: dict[int, list[str]] = {}
    for h, s in StoryMember.objects.values_list("article__content_hash", "story_id"):
        by.setdefault(s, []).append(h)
    return sorted(sorted(v) for v in by.values())


def importer(env, folder):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import_raw", str(folder), "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_importers_at_once_find_each_others_reprints(tmp_path):
    docs = sorted(make_corpus(30, seed=8, seeds=False), key=lambda d: (d.story, d.key))
    # Alternate each story's appearances between the two importers.
    first = write_docs(tmp_path / "a", docs[0::2])
    second = write_docs(tmp_path / "b", docs[1::2])
    call_command("import_raw", str(first), str(second), stdout=io.StringIO(), stderr=io.StringIO())
    reference = stories_here()
    assert len(reference) >= 15
    with fresh_database(tmp_path, "reprint_race") as env:
        migrate(env, gazetteer=False)
        a, b = importer(env, first), importer(env, second)
        (out_a, err_a), (out_b, err_b) = a.communicate(timeout=600), b.communicate(timeout=600)
        for code, out, err in ((a.returncode, out_a, err_a), (b.returncode, out_b, err_b)):
            assert code == 0 and "Traceback" not in err, err
            assert {f["status"] for f in json.loads(out)["files"]} <= {"imported", "unchanged"}
        raced = json.loads(query(env, STORIES))
    assert raced == reference
