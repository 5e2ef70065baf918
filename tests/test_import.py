"""Database tests for `manage.py import_raw` and the importer, on the real seed pages.

The seed pages in fixtures/raw are five scraped pages holding 22 articles; the synthetic
pages below are short, real-looking local news items for cases the seeds do not cover.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

import archive.importer
from archive.extraction.pipeline import parse
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    Occurrence,
    Person,
    Position,
    Quote,
    RawFile,
    Region,
)

pytestmark = pytest.mark.django_db

RAW = Path(__file__).resolve().parent.parent / "fixtures" / "raw"
SEEDS = sorted(RAW.glob("*.txt"))
COUNTED = (Article, RawFile, Person, Quote, Region, ArticleRegion, Occurrence)

# Two reports on the same organisation naming the same man with two different titles.
CPPCC_MEETING = """聊城市政协召开文史资料征集工作推进会

本报讯 记者李明报道 3月15日，聊城市政协召开文史资料征集工作推进会，总结去年文史工作，\
部署今年重点任务。

聊城市政协副主席王建国表示，文史资料是政协履职的重要成果，各级各部门要高度重视，\
加强协调配合，确保征集工作取得实效。

会议要求，各县（市、区）政协要建立健全工作机制，充实征集力量，推动文史资料工作高质量发展。
"""
CPPCC_SURVEY = """聊城市政协开展民营企业发展专题调研

本报讯 记者张华报道 4月20日，聊城市政协组织部分委员到东阿县开展民营企业发展专题调研。

聊城市政协党组成员、秘书长王建国表示，要聚焦企业发展中的堵点难点，深入开展调查研究，\
提出务实管用的意见建议，助力优化营商环境。

调研组一行先后走访了多家民营企业，实地察看生产经营情况，听取企业负责人的意见建议。
"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def run(*args: str) -> tuple[int, str, str]:
    """Run import_raw in this process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_raw", *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def run_json(*args: str) -> tuple[int, dict]:
    code, out, _ = run(*args, "--json")
    return code, json.loads(out)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def by_name(report: dict) -> dict[str, dict]:
    return {Path(entry["path"]).name: entry for entry in report["files"]}


def test_importing_the_seed_pages_keeps_five_raw_files_and_creates_22_articles(gazetteer):
    code, report = run_json(RAW)

    assert code == 0
    assert [entry["status"] for entry in report["files"]] == ["imported"] * 5
    assert RawFile.objects.count() == 5
    assert Article.objects.count() == 22
    for seed in SEEDS:
        raw = RawFile.objects.get(path__endswith=seed.name)
        assert raw.status == RawFile.Status.IMPORTED
        assert raw.data == seed.read_bytes()
        assert raw.size == seed.stat().st_size
    assert Occurrence.objects.count() == 22


def test_importing_the_same_pages_again_changes_nothing_and_reports_unchanged(gazetteer):
    run(RAW)
    before = counts()

    code, report = run_json(RAW)

    assert code == 0
    assert counts() == before
    assert [entry["status"] for entry in report["files"]] == ["unchanged"] * 5


def test_an_article_found_in_two_files_is_one_article_with_two_occurrences(gazetteer, tmp_path):
    # A later scrape bundles the Liaoning page with the Qingdao page.
    bundle = tmp_path / "liaoning_qingdao.txt"
    bundle.write_bytes(SEEDS[3].read_bytes() + b"\n\n\n" + SEEDS[4].read_bytes())

    run(SEEDS[3])
    run(bundle)

    article = Article.objects.get(title="铁岭党员干部 结对帮扶3116名困难群众")
    paths = sorted(Path(o.raw_file.path).name for o in Occurrence.objects.filter(article=article))
    assert paths == [SEEDS[3].name, "liaoning_qingdao.txt"]
    assert Article.objects.filter(title__startswith="铁岭党员干部").count() == 1
    assert article.raw_file.path.endswith(SEEDS[3].name)


def test_a_failed_file_is_kept_with_its_error_and_the_other_files_still_go_in(gazetteer, tmp_path):
    (tmp_path / "a_scan.txt").write_bytes(PNG)
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c_page.txt").write_bytes(SEEDS[4].read_bytes())

    code, report = run_json(tmp_path)

    assert code == 1
    files = by_name(report)
    assert files["a_scan.txt"]["status"] == "failed"
    assert files["b_empty.txt"]["status"] == "failed"
    assert files["c_page.txt"]["status"] == "imported"
    for name, data in (("a_scan.txt", PNG), ("b_empty.txt", b"")):
        assert files[name]["errors"]
        assert all(name in error for error in files[name]["errors"])
        raw = RawFile.objects.get(path__endswith=name)
        assert raw.status == RawFile.Status.FAILED
        assert name in raw.error
        assert raw.data == data
        assert not Occurrence.objects.filter(raw_file=raw).exists()
    assert Article.objects.count() == 1


def test_dry_run_writes_nothing_and_prints_one_contract_json_document(gazetteer):
    code, out, err = run(RAW, "--dry-run", "--json")

    assert code == 0
    assert all(n == 0 for name, n in counts().items() if name != "Region")
    report = json.loads(out)  # the whole of stdout is one document
    assert set(report) == {"files"}
    assert len(report["files"]) == 5
    for entry in report["files"]:
        assert {"path", "sha256", "encoding", "status", "articles", "discarded", "errors"} <= set(
            entry
        )
        assert entry["status"] == "parsed"
        assert len(entry["sha256"]) == 64
        assert entry["errors"] == []
        for discard in entry["discarded"]:
            assert {"reason", "chars"} <= set(discard)
        for article in entry["articles"]:
            assert {
                "title",
                "published",
                "source",
                "authors",
                "url",
                "regions",
                "people",
                "quotes",
                "tags",
                "body",
                "span",
            } <= set(article)
            start, end = article["span"]
            assert 0 <= start <= end
            for region in article["regions"]:
                assert region["level"] in {"province", "prefecture", "county", "township"}
                assert {"name", "code", "primary"} <= set(region)
    assert sum(len(entry["articles"]) for entry in report["files"]) == 22
    assert "22 articles" in err


def failing_on_second_file(calls: list[list[str]]):
    """A link_articles that writes the second file's links and then breaks, as a lost
    database would; ``calls`` gets the titles of each file's new articles."""
    real_link_articles = archive.importer.link_articles

    def link_articles(pairs):
        calls.append([article.title for article, _rec in pairs])
        real_link_articles(pairs)
        if len(calls) == 2:
            raise RuntimeError("database went away")

    return link_articles


def test_a_file_whose_write_fails_midway_leaves_no_rows_behind(gazetteer, monkeypatch):
    qingdao, liaoning = SEEDS[4], SEEDS[3]  # one article, then seven
    calls: list[list[str]] = []
    monkeypatch.setattr(archive.importer, "link_articles", failing_on_second_file(calls))
    archive.importer.import_file(parse(qingdao.read_bytes(), str(qingdao)), qingdao.read_bytes())

    with pytest.raises(RuntimeError):
        archive.importer.import_file(
            parse(liaoning.read_bytes(), str(liaoning)), liaoning.read_bytes()
        )

    assert [len(titles) for titles in calls] == [1, 7]
    assert list(RawFile.objects.values_list("path", flat=True)) == [str(qingdao)]
    assert list(Article.objects.values_list("raw_file__path", flat=True)) == [str(qingdao)]
    assert Occurrence.objects.count() == 1


def test_a_file_whose_write_fails_is_reported_failed_and_later_files_still_go_in(
    gazetteer, monkeypatch
):
    qingdao, liaoning, zhangjiakou = SEEDS[4], SEEDS[3], SEEDS[2]
    calls: list[list[str]] = []
    monkeypatch.setattr(archive.importer, "link_articles", failing_on_second_file(calls))

    code, out, err = run(qingdao, liaoning, zhangjiakou, "--json")

    assert code == 1
    assert "Traceback" not in out + err
    files = by_name(json.loads(out))
    assert files[qingdao.name]["status"] == "imported"
    assert files[liaoning.name]["status"] == "failed"
    [error] = files[liaoning.name]["errors"]
    assert liaoning.name in error and "database went away" in error
    assert files[zhangjiakou.name]["status"] == "imported"
    # The failed file's articles were rolled back; its bytes are kept for a later retry.
    raw = RawFile.objects.get(path=str(liaoning))
    assert raw.status == RawFile.Status.FAILED
    assert raw.data == liaoning.read_bytes()
    assert not Occurrence.objects.filter(raw_file=raw).exists()
    assert not Article.objects.filter(title__in=calls[1]).exists()
    assert Article.objects.count() == 1 + 3  # the Qingdao page has one, Zhangjiakou three


def test_imported_entities_link_xu_zhentao_his_post_his_quotes_and_the_county(gazetteer):
    run(RAW)

    xu = Person.objects.get(name="徐振涛")
    assert Position.objects.filter(
        person=xu, title="党组书记、局长", organization="莘县卫生健康局"
    ).exists()
    assert Quote.objects.filter(person=xu).exists()
    assert Quote.objects.filter(speaker_name="徐振涛").count() >= 3
    dialogue = Article.objects.get(title="课后的对话")
    shenxian = ArticleRegion.objects.get(article=dialogue, region__code="371522")
    assert shenxian.region.name == "莘县"
    assert shenxian.primary
    assert "莘县" in [r.name for r in dialogue.primary_regions]
    assert ArticleTag.objects.filter(machine=True).exists()
    assert ArticleTag.objects.filter(article=dialogue, tag__name="三提三敢", machine=True).exists()


def test_a_post_is_placed_where_its_organisation_is(gazetteer):
    """The region of a position is the organisation's own place when its name holds one
    (东昌府区项目服务中心 -> 东昌府区), not simply the article's first primary place."""
    run(RAW)

    miao = Position.objects.get(person__name="苗雷霞")
    assert miao.organization == "东昌府区项目服务中心"
    assert miao.region.code == "371502"
    zhang = Position.objects.get(person__name="张俊峰")
    assert zhang.region.code == "370505"  # 垦利经济开发区 -> 垦利区


def test_the_same_name_in_the_same_organisation_is_one_person_with_a_new_post(gazetteer, tmp_path):
    (tmp_path / "meeting.txt").write_text(CPPCC_MEETING, encoding="utf-8")
    (tmp_path / "survey.txt").write_text(CPPCC_SURVEY, encoding="utf-8")

    code, _ = run_json(tmp_path)

    assert code == 0
    assert Article.objects.count() == 2
    wang = Person.objects.get(name="王建国")
    posts = sorted(wang.positions.values_list("organization", "title"))
    assert posts == [("聊城市政协", "党组成员、秘书长"), ("聊城市政协", "副主席")]
    assert {a.title for a in Article.objects.filter(people=wang)} == {
        "聊城市政协召开文史资料征集工作推进会",
        "聊城市政协开展民营企业发展专题调研",
    }


def test_two_workers_give_the_same_articles_as_one(gazetteer):
    _, one = run_json(RAW, "--dry-run", "--workers", "1")
    _, two = run_json(RAW, "--dry-run", "--workers", "2")

    assert [f["path"] for f in two["files"]] == [f["path"] for f in one["files"]]
    assert [f["articles"] for f in two["files"]] == [f["articles"] for f in one["files"]]


def stored_articles() -> list[tuple]:
    return sorted(
        (
            a.title,
            a.body,
            str(a.published),
            a.source.name if a.source else "",
            tuple(sorted(a.regions.values_list("name", flat=True))),
            tuple(sorted(a.people.values_list("name", flat=True))),
            tuple(sorted(a.tags.values_list("name", flat=True))),
            a.quotes.count(),
        )
        for a in Article.objects.all()
    )


def test_parsing_beside_the_writes_stores_what_parsing_in_the_writer_does(gazetteer):
    # --workers 0: every file parsed and written in this process; the default: a parser
    # process parses the next files while this one writes.
    code, inline = run_json(RAW, "--workers", "0")
    assert code == 0
    first = stored_articles()
    RawFile.objects.all().delete()  # the articles and their links go with their files
    Article.objects.all().delete()
    code, beside = run_json(RAW)
    assert code == 0
    assert [f["articles"] for f in beside["files"]] == [f["articles"] for f in inline["files"]]
    assert {f["status"] for f in beside["files"]} == {"imported"}
    assert stored_articles() == first and len(first) == 22


def test_the_parser_processes_run_at_most_a_few_files_ahead_of_the_writes(
    gazetteer, tmp_path, monkeypatch
):
    from concurrent.futures import ProcessPoolExecutor

    from archive.management.commands import import_raw

    for n in range(12):
        (tmp_path / f"page_{n:02d}.txt").write_bytes(SEEDS[n % len(SEEDS)].read_bytes())
    submitted = []
    submit = ProcessPoolExecutor.submit
    monkeypatch.setattr(
        ProcessPoolExecutor,
        "submit",
        lambda pool, fn, *args: submitted.append(args) or submit(pool, fn, *args),
    )
    files, _ = import_raw.expand([str(tmp_path)])
    opts = {"encoding": None, "fields": {}, "workers": 2, "dry_run": False}
    parsed = import_raw.Command()._parsed(files, opts)
    ahead = []
    for taken, (record, data) in enumerate(parsed, 1):
        assert record.articles and data
        ahead.append(len(submitted) - taken)
    assert len(submitted) == 12
    assert max(ahead) <= import_raw.AHEAD * 2  # never the whole collection at once
    assert [r for (r,) in submitted] == [(f, None, {}) for f in files]


def test_a_path_that_does_not_exist_is_reported_failed_without_a_traceback(gazetteer, tmp_path):
    missing = tmp_path / "no_such_dir" / "page.txt"

    code, out, err = run(missing, "--json")

    assert code == 1
    [entry] = json.loads(out)["files"]
    assert entry["status"] == "failed"
    assert entry["errors"] == [f"{missing}: path does not exist; check the spelling"]
    assert "Traceback" not in out + err
    assert RawFile.objects.count() == 0


def test_a_json_lines_file_imports_its_good_lines_and_names_the_broken_one(gazetteer, tmp_path):
    lines = [
        json.dumps({"title": "聊城市政协召开文史资料征集工作推进会", "text": CPPCC_MEETING}),
        '{"title": "聊城市政协开展民营企业发展专题调研", "text": "本报讯 记者张华',
        json.dumps({"url": "http://www.lcxw.cn/2023/0420.html", "text": CPPCC_SURVEY}),
    ]
    feed = tmp_path / "lcxw.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, report = run_json(feed)

    [entry] = report["files"]
    assert entry["status"] == "imported"
    assert len(entry["errors"]) == 1
    assert "line 2" in entry["errors"][0]
    assert "lcxw.jsonl" in entry["errors"][0]
    assert code == 1  # a skipped line is an error worth a non-zero exit
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {"聊城市政协召开文史资料征集工作推进会", "聊城市政协开展民营企业发展专题调研"}
    assert Article.objects.get(title__startswith="聊城市政协开展").url == (
        "http://www.lcxw.cn/2023/0420.html"
    )
    raw = RawFile.objects.get()
    assert "line 2" in raw.error
    assert raw.data == feed.read_bytes()
