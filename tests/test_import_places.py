"""Places without a GB/T 2260 code are stored under their parent at their own level."""

import io

import pytest
from django.core.management import call_command

from archive.models import Article, ArticleRegion, Region

pytestmark = pytest.mark.django_db

PAGE = """臺南市舉辦城市馬拉松 萬名跑者齊聚

臺南市政府今日舉辦城市馬拉松，來自各地的萬名跑者在安平港畔起跑。市府表示，
臺南市將持續推動運動城市，明年賽事規模將再擴大。
"""


def test_a_taiwan_city_is_stored_under_taiwan_at_prefecture_level(gazetteer, tmp_path):
    page = tmp_path / "tainan.txt"
    page.write_text(PAGE, encoding="utf-8")
    call_command("import_raw", str(page), stdout=io.StringIO(), stderr=io.StringIO())

    tainan = Region.objects.get(name="臺南市")
    assert (tainan.code, tainan.level, tainan.parent.code) == (None, "prefecture", "710000")
    article = Article.objects.get()
    assert ArticleRegion.objects.get(article=article, region=tainan).primary
