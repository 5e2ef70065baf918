"""`manage.py export_release` (issue #22): a dated Frictionless data package of the
published articles, validated by `frictionless validate`; the raw files as a BagIt bag,
validated by the bagit library; and the package re-imported into a fresh SQL database
with its declared keys enforced, counts matching the archive."""

import datetime
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from frictionless import Package

from archive.curation import set_status
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    Mention,
    Person,
    Quote,
    RawFile,
    Region,
)

ROOT = Path(__file__).resolve().parents[1]
FRICTIONLESS = Path(sys.executable).parent / "frictionless"
pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


@pytest.fixture
def demo(gazetteer):
    call_command("import_raw", str(ROOT / "fixtures" / "raw"), stdout=io.StringIO())
    hidden = Article.objects.order_by("pk").first()
    set_status(Article.objects.filter(pk=hidden.pk), Article.ReviewStatus.HIDDEN)
    return hidden


@pytest.fixture
def release(demo, tmp_path):
    out = io.StringIO()
    call_command("export_release", str(tmp_path), stdout=out)
    assert f"difang-{TODAY}:" in out.getvalue()
    return tmp_path / f"difang-{TODAY}", tmp_path / f"difang-{TODAY}-raw"


def test_frictionless_validates_the_release(release):
    package, _ = release
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(package / "datapackage.json")],
        capture_output=True,
        text=True,
        cwd=package,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], result.stdout[:3000]
    tasks = {t["name"]: t for t in report["tasks"]}
    assert set(tasks) >= {"articles", "sources", "regions", "people", "positions", "quotes"}
    assert set(tasks) >= {"tags", "article_regions", "article_people", "article_tags"}
    assert tasks["regions"]["stats"]["rows"] == Region.objects.count() > 3212  # and townships


def frictionless_errors(package):
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(package / "datapackage.json")],
        capture_output=True,
        text=True,
        cwd=package,
    )
    report = json.loads(result.stdout)
    return [e["type"] for t in report["tasks"] for e in t["errors"]]


def test_frictionless_catches_a_broken_foreign_key(release):
    """The validation is real: a link to a region that is not in the package fails it."""
    package, _ = release
    links = package / "data" / "article_regions.csv"
    lines = links.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = "99999999"
    links.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    assert "foreign-key" in frictionless_errors(package)


def test_the_descriptor_declares_types_and_keys(release):
    package, _ = release
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    articles = next(r for r in descriptor["resources"] if r["name"] == "articles")
    types = {f["name"]: f["type"] for f in articles["schema"]["fields"]}
    assert types["published"] == "date" and types["id"] == "integer"
    assert types["authors"] == "array"
    assert articles["schema"]["primaryKey"] == ["id"]
    assert {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["id"]}} in (
        articles["schema"]["foreignKeys"]
    )
    links = next(r for r in descriptor["resources"] if r["name"] == "article_regions")
    assert links["schema"]["primaryKey"] == ["article_id", "region_id"]
    assert (package / "README.md").read_text(encoding="utf-8").startswith(f"# difang-{TODAY}")


def test_only_published_articles_are_released(release, demo):
    package, _ = release
    rows = list(Package(str(package / "datapackage.json")).get_resource("articles").read_rows())
    ids = {row["id"] for row in rows}
    assert ids == set(Article.objects.public().values_list("pk", flat=True))
    assert demo.pk not in ids
    by_id = {row["id"]: row for row in rows}
    some = Article.objects.public().order_by("pk").first()
    assert by_id[some.pk]["title"] == some.title and by_id[some.pk]["body"] == some.body
    assert by_id[some.pk]["published"] == some.published
    assert by_id[some.pk]["authors"] == some.authors


def test_bagit_validates_the_raw_files_and_the_manifest_is_the_archives_sha256(release):
    package, bag_dir = release
    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # checksums, Payload-Oxum, completeness
    assert bag.is_valid()
    digests = {entry["sha256"] for entry in bag.entries.values() if "sha256" in entry}
    payload = {
        path: entry["sha256"] for path, entry in bag.entries.items() if path.startswith("data/")
    }
    wanted = set(
        RawFile.objects.filter(
            occurrence__article__review_status=Article.ReviewStatus.PUBLISHED
        ).values_list("sha256", flat=True)
    )
    assert set(payload.values()) == wanted and wanted <= digests
    for path, digest in payload.items():
        assert hashlib.sha256((bag_dir / path).read_bytes()).hexdigest() == digest
    rows = Package(str(package / "datapackage.json")).get_resource("raw_files").read_rows()
    assert {row["bag_path"]: row["sha256"] for row in rows} == payload


def test_the_release_re_imports_with_its_keys_and_counts_match(release):
    """Each table into SQLite with the descriptor's primary and foreign keys enforced."""
    package, _ = release
    pkg = Package(str(package / "datapackage.json"))
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA foreign_keys = ON")
    sql_types = {"integer": "INTEGER", "boolean": "INTEGER"}
    for resource in pkg.resources:
        schema = resource.schema
        columns = [f'"{f.name}" {sql_types.get(f.type, "TEXT")}' for f in schema.fields]
        columns.append("PRIMARY KEY ({})".format(", ".join(f'"{k}"' for k in schema.primary_key)))
        for fk in schema.foreign_keys:
            ref = fk["reference"]
            columns.append(
                'FOREIGN KEY ({}) REFERENCES "{}" ({}) DEFERRABLE INITIALLY DEFERRED'.format(
                    ", ".join(fk["fields"]),
                    ref["resource"] or resource.name,
                    ", ".join(ref["fields"]),
                )
            )
        db.execute(f'CREATE TABLE "{resource.name}" ({", ".join(columns)})')
    with db:
        for resource in pkg.resources:
            names = resource.schema.field_names
            for row in resource.read_rows():
                values = [
                    row[n] if not isinstance(row[n], (list, datetime.date)) else str(row[n])
                    for n in names
                ]
                db.execute(
                    f'INSERT INTO "{resource.name}" VALUES ({", ".join("?" * len(names))})', values
                )
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []

    def count(table):
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

    public = Article.objects.public()
    assert count("articles") == public.count() > 0
    assert count("article_regions") == ArticleRegion.objects.filter(article__in=public).count() > 0
    assert count("article_tags") == ArticleTag.objects.filter(article__in=public).count()
    assert count("article_people") == Mention.objects.filter(article__in=public).count() > 0
    assert count("quotes") == Quote.objects.filter(article__in=public).count()
    people = Person.objects.filter(Q(articles__in=public) | Q(quotes__article__in=public))
    assert count("people") == people.distinct().count() > 0
    primary = db.execute('SELECT count(*) FROM article_regions WHERE "primary" = 1').fetchone()[0]
    assert primary == ArticleRegion.objects.filter(article__in=public, primary=True).count()


def test_since_limits_the_release_to_recent_changes(demo, tmp_path):
    call_command("export_release", str(tmp_path), "--since", "2999-01-01", stdout=io.StringIO())
    package = tmp_path / f"difang-{TODAY}-since-2999-01-01"
    rows = list(Package(str(package / "datapackage.json")).get_resource("articles").read_rows())
    assert rows == []
    with pytest.raises(CommandError, match="--since"):
        call_command("export_release", str(tmp_path), "--since", "yesterday")


def test_exporting_again_gives_the_same_files(release, tmp_path):
    package, bag_dir = release
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    call_command("export_release", str(tmp_path), stdout=io.StringIO())
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert before == after
