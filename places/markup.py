"""Contributor text to safe HTML: Markdown rendered once, on save, then sanitised with nh3."""

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """HTML for a section body; anything outside the allowed tags is stripped or escaped."""
    # Section headings are <h2>, so a contributor's "# Heading" becomes <h3>, never an <h1>.
    html = markdown.markdown(
        text, extensions=["toc"], extension_configs={"toc": {"baselevel": 3}}, output_format="html"
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
