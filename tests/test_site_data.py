"""Test data for the public-site tests: a handful of articles linked to real regions.

Not a test module itself; the other test_site_* modules import ``archive_data``.
"""

import datetime
import hashlib

import pytest

from archive.importer import search_text
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    Mention,
    Person,
    Position,
    Quote,
    RawFile,
    Region,
    Source,
    Tag,
)

PUBLISHED = Article.ReviewStatus.PUBLISHED
__all__ = ["archive_data", "build", "fresh_cache", "make_article"]


def make_article(
    title,
    body,
    *,
    published=None,
    source=None,
    status=PUBLISHED,
    regions=(),
    tags=(),
    people=(),
    url=None,
    raw=None,
    span=(0, 10),
    subtitle="",
):
    article = Article.objects.create(
        title=title,
        subtitle=subtitle,
        body=body,
        published=published,
        source=source,
        url=url,
        raw_file=raw,
        span_start=span[0],
        span_end=span[1],
        content_hash=hashlib.sha256(f"{title}|{body}".encode()).hexdigest(),
        review_status=status,
        search_text=search_text(title, subtitle, body),
    )
    for i, code in enumerate(regions):
        ArticleRegion.objects.create(
            article=article, region=Region.objects.get(code=code), primary=i == 0
        )
    for tag in tags:
        ArticleTag.objects.create(article=article, tag=tag)
    for person in people:
        Mention.objects.create(article=article, person=person)
    return article


def build():
    """The small archive most site tests use; returns a dict of its objects."""
    d = {}
    d["daily"] = Source.objects.create(name="聊城日报", kind=Source.Kind.DAILY)
    d["dazhong"] = Source.objects.create(name="大众日报", kind=Source.Kind.DAILY)
    d["tag"] = Tag.objects.create(name="作风建设", kind=Tag.Kind.CAMPAIGN)
    d["other_tag"] = Tag.objects.create(name="招商引资", kind=Tag.Kind.TOPIC)
    d["zhang"] = Person.objects.create(name="张三", normalized_name="张三")
    d["li"] = Person.objects.create(name="李四", normalized_name="李四")
    d["raw"] = RawFile.objects.create(
        sha256="a" * 64,
        path="fixtures/raw/000_seed.txt",
        size=100,
        content=b"",
        status=RawFile.Status.IMPORTED,
    )
    d["shen"] = make_article(
        "莘县召开作风建设推进会议",
        "莘县卫生健康局召开作风建设推进会议。县委书记张三出席会议并讲话。\n"
        "张三强调，“要把作风建设抓实抓细”。会议由李四主持。",
        published=datetime.date(2022, 4, 22),
        source=d["daily"],
        regions=["371522", "371500"],
        tags=[d["tag"]],
        people=[d["zhang"], d["li"]],
        url="https://example.org/shen.html",
        raw=d["raw"],
        span=(120, 480),
    )
    Quote.objects.create(
        article=d["shen"],
        person=d["zhang"],
        speaker_name="张三",
        text="要把作风建设抓实抓细",
        start=40,
        end=50,
    )
    d["position"] = Position.objects.create(
        person=d["zhang"],
        title="县委书记",
        region=Region.objects.get(code="371522"),
        first_seen=datetime.date(2022, 4, 22),
        last_seen=datetime.date(2022, 4, 22),
        article=d["shen"],
    )
    Position.objects.create(
        person=d["zhang"],
        title="副市长",
        organization="聊城市",
        region=Region.objects.get(code="371500"),
        first_seen=datetime.date(2019, 1, 5),
        last_seen=datetime.date(2020, 6, 1),
    )
    # Traditional characters: found by simplified queries and vice versa.
    d["trad"] = make_article(
        "聊城市推進作風建設年活動",
        "聊城市召開會議，部署全市作風建設年活動。",
        published=datetime.date(2021, 3, 1),
        source=d["dazhong"],
        regions=["371500"],
        tags=[d["tag"]],
    )
    # 作风 and 建设 both occur, but never as the phrase 作风建设.
    d["apart"] = make_article(
        "济南优化营商环境",
        "济南市持续转变工作作风，加快项目建设，招商引资再创佳绩。",
        published=datetime.date(2020, 1, 10),
        source=d["dazhong"],
        regions=["370100"],
        tags=[d["other_tag"]],
        people=[d["li"]],
    )
    d["undated"] = make_article("日期不详的稿件", "北京市东城区开展环境整治。", regions=["110101"])
    d["hidden"] = make_article(
        "已隐藏的作风建设稿件",
        "聊城作风建设隐藏正文。",
        published=datetime.date(2023, 1, 1),
        source=d["daily"],
        status=Article.ReviewStatus.HIDDEN,
        regions=["371522"],
        tags=[d["tag"]],
        people=[d["zhang"]],
    )
    Quote.objects.create(
        article=d["hidden"],
        person=d["zhang"],
        speaker_name="张三",
        text="隐藏文章里的话",
        start=1,
        end=5,
    )
    d["new"] = make_article(
        "尚未审核的作风建设稿件",
        "聊城作风建设待审正文。",
        published=datetime.date(2023, 2, 1),
        status=Article.ReviewStatus.NEW,
        regions=["371522"],
    )
    return d


@pytest.fixture
def archive_data(db, gazetteer):
    return build()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Facet counts are cached; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
