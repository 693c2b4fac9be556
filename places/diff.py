"""Word-level differences between two versions of a text, as escaped HTML with <del>/<ins>.

Pure: no Django. Contributor text is never trusted: every piece of either text is escaped
here, so that the HTML returned is safe to show as it is.
"""

import difflib
import re
from html import escape

# Words (letters and digits of any script), runs of white space, and each other character:
# a changed comma marks the comma, not the word before it.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return TOKENS.findall(text)


def word_diff(old: str, new: str) -> str:
    """`new` as escaped HTML, with the words removed since `old` in <del> and those added in
    <ins>, in reading order (a replaced word: its <del> before its <ins>)."""
    before, after = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    parts = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(before[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(after[j1:j2]))}</ins>")
    return "".join(parts)


def changes(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """[(label, word_diff)] of each text that differs between two versions, each a
    {label: text} (a text missing from one is empty there), in the new version's order and
    then the labels only the old one has."""
    labels = [*new, *(label for label in old if label not in new)]
    return [
        (label, word_diff(old.get(label, ""), new.get(label, "")))
        for label in labels
        if old.get(label, "") != new.get(label, "")
    ]
