"""How long preparing an uploaded photo takes (places.images.prepare: checks, re-encoding,
six variants) and its peak memory, by photo size: prints figures.

Not a test. Run from the repository root:
    .venv/bin/python bench/photos.py [--megapixels 2 12 40]
The photo (a JPEG of quality 90 made of smooth shapes and noise, as a camera's photo is) is
made first, then prepared in a process of its own, so that the peak resident memory (RSS)
measured is the interpreter's and prepare()'s alone.
"""

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def photo(megapixels: float) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter

    width = round((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = round(width * 3 / 4)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 7919) % width, (i * 104729) % height
        r = width // (6 + i % 5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(i * 37 % 256, i * 91 % 256, 120))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(2)), noise, 0.15)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def measure(path: str) -> None:
    """In a child process: time prepare() on the photo in this file."""
    sys.path.insert(0, str(ROOT))
    from places import images

    data = Path(path).read_bytes()
    megapixels = round(images.dimensions(io.BytesIO(data))[0] ** 2 * 3 / 4 / 1e6)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    prepared = images.prepare(data, max_pixels=100_000_000)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stored = len(prepared.data) + sum(len(v.data) for v in prepared.variants)
    print(
        f"{megapixels:>5g} MP  {prepared.width}×{prepared.height}  upload {len(data) / 1e6:5.1f} MB"
        f"  prepare {seconds:5.2f} s  stored {stored / 1e6:5.1f} MB in"
        f" {1 + len(prepared.variants)} files  peak RSS {peak / 1024:5.0f} MB"
        f" (before prepare {before / 1024:4.0f} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, nargs="+", default=[2, 12, 40])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.child)
        return
    if args.make:
        Path(args.make[0]).write_bytes(photo(float(args.make[1])))
        return
    print(f"Python {sys.version.split()[0]}; one process per size")
    with tempfile.TemporaryDirectory() as folder:
        for megapixels in args.megapixels:
            path = Path(folder) / f"{megapixels:g}.jpg"
            # Made in a process of its own too: Linux passes a parent's peak RSS on to the
            # processes it starts.
            make = [sys.executable, __file__, "--make", str(path), str(megapixels)]
            subprocess.run(make, check=True)
            subprocess.run([sys.executable, __file__, "--child", str(path)], check=True)


if __name__ == "__main__":
    main()
