"""Word-level differences between two versions of a text (places/diff.py, pure)."""

from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from places.diff import changes, word_diff


def test_an_added_word_is_inserted_where_it_stands():
    assert word_diff("A museum.", "A small museum.") == "A<ins> small</ins> museum."


def test_a_replaced_word_is_deleted_then_inserted():
    assert (
        word_diff("In Kazakhstan", "In Qazaqstan") == "In <del>Kazakhstan</del><ins>Qazaqstan</ins>"
    )


def test_punctuation_changes_alone_are_marked_alone():
    assert word_diff("Open daily.", "Open daily!") == "Open daily<del>.</del><ins>!</ins>"


def test_words_of_any_script_are_words():
    assert (
        word_diff("Музей степи", "Музей Караганды") == "Музей <del>степи</del><ins>Караганды</ins>"
    )


def test_contributor_text_is_escaped_in_and_out_of_the_marks():
    shown = word_diff("<b>old</b> & co", "<b>new</b> & co")

    assert shown == "&lt;b&gt;<del>old</del><ins>new</ins>&lt;/b&gt; &amp; co"


def test_changes_lists_only_the_texts_that_differ_in_order():
    old = {"Name": "Museum", "Country": "Kazakhstan", "Other names": "Музей"}
    new = {"Name": "Museum", "Country": "Qazaqstan", "Section": "New text."}

    assert changes(old, new) == [
        ("Country", "<del>Kazakhstan</del><ins>Qazaqstan</ins>"),
        ("Section", "<ins>New text.</ins>"),
        ("Other names", "<del>Музей</del>"),
    ]


TEXT = st.text(alphabet=st.sampled_from("ab <>&\"' \n.Жж"), max_size=30)


@given(TEXT, TEXT)
def test_the_diff_reads_as_the_new_text_without_deletions_and_the_old_without_insertions(old, new):
    shown = word_diff(old, new)

    without_deleted = shown
    while "<del>" in without_deleted:
        start = without_deleted.index("<del>")
        without_deleted = (
            without_deleted[:start] + without_deleted[without_deleted.index("</del>", start) + 6 :]
        )
    assert unescape(without_deleted.replace("<ins>", "").replace("</ins>", "")) == new
    assert "<" not in shown.replace("<del>", "").replace("</del>", "").replace("<ins>", "").replace(
        "</ins>", ""
    )
