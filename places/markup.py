"""Contributor text to safe HTML: Markdown rendered on save, sanitised again on every output.

The HTML stored with a section is only a cache of the Markdown conversion. Pages and the API
pass it through `sanitise` as they show it, so that a stricter allow-list applies at once to
every stored row, without re-rendering anything.
"""

import re
import threading

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# Text with none of these characters, and no line that could start a list, heading, quote
# or code block or end in a line break (see _markup_line), is plain paragraphs to Markdown.
MARKUP_CHARACTERS = re.compile(r"[\\`*_\[\]<>&\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
LIST_NUMBER = re.compile(r"\d+[.)]")
# The ASCII characters of MARKUP_CHARACTERS.
ASCII_MARKUP_BYTES = bytes([*range(0x0A), *range(0x0B, 0x20), 0x7F]) + b"\\`*_[]<>&"

# One cleaner for the process: nh3 parses its options once, and cleaning is thread-safe.
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener",
)
# A Markdown converter keeps state while it converts, so each thread has its own; building
# one costs more than converting a section.
_converters = threading.local()


def normalize_text(text: str) -> str:
    """Text as it is stored: Unix line ends and no surrounding blank space, as Django's form
    fields strip it. Browsers send text areas with "\\r\\n"; without this an untouched section
    would differ from what is stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def sanitise(html: str) -> str:
    """Only the allowed tags, attributes and link schemes of `html`; the rest is removed."""
    return _cleaner.clean(html)


def render_markdown(text: str) -> str:
    """HTML for a section body; anything outside the allowed tags is stripped or escaped."""
    plain = plain_paragraphs(text)
    return markdown_html(text) if plain is None else plain


def markdown_html(text: str) -> str:
    """render_markdown without its shortcut for plain paragraphs: Markdown, then nh3."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        # Section headings are <h2>, so a contributor's "# Heading" becomes <h3>, never <h1>.
        converter = _converters.markdown = markdown.Markdown(
            extensions=["toc"], extension_configs={"toc": {"baselevel": 3}}, output_format="html"
        )
    return sanitise(converter.reset().convert(text))


def plain_paragraphs(text: str) -> str | None:
    """The HTML Markdown and nh3 make of text that is only plain paragraphs, 50 times faster
    (most imported texts are); None for any other text. tests/test_markup.py checks that
    both give the same HTML."""
    if _markup_character(text) or _markup_line(text):
        return None
    paragraphs = [part.strip("\n") for part in text.split("\n\n")]
    # nh3 writes a no-break space as an entity; <, > and & are not in the text.
    html = "\n".join(["<p>" + paragraph + "</p>" for paragraph in paragraphs if paragraph])
    return html.replace("\xa0", "&nbsp;")


def _markup_character(text: str) -> bool:
    """MARKUP_CHARACTERS.search(text), six times faster for ASCII text (bytes.translate)."""
    if text.isascii():
        encoded = text.encode("ascii")
        return len(encoded.translate(None, ASCII_MARKUP_BYTES)) != len(encoded)
    return MARKUP_CHARACTERS.search(text) is not None


def _markup_line(text: str) -> bool:
    # A loop over the lines: ten times faster than a regular expression looking for "$".
    for line in text.split("\n"):
        if line and (
            line[0] in "-+=#>|"
            or line[0].isspace()
            or line[-1].isspace()
            or (line[0].isdigit() and LIST_NUMBER.match(line))
        ):
            return True
    return False
