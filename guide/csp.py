"""Pure: the Content-Security-Policy header's text, and the origin a tile URL template names."""

from urllib.parse import urlsplit


def header(policy):
    """The header's value: {"img-src": ["'self'", "data:"], "sandbox": []} gives
    "img-src 'self' data:; sandbox". Directives keep their order."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def tile_sources(template):
    """The CSP sources that let a page load the tiles of a Leaflet URL template: its origin,
    or none when the tiles are the site's own ("/tiles/{z}/{x}/{y}.png", under 'self').

    Leaflet fills {s} with a subdomain ("a", "b", "c"), and a policy's host may only start
    with a wildcard, so the labels up to the last placeholder become one:
    "https://{s}.tile.example.org/{z}/{x}/{y}.png" gives "https://*.tile.example.org"."""
    parts = urlsplit(template)
    if not parts.netloc:
        return []
    labels = parts.netloc.rsplit("@", 1)[-1].split(".")  # never a user name in a policy
    placeholders = [i for i, label in enumerate(labels) if "{" in label]
    if placeholders:
        labels = ["*", *labels[placeholders[-1] + 1 :]]
    scheme = f"{parts.scheme}://" if parts.scheme else ""  # "//host/…": the page's scheme
    return [scheme + ".".join(labels)]
