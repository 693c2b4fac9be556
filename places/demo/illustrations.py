"""The demo's pictures: simple scenes, plans and a map drawn with Pillow, no Django.

They are illustrations made for this project, not photographs, and say so: each carries the
word "Illustration" in a corner and in its caption. Drawing is deterministic (fixed sizes,
seeded randomness, Pillow's own font), so the same code gives the same picture.
"""

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 800
CREDIT = "Places guide project"
LICENCE = "CC-BY-4.0"
KM_PER_DEGREE = 111.195  # along a meridian, mean Earth radius

SKY = (214, 230, 240)
STEPPE = (205, 190, 140)
STEPPE_DARK = (176, 160, 110)
WATER = (90, 140, 180)
WATER_LIGHT = (140, 180, 210)
INK = (40, 44, 52)
PAPER = (251, 250, 247)
GREEN = (11, 110, 79)
TREE = (70, 120, 70)
BRICK = (176, 96, 72)


@dataclass(frozen=True, slots=True)
class Illustration:
    """One demo picture of a place: how to draw it (given the demo's places) and its texts."""

    slug: str
    position: int
    draw: Callable[[list[dict]], Image.Image]
    alt_text: str
    caption: str


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _canvas(top=SKY, bottom=STEPPE, horizon=0.62):
    image = Image.new("RGB", (WIDTH, HEIGHT), top)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(HEIGHT * horizon), WIDTH, HEIGHT), fill=bottom)
    return image, draw


def _label(draw: ImageDraw.ImageDraw, title: str) -> None:
    """The word "Illustration" and the picture's title, on a band at the foot."""
    draw.rectangle((0, HEIGHT - 56, WIDTH, HEIGHT), fill=PAPER)
    draw.text((24, HEIGHT - 44), "Illustration", font=font(30), fill=GREEN)
    draw.text((220, HEIGHT - 42), title, font=font(28), fill=INK)


def _grass(draw, seed, top, colour=STEPPE_DARK, count=260):
    rng = random.Random(seed)
    for _ in range(count):
        x, y = rng.uniform(0, WIDTH), rng.uniform(top, HEIGHT - 60)
        length = 6 + (y - top) / 30
        draw.line((x, y, x + rng.uniform(-3, 3), y - length), fill=colour, width=2)


def _clouds(draw, seed):
    rng = random.Random(seed)
    for _ in range(4):
        x, y = rng.uniform(60, WIDTH - 200), rng.uniform(40, 200)
        for dx, dy, r in ((0, 10, 34), (40, 0, 44), (86, 12, 32)):
            draw.ellipse((x + dx - r, y + dy - r, x + dx + r, y + dy + r), fill=(244, 247, 250))


def museum_facade(places):
    image, draw = _canvas()
    _clouds(draw, 1)
    ground = int(HEIGHT * 0.62)
    left, right, top = 230, 970, 250
    draw.rectangle((left, top, right, ground), fill=(226, 214, 190), outline=INK, width=3)
    draw.polygon(((left - 20, top), (600, 150), (right + 20, top)), fill=BRICK, outline=INK)
    draw.rectangle((left - 10, top - 8, right + 10, top + 8), fill=(200, 188, 166), outline=INK)
    for row, y in enumerate((290, 380)):
        for column in range(8):
            x = left + 40 + column * 88
            if row == 1 and column in (3, 4):
                continue
            draw.rectangle((x, y, x + 44, y + 62), fill=(92, 110, 130), outline=INK, width=2)
    for x in range(470, 731, 52):  # columns of the porch
        draw.rectangle((x, 360, x + 16, ground), fill=(240, 234, 220), outline=INK)
    draw.rectangle((452, 344, 748, 360), fill=(200, 188, 166), outline=INK)
    draw.rectangle((570, 400, 630, ground), fill=(90, 62, 48), outline=INK, width=2)
    for step in range(3):
        draw.rectangle(
            (440 - step * 14, ground + step * 10, 760 + step * 14, ground + 10 + step * 10),
            fill=(190, 182, 170),
            outline=INK,
        )
    _grass(draw, 2, ground + 40)
    _label(draw, "A two-storey museum building on the steppe")
    return image


def location_map(places, centre_slug="karlag-museum"):
    """The demo's places on a plain map, drawn from their coordinates (north up, to scale)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    lats = [p["latitude"] for p in places]
    lons = [p["longitude"] for p in places]
    mid_lat = (min(lats) + max(lats)) / 2
    shrink = math.cos(math.radians(mid_lat))  # a degree of longitude is shorter
    span_x, span_y = (max(lons) - min(lons)) * shrink, max(lats) - min(lats)
    margin, band = 90, 56
    scale = min((WIDTH - 2 * margin) / span_x, (HEIGHT - band - 2 * margin) / span_y)
    left = (WIDTH - span_x * scale) / 2
    top = (HEIGHT - band - span_y * scale) / 2

    def point(place):
        x = left + (place["longitude"] - min(lons)) * shrink * scale
        y = top + (max(lats) - place["latitude"]) * scale
        return x, y

    for step in range(0, WIDTH, 60):  # a light grid
        draw.line((step, 0, step, HEIGHT), fill=(226, 221, 206))
    for step in range(0, HEIGHT, 60):
        draw.line((0, step, WIDTH, step), fill=(226, 221, 206))
    centre = next(p for p in places if p["slug"] == centre_slug)
    cx, cy = point(centre)
    sights = [p for p in places if p["kind"] != "area" and p is not centre]
    for place in sights:  # the lines first, under every mark and name
        draw.line((cx, cy, *point(place)), fill=(210, 200, 180), width=1)
    for place in sights:
        x, y = point(place)
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=WATER, outline=INK)
    for place in places:
        if place["kind"] == "area":
            x, y = point(place)
            draw.rectangle((x - 9, y - 9, x + 9, y + 9), fill=(120, 120, 130), outline=INK)
            name = place.get("short_name") or place["name"].split()[0]
            draw.rectangle((x + 12, y - 12, x + 18 + len(name) * 12, y + 14), fill=(236, 232, 220))
            draw.text((x + 14, y - 12), name, font=font(24), fill=INK)
    draw.ellipse((cx - 14, cy - 14, cx + 14, cy + 14), fill=BRICK, outline=INK, width=3)
    draw.text((cx + 20, cy - 8), centre["name"], font=font(28), fill=INK)
    # A scale bar of 10 km and a north arrow.
    bar = 10 / KM_PER_DEGREE * scale
    y = HEIGHT - band - 40
    draw.line((40, y, 40 + bar, y), fill=INK, width=4)
    draw.text((40, y - 34), "10 km", font=font(24), fill=INK)
    draw.polygon(((WIDTH - 60, 40), (WIDTH - 76, 84), (WIDTH - 44, 84)), fill=INK)
    draw.text((WIDTH - 68, 88), "N", font=font(24), fill=INK)
    _label(draw, "The demo places: sights (circles) and towns (squares)")
    return image


def timeline(places):
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    y = 360
    draw.line((100, y, 1100, y), fill=INK, width=6)
    events = (
        (180, "early 1930s", "Karlag is set up;", "Dolinka is its centre"),
        (640, "after the camps", "the building has", "other uses"),
        (1000, "2001", "the KarLag Museum", "opens here"),
    )
    for x, when, first, second in events:
        draw.ellipse((x - 18, y - 18, x + 18, y + 18), fill=BRICK, outline=INK, width=3)
        draw.text((x - 80, y - 90), when, font=font(34), fill=INK)
        draw.text((x - 80, y + 40), first, font=font(26), fill=INK)
        draw.text((x - 80, y + 74), second, font=font(26), fill=INK)
    draw.text((100, 120), "Karlag and its museum", font=font(44), fill=GREEN)
    _label(draw, "A timeline from the texts of this guide")
    return image


def reservoir(places, seed=3, dam=False):
    image, draw = _canvas(horizon=0.42)
    _clouds(draw, seed)
    horizon = int(HEIGHT * 0.42)
    draw.polygon(  # low hills on the far shore
        [(0, horizon)]
        + [(x, horizon - 18 - 14 * math.sin(x / 90 + seed)) for x in range(0, WIDTH + 1, 40)]
        + [(WIDTH, horizon)],
        fill=STEPPE_DARK,
    )
    draw.rectangle((0, horizon, WIDTH, 560), fill=WATER)
    rng = random.Random(seed)
    for _ in range(70):  # ripples
        x, y = rng.uniform(0, WIDTH), rng.uniform(horizon + 10, 550)
        draw.line((x, y, x + rng.uniform(20, 60), y), fill=WATER_LIGHT, width=2)
    if dam:
        draw.polygon(((0, 520), (WIDTH, 470), (WIDTH, 520), (0, 575)), fill=(150, 150, 150))
    _grass(draw, seed, 575)
    _label(draw, "A reservoir with the steppe beyond" + (" and a dam" if dam else ""))
    return image


def stadium_plan(places, name="A stadium seen from above"):
    image = Image.new("RGB", (WIDTH, HEIGHT), (222, 218, 206))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((120, 80, 1080, 680), radius=280, fill=(150, 150, 160), outline=INK)
    draw.rounded_rectangle((200, 150, 1000, 610), radius=220, fill=BRICK, outline=INK, width=2)
    draw.rounded_rectangle((260, 200, 940, 560), radius=170, fill=(72, 140, 72), outline=PAPER)
    draw.rectangle((330, 230, 870, 530), outline=PAPER, width=4)  # the pitch
    draw.line((600, 230, 600, 530), fill=PAPER, width=4)
    draw.ellipse((545, 325, 655, 435), outline=PAPER, width=4)
    draw.rectangle((330, 300, 420, 460), outline=PAPER, width=4)  # the penalty areas
    draw.rectangle((780, 300, 870, 460), outline=PAPER, width=4)
    for lane in range(1, 4):
        inset = 200 + lane * 15
        draw.rounded_rectangle(
            (inset, 150 + lane * 15, 1200 - inset, 610 - lane * 15),
            radius=220 - lane * 15,
            outline=(230, 200, 190),
        )
    _label(draw, name)
    return image


def park_plan(places):
    image = Image.new("RGB", (WIDTH, HEIGHT), (200, 220, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse((620, 300, 1000, 560), fill=WATER, outline=INK)  # the pond
    draw.line((0, 420, 620, 430), fill=(225, 210, 170), width=22)
    draw.line((300, 0, 330, 744), fill=(225, 210, 170), width=22)
    draw.arc((560, 250, 1060, 610), 0, 360, fill=(225, 210, 170), width=16)
    rng = random.Random(7)
    for _ in range(90):
        x, y = rng.uniform(20, WIDTH - 20), rng.uniform(20, HEIGHT - 80)
        if 600 < x < 1020 and 280 < y < 580:
            continue
        r = rng.uniform(12, 26)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=TREE, outline=(50, 90, 50))
    _label(draw, "A park seen from above: paths, trees and a pond")
    return image


def canal(places):
    image, draw = _canvas(horizon=0.45)
    _clouds(draw, 11)
    vanish = (600, int(HEIGHT * 0.45))
    draw.polygon((vanish, (vanish[0] + 6, vanish[1]), (1000, 744), (200, 744)), fill=WATER)
    draw.line((vanish, (200, 744)), fill=STEPPE_DARK, width=8)
    draw.line(((vanish[0] + 6, vanish[1]), (1000, 744)), fill=STEPPE_DARK, width=8)
    for step in range(1, 12):  # ripples, closer together towards the horizon
        t = (step / 12) ** 2
        y = vanish[1] + t * (744 - vanish[1])
        half = 3 + t * 400
        draw.line((600 - half * 0.5, y, 600 + half * 0.4, y), fill=WATER_LIGHT, width=2)
    _grass(draw, 12, int(HEIGHT * 0.45) + 20)
    _label(draw, "A straight canal crossing the flat steppe")
    return image


def plant(places):
    image, draw = _canvas(top=(200, 210, 220), bottom=(150, 140, 120), horizon=0.7)
    ground = int(HEIGHT * 0.7)
    rng = random.Random(5)
    for x in (160, 260, 820, 900, 980):  # chimneys with smoke
        draw.rectangle((x, 180, x + 36, ground), fill=(120, 90, 80), outline=INK)
        for puff in range(5):
            r = 20 + puff * 8
            px, py = x + 18 + puff * 30 + rng.uniform(-6, 6), 160 - puff * 26
            draw.ellipse((px - r, py - r, px + r, py + r), fill=(226, 226, 226))
    draw.rectangle((80, 380, 560, ground), fill=(110, 110, 120), outline=INK, width=2)
    draw.rectangle((560, 300, 1120, ground), fill=(95, 100, 112), outline=INK, width=2)
    for x in range(600, 1100, 70):
        draw.rectangle((x, 340, x + 40, 400), fill=(230, 180, 80), outline=INK)
    for x in range(110, 540, 70):
        draw.rectangle((x, 420, x + 40, 470), fill=(230, 180, 80), outline=INK)
    _label(draw, "Blast furnaces, chimneys and workshops of a steel plant")
    return image


def railway(places):
    image, draw = _canvas(horizon=0.5)
    _clouds(draw, 21)
    track = 560
    draw.line((0, track, WIDTH, track), fill=(110, 90, 70), width=8)
    for x in range(0, WIDTH, 40):
        draw.line((x, track - 6, x, track + 14), fill=(110, 90, 70), width=6)
    # a small locomotive and two carriages
    draw.rectangle((160, 440, 400, 540), fill=(30, 90, 150), outline=INK, width=3)
    draw.rectangle((300, 380, 400, 440), fill=(30, 90, 150), outline=INK, width=3)
    draw.rectangle((190, 400, 220, 440), fill=INK)
    for x0 in (440, 700):
        draw.rectangle((x0, 450, x0 + 230, 540), fill=BRICK, outline=INK, width=3)
        for w in range(x0 + 20, x0 + 220, 60):
            draw.rectangle((w, 470, w + 40, 505), fill=SKY, outline=INK)
    for x in (200, 280, 360, 480, 630, 740, 890):
        draw.ellipse((x - 22, 528, x + 22, 572), fill=INK)
    _grass(draw, 22, 600)
    _label(draw, "A small train on a narrow-gauge line in a park")
    return image


ILLUSTRATIONS = (
    Illustration(
        "karlag-museum",
        0,
        museum_facade,
        "A drawing of a two-storey building with a porch of white columns, a red roof and "
        "rows of windows, standing on flat grassy steppe under a pale sky.",
        "Illustration: a stylised museum building on the steppe, drawn for this guide "
        "(not a likeness of the building).",
    ),
    Illustration(
        "karlag-museum",
        1,
        location_map,
        "A map drawn from the demo places' coordinates: the KarLag Museum in the south-west "
        "near Shakhtinsk and Sorang, most sights clustered around Karaganda to the north-east.",
        "Illustration: the demo places around the KarLag Museum, drawn from their coordinates.",
    ),
    Illustration(
        "karlag-museum",
        2,
        timeline,
        "A timeline with three points: early 1930s, Karlag is set up with Dolinka as its "
        "centre; after the camps, the building has other uses; 2001, the KarLag Museum opens.",
        "Illustration: a timeline of Karlag and its museum, from the texts of this guide.",
    ),
    Illustration(
        "fyodorovka-reservoir",
        0,
        reservoir,
        "A drawing of a wide blue reservoir with low brown hills on the far shore and "
        "steppe grass in the foreground.",
        "Illustration: a reservoir with the steppe horizon beyond, drawn for this guide.",
    ),
    Illustration(
        "sherubainura-reservoir",
        0,
        lambda places: reservoir(places, seed=8, dam=True),
        "A drawing of a reservoir held by a long grey dam, low hills behind and steppe "
        "grass in front.",
        "Illustration: a steppe reservoir and its dam, drawn for this guide.",
    ),
    Illustration(
        "shakhtyor-stadium",
        0,
        stadium_plan,
        "A plan of a football stadium seen from above: a green pitch with its white lines, "
        "a red running track around it and grey stands.",
        "Illustration: a stadium seen from above, drawn as a plan for this guide.",
    ),
    Illustration(
        "metallurg-stadium",
        0,
        stadium_plan,
        "A plan of a stadium seen from above: a green football pitch inside a red running "
        "track and grey stands.",
        "Illustration: a stadium plan, drawn for this guide (not the stadium's own layout).",
    ),
    Illustration(
        "central-park",
        0,
        park_plan,
        "A plan of a park seen from above: two straight paths, a loop around a round blue "
        "pond, and many trees as green circles.",
        "Illustration: a park with paths, trees and a pond, drawn as a plan for this guide.",
    ),
    Illustration(
        "irtysh-karaganda-canal",
        0,
        canal,
        "A drawing of a straight canal of blue water running to the horizon across flat, "
        "grassy steppe.",
        "Illustration: a canal crossing the steppe, drawn for this guide.",
    ),
    Illustration(
        "qaragandy-metallurgical-plant",
        0,
        plant,
        "A drawing of an industrial plant: long grey workshops with lit windows and five "
        "tall chimneys giving off white smoke.",
        "Illustration: a steel plant's workshops and chimneys, drawn for this guide.",
    ),
    Illustration(
        "childrens-railway-karaganda",
        0,
        railway,
        "A drawing of a small blue locomotive pulling two red carriages along a narrow "
        "track through grass.",
        "Illustration: a small train of a children's railway, drawn for this guide.",
    ),
)
