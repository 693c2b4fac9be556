"""What a section's text costs: Markdown rendering (on save) and sanitising (on every output).

Not a test. Run from the repository root:  .venv/bin/python bench/markup.py
Prints the median time per section, over the demo's section texts, in microseconds.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import markdown
import nh3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from places import markup  # noqa: E402

ROUNDS = 200


def per_call_us(function, texts):
    """The median over ROUNDS of the mean time of one call over all texts."""
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for text in texts:
            function(text)
        samples.append((time.perf_counter() - started) / len(texts))
    return statistics.median(samples) * 1e6


def render_with_a_new_converter(text):
    """How sections were rendered before: a converter and a cleaner built for each call."""
    html = markdown.markdown(
        text, extensions=["toc"], extension_configs={"toc": {"baselevel": 3}}, output_format="html"
    )
    return nh3.clean(
        html,
        tags=markup.ALLOWED_TAGS,
        attributes=markup.ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


def main():
    texts = json.loads((ROOT / "places/demo/texts.json").read_text(encoding="utf-8"))
    bodies = [body for sections in texts.values() for body in sections.values()]
    rendered = [markup.render_markdown(body) for body in bodies]
    assert rendered == [render_with_a_new_converter(body) for body in bodies]
    assert rendered == [markup.markdown_html(body) for body in bodies]
    mean_chars = statistics.mean(len(body) for body in bodies)
    plain = sum(markup.plain_paragraphs(body) is not None for body in bodies)
    print(f"{len(bodies)} demo sections, {mean_chars:.0f} characters on average, {plain} plain")
    old = per_call_us(render_with_a_new_converter, bodies)
    new = per_call_us(markup.markdown_html, bodies)
    print(f"Markdown, new converter each call: {old:7.1f} µs a section")
    print(f"Markdown, reused converter:        {new:7.1f} µs a section ({old / new:.1f}× faster)")
    both = per_call_us(markup.render_markdown, bodies)
    print(f"render_markdown (plain shortcut):  {both:7.1f} µs a section")
    print(f"sanitise stored HTML (output):     {per_call_us(markup.sanitise, rendered):7.1f} µs")


if __name__ == "__main__":
    main()
