"""Kazakh writes numbers as Russian does: "7,3 км", "1 000"."""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
