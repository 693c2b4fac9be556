"""Cross-site scripting payloads for the hostile input tests (tests/test_browser_xss.py): 500,
made the same on every run from classic vectors put in several contexts and spellings. Each
calls `__xss(n)`, its own number, if it ever runs in a page."""

import itertools
import re

# What an attacker puts in a text: tags with handlers, script elements, javascript: URLs in
# HTML and Markdown, mutation and parser tricks, template and JavaScript string breakouts.
VECTORS = [
    "<script>__xss({n})</script>",
    "<img src=x onerror=__xss({n})>",
    "<svg onload=__xss({n})>",
    "<svg><script>__xss({n})</script></svg>",
    "<body onload=__xss({n})>",
    '<iframe srcdoc="<script>parent.__xss({n})</script>"></iframe>',
    '<iframe src="javascript:parent.__xss({n})"></iframe>',
    "<details open ontoggle=__xss({n})>",
    "<input autofocus onfocus=__xss({n})>",
    "<video><source onerror=__xss({n})></video>",
    "<audio src=x onerror=__xss({n})>",
    '<object data="javascript:__xss({n})"></object>',
    '<embed src="javascript:__xss({n})">',
    '<a href="javascript:__xss({n})">x</a>',
    '<a href="jav&#x61;script:__xss({n})">x</a>',
    '<a href="&#106;avascript&colon;__xss({n})">x</a>',
    '<form action="javascript:__xss({n})"><button>x</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss({n})>",
    '<noscript><p title="</noscript><img src=x onerror=__xss({n})>">',
    '<!--<img src="--><img src=x onerror=__xss({n})//">',
    "<scr<script>ipt>__xss({n})</scr</script>ipt>",
    "<style>@import 'javascript:__xss({n})';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:__xss({n})">',
    '<base href="javascript:__xss({n})//">',
    "<svg><animate onbegin=__xss({n}) attributeName=x dur=1s>",
    "<marquee onstart=__xss({n})>x</marquee>",
    "<div onmouseover=__xss({n})>x</div>",
    "<select autofocus onfocus=__xss({n})></select>",
    "<textarea autofocus onfocus=__xss({n})></textarea>",
    "[x](javascript:__xss({n}))",
    "[x](javascript&#58;__xss({n}))",
    '![x](x" onerror="__xss({n}))',
    "<javascript:__xss({n})>",
    "[x][r{n}]\n\n[r{n}]: javascript:__xss({n})",
    "{{{{ __xss({n}) }}}}",
    "${{__xss({n})}}",
    "';__xss({n});//",
    '";__xss({n});//',
    "</script><script>__xss({n})</script>",
    '-->"><img src=x onerror=__xss({n})>',
    "javascript:__xss({n})",
    "<img src=x:y onerror=top.__xss({n})>",
]
# Where the text may land: as it is, past a closing quote and tag (an attribute), past the
# elements whose text is raw, and as a Markdown HTML block between paragraphs.
CONTEXTS = [
    "{}",
    "\"'>{}",
    "</textarea></title></script></style>{}",
    "x\n\n<div>\n{}\n</div>\n\nx",
]
COUNT = 500


def _mixed_case(text):
    """Tag and attribute names in alternating case (<ScRiPt>, OnErRoR): filters that look for
    lower case miss them; HTML does not."""
    return re.sub(
        r"(?<=<)/?[a-z]+|\bon[a-z]+(?==)|javascript",
        lambda m: "".join(c.upper() if i % 2 else c for i, c in enumerate(m[0])),
        text,
    )


def _spaced(text):
    """Tabs, newlines and slashes where HTML takes white space between a tag's parts."""
    return re.sub(r"(<[a-z]+) ", "\\1\t", text, flags=re.I).replace(" on", "\n/on")


SPELLINGS = [lambda text: text, _mixed_case, _spaced]


def payloads():
    """[(n, payload)]: COUNT payloads, numbered from 1."""
    made = (
        (spelling, context, vector)
        for spelling, context, vector in itertools.product(SPELLINGS, CONTEXTS, VECTORS)
    )
    texts = [spelling(context.format(vector)) for spelling, context, vector in made]
    return [(n, text.format(n=n)) for n, text in enumerate(texts[:COUNT], start=1)]


def with_nul(payload):
    """The payload with a NUL character just inside its first tag (<\\0script>), which browsers
    once dropped: the guide's forms and imports refuse any text holding one."""
    return payload.replace("<", "<\x00", 1) if "<" in payload else f"\x00{payload}"
