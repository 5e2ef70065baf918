"""Rows of the reprint clustering: signatures, LSH band keys, stories and their members.

Imported at the end of archive/models.py, so they belong to the archive app.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class ReprintSignature(models.Model):
    """An article's MinHash (core.NUM_PERM little-endian uint32 values); empty bytes for a
    body too short to compare, so the backfill knows the article was seen."""

    article = models.OneToOneField(
        "archive.Article", primary_key=True, on_delete=models.CASCADE, related_name="signature"
    )
    values = models.BinaryField("MinHash", blank=True)
    shingles = models.PositiveIntegerField("字符片段数", default=0)

    class Meta:
        verbose_name = "转载签名"
        verbose_name_plural = "转载签名"

    def __str__(self):
        return f"signature of {self.article_id}"


class ReprintBand(models.Model):
    """One LSH band key of an article: articles sharing a key are candidate reprints.
    The index on ``key`` makes finding them one index lookup, whoever imported them."""

    key = models.BigIntegerField("分段键")
    # The unique (article, key) constraint serves lookups by article (deletes cascade
    # through it), so the foreign key needs no index of its own: one index less to write.
    article = models.ForeignKey(
        "archive.Article", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "转载分段键"
        verbose_name_plural = "转载分段键"
        indexes = [models.Index(fields=["key", "article"], name="reprint_band_key_idx")]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="reprint_band_unique")
        ]

    def __str__(self):
        return f"{self.key} → {self.article_id}"


class Story(models.Model):
    """The same story published by several outlets: its earliest appearance is the
    original. ``curated``: a curator split or merged it; automatic clustering then adds
    new reprints to it but never merges it with another story."""

    original = models.ForeignKey(
        "archive.Article",
        verbose_name="原发",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    size = models.PositiveIntegerField("篇数", default=0)
    first_published = models.DateField("首发日期", null=True, blank=True)
    curated = models.BooleanField("人工调整", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "转载组"
        verbose_name_plural = "转载组"
        ordering = ["-size", "-pk"]

    def __str__(self):
        return f"#{self.pk} {self.original or ''} ({self.size})"


class StoryMember(models.Model):
    """An article's place in its story: rank 0 is the original (the earliest appearance:
    dated before undated, then by date, then by article id), lag is days after it."""

    article = models.OneToOneField(
        "archive.Article",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="story_member",
        verbose_name="文章",
    )
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="members", verbose_name="转载组"
    )
    rank = models.PositiveIntegerField("次序", default=0)
    is_original = models.BooleanField("原发", default=True)
    lag_days = models.IntegerField("滞后天数", null=True, blank=True)
    similarity = models.FloatField("相似度", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "转载组成员"
        verbose_name_plural = "转载组成员"
        indexes = [
            models.Index(fields=["story", "rank"], name="story_member_rank_idx"),
            models.Index(fields=["is_original", "story"], name="story_member_original_idx"),
        ]

    def __str__(self):
        return f"{self.article_id} in story {self.story_id}"
