"""Writes the bad-input corpus next to this file (deterministic; re-run to regenerate).

    .venv/bin/python tests/bad_input/make_corpus.py

Small files only. Inputs that cannot live in git (a 50 MB page without a newline, a
directory without read permission, a path that does not exist) are made by
tests/test_bad_input.py in a temporary directory at test time.
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
import struct
import zlib
from pathlib import Path

import opencc

HERE = Path(__file__).resolve().parent
SEED = next((HERE.parents[1] / "fixtures" / "raw").glob("003_*.txt"))

MEETING = """聊城市政协召开文史资料征集工作推进会

本报讯 记者李明报道 3月15日，聊城市政协召开文史资料征集工作推进会，总结去年文史工作，\
部署今年重点任务。

聊城市政协副主席王建国表示，文史资料是政协履职的重要成果，各级各部门要高度重视，\
加强协调配合，确保征集工作取得实效。

会议要求，各县（市、区）政协要建立健全工作机制，充实征集力量，推动文史资料工作高质量发展。
"""

SURVEY = """聊城市政协开展民营企业发展专题调研

本报讯 记者张华报道 4月20日，聊城市政协组织部分委员到东阿县开展民营企业发展专题调研。

聊城市政协党组成员、秘书长王建国表示，要聚焦企业发展中的堵点难点，深入开展调查研究，\
提出务实管用的意见建议，助力优化营商环境。

调研组一行先后走访了多家民营企业，实地察看生产经营情况，听取企业负责人的意见建议。
"""

FLOOD = """东营市垦利区开展汛期安全隐患排查

本报讯 记者孙宁报道 6月8日，东营市垦利区组织应急、水利、住建等部门开展汛期安全隐患排查，\
重点检查河道堤防、低洼易涝区域和在建工地。

垦利区应急管理局局长赵德明表示，要把隐患排查做细做实，发现问题立即整改，确保安全度汛。

排查组共检查点位46处，现场督促整改隐患12项。
"""

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>垦利区开展汛期安全隐患排查_东营新闻网</title>
<meta property="og:url" content="https://news.example.org/2023/0608/kenli.html">
<meta name="pubdate" content="2023-06-08 09:30">
<script>document.write('<p>注入的脚本文字</p>'); alert("xss");</script>
<script src="https://ads.example.org/track.js"></script>
<style>p { color: red }</style>
</head><body>
<iframe src="https://ads.example.org/banner.html">广告位招租</iframe>
<h1>东营市垦利区开展汛期安全隐患排查</h1>
<p>本报讯 记者孙宁报道 6月8日，东营市垦利区组织应急、水利、住建等部门开展汛期安全隐患排查，
重点检查河道堤防、低洼易涝区域和在建工地。</p>
<script>var tracker = "垦利区追踪代码";</script>
<p>垦利区应急管理局局长赵德明表示，要把隐患排查做细做实，发现问题立即整改，确保安全度汛。</p>
<iframe srcdoc="&lt;p&gt;嵌入页面的文字&lt;/p&gt;"></iframe>
<p>排查组共检查点位46处，现场督促整改隐患12项。</p>
<noscript>请开启JavaScript</noscript>
</body></html>
"""


def tiny_png() -> bytes:
    """A valid 2x2 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x80\x80" for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def files() -> dict[str, bytes]:
    page = SEED.read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2tw").convert(page)
    corrupt = bytearray(gzip.compress(SURVEY.encode("utf-8"), mtime=0))
    middle = len(corrupt) // 2
    corrupt[middle : middle + 16] = b"\x00" * 16  # a damaged block in the deflate stream
    jsonl = [
        json.dumps(
            {"title": "聊城市政协召开文史资料征集工作推进会", "text": MEETING}, ensure_ascii=False
        ),
        '{"title": "垦利区开展汛期安全隐患排查", "text": "本报讯 记者孙宁报道 6月8日，东营市',
        json.dumps(
            {"url": "https://news.example.org/0420.html", "text": SURVEY}, ensure_ascii=False
        ),
    ]
    return {
        "empty.txt": b"",
        "whitespace.txt": b" \t\n\r\n   \n\t\t \xe3\x80\x80\n",  # ends with an ideographic space
        "random_binary.txt": random.Random(8).randbytes(4096),
        "png_renamed.txt": tiny_png(),
        "nul_in_chinese.txt": MEETING.replace("文史", "文\x00史").encode("utf-8"),
        "truncated_utf8.txt": SURVEY.rstrip("\n").encode("utf-8") + "项".encode()[:2],
        "page_utf8.txt": page.encode("utf-8"),
        "page_gb18030.txt": page.encode("gb18030"),
        "page_utf16.txt": codecs.BOM_UTF16_LE + page.encode("utf-16-le"),
        "page_traditional_utf8.txt": traditional.encode("utf-8"),
        "page_traditional_big5.txt": traditional.encode("big5"),
        "scripts_iframes.html": HTML.encode("utf-8"),
        "corrupt.txt.gz": bytes(corrupt),
        "one_broken_line.jsonl": ("\n".join(jsonl) + "\n").encode("utf-8"),
        "flood.txt": FLOOD.encode("utf-8"),
    }


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files())} files to {HERE}")


if __name__ == "__main__":
    main()
