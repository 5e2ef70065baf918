"""Markdown crawls of national and provincial papers, and the credit and header lines of
print and portal pages: front matter, heading groups, press lines, padded names, labelled
header lines (Republic of China dates too). Every page here is invented."""

from archive.extraction.metadata import header_fields, paren_credit, press_line
from archive.extraction.pipeline import parse

BODY_ONE = (
    "初冬时节，在湖南省怀化市芷江侗族自治县岩桥镇，合作社的烘干车间里一派忙碌景象，"
    "村民们正把刚收下的柚子分拣装箱。\n\n"
    "“今年的柚子个头大、甜度高，订单排到了春节。”合作社理事长龙建华说。"
)
BODY_TWO = (
    "记者近日在江西省赣州市会昌县调研发现，当地把村级事务清单化，"
    "一张清单管到底，村干部少跑腿、群众少折腾。\n\n"
    "“过去一个月要填十几张表，现在只填一张。”村党支部书记钟小平告诉记者。"
)


def md(*blocks: str) -> bytes:
    return "\n\n".join(blocks).encode("utf-8")


def test_front_matter_is_the_articles_metadata_not_its_text():
    page = md(
        '---\ntitle: "柚子熟了订单来了（县域经济）"\ndate: 2025-11-20\nauthor: "王  林"\n'
        'source_url: "https://paper.example.cn/2025/11/20/content_1.html"\n---',
        "# 柚子熟了订单来了（县域经济）",
        BODY_ONE,
    )
    (art,) = parse(page, "crawl.md").articles
    assert art.title.startswith("柚子熟了订单来了")
    assert art.published == "2025-11-20"
    assert art.authors == ["王林"]
    assert art.url == "https://paper.example.cn/2025/11/20/content_1.html"
    assert "source_url" not in art.body and "title:" not in art.body


def test_a_press_line_gives_authors_paper_and_the_edition_date():
    page = md(
        "### 湖南芷江培育特色柚子产业——",
        "# 柚子熟了订单来了（县域经济）",
        "> 本报记者  张建国  李  明《某某日报》（2025年11月20日第 06 版）",
        BODY_ONE,
    )
    (art,) = parse(page, "page.txt").articles  # a .txt that is Markdown inside
    assert art.title == "柚子熟了订单来了（县域经济）"  # the # line, not the ### kicker
    assert "湖南芷江培育特色柚子产业" in art.subtitle
    assert art.authors == ["张建国", "李明"]
    assert art.published == "2025-11-20"
    assert art.source == "某某日报"
    assert not art.body.startswith(">")


def test_each_title_heading_of_a_joined_page_starts_its_own_article():
    page = md(
        "# 柚子熟了订单来了",
        "> 本报记者  王  林《某某日报》（2025年11月20日第 06 版）",
        BODY_ONE,
        "### 江西会昌为村干部减负——",
        "# 一张清单管到底",
        "> 《某某日报》（2025年11月20日第 06 版）",
        BODY_TWO,
        "（本报记者陈立整理）",
    )
    first, second = parse(page, "page.md").articles
    assert first.title == "柚子熟了订单来了" and "钟小平" not in first.body
    assert second.title == "一张清单管到底" and "龙建华" not in second.body
    assert second.authors == ["陈立"]
    assert second.published == "2025-11-20"
    assert "整理" not in second.body


def test_lower_headings_inside_an_article_are_crossheads():
    page = md(
        "# 柚子熟了订单来了",
        "> 本报记者  王  林《某某日报》（2025年11月20日第 06 版）",
        BODY_ONE,
        "### 龙头企业带动",
        BODY_TWO,
    )
    (art,) = parse(page, "page.md").articles
    assert "龙头企业带动" in art.body and "钟小平" in art.body


def test_a_hash_topic_does_not_make_a_page_markdown():
    page = "#乡村振兴# 会昌县一张清单管到底\n\n" + BODY_TWO
    (art,) = parse(page.encode("utf-8"), "weibo.txt").articles
    assert "钟小平" in art.body


def test_press_lines_and_bracketed_credits_name_their_people():
    assert press_line("于晓东《某某日报》（2025年06月24日第 11 版）") == {
        "names": ["于晓东"],
        "source": "某某日报",
        "published": "2025-06-24",
    }
    assert press_line("《 某某日报 》（ 2024年05月10日   04 版）")["published"] == "2024-05-10"
    assert press_line("本报记者走进田间地头，听取群众意见（2025年6月1日）") is None
    assert paren_credit("（刘海峰）") == ["刘海峰"]
    assert paren_credit("（张建国  李  明）") == ["张建国", "李明"]
    assert paren_credit("（本报记者陈立整理）") == ["陈立"]
    assert paren_credit("（点击看清晰大图）") == []
    assert paren_credit("（作者为某某县委书记）") == []


def test_labelled_header_lines_give_dates_sources_and_credits():
    assert header_fields("發稿時間：114年6月12日09:15")["published"] == "2025-06-12"
    assert header_fields("发稿人：林美寧")["authors"] == ["林美宁"]
    assert header_fields("责任编辑：王小明  审核：李大伟")["authors"] == ["王小明", "李大伟"]
    fields = header_fields("作者：张三 来源：新华社 发布时间：2019-09-23 10:21")
    assert fields["published"] == "2019-09-23" and fields["source"] == "新华社"
    assert header_fields("发稿单位：新闻及国际关系处") is not None
    assert header_fields("文：今天的会议开得很务实") is None
    assert header_fields("今天的会议来源广泛，代表很多。") is None


def test_a_record_page_with_header_lines_is_one_article_with_its_metadata():
    page = "\n".join(
        [
            "2025-06-14",
            "市长视察排水工程  争取经费推动水利建设",
            "新闻及国际关系处新闻传播科",
            "https://www.example.gov.tw/News_Content.aspx?n=1&s=2",
            "發稿單位：新聞及國際關係處",
            "發稿時間：114年6月14日 11:48",
            "發稿人：林美玲",
            "",
            "隨著汛期到來，市長今日視察排水工程，強調市府將持續加強水利建設，確保市民安全。",
            "",
            "市長表示，治水需要中央與地方通力合作，市府將主動提出需求。",
        ]
    )
    (art,) = parse(page.encode("utf-8"), "record.txt").articles
    assert art.title == "市长视察排水工程  争取经费推动水利建设"
    assert art.published == "2025-06-14"
    assert art.authors == ["林美玲"]
    assert art.url == "https://www.example.gov.tw/News_Content.aspx?n=1&s=2"
    assert "發稿" not in art.body


def test_bylines_of_agencies_interns_and_bracketed_editors_name_only_people():
    from archive.extraction.metadata import byline_names

    assert byline_names("新华社记者 王强 摄") == ["王强"]
    assert byline_names("本报记者 张三 实习生 李四") == ["张三", "李四"]
    assert byline_names("南京日报记者 王  强 通讯员 李四") == ["王强", "李四"]
    assert byline_names("编辑 阿依古丽·买买提") == ["阿依古丽·买买提"]
    assert header_fields("［责任编辑：王强］")["authors"] == ["王强"]
    assert header_fields("发布时间：2019-09-23 10:21")["published"] == "2019-09-23"


def test_credits_after_a_closing_line_end_the_article_instead_of_starting_one():
    page = "\n".join(
        [
            "邮轮母港下月开港",
            "2019-08-13 10:21",
            "记者从区港务部门获悉，邮轮母港将于下月开港，首条航线前往冲绳，全程四晚五天。",
            "航站楼免税店正同步进行招商，餐饮、购物一应俱全。",
            "这么气派的邮轮母港",
            "开始搓搓手了！！！",
            "编辑|禤家明",
            "责编|陈小燕",
            "来源|区融媒体中心",
        ]
    )
    (art,) = parse(page.encode("utf-8"), "wechat.txt").articles
    assert art.title == "邮轮母港下月开港"
    assert art.authors == ["禤家明", "陈小燕"]
    assert "开始搓搓手了" in art.body


def test_correspondents_named_before_the_reporters_role_are_authors():
    page = "\n".join(
        [
            "点滴之间见民生",
            "王建林 李明华 本报记者 鄢小平",
            "近年来，全县把民生工程办成民心工程，饮水、就业、便民服务一件件落到实处，"
            "群众的获得感不断增强。",
        ]
    )
    (art,) = parse(page.encode("utf-8"), "paper.txt").articles
    assert art.authors == ["王建林", "李明华", "鄢小平"]
    assert not art.body.startswith("王建林")


def test_a_photo_item_under_its_own_headline_is_an_article_of_its_own():
    page = "\n\n".join(
        [
            "茶园春管正当时",
            "本报讯（通讯员 赵敏）连日来，城关镇组织农技人员深入茶园，指导茶农开展修剪、施肥等春管工作。",
            "春日田野",
            "图为4月7日，农民在高桥镇的油菜花田里劳作。 本报记者 孙亮 摄",
            "乡村道路改造提速",
            "本报讯 今年以来，县交通运输局加快推进农村公路提质改造，已完成投资1.2亿元。",
        ]
    )
    tea, photo, road = parse(page.encode("utf-8"), "epaper.txt").articles
    assert photo.title == "春日田野"
    assert photo.authors == ["孙亮"]
    assert "油菜花" not in tea.body and "油菜花" in photo.body
    assert road.title == "乡村道路改造提速"


def test_one_stray_hash_line_does_not_make_a_plain_page_markdown():
    from archive.extraction.reader import looks_like_markdown

    assert not looks_like_markdown("全县召开会议\n\n会议指出，\n# 要抓好春耕\n会议要求，抓好落实。")
    assert looks_like_markdown("# 柚子熟了\n\n正文")
    assert looks_like_markdown("正文\n## 小标题\n> 本报记者 王林")
    assert looks_like_markdown('---\ntitle: "柚子熟了"\n---\n正文')


def test_the_page_title_picks_the_main_title_below_a_kicker():
    from archive.extraction.paragraphs import Para
    from archive.extraction.pipeline import main_title_first

    kicker = Para([(0, 12)], "全省着力培育新动能塑造新优势")
    main = Para([(13, 30)], "在高质量发展中争先出彩（权威发布）")
    page_title = "在高质量发展中争先出彩（权威发布）--经济·科技--某某网"
    assert main_title_first([kicker, main], page_title) == [main, kicker]
    assert main_title_first([kicker, main], None) == [kicker, main]
    assert main_title_first([main, kicker], page_title) == [main, kicker]
