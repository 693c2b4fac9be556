"""Reading gettext catalogues (.po files) without a library: enough for the checks of
tests/test_languages.py."""

import ast
from dataclasses import dataclass


@dataclass
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    translations: list
    fuzzy: bool


def entries(path):
    """The live entries of a .po file, the header (msgid "") included; obsolete ones left out."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, current, flags = {}, None, ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                current, quoted = line.split(" ", 1)
                fields[current] = ast.literal_eval(quoted)
        if "msgid" not in fields:
            continue
        translations = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        yield Entry(
            fields.get("msgctxt"),
            fields["msgid"],
            fields.get("msgid_plural"),
            translations,
            "fuzzy" in flags,
        )


def unfinished(path):
    """The msgids of a catalogue that are fuzzy or lack a translation (any plural form)."""
    return [e.msgid for e in entries(path) if e.fuzzy or not all(e.translations)]
