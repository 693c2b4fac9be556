"""The places list: published places chosen by category, kind, country and town, paged in
slug order (the name in one alphabet, whatever its script), with each filter's values
counted for the current selection up to a cap.

Counting every place of a large selection costs a scan of it (tens of milliseconds at a
million places), so the total stops at COUNT_CAP ("1,000+") and each filter value's count at
VALUE_CAP ("100+"). A filter's values are found one index seek each (a "loose index scan"
written as a recursive query, which neither database does on its own), or taken from its
choices (the kind), and each is counted by reading at most VALUE_CAP + 1 entries of an index
that leads with its column: a filter costs one statement, whatever the size of the table.
The values of a filter are counted within the other filters (so that "Museum (12)" says what
choosing it would show), and only the values with places are listed.
"""

from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

from django.db import connection
from django.utils.translation import gettext_lazy as _

COUNT_CAP = 1000
# A filter value's count stops sooner: a page counts up to a hundred values, each through
# the index of its own filter, checking the other filters in the table.
VALUE_CAP = 100
PAGE_SIZE = 20
# The most values one filter lists (in name order), and towns a country page shows at once.
MAX_VALUES = 100
# The URL's filters, in the order links write them (one URL per selection), after the text
# `q` (the places whose names match it, as search finds them: places.folding).
PARAMETERS = ("category", "kind", "country", "town")
URL_PARAMETERS = ("q", *PARAMETERS)
# The column each filter compares; town is the town's slug in the URL, its id in the table.
COLUMNS = {"category": "category", "kind": "kind", "country": "country", "town": "town_id"}


@dataclass(frozen=True)
class Selection:
    """What the visitor chose: filter values (a town as its Place) and where the page starts."""

    category: str = ""
    kind: str = ""
    country: str = ""
    town: object = None
    after: str = field(default="", compare=False)
    q: str = ""

    def filters(self, leave_out=None):
        """{column: value} of the chosen filters, one of them left out."""
        values = {name: self.value(name) for name in PARAMETERS if name != leave_out}
        return {COLUMNS[name]: value for name, value in values.items() if value}

    def value(self, name):
        return self.town.pk if name == "town" and self.town else getattr(self, name)

    @property
    def chosen(self):
        return [name for name in URL_PARAMETERS if getattr(self, name)]

    def query(self, **changes):
        """The query string of this selection from its first page, with some filters (or
        the text q) changed to other texts ("" leaves one out)."""
        texts = {name: self.text(name) for name in URL_PARAMETERS} | changes
        return urlencode([(name, texts[name]) for name in URL_PARAMETERS if texts[name]])

    @property
    def any_name_query(self):
        """The query string of this selection without its text q."""
        return self.query(q="")

    @property
    def hidden_filters(self):
        """[(parameter, text)] of the chosen filters, which the name form sends along."""
        return [(name, self.text(name)) for name in PARAMETERS if self.text(name)]

    def text(self, name):
        return self.town.slug if name == "town" and self.town else getattr(self, name) or ""

    def next_query(self, last):
        after = urlencode({"after": last.slug})
        return f"{self.query()}&{after}" if self.chosen else after


@dataclass(frozen=True)
class Link:
    label: str
    count: int
    query: str
    chosen: bool


@dataclass(frozen=True)
class Filter:
    """One filter as the places list shows it: its values as links with their counts, and
    the link that leaves it out."""

    name: str
    title: str
    any_label: str
    links: list
    chosen_label: str
    any_query: str


# Titles and "leave it out" labels, written whole so that each can be translated.
TITLES = {
    "category": (_("Category"), _("Any category")),
    "kind": (_("Kind"), _("Any kind")),
    "country": (_("Country"), _("Any country")),
    "town": (_("Town or district"), _("Any town or district")),
}


def filters(selection, counts, kind_labels):
    """The Filters of the places list, from the counts of Place.objects.filter_counts."""
    return [one_filter(selection, name, counts[name], kind_labels) for name in PARAMETERS]


def one_filter(selection, name, counts, kind_labels=None):
    """A Filter from [(value, count)], or for towns [(id, name, slug, count)]."""
    labels = kind_labels or {}
    if name == "town":
        values = [(slug, label, count) for _id, label, slug, count in counts]
    else:
        values = [(value, labels.get(value, value), count) for value, count in counts]
    chosen = selection.text(name)
    # Each value's address differs from the others' in that value only: encoded once around it.
    before, after = selection.query(**{name: "\0"}).split(quote_plus("\0"))
    links = [
        Link(label, count, f"{before}{quote_plus(value)}{after}", value == chosen)
        for value, label, count in values
    ]
    chosen_label = selection.town.name if name == "town" and selection.town else chosen
    title, any_label = TITLES[name]
    any_query = selection.query(**{name: ""})
    return Filter(name, title, any_label, links, labels.get(chosen, chosen_label), any_query)


def page_of(places, after):
    """The places after the slug `after`, in slug order: read from the index of the filter."""
    places = places.order_by("slug")
    return places.filter(slug__gt=after) if after else places


def _where(filters, matches=None):
    """SQL ANDing the filters {column: value}, and the places matching the text q (`matches`:
    (SQL of their ids, parameters))."""
    clauses, params = [], []
    for column, value in filters.items():
        clauses.append(f" AND p.{column} = %s")
        params.append(value)
    if matches:
        clauses.append(f" AND p.id IN ({matches[0]})")
        params.extend(matches[1])
    return "".join(clauses), params


def _capped_count(table, where, column, value, hint=""):
    """SQL counting the places whose `column` is `value` (an SQL expression), up to the cap."""
    return (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} AS p{hint} WHERE p.status = %s{where}"
        f" AND p.{column} = {value} LIMIT {VALUE_CAP + 1}) AS c)"
    )


def value_counts(model, status, selection, name, choices=None, matches=None):
    """[(value, count)] of a text filter (category, kind, country) in value order: the values
    of published places (or the given choices), each counted within the selection's other
    filters (and the places `matches` gives for its text, see _where) up to VALUE_CAP + 1;
    values without places left out."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = COLUMNS[name]
    where, where_params = _where(selection.filters(leave_out=name), matches)
    if choices:
        values = f"v(value) AS (VALUES {', '.join(['(%s)'] * len(choices))})"
        values_params = list(choices)
    else:
        # Each step seeks the next value in the index that leads with (status, column).
        values = (
            f"RECURSIVE v(value, n) AS ("
            f" SELECT CAST(MIN({column}) AS TEXT), 1 FROM {table}"
            f" WHERE status = %s AND {column} > ''"
            f" UNION ALL SELECT CAST((SELECT MIN({column}) FROM {table}"
            f" WHERE status = %s AND {column} > v.value) AS TEXT), n + 1"
            f" FROM v WHERE v.value IS NOT NULL AND n < %s)"
        )
        values_params = [status, status, MAX_VALUES]
    sql = (
        f"WITH {values} SELECT value, {_capped_count(table, where, column, 'v.value')}"
        f" FROM v WHERE value IS NOT NULL ORDER BY value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values_params, status, *where_params])
        return [(value, count) for value, count in cursor.fetchall() if count]


def town_counts(model, status, area, selection, country, after="", limit=MAX_VALUES, matches=None):
    """[(id, name, slug, count)] of the published towns and districts of a country in slug
    order, after the slug `after`, each with its places within the selection's other filters
    (and `matches`, see _where), counted up to VALUE_CAP + 1."""
    table = connection.ops.quote_name(model._meta.db_table)
    where, where_params = _where(selection.filters(leave_out="town"), matches)
    # SQLite's statistics cannot tell a town's few places from a country's many when most
    # places have no town (ANALYZE sees one value, NULL), and it would count each town by
    # reading the whole country.
    hint = " INDEXED BY places_place_town_idx" if connection.vendor == "sqlite" else ""
    start = " AND t.slug > %s" if after else ""
    # Read from the index on (status, country, slug, kind) in its order, the kind in it.
    sql = (
        f"SELECT t.id, CAST(t.name AS TEXT), CAST(t.slug AS TEXT),"
        f" {_capped_count(table, where, 'town_id', 't.id', hint)}"
        f" FROM {table} AS t WHERE t.status = %s AND t.kind = %s AND t.country = %s{start}"
        f" ORDER BY t.slug LIMIT %s"
    )
    params = [status, *where_params, status, area, country, *([after] if after else []), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
