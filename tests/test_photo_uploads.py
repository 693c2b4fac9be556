"""Photos uploaded through the admin: only JPEG, PNG and WebP images, checked by their content,
re-encoded without metadata under names of ours, in responsive variants, written when the
form's transaction commits and removed with their photo; served with DEBUG off.

Every file is made here with Pillow or as bytes. Transactional tests: the files are written
(and removed) when a transaction commits, which the ordinary test transaction never does.
"""

import io
import json
import random
import re
import shutil
import struct
import zlib

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.template.loader import render_to_string
from PIL import Image, ImageCms, ImageFile, PngImagePlugin

from places import images
from places.models import Photo, Place
from tests.pages import head, text
from tests.test_admin import ADD_URL, current_form, new_place_form

pytestmark = pytest.mark.django_db(transaction=True)

ACCEPTED = "Upload a JPEG, PNG or WebP image."
NOT_ACCEPTED = "other formats (SVG, PDF, TIFF, PSD, GIF, HTML, text…) are not accepted"
SECRET = b"secret-marker"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- Files, made here -----------------------------------------------------------------------


def encoded(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def picture(size=(40, 30)):
    """An image with two halves, left red and right blue, to see which way it was turned."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "secret-marker camera"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (49.0, 40.0, 44.4)  # latitude 49° 40′ 44.4″ N
    gps[3], gps[4] = "E", (72.0, 41.0, 7.8)
    return exif


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-marker</x:xmpmeta>'
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def photo_with_metadata(fmt, size=(40, 30), orientation=1):
    """A photo carrying EXIF (GPS position, orientation, camera), XMP, an ICC profile, and
    for JPEG a comment, for PNG a text chunk."""
    params = {"exif": exif_with_gps(orientation), "icc_profile": SRGB_ICC}
    if fmt == "JPEG":
        params |= {"comment": SECRET, "xmp": XMP}
    elif fmt == "WEBP":
        params |= {"xmp": XMP}
    else:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        info.add_text("Comment", SECRET.decode())
        params |= {"pnginfo": info}
    data = encoded(picture(size), fmt, **params)
    opened = Image.open(io.BytesIO(data))
    assert opened.getexif().get_ifd(GPS_IFD) and SECRET in data  # it does carry them
    return data


def png_claiming(width, height):
    """A PNG of a few hundred bytes whose header claims width × height pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def psd():
    """A 4 × 4 RGB Photoshop file, which Pillow reads (and we refuse)."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 4, 4, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, resources, layers
    return header + sections + struct.pack(">H", 0) + b"\x80" * 48


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"/>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def other_files():
    """(upload name, bytes, what Pillow makes of it without an allow-list)."""
    small = picture()
    return [
        ("drawing.svg", SVG, None),
        ("layers.psd", psd(), "PSD"),
        ("print.eps", encoded(small, "EPS"), "EPS"),
        ("scan.tiff", encoded(small, "TIFF"), "TIFF"),
        ("scan.jpg", encoded(small, "TIFF"), "TIFF"),  # a TIFF named .jpg
        ("document.pdf", encoded(small, "PDF"), None),
        ("animation.gif", encoded(small, "GIF"), "GIF"),
        ("icon.xbm", encoded(small.convert("1"), "XBM"), "XBM"),
        ("page.html", HTML, None),
        ("photo.jpg", b"This is a text file, not a photo.\n", None),  # text renamed .jpg
    ]


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


# --- Posting and looking ----------------------------------------------------------------------


def post_new_place(client, image, place=None, **photo):
    fields = {"alt_text": "The museum's entrance", "position": "0", **photo}
    form = new_place_form(
        **(place or {}),
        **{"photos-TOTAL_FORMS": "1", "photos-0-image": image},
        **{f"photos-0-{name}": value for name, value in fields.items()},
    )
    return client.post(ADD_URL, form)


def media_files():
    """Every file under MEDIA_ROOT (a temporary folder in the tests), by relative path."""
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def page(client, slug="karaganda-ecological-museum"):
    return client.get(f"/places/{slug}/").content.decode()


def photo_element(content):
    """The lead photo's <picture> element of a page, or None."""
    found = re.search(r"<picture>.*?</picture>", content, re.S)
    return found and found[0]


def assert_nothing_left_behind():
    assert not Place.objects.exists()
    assert not Photo.objects.exists()
    assert media_files() == []


def assert_no_metadata(stored):
    data = default_storage.open(stored).read()
    opened = Image.open(io.BytesIO(data))
    assert not opened.getexif(), stored  # no EXIF at all: no GPS, orientation, camera
    assert not {"exif", "xmp", "icc_profile", "comment", "Comment", "XML:com.adobe.xmp"} & set(
        opened.info
    ), stored
    for marker in (SECRET, b"Exif\0\0", b"xmpmeta", b"adobe:ns:meta", b"acsp"):
        assert marker not in data, (stored, marker)


# --- Only images, checked by their content --------------------------------------------------


@pytest.mark.parametrize(("name", "data", "pillow_reads"), other_files())
def test_other_formats_are_refused_whatever_their_name(
    contributor_client, name, data, pillow_reads
):
    if pillow_reads:  # a file Pillow would open, were it not for the allow-list
        assert Image.open(io.BytesIO(data)).format == pillow_reads

    response = post_new_place(contributor_client, upload(data, name))

    assert response.status_code == 200
    message = text(response.content.decode())
    assert f"{ACCEPTED} This file is not one: {NOT_ACCEPTED}, whatever their name." in message
    assert_nothing_left_behind()


def test_a_file_larger_than_the_setting_is_refused(contributor_client, settings):
    settings.PLACES_PHOTO_MAX_BYTES = 10_000
    noise = Image.frombytes("RGB", (100, 100), random.Random(1).randbytes(30_000))
    data = encoded(noise, "PNG")
    assert len(data) > 10_000

    response = post_new_place(contributor_client, upload(data, "noise.png"))

    assert response.status_code == 200
    assert "more than the 9.8 KB accepted. " + ACCEPTED in text(response.content.decode())
    assert_nothing_left_behind()


def test_an_image_with_more_pixels_than_the_setting_is_refused(contributor_client, settings):
    settings.PLACES_PHOTO_MAX_PIXELS = 1000

    response = post_new_place(contributor_client, upload(encoded(picture(), "PNG")))

    expected = "This image is 40 × 30 pixels, more than the 0.001 megapixels accepted."
    assert f"{expected} {ACCEPTED}" in text(response.content.decode())
    assert_nothing_left_behind()


@pytest.mark.parametrize("limit", [40_000_000, 10**10])
def test_a_decompression_bomb_is_refused_without_decoding_it(
    contributor_client, settings, monkeypatch, limit
):
    # Beyond our limit, or within it but beyond Pillow's own (DecompressionBombError).
    settings.PLACES_PHOTO_MAX_PIXELS = limit
    bomb = png_claiming(60_000, 60_000)
    assert len(bomb) < 1000

    def decode(image):
        raise AssertionError("decoded")  # would read 10 GB of pixels

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)

    response = post_new_place(contributor_client, upload(bomb, "small.png"))

    assert "megapixels accepted. " + ACCEPTED in text(response.content.decode())
    assert_nothing_left_behind()


def test_pillows_decompression_bomb_warning_is_an_error(contributor_client, monkeypatch):
    # Pillow warns between MAX_IMAGE_PIXELS and twice that, and would go on decoding.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40 × 30 = 1,200 pixels

    response = post_new_place(contributor_client, upload(encoded(picture(), "PNG")))

    assert "This image has more than the 40 megapixels accepted." in text(response.content.decode())
    assert_nothing_left_behind()


def test_a_damaged_image_is_refused(contributor_client):
    data = encoded(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")

    response = post_new_place(contributor_client, upload(data[: len(data) // 2]))

    assert response.status_code == 200
    assert (
        "This file could not be read as an image: it may be damaged or cut short. " + ACCEPTED
    ) in text(response.content.decode())
    assert_nothing_left_behind()


def test_a_bad_photo_on_an_existing_place_changes_nothing(contributor_client):
    assert post_new_place(contributor_client, upload(encoded(picture(), "PNG"))).status_code == 302
    place, photo = Place.objects.get(), Photo.objects.get()
    before = media_files()
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))

    response = contributor_client.post(
        url, {**form, "photos-0-image": upload(HTML, "photo.png"), "photos-0-caption": "New"}
    )

    assert response.status_code == 200
    assert NOT_ACCEPTED in text(response.content.decode())
    assert list(Photo.objects.values_list("pk", "image", "caption")) == [
        (photo.pk, photo.image.name, "")
    ]
    assert media_files() == before


# --- Re-encoded by us -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_no_stored_file_keeps_exif_gps_xmp_icc_or_comments(contributor_client, client, fmt):
    data = photo_with_metadata(fmt, size=(1000, 600))

    assert (
        post_new_place(contributor_client, upload(data, f"photo.{fmt.lower()}")).status_code == 302
    )

    photo = Photo.objects.get()
    stored = media_files()
    assert len(stored) == 1 + 3 * 2  # the master, then 480, 960, 1000 px in WebP and JPEG
    for name in stored:
        assert_no_metadata(name)
        assert client.get(f"/media/{name}").status_code == 200  # every one is served
    assert f"photos/{photo.image.name.split('/', 1)[1]}" in stored


def test_the_exif_orientation_is_applied_then_dropped(contributor_client):
    # Orientation 6: the camera was turned; the picture is shown turned 90° clockwise.
    data = photo_with_metadata("JPEG", size=(400, 200), orientation=6)

    post_new_place(contributor_client, upload(data))

    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (200, 400)
    stored = Image.open(default_storage.open(photo.image.name))
    assert stored.size == (200, 400)
    assert ORIENTATION not in stored.getexif()
    # The left half (red) is now on top.
    assert stored.convert("RGB").getpixel((100, 20))[0] > 200
    assert stored.convert("RGB").getpixel((100, 380))[2] > 200


def icc_profile(red, green, blue):
    """A small ICC v2 RGB profile with these primaries (XYZ, D50) and a gamma of 2.2."""

    def fixed(value):
        return struct.pack(">i", round(value * 65536))

    def xyz(x, y, z):
        return b"XYZ \0\0\0\0" + fixed(x) + fixed(y) + fixed(z)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(*red)),
        (b"gXYZ", xyz(*green)),
        (b"bXYZ", xyz(*blue)),
        *((name, gamma) for name in (b"rTRC", b"gTRC", b"bTRC")),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = data = b""
    for name, body in tags:
        table += name + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I4xI", offset + len(data), 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)  # date
        + b"acsp"
        + bytes(28)
        + fixed(0.9642)  # the illuminant, D50
        + fixed(1.0)
        + fixed(0.8249)
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + table + data


# sRGB's primaries (XYZ, adapted to D50), as ICC profiles give them.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)


def test_colours_of_another_profile_are_converted_to_srgb_then_the_profile_dropped(
    contributor_client,
):
    # A profile whose first channel is sRGB's green: its (200, 30, 30) is a green.
    swapped = icc_profile(SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    data = encoded(Image.new("RGB", (40, 30), (200, 30, 30)), "JPEG", icc_profile=swapped)

    post_new_place(contributor_client, upload(data))

    stored = Image.open(default_storage.open(Photo.objects.get().image.name))
    assert "icc_profile" not in stored.info
    red, green, blue = stored.getpixel((5, 5))
    assert green > 180 and red < 60 and blue < 60


def transparent_palette_png():
    return encoded(Image.new("RGBA", (40, 30), (0, 0, 0, 0)).quantize(), "PNG", transparency=0)


@pytest.mark.parametrize(
    ("data", "colour"),
    [
        (encoded(Image.new("L", (40, 30), 100), "JPEG"), (100, 100, 100)),
        (encoded(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"), (255, 0, 0)),
        (encoded(Image.new("I;16", (40, 30), 100 * 256), "PNG"), (100, 100, 100)),
        (transparent_palette_png(), (255, 255, 255)),  # transparency on white
        (encoded(Image.new("RGBA", (40, 30), (255, 0, 0, 0)), "WEBP"), (255, 255, 255)),
        (
            encoded(
                Image.new("RGB", (40, 30), "red"),
                "WEBP",
                save_all=True,
                append_images=[Image.new("RGB", (40, 30), "blue")],
            ),
            (255, 0, 0),  # an animation's first frame
        ),
    ],
    ids=["grey-jpeg", "cmyk-jpeg", "16-bit-png", "palette-png", "rgba-webp", "animated-webp"],
)
def test_every_kind_of_jpeg_png_and_webp_is_stored_as_rgb(contributor_client, data, colour):
    assert post_new_place(contributor_client, upload(data)).status_code == 302

    stored = Image.open(default_storage.open(Photo.objects.get().image.name))
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (40, 30))
    assert all(abs(a - b) <= 3 for a, b in zip(stored.getpixel((5, 5)), colour, strict=True))


def test_file_names_are_ours(contributor_client, tmp_path):
    response = post_new_place(contributor_client, upload(encoded(picture(), "JPEG"), "../../x.jpg"))

    assert response.status_code == 302
    name = Photo.objects.get().image.name
    assert re.fullmatch(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name)
    assert not any(path.name == "x.jpg" for path in tmp_path.rglob("*"))


def test_a_png_html_polyglot_comes_out_as_a_plain_image(contributor_client, client):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML.decode())
    polyglot = encoded(picture(), "PNG", pnginfo=info) + HTML  # HTML in a chunk and after the end
    assert Image.open(io.BytesIO(polyglot)).format == "PNG"

    assert post_new_place(contributor_client, upload(polyglot, "polyglot.png")).status_code == 302

    for name in media_files():
        stored = default_storage.open(name).read()
        assert b"<script" not in stored and b"<html" not in stored
        response = client.get(f"/media/{name}")
        assert response["Content-Type"] in ("image/jpeg", "image/webp")


def test_a_rolled_back_save_leaves_no_file(make_place):
    place = make_place("A museum")

    with pytest.raises(RuntimeError), transaction.atomic():
        place.photos.create(image=upload(encoded(picture(), "PNG")), alt_text="x")
        raise RuntimeError("something after the photo fails")

    assert not Photo.objects.exists()
    assert media_files() == []


def test_a_valid_photo_in_a_refused_form_leaves_no_file(contributor_client):
    form = new_place_form(
        latitude="91",
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-0-image": upload(encoded(picture(), "PNG")),
            "photos-0-alt_text": "x",
            "photos-0-position": "0",
        },
    )

    response = contributor_client.post(ADD_URL, form)

    assert response.status_code == 200
    assert_nothing_left_behind()


# --- Responsive variants ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "widths"),
    [
        ((300, 200), [300]),
        ((1000, 500), [480, 960, 1000]),
        ((2400, 1200), [480, 960, 1600]),
    ],
)
def test_variants_are_made_once_in_webp_and_jpeg_never_enlarged(contributor_client, size, widths):
    post_new_place(contributor_client, upload(encoded(picture(size), "PNG")))

    master = Photo.objects.get().image.name
    stem = master.removesuffix(".jpg")
    expected = [master] + [f"{stem}-{w}.{ext}" for w in widths for ext in ("jpg", "webp")]
    assert media_files() == sorted(expected)
    for width in widths:
        for ext, fmt in (("jpg", "JPEG"), ("webp", "WEBP")):
            variant = Image.open(default_storage.open(f"{stem}-{width}.{ext}"))
            assert (variant.format, variant.size) == (fmt, (width, width * size[1] // size[0]))
    assert Image.open(default_storage.open(master)).size == size


def test_the_place_page_offers_the_variants_with_srcset_and_sizes(contributor_client, client):
    post_new_place(
        contributor_client, upload(encoded(picture((2000, 1000)), "JPEG")), alt_text="Gate"
    )
    url = "/media/" + Photo.objects.get().image.name.removesuffix(".jpg")

    element = photo_element(page(client))

    sizes = 'sizes="(min-width: 46rem) 43.5rem, calc(100vw - 2.5rem)"'
    webp = f"{url}-480.webp 480w, {url}-960.webp 960w, {url}-1600.webp 1600w"
    jpeg = webp.replace(".webp", ".jpg")
    assert f'<source type="image/webp" srcset="{webp}" {sizes}>' in element
    assert (
        f'<img src="{url}-960.jpg" srcset="{jpeg}" {sizes} alt="Gate" width="2000" height="1000">'
        in element
    )
    assert 'loading="lazy"' not in element  # the lead photo is on the first screen


def test_a_photo_below_the_first_screen_loads_lazily(contributor_client):
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    photo = Photo.objects.get()

    html = render_to_string("places/includes/photo.html", {"photo": photo, "lazy": True})

    assert re.search(r'<img [^>]* width="40" height="30" loading="lazy">', html)


def test_replacing_a_photo_removes_its_old_files(contributor_client, client):
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    old = media_files()
    place = Place.objects.get()
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))

    response = contributor_client.post(
        url, {**form, "photos-0-image": upload(encoded(picture((60, 30)), "PNG"))}
    )

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (60, 30)
    new = media_files()
    assert len(new) == 3 and not set(old) & set(new)
    assert photo_element(page(client)).count(photo.image.name.removesuffix(".jpg")) == 3


def test_a_contributor_removes_a_wrong_photo_and_its_files_go(contributor_client, client):
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    place = Place.objects.get()
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))
    assert 'name="photos-0-DELETE"' in contributor_client.get(url).content.decode()

    response = contributor_client.post(url, {**form, "photos-0-DELETE": "on"})

    assert response.status_code == 302
    assert not Photo.objects.exists() and media_files() == []
    assert photo_element(page(client)) is None
    # Still no deleting of places.
    assert contributor_client.get(f"/admin/places/place/{place.pk}/delete/").status_code == 403


def test_deleting_a_photo_or_its_place_removes_its_files(contributor_client, client):
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    place = Place.objects.get()
    assert len(media_files()) == 3
    admin = User.objects.create_superuser("admin", password="a long passphrase")
    client.force_login(admin)

    Photo.objects.get().delete()
    assert media_files() == []

    other = {"name": "Other", "slug": "o"}
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")), place=other)
    assert len(media_files()) == 3
    other = Place.objects.get(slug="o")
    response = client.post(f"/admin/places/place/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Place.objects.filter(pk=place.pk).exists()
    assert media_files() == []


def test_a_deletion_rolled_back_keeps_the_files(contributor_client):
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    before = media_files()

    with pytest.raises(RuntimeError), transaction.atomic():
        Photo.objects.get().delete()
        raise RuntimeError("the deletion fails")

    assert Photo.objects.exists()
    assert media_files() == before


# --- Storage and serving ----------------------------------------------------------------------


def test_a_missing_file_means_no_image(contributor_client, client):
    post_new_place(contributor_client, upload(encoded(picture((1000, 500)), "PNG")))
    photo = Photo.objects.get()
    stem = photo.image.name.removesuffix(".jpg")

    default_storage.delete(f"{stem}-960.webp")  # one variant gone: left out of srcset
    element = photo_element(page(client))
    assert "-960.webp" not in element and "-480.webp 480w, /media/" in element

    default_storage.delete(photo.image.name)  # the photo gone: no image at all
    cache.clear()  # (a page cached before shows it until the next edit, or 10 minutes)
    content = page(client)
    assert photo_element(content) is None and "<img" not in content
    assert "og:image" not in head(content).meta


def test_photos_go_through_the_storage_of_the_storages_setting(
    contributor_client, client, settings
):
    # Django's in-memory storage stands in for another backend (django-storages' S3).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    photo = Photo.objects.get()
    folder, master = photo.image.name.rsplit("/", 1)

    assert sorted(default_storage.listdir(folder)[1]) == sorted(
        [master, master.replace(".jpg", "-40.jpg"), master.replace(".jpg", "-40.webp")]
    )
    assert media_files() == []  # nothing on the disk
    assert photo_element(page(client)).count(master.removesuffix(".jpg")) == 3
    response = client.get(f"/media/{photo.image.name}")
    assert b"".join(response.streaming_content) == default_storage.open(photo.image.name).read()

    photo.delete()
    assert default_storage.listdir(folder) == ([], [])


def test_photos_are_served_with_debug_off(contributor_client, client, settings):
    assert settings.DEBUG is False
    post_new_place(contributor_client, upload(encoded(picture(), "PNG")))
    name = Photo.objects.get().image.name

    for stored, content_type in (
        (name, "image/jpeg"),
        (name.replace(".jpg", "-40.webp"), "image/webp"),
    ):
        response = client.get(f"/media/{stored}")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert b"".join(response.streaming_content) == default_storage.open(stored).read()


def test_only_image_files_under_photos_are_served(client, settings):
    default_storage.save("photos/page.html", io.BytesIO(HTML))
    default_storage.save("photos/2026/01/imported.png", io.BytesIO(encoded(picture(), "PNG")))
    default_storage.save("secret.jpg", io.BytesIO(b"not under photos/"))

    imported = client.get("/media/photos/2026/01/imported.png")
    assert imported["Content-Type"] == "image/png"
    assert imported["Cache-Control"] == "public, max-age=3600"  # a name not ours may be reused
    for path in (
        "photos/page.html",
        "secret.jpg",
        "photos/../secret.jpg",
        "photos/2026/01/missing.jpg",
        "photos/2026",
    ):
        assert client.get(f"/media/{path}").status_code == 404, path
    assert client.post("/media/photos/2026/01/imported.png").status_code == 405


# --- Licence and credit, admin thumbnail, export ----------------------------------------------


def test_the_credit_is_shown_apart_from_the_caption_with_its_licence(contributor_client, client):
    post_new_place(
        contributor_client,
        upload(encoded(picture(), "PNG")),
        caption="The gate in winter",
        credit="A. Author",
        licence="CC-BY-SA-4.0",
    )

    content = page(client)

    assert '<span class="caption">The gate in winter</span>' in content
    assert (
        '<small class="credit">Photo: A. Author, <a href="https://creativecommons.org/licenses/'
        'by-sa/4.0/" rel="license">CC BY-SA 4.0</a></small>'
    ) in content
    russian = client.get("/places/karaganda-ecological-museum/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Фото: A. Author, CC BY-SA 4.0" in text(russian.content.decode())


def test_the_admin_offers_the_usual_licences_and_shows_a_thumbnail(contributor_client):
    post_new_place(contributor_client, upload(encoded(picture((1000, 500)), "PNG")))
    photo = Photo.objects.get()

    response = contributor_client.get(f"/admin/places/place/{photo.place_id}/change/")

    content = response.content.decode()
    small = "/media/" + photo.image.name.replace(".jpg", "-480.jpg")
    assert f'<img src="{small}" alt="" width="160" height="80">' in content
    for label in ("CC0 1.0", "CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "Public domain"):
        assert f">{label}</option>" in content


def test_an_exported_photo_imports_back_with_its_variants(contributor_client, client, tmp_path):
    post_new_place(
        contributor_client,
        upload(encoded(picture((1000, 500)), "PNG")),
        credit="A. Author",
        licence="CC0-1.0",
    )
    before = photo_element(page(client))
    exported = tmp_path / "places.geojson"
    call_command("export_places", output=str(exported), stdout=io.StringIO())
    backup = tmp_path / "media-backup"
    shutil.copytree(settings.MEDIA_ROOT, backup)  # a backup: the export and the media
    Place.objects.all().delete()
    assert media_files() == []

    shutil.copytree(backup, settings.MEDIA_ROOT, dirs_exist_ok=True)
    call_command("import_places", str(exported), stdout=io.StringIO(), stderr=io.StringIO())

    photo = Photo.objects.get()
    properties = json.loads(exported.read_text())["features"][0]["properties"]
    assert properties["photos"][0]["licence"] == "CC0-1.0"
    assert (photo.width, photo.height, photo.licence) == (1000, 500, "CC0-1.0")
    assert photo_element(page(client)) == before


def test_photo_limits_are_settings_with_safe_defaults():
    assert settings.PLACES_PHOTO_MAX_BYTES == 10 * 1024 * 1024
    assert settings.PLACES_PHOTO_MAX_PIXELS == 40_000_000
    assert images.FORMATS == ("JPEG", "PNG", "WEBP")


def test_a_file_another_photo_still_names_is_kept(make_place):
    # Imports name files already in the storage, and may give two photos the same one.
    name = default_storage.save("photos/2026/01/shared.png", io.BytesIO(encoded(picture(), "PNG")))
    first, second = (
        make_place(f"Place {i}").photos.create(image=name, alt_text="x") for i in range(2)
    )

    first.delete()
    assert media_files() == [name]

    second.delete()
    assert media_files() == []


def import_refusal(tmp_path, image):
    """The CommandError of importing a place whose photo is the media file `image`."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [72.6855, 49.679]},
        "properties": {
            "name": "Camp museum",
            "category": "Museum",
            "photos": [{"image": image, "alt_text": "The entrance"}],
        },
    }
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(CommandError) as refusal:
        call_command("import_places", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return refusal


def test_an_import_naming_a_file_that_is_not_an_image_is_refused(tmp_path):
    name = default_storage.save("photos/2026/01/page.png", io.BytesIO(HTML))

    refusal = import_refusal(tmp_path, name)

    assert f"feature 1: photo image {name!r} is not a JPEG, PNG or WebP image" in str(refusal.value)
    assert not Place.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_import_naming_a_file_with_metadata_is_refused(tmp_path, fmt):
    # An import serves the files it names as they are: one with a GPS position must not be.
    data = io.BytesIO(photo_with_metadata(fmt))
    name = default_storage.save(f"photos/2026/01/camera.{fmt.lower()}", data)

    refusal = import_refusal(tmp_path, name)

    assert f"feature 1: photo image {name!r} carries metadata (" in str(refusal.value)
    assert "exif" in str(refusal.value)
    assert not Place.objects.exists()


def test_the_api_description_lists_every_licence():
    from tests.test_api import OPENAPI

    schema = OPENAPI["components"]["schemas"]["Photo"]["properties"]["licence"]
    assert schema["enum"] == [*Photo.Licence.values, ""]


# --- In a real browser ------------------------------------------------------------------------


@pytest.mark.browser
def test_a_phone_loads_the_narrow_webp_that_an_editor_uploaded(editor, live_server):
    from tests.browser import browse

    data = encoded(picture((2000, 1500)), "PNG")
    with browse(live_server) as admin:
        admin.goto("/admin/login/?next=/admin/places/place/add/")
        admin.fill("#id_username", "editor")
        admin.fill("#id_password", "a long passphrase")
        admin.click("input[type=submit]")
        admin.fill("#id_name", "Gate")  # the admin's script makes the slug "gate"
        admin.fill("#id_category", "Monument")
        admin.fill("#id_latitude", "49.68")
        admin.fill("#id_longitude", "72.69")
        admin.click("#photos-group .add-row a")
        admin.set_input_files(
            "#id_photos-0-image",
            files=[{"name": "gate.png", "mimeType": "image/png", "buffer": data}],
        )
        admin.fill("#id_photos-0-alt_text", "The gate")
        admin.click("input[name=_publish]")
        admin.wait_for_selector(".messagelist .success")

        sizes = {}
        for name, width in (("phone", 360), ("desktop", 1280)):
            visitor = admin.context.new_page()
            visitor.set_viewport_size({"width": width, "height": 740})
            visitor.goto("/places/gate/")
            image = visitor.locator(".lead-photo img")
            image.evaluate("img => img.decode()")  # loaded, served with DEBUG off
            sizes[name] = image.evaluate("img => [img.currentSrc, img.naturalWidth]")
            box = image.bounding_box()
            assert round(box["width"] * 3 / 4) == round(box["height"]), name  # 4:3

    # The image's width at the density its srcset gave it: the width of its place on screen.
    assert sizes["phone"][0].endswith("-480.webp") and abs(sizes["phone"][1] - 320) <= 1
    assert sizes["desktop"][0].endswith("-960.webp") and abs(sizes["desktop"][1] - 696) <= 1
