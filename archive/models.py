"""Difang's data model: where articles came from, what they say, and whom and where about.

Natural keys make re-import a no-op: ``RawFile.sha256``, ``Article.content_hash`` and
``Region.code``.
"""

import datetime
import zlib

from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Region(models.Model):
    """An administrative division of the PRC (GB/T 2260), current or retired."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        PREFECTURE = "prefecture", "地级"
        COUNTY = "county", "县级"
        TOWNSHIP = "township", "乡级"

    # Higher levels win when one name fits several divisions (吉林 → 吉林省, not 吉林市).
    LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2, "township": 3}

    code = models.CharField("区划代码", max_length=12, unique=True, null=True, blank=True)
    name = models.CharField("全称", max_length=100, help_text="official full name, e.g. 聊城市")
    short_name = models.CharField("简称", max_length=50, blank=True)
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    aliases = models.JSONField("别名", default=list, blank=True)
    valid_from = models.DateField("设立日期", null=True, blank=True)
    valid_until = models.DateField("撤销日期", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="继承区划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="for a retired division: the division that took it over",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent")
        ]
        indexes = [
            models.Index(fields=["name"], name="region_name_idx"),
            models.Index(fields=["short_name"], name="region_short_name_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:region", args=[self.code or str(self.pk)])

    @property
    def is_current(self):
        return self.valid_until is None or self.valid_until > timezone.localdate()

    def ancestors(self):
        """The enclosing divisions, from the province down to the direct parent."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        return chain

    def path(self, separator=" › "):
        """The full hierarchy as text, e.g. "山东省 › 聊城市 › 莘县"."""
        return separator.join(region.name for region in [*self.ancestors(), self])

    def current(self):
        """Follow successors from a retired division to the one that exists today."""
        node, seen = self, set()
        while not node.is_current and node.successor_id and node.pk not in seen:
            seen.add(node.pk)
            node = node.successor
        return node

    @classmethod
    def candidates(cls, name):
        """Every current region a name may mean: full name, short name, alias or retired name.

        Matches are tried in that order and the first kind that matches wins, so an
        official full name is never shadowed by someone else's alias.
        """
        name = (name or "").strip()
        if not name:
            return []
        for found in (
            list(cls.objects.filter(name=name)),
            list(cls.objects.filter(short_name=name)),
            # Few regions carry aliases; a Python scan stays portable across SQLite and PG.
            [r for r in cls.objects.exclude(aliases=[]) if name in r.aliases],
        ):
            if found:
                # A division that exists today beats a retired one of the same name.
                if any(region.is_current for region in found):
                    found = [region for region in found if region.is_current]
                current = {region.pk: region for region in (r.current() for r in found)}
                return sorted(
                    current.values(), key=lambda r: (cls.LEVEL_RANK[r.level], r.code or "")
                )
        return []

    @classmethod
    def resolve(cls, name):
        """The current Region a name means, or None when unknown or ambiguous.

        When a name fits several levels the highest wins (吉林 → 吉林省); two matches at
        the same level (朝阳区 in Beijing and in Changchun) are ambiguous.
        """
        found = cls.candidates(name)
        if not found:
            return None
        best = [r for r in found if r.level == found[0].level]
        return best[0] if len(best) == 1 else None


class Source(models.Model):
    """A newspaper, website or account that published articles."""

    class Kind(models.TextChoices):
        DAILY = "daily", "日报"
        METRO = "metro", "都市报"
        GOVERNMENT = "government", "政府网站"
        WEIBO = "weibo", "微博"
        WECHAT = "wechat", "微信公众号"
        PORTAL = "portal", "新闻网站"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=200, unique=True)
    aliases = models.JSONField("别名", default=list, blank=True)
    homepage = models.URLField("主页", blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey(
        Region,
        verbose_name="所在地区",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sources",
        help_text="home region",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "来源"
        verbose_name_plural = "来源"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:source", args=[self.pk])


class RawFile(models.Model):
    """One input file exactly as received, kept for provenance and re-extraction."""

    class Status(models.TextChoices):
        # queued and running: stored by ``import_raw --enqueue``, waiting for or in a worker
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        IMPORTED = "imported", "已导入"
        FAILED = "failed", "失败"

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    path = models.CharField("路径", max_length=1000)
    size = models.PositiveBigIntegerField("字节数")
    content = models.BinaryField("内容", help_text="the original bytes, zlib-compressed")
    encoding = models.CharField("编码", max_length=40, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    error = models.TextField("错误", blank=True)
    text_chars = models.PositiveIntegerField("字符数", default=0)
    discarded = models.JSONField("舍弃部分", default=list, blank=True)
    # the sum of ``discarded``'s chars, so the review queue can sort by it in the database
    discarded_chars = models.PositiveIntegerField("舍弃字符数", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "原始文件"
        verbose_name_plural = "原始文件"
        ordering = ["-imported_at"]

    def __str__(self):
        return self.path

    @staticmethod
    def compress(data: bytes) -> bytes:
        """Compress original bytes for the ``content`` field."""
        return zlib.compress(data, 9)

    @property
    def data(self) -> bytes:
        """The original bytes of the file."""
        return zlib.decompress(bytes(self.content))


class Person(models.Model):
    """A named person with a role in the news: an official, manager or expert."""

    class Curation(models.TextChoices):
        MACHINE = "machine", "机器抽取"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "非人名"

    name = models.CharField("姓名", max_length=20, db_index=True)
    normalized_name = models.CharField(
        "规范姓名", max_length=20, db_index=True, help_text="simplified-Chinese form"
    )
    aliases = models.JSONField("别名", default=list, blank=True)
    curation = models.CharField(
        "审核",
        max_length=12,
        choices=Curation.choices,
        default=Curation.MACHINE,
        db_index=True,
        help_text="confirmed people are known to later imports (with their aliases and "
        "positions); a rejected name is no person and is never extracted again",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "人物"
        verbose_name_plural = "人物"
        ordering = ["normalized_name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:person", args=[self.pk])


class Tag(models.Model):
    """A campaign slogan, topic or curator's label attached to articles."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", "运动/口号"
        TOPIC = "topic", "主题"
        CURATOR = "curator", "馆员"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.TOPIC)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:tag", args=[self.pk])


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Articles visitors may see."""
        return self.filter(review_status=Article.ReviewStatus.PUBLISHED)


class Article(models.Model):
    """One news article extracted from a raw file."""

    class ReviewStatus(models.TextChoices):
        NEW = "new", "新导入"
        REVIEWED = "reviewed", "已审核"
        PUBLISHED = "published", "已发布"
        HIDDEN = "hidden", "已隐藏"

    title = models.CharField("标题", max_length=500)
    subtitle = models.CharField("副标题", max_length=500, blank=True)
    body = models.TextField("正文")
    published = models.DateField("发布日期", null=True, blank=True, db_index=True)
    source = models.ForeignKey(
        Source,
        verbose_name="来源",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    authors = models.JSONField("作者", default=list, blank=True)
    # NULL, not "", means "no URL known": the import contract emits url: null.
    url = models.URLField("原文链接", max_length=1000, null=True, blank=True)  # noqa: DJ001
    raw_file = models.ForeignKey(
        RawFile,
        verbose_name="首见文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_articles",
        help_text="the first file this article was seen in",
    )
    span_start = models.PositiveIntegerField("起始位置", null=True, blank=True)
    span_end = models.PositiveIntegerField("结束位置", null=True, blank=True)
    content_hash = models.CharField("内容哈希", max_length=64, unique=True)
    review_status = models.CharField(
        "审核状态", max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.NEW
    )
    search_text = models.TextField(
        "检索文本", blank=True, help_text="simplified-Chinese, jieba-segmented text for search"
    )
    confidence = models.FloatField("抽取置信度", default=1.0)
    repairs = models.JSONField(
        "清理记录", default=list, blank=True, help_text="what the cleaner changed"
    )
    curated_fields = models.JSONField(
        "人工编辑字段",
        default=list,
        blank=True,
        help_text="fields a curator edited; re-extraction does not overwrite them",
    )
    reviewed_at = models.DateTimeField(
        "审核时间",
        null=True,
        blank=True,
        db_index=True,
        help_text="when a curator marked it reviewed: such articles are exported as gold",
    )
    reviewed_by = models.ForeignKey(
        "auth.User",
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    raw_files = models.ManyToManyField(
        RawFile, through="Occurrence", related_name="articles", verbose_name="原始文件"
    )
    regions = models.ManyToManyField(
        Region, through="ArticleRegion", related_name="articles", verbose_name="地区"
    )
    people = models.ManyToManyField(
        Person, through="Mention", related_name="articles", verbose_name="人物"
    )
    tags = models.ManyToManyField(
        Tag, through="ArticleTag", related_name="articles", verbose_name="标签"
    )

    objects = ArticleQuerySet.as_manager()
    # search_text is derived from the body; keeping it out of history halves its size.
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"
        ordering = ["-published", "-pk"]
        indexes = [
            models.Index(fields=["review_status", "-published"], name="article_status_date_idx"),
            models.Index(fields=["source", "-published"], name="article_source_date_idx"),
            # the admin changelist's default order and the review queue's
            models.Index(fields=["-published", "-id"], name="article_date_id_idx"),
            models.Index(fields=["review_status", "confidence"], name="article_review_queue_idx"),
            # OAI-PMH lists run in datestamp order (archive/oai/records.py)
            models.Index(fields=["updated_at", "id"], name="article_updated_id_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archive:article", args=[self.pk])

    @property
    def published_date(self) -> datetime.date | None:
        """``published`` as a date: an article just created from a parsed record still
        holds the parser's ISO string there."""
        value = self.published
        return datetime.date.fromisoformat(value) if isinstance(value, str) else value

    @property
    def primary_regions(self):
        """The places this article is about (not merely mentions)."""
        return self.regions.filter(articleregion__primary=True)


class Occurrence(models.Model):
    """Where in which raw file an article was seen."""

    article = models.ForeignKey(Article, verbose_name="文章", on_delete=models.CASCADE)
    raw_file = models.ForeignKey(RawFile, verbose_name="原始文件", on_delete=models.CASCADE)
    span_start = models.PositiveIntegerField("起始位置", null=True, blank=True)
    span_end = models.PositiveIntegerField("结束位置", null=True, blank=True)

    class Meta:
        verbose_name = "出处"
        verbose_name_plural = "出处"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "raw_file", "span_start"], name="occurrence_unique_span"
            )
        ]

    def __str__(self):
        return f"{self.article} @ {self.raw_file} [{self.span_start}:{self.span_end}]"


class ArticleRegion(models.Model):
    """A place an article is about (primary) or mentions."""

    article = models.ForeignKey(Article, verbose_name="文章", on_delete=models.CASCADE)
    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.CASCADE)
    primary = models.BooleanField("主要地区", default=False)
    mentions = models.PositiveIntegerField("提及次数", default=1)

    class Meta:
        verbose_name = "文章地区"
        verbose_name_plural = "文章地区"
        constraints = [
            models.UniqueConstraint(fields=["article", "region"], name="articleregion_unique")
        ]

    def __str__(self):
        return f"{self.article} — {self.region}"


class Position(models.Model):
    """A title a person held, as written in the news (e.g. "党组书记、局长")."""

    person = models.ForeignKey(
        Person, verbose_name="人物", on_delete=models.CASCADE, related_name="positions"
    )
    title = models.CharField("职务", max_length=200, help_text="title chain as written")
    organization = models.CharField("单位", max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="地区",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="positions",
    )
    first_seen = models.DateField("首见日期", null=True, blank=True)
    last_seen = models.DateField("末见日期", null=True, blank=True)
    article = models.ForeignKey(
        Article,
        verbose_name="首见文章",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_positions",
        help_text="the article where this position was first seen",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["first_seen", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "title", "organization"], name="position_unique_title"
            )
        ]

    def __str__(self):
        return f"{self.person} — {self.organization}{self.title}"


class Mention(models.Model):
    """A person named in an article, with the position the article gives them."""

    article = models.ForeignKey(Article, verbose_name="文章", on_delete=models.CASCADE)
    person = models.ForeignKey(Person, verbose_name="人物", on_delete=models.CASCADE)
    position = models.ForeignKey(
        Position, verbose_name="职务", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "提及"
        verbose_name_plural = "提及"
        constraints = [models.UniqueConstraint(fields=["article", "person"], name="mention_unique")]

    def __str__(self):
        return f"{self.person} in {self.article}"


class Quote(models.Model):
    """A direct quotation (“…”) in an article body."""

    person = models.ForeignKey(
        Person,
        verbose_name="人物",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    speaker_name = models.CharField("说话人", max_length=20, blank=True)
    article = models.ForeignKey(
        Article, verbose_name="文章", on_delete=models.CASCADE, related_name="quotes"
    )
    text = models.TextField("引语")
    start = models.PositiveIntegerField("起始位置", help_text="character offset in the body")
    end = models.PositiveIntegerField("结束位置", help_text="character offset in the body")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "引语"
        verbose_name_plural = "引语"
        ordering = ["article", "start"]
        constraints = [
            models.UniqueConstraint(fields=["article", "start"], name="quote_unique_start")
        ]

    def __str__(self):
        return f"{self.speaker_name or self.person}: {self.text[:30]}"


class ArticleTag(models.Model):
    """A tag on an article; machine tags wait for a curator to confirm them."""

    article = models.ForeignKey(Article, verbose_name="文章", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, verbose_name="标签", on_delete=models.CASCADE)
    machine = models.BooleanField("机器标注", default=False)
    confirmed = models.BooleanField("已确认", default=False)

    class Meta:
        verbose_name = "文章标签"
        verbose_name_plural = "文章标签"
        constraints = [models.UniqueConstraint(fields=["article", "tag"], name="articletag_unique")]

    def __str__(self):
        return f"{self.article} #{self.tag}"


class FacetCounts(models.Model):
    """Exact facet counts for one filter, computed by ``refresh_facets``.

    Counting the facets of a large set (the whole archive, a province) reads every matching
    article, which takes seconds at a million rows; a page cannot wait for it. The public
    list counts small sets as it goes, and for large ones shows these stored counts, dated
    ``computed_at``, or, if none are stored, counts over its newest articles (it says so).
    """

    key = models.CharField("键", max_length=64, unique=True)
    params = models.JSONField("筛选条件", default=dict)
    counts = models.JSONField("计数", default=dict)
    total = models.PositiveIntegerField("文章数", default=0)
    computed_at = models.DateTimeField("统计时间")

    class Meta:
        verbose_name = "分面计数"
        verbose_name_plural = "分面计数"

    def __str__(self):
        return f"{self.params or '全部'} ({self.total})"


class Correction(models.Model):
    """One curator's fix of the parse (a split, a merge, a title picked, a quote's speaker
    …), done in one transaction (``archive/review_ops.py``).

    ``before`` is a snapshot of every article and raw file the fix touched, as it was
    before, and ``created`` the articles it made: reverting restores the one and deletes
    the other, in one transaction too. Each object's own history (django-simple-history)
    records the same change under the fix's reason.
    """

    class Kind(models.TextChoices):
        SPLIT = "split", "拆分文章"
        MERGE = "merge", "合并文章"
        UNDISCARD = "undiscard", "恢复舍弃部分"
        BOILERPLATE = "boilerplate", "标为网页杂项"
        TITLE = "title", "选定标题"
        PERSON = "person", "确认/否定人物"
        POSITION = "position", "修改职务"
        SPEAKER = "speaker", "修改说话人"
        QUOTE = "quote", "添加引语"
        PLACE = "place", "主要/提及地区"
        REVERT = "revert", "撤销"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    summary = models.CharField("说明", max_length=300)
    user = models.ForeignKey(
        "auth.User", verbose_name="馆员", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    raw_file = models.ForeignKey(
        RawFile, verbose_name="原始文件", null=True, blank=True, on_delete=models.SET_NULL
    )
    article = models.ForeignKey(
        Article,
        verbose_name="文章",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrections",
    )
    before = models.JSONField("修改前", default=dict, blank=True)
    created = models.JSONField("新建文章", default=list, blank=True)
    reverted_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "修正记录"
        verbose_name_plural = "修正记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.summary}"


class ContentHashAlias(models.Model):
    """The content hash of a machine article that a curator merged into another: a later
    import of the same file finds the article that now holds its text, instead of
    creating the merged-away article again."""

    content_hash = models.CharField("内容哈希", max_length=64, unique=True)
    article = models.ForeignKey(
        Article, verbose_name="文章", on_delete=models.CASCADE, related_name="hash_aliases"
    )

    class Meta:
        verbose_name = "内容哈希别名"
        verbose_name_plural = "内容哈希别名"

    def __str__(self):
        return f"{self.content_hash[:12]} → {self.article_id}"


# Reprint clustering (issue 21) lives in its own module; importing it registers its models.
from archive.reprints.models import (  # noqa: E402, F401
    ReprintBand,
    ReprintSignature,
    Story,
    StoryMember,
)
