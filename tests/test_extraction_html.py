"""Web pages: an .html page gives its one article, never its menus, lists, comments or
footer; the text rendering of a page (all chrome kept as lines) is cleaned the same way.

Every page here is invented for the test."""

from __future__ import annotations

from archive.extraction import paragraphs
from archive.extraction.pipeline import parse
from archive.extraction.reader import read

MENU = "".join(
    f"<li><a href='/c{i}'>{name}</a></li>"
    for i, name in enumerate(
        "首页 时政 要闻 经济 社会 文旅 教育 健康 体育 视频 图片 专题 评论 理论 党建 "
        "县区 乡镇 民生 政务 公开 互动 留言 服务 下载".split()
    )
)
PARAGRAPHS = [
    "6月11日上午，青禾县在县农业产业园召开夏粮收购工作推进会，部署今年小麦收购、储存和"
    "价格监测工作，全县十二个乡镇和县直有关部门负责人参加会议。",
    "会上，县粮食和物资储备局局长郑文博通报了今年夏粮长势和收购准备情况。他介绍，全县小麦"
    "种植面积稳定在四十二万亩，预计总产量比去年增加百分之三左右。",
    "“今年收购点比去年多设了六个，农民卖粮最远不超过十五公里。”郑文博说，县里还安排了"
    "流动检测车，保证检验结果当场告知、当场结算。",
    "村民韩立秋在会后告诉记者，合作社今年新添了两台烘干机，遇上连阴雨也不怕小麦发霉了。",
    "副县长唐景明要求，各乡镇要落实收购资金，严禁压级压价、拖欠粮款，确保农民种粮收益。",
]
SIDEBAR = [
    "省城地铁三号线北延段今日开通运营",
    "暑期文旅消费券第二批发放时间公布",
    "明星夫妇官宣离婚引发网友热议不断",
    "多地发布高温橙色预警请注意防暑",
    "郊区新建两所中学秋季学期开始招生",
]


def portal_page(
    head: str = "", byline: str = "作者：宋雨桐", date: str = "发布时间：2023-06-12 09:30"
) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    side = "".join(f"<li><a href='/n{i}'>{t}</a></li>" for i, t in enumerate(SIDEBAR))
    comments = "".join(
        f"<div class='cmt'><span>{who}[网友]2023-06-12 1{i}:20:31</span><p>{what}</p>"
        f"<span>回复</span><span>举报</span></div>"
        for i, (who, what) in enumerate(
            [
                ("田野里的风", "收购点多了是好事，支持！"),
                ("老街口的猫", "我们村什么时候能用上烘干机？"),
            ]
        )
    )
    html = f"""<!doctype html><html><head><meta charset="utf-8">
<title>青禾县部署夏粮收购工作_青禾新闻网</title>{head}</head><body>
<div class="nav"><ul>{MENU}</ul></div>
<div class="crumb"><a href="/">首页</a> &gt; <a href="/xw">要闻</a> &gt; 正文</div>
<div class="main"><div class="article">
<h1>青禾县部署夏粮收购工作</h1>
<div class="info"><span>{date}</span> <span>来源：青禾日报</span></div>
<div class="author">{byline}</div>
<div class="content">{paras}</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="side"><h3>热点推荐</h3><ul>{side}</ul></div>
<div class="comments"><h3>网友评论</h3>{comments}</div></div>
<div class="footer"><p>版权所有 青禾县融媒体中心 备案号：某ICP备12345678号</p>
<p>联系我们 | 关于我们 | 网站地图</p></div>
</body></html>"""
    return html.encode("utf-8")


def test_a_portal_page_gives_its_one_article_and_none_of_its_chrome():
    record = parse(portal_page(), "qinghe.html")
    assert [a.title for a in record.articles] == ["青禾县部署夏粮收购工作"]
    art = record.articles[0]
    assert art.published == "2023-06-12"
    assert "宋雨桐" in art.authors
    for chrome in ("地铁三号线", "收购点多了是好事", "ICP备", "首页", "分享到"):
        assert chrome not in art.body
    assert "郑文博说" in art.body and "唐景明要求" in art.body


def test_people_of_a_web_page_come_from_its_article_only():
    art = parse(portal_page(), "qinghe.html").articles[0]
    names = {p.name for p in art.people}
    assert {"郑文博", "唐景明"} <= names
    assert not names & {"田野里的风", "老街口的猫"}


def test_title_of_a_web_page_loses_the_site_name():
    page = portal_page().replace("<h1>青禾县部署夏粮收购工作</h1>".encode(), b"")
    art = parse(page, "qinghe.html").articles[0]
    assert art.title == "青禾县部署夏粮收购工作"


def test_date_and_author_come_from_the_page_head_when_the_text_shows_none():
    head = (
        '<meta property="article:published_time" content="2023-06-10T08:00:00+08:00">'
        '<meta name="author" content="宋雨桐">'
    )
    page = portal_page(head=head, byline="", date="")
    art = parse(page, "qinghe.html").articles[0]
    assert art.published == "2023-06-10"
    assert art.authors == ["宋雨桐"]


def test_an_author_field_holding_a_user_number_is_no_author():
    head = '<meta name="author" content="105577">'
    art = parse(portal_page(head=head, byline=""), "qinghe.html").articles[0]
    assert "105577" not in art.authors


def test_spans_of_a_web_page_refer_to_its_kept_text_and_its_chrome_is_discarded():
    data = portal_page()
    doc = read(data, "qinghe.html")
    record = parse(data, "qinghe.html")
    (art,) = record.articles
    start, end = art.span
    assert PARAGRAPHS[0][:20] in doc.text[start:end]
    page = doc.pages[0]
    assert "热点推荐" not in doc.text[page.start : page.end]  # the page is the main content
    assert "热点推荐" not in art.body
    # Nothing visible is lost: every chrome line is listed as discarded, with its reason.
    chrome = [doc.text[d.start : d.end] for d in record.discarded if "chrome" in d.reason]
    assert "热点推荐" in chrome
    assert all(d.start >= page.end for d in record.discarded if "chrome" in d.reason)


def test_a_small_html_fragment_keeps_its_whole_text():
    html = "<p>县里新修的村道通车了，沿线三个村的群众出行更方便了。</p>".encode()
    doc = read(html, "short.html")
    assert doc.text == "县里新修的村道通车了，沿线三个村的群众出行更方便了。"


# ------------------------------------------------ text renderings of web pages


def kinds(text: str) -> list[tuple[str, str]]:
    lines = paragraphs.split_lines(text, 0, len(text))
    paragraphs.classify(lines)
    return [(p.text, p.kind) for p in lines]


def test_a_long_run_of_menu_lines_in_a_text_rendering_is_chrome():
    menu = "首页\n时政\n要闻\n经济 · 科技\n社会\n文旅\n教育\n健康\n体育\n视频\n图片\n专题\n地方\n英文版\n"
    got = kinds(menu + "青禾县部署夏粮收购工作\n" + PARAGRAPHS[0] + "\n")
    assert all(kind == "boiler" for text, kind in got[:14])
    assert got[-1][1] == "body"


def test_short_lines_of_a_phone_style_post_are_kept():
    post = (
        "下个月起，\n老城区的公交线路\n将有一次大调整，\n"
        "涉及十一条线路。\n为什么要调？\n因为\n新的地铁站\n就要开通了！\n"
        "调整以后，\n换乘更方便，\n等车时间更短。\n请大家提前留意。\n"
    )
    assert not any(kind == "boiler" for _, kind in kinds(post))


def test_a_hot_list_is_chrome_even_when_its_items_look_like_headlines():
    text = PARAGRAPHS[0] + "\n热门推荐\n" + "\n".join(SIDEBAR) + "\n"
    got = kinds(text)
    assert [kind for _, kind in got[1:]] == ["boiler"] * (1 + len(SIDEBAR))


def test_a_comment_thread_in_a_text_rendering_is_chrome():
    thread = (
        "田野里的风[青禾县手机网友]2023-06-12 10:20:31\n收购点多了是好事\n+1顶12\n|+1踩0\n|回复\n"
        "老街口的猫[网易江西网友]2023-06-12 11:02:07\n我们村什么时候能用上烘干机\n+1顶3\n|回复\n"
    )
    assert all(kind == "boiler" for _, kind in kinds(PARAGRAPHS[0] + "\n" + thread)[1:])


def test_an_accounts_dated_sidebar_in_a_text_rendering_is_chrome():
    sidebar = "".join(f"2023-06-0{i} 1{i}:00:00\n{t}\n" for i, t in enumerate(SIDEBAR[:4], 1))
    got = kinds(PARAGRAPHS[0] + "\n" + sidebar)
    assert all(kind == "boiler" for _, kind in got[1:])


def test_a_script_leftover_line_is_chrome():
    got = kinds('theme->baseUrl . "/images/";  ?>\n青禾县部署夏粮收购工作\n' + PARAGRAPHS[0])
    assert got[0][1] == "boiler"


def test_an_extractors_author_is_kept_only_where_the_page_credits_that_name():
    from archive.extraction.webpage import _credible

    lines = ["青禾发布", "关注", "作者：宋雨桐", "田野里的风[网友]2023-06-12 10:20:31"]
    kept = "青禾县部署夏粮收购工作\n" + PARAGRAPHS[0]
    assert _credible(lines, kept, "", "青禾发布 关注", "田野里的风") == []
    assert _credible(lines, kept, "", "宋雨桐") == ["宋雨桐"]  # on a byline of the page
    assert _credible(lines, kept, "", "韦明远") == ["韦明远"]  # from structured data only
    assert _credible(lines, kept, "青禾新闻网", "青禾新闻网") == []  # the site's own name


def test_slogans_and_widgets_below_the_copyright_line_are_chrome():
    tail = (
        "版 权 所 有 青禾县融媒体中心\n第一时间为您推送权威资讯\n关注青禾，传递正能量\n返回顶部\n"
    )
    got = kinds(PARAGRAPHS[0] + "\n" + tail)
    assert got[0][1] == "body"
    assert all(kind == "boiler" for _, kind in got[1:])


def test_long_comments_under_a_comment_heading_are_chrome():
    long_comment = "收购点多了是好事，希望明年再多设几个，我们村离最近的收购点还有二十多公里，来回一趟要大半天。"
    thread = (
        f"网友评论\n田野里的风 2023-06-12 10:20\n{long_comment}\n"
        f"老街口的猫 2023-06-12 11:02\n{long_comment}\n回复\n"
    )
    got = kinds(PARAGRAPHS[0] + "\n" + thread + "青禾县部署秋粮收购工作\n" + PARAGRAPHS[1])
    assert got[0][1] == "body"
    assert all(kind == "boiler" for _, kind in got[1:7])
    assert got[-1][1] == "body"  # the comments end where text that is no comment begins


def test_an_outlet_and_date_line_above_the_text_is_no_comment():
    got = kinds("青禾县部署夏粮收购工作\n青禾日报 2023-06-12 09:30\n" + PARAGRAPHS[0])
    assert got[1][1] != "boiler"


def test_a_short_headline_right_after_a_menu_is_kept():
    menu = "首页\n时政\n要闻\n经济\n社会\n文旅\n教育\n健康\n体育\n视频\n图片\n专题\n地方\n英文版\n"
    got = kinds(menu + "青禾夏粮收购开秤\n作者：宋雨桐\n" + PARAGRAPHS[0] + "\n")
    assert ("青禾夏粮收购开秤", "head") in got
