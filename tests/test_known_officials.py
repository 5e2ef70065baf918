"""What curators confirm, the parser knows: confirmed people and their aliases are a
dictionary for later imports, and a rejected name stays out (database tests)."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from archive import curation
from archive.importer import known_officials
from archive.models import Article, Mention, Person

pytestmark = pytest.mark.django_db

FIRST = """临江县召开农村公路建设推进会

本报讯 12日，临江县召开农村公路建设推进会。副县长高峰在会上说：“今年要新建农村公路20公里，
让群众出门就是平坦路。”会议还部署了养护工作。
"""

LATER = """临江县农村公路建设提速

本报讯 记者从临江县交通运输局获悉，今年以来全县农村公路建设进展顺利。
高峰表示，下一步将加快推进路网改造，确保年底前全部完工，群众出行将更加方便。
"""

TYPO = """临江县农村公路养护有了新办法

本报讯 临江县推行农村公路“路长制”，每条路都有专人负责养护。副县长高锋说，
这项制度让养护责任落到了实处，群众反映的问题能及时得到解决。
"""


def run_json(*args) -> dict:
    out = io.StringIO()
    try:
        call_command(
            "import_raw", *[str(a) for a in args], "--json", stdout=out, stderr=io.StringIO()
        )
    except SystemExit:
        pass
    return json.loads(out.getvalue())


def people_in(report: dict) -> set[str]:
    return {p["name"] for f in report["files"] for a in f["articles"] for p in a["people"]}


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def confirmed_gao(tmp_path) -> Person:
    run_json(write(tmp_path, "first.txt", FIRST))
    gao = Person.objects.get(name="高峰")
    gao.curation = Person.Curation.CONFIRMED
    gao.save()
    return gao


def test_a_confirmed_official_whose_name_the_rules_miss_is_found_on_a_later_import(
    gazetteer, tmp_path
):
    gao = confirmed_gao(tmp_path)
    run_json(write(tmp_path, "later.txt", LATER))

    later = Article.objects.get(title="临江县农村公路建设提速")
    assert Mention.objects.filter(article=later, person=gao).exists()
    assert Person.objects.filter(name="高峰").count() == 1


def test_a_dry_run_with_several_workers_knows_the_confirmed_officials_too(gazetteer, tmp_path):
    confirmed_gao(tmp_path)
    batch = tmp_path / "batch"
    batch.mkdir()
    write(batch, "later.txt", LATER)
    write(batch, "typo.txt", TYPO)

    report = run_json(batch, "--dry-run", "--workers", "2")
    assert "高峰" in people_in(report)


def test_an_alias_from_a_merge_resolves_to_the_canonical_person(gazetteer, tmp_path):
    gao = confirmed_gao(tmp_path)
    typo = Person.objects.create(name="高锋", normalized_name="高锋")
    curation.merge_people(gao, typo)  # a curator merged the misspelt name into 高峰

    report = run_json(write(tmp_path, "typo.txt", TYPO))

    assert "高峰" in people_in(report) and "高锋" not in people_in(report)
    article = Article.objects.get(title="临江县农村公路养护有了新办法")
    assert Mention.objects.filter(article=article, person=gao).exists()
    assert not Person.objects.filter(name="高锋").exists()


def test_a_rejected_name_is_not_extracted_again(gazetteer, tmp_path):
    run_json(write(tmp_path, "typo.txt", TYPO))
    wrong = Person.objects.get(name="高锋")
    wrong.curation = Person.Curation.REJECTED
    wrong.save()

    report = run_json(write(tmp_path, "again.txt", TYPO.replace("有了新办法", "见成效")))

    assert "高锋" not in people_in(report)
    article = Article.objects.get(title="临江县农村公路养护见成效")
    assert not Mention.objects.filter(article=article).exists()
    assert "高锋" not in {o.name for o in known_officials().officials}


def test_the_people_of_an_article_a_curator_reviewed_or_edited_are_known(gazetteer, tmp_path):
    run_json(write(tmp_path, "first.txt", FIRST))
    assert known_officials().officials == ()

    article = Article.objects.get(title="临江县召开农村公路建设推进会")
    article.review_status = Article.ReviewStatus.REVIEWED
    article.save()
    known = {o.name: o for o in known_officials().officials}
    assert known["高峰"].title == "副县长"

    article.review_status = Article.ReviewStatus.PUBLISHED
    article.curated_fields = ["people"]
    article.save()
    assert "高峰" in {o.name for o in known_officials().officials}


def test_a_curator_confirms_and_rejects_people_from_the_admin_list(gazetteer, tmp_path):
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user("curator", password="pw-curator", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    run_json(write(tmp_path, "first.txt", FIRST))
    run_json(write(tmp_path, "typo.txt", TYPO))
    gao, typo = Person.objects.get(name="高峰"), Person.objects.get(name="高锋")
    url = "/admin/archive/person/"

    for name, person in (("confirm", gao), ("reject", typo)):
        data = {"action": name, "_selected_action": [str(person.pk)], "index": 0}
        assert client.post(url, data).status_code == 302

    gao.refresh_from_db()
    typo.refresh_from_db()
    assert (gao.curation, typo.curation) == ("confirmed", "rejected")
    assert gao.history.first().history_user == user
    known = known_officials()
    assert [o.name for o in known.officials] == ["高峰"] and known.is_rejected("高锋")
    assert client.get(url, {"curation": "confirmed"}).status_code == 200


def test_re_extraction_finds_an_official_confirmed_after_the_article_was_imported(
    gazetteer, tmp_path
):
    run_json(write(tmp_path, "later.txt", LATER))
    later = Article.objects.get(title="临江县农村公路建设提速")
    assert not Mention.objects.filter(article=later).exists()
    gao = confirmed_gao(tmp_path)

    curation.reextract(Article.objects.filter(pk=later.pk))

    assert Mention.objects.filter(article=later, person=gao).exists()
