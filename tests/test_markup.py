"""Section text to HTML: the shortcut for plain paragraphs gives what Markdown and nh3 give."""

from hypothesis import given, settings
from hypothesis import strategies as st

from places import markup

WORD = st.text(alphabet="abcxyzЖжqé1930'\"().,;:!?%/«»–\xa0", min_size=1, max_size=8)
PLAIN_LINE = st.lists(WORD, min_size=1, max_size=8).map(lambda words: "Steppe " + " ".join(words))
PLAIN_TEXT = st.lists(
    st.tuples(PLAIN_LINE, st.sampled_from(["\n", "\n\n", "\n\n\n"])), min_size=1, max_size=6
).map(lambda lines: "".join(line + end for line, end in lines).rstrip("\n"))
# Anything, with the characters and line starts that mean something to Markdown or HTML.
ANY_TEXT = st.text(
    alphabet="ab1. \n\t-+*_#>=|`[]()!<>&\\\xa0\r\x00\x02Ж\u2003\u3000\x85\u2028\ufeff\x0c:'\"~{}",
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(PLAIN_TEXT)
def test_plain_paragraphs_take_the_shortcut_and_render_as_markdown_does(text):
    if not any(line[:1].isspace() or line[-1:].isspace() for line in text.split("\n")):
        assert markup.plain_paragraphs(text) is not None
    assert markup.render_markdown(text) == markup.markdown_html(text)


@settings(max_examples=1000, deadline=None)
@given(ANY_TEXT)
def test_any_text_renders_as_markdown_and_nh3_render_it(text):
    assert markup.render_markdown(text) == markup.markdown_html(text)


def test_markdown_is_rendered_in_full():
    assert markup.plain_paragraphs("A *museum*.") is None
    assert markup.render_markdown("A *museum*.\n\n- one") == (
        "<p>A <em>museum</em>.</p>\n<ul>\n<li>one</li>\n</ul>"
    )


def test_every_markup_character_of_ascii_text_takes_markdown():
    # ASCII text is searched by bytes.translate, any other by the regular expression.
    for code in range(128):
        text = f"Steppe{chr(code)}camp"
        takes_markdown = markup.MARKUP_CHARACTERS.search(text) is not None
        assert (markup.plain_paragraphs(text) is None) == takes_markdown, repr(chr(code))
        assert markup.render_markdown(text) == markup.markdown_html(text)
