"""Photos as the guide stores them: checked by their content, re-encoded, in several widths.

Pure image processing with Pillow, no Django: places/photo_files.py stores what this makes.

An upload is opened by Pillow with an allow-list of formats (never by its name), refused when
it claims more pixels than allowed before a single pixel is decoded, then decoded, turned
upright (EXIF orientation), converted to sRGB, flattened onto white and drawn into a new
image, so that nothing but pixels survives: no EXIF (GPS positions), XMP, ICC profile,
comment, or bytes appended to the file. That image is stored as a JPEG (the "master") and in
each of WIDTHS no wider than itself, as WebP and JPEG.
"""

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# What Pillow may open an upload as; anything else (SVG, PSD, EPS, TIFF, PDF, GIF, XBM, HTML,
# text...) is refused as "not a JPEG, PNG or WebP image".
FORMATS = ("JPEG", "PNG", "WEBP")
# The widths of the variants pages choose from (srcset); never wider than the photo itself.
WIDTHS = (480, 960, 1600)
VARIANT_FORMATS = ("webp", "jpg")
MASTER_QUALITY = 90
JPEG_QUALITY = 82
WEBP_QUALITY = 80

# The names we give: photos/<year>/<month>/<32 hex digits>.jpg, its variants beside it
# (<hex>-480.webp, <hex>-480.jpg). Only such a master has variants.
MASTER = re.compile(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg")
OURS = re.compile(r"photos/\d{4}/\d{2}/[0-9a-f]{32}(?:-\d+\.(?:webp|jpg)|\.jpg)")
# The names the media view serves: an image extension under photos/, no hidden or parent
# folder (also the imported photos' names, and uploads from before re-encoding).
SERVABLE = re.compile(r"photos/(?:[\w-]+/)*[\w-][\w.-]*\.(?P<ext>jpe?g|png|webp|gif)", re.I)
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Decoding an image Pillow warns about is never wanted, wherever it is opened.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class Refused(ValueError):
    """An upload we do not store. `reason` is one of "format", "pixels", "damaged"; the form
    turns it into a message (translated there)."""

    def __init__(self, reason, width=None, height=None):
        super().__init__(reason)
        self.reason, self.width, self.height = reason, width, height


@dataclass(frozen=True, slots=True)
class Variant:
    width: int
    height: int
    ext: str  # "webp" or "jpg"
    data: bytes


@dataclass(frozen=True, slots=True)
class Prepared:
    """A photo as we store it: the master JPEG's bytes and size, and its variants."""

    width: int
    height: int
    data: bytes
    variants: tuple[Variant, ...]


def prepare(data: bytes, max_pixels: int) -> Prepared:
    """The photo in `data` as we store it; Refused when it is not one we accept."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that. (The
            # filters are the process's: a thread leaving catch_warnings while another is in
            # it may drop this one for a moment, which the filter set at import keeps; our own
            # limit, below Pillow's by default, is checked anyway.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                # Pillow has read the header only: refuse a bomb before decoding it.
                if image.width * image.height > max_pixels:
                    raise Refused("pixels", image.width, image.height)
                image.load()
                clean = _clean(image)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refused("pixels") from error
    except UnidentifiedImageError as error:
        raise Refused("format") from error
    except Exception as error:  # any decoder failure: a damaged file
        raise Refused("damaged") from error
    return Prepared(
        width=clean.width,
        height=clean.height,
        data=_encode(clean, "jpg", MASTER_QUALITY),
        variants=tuple(_variants(clean)),
    )


def _clean(image: Image.Image) -> Image.Image:
    """The image upright, in sRGB, on white, as a new RGB image without any metadata."""
    icc = image.info.get("icc_profile")
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - damaged EXIF: keep the image as it was stored
        pass
    if image.mode == "I" or image.mode.startswith("I;16"):  # 16-bit grey: to 8 bits
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that does not fit the pixels: read them as sRGB
    if image.mode == "CMYK":
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    return clean


def _variants(image: Image.Image):
    for width in variant_widths(image.width):
        height = variant_height(image.width, image.height, width)
        resized = (
            image
            if width == image.width
            else image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        for ext in VARIANT_FORMATS:
            quality = WEBP_QUALITY if ext == "webp" else JPEG_QUALITY
            yield Variant(width, height, ext, _encode(resized, ext, quality))


def _encode(image: Image.Image, ext: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if ext == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def variant_widths(width: int) -> list[int]:
    """The widths of a photo's variants: each of WIDTHS narrower than the photo, and the
    photo's own width when it is narrower than the largest (never enlarged)."""
    return [w for w in WIDTHS if w < min(width, WIDTHS[-1])] + [min(width, WIDTHS[-1])]


def variant_height(width: int, height: int, variant_width: int) -> int:
    return max(1, round(height * variant_width / width))


def master_name(key: str, year: int, month: int) -> str:
    """The name of a new photo's master: `key` is 32 hex digits (a uuid4's)."""
    return f"photos/{year:04d}/{month:02d}/{key}.jpg"


def has_variants(name: str) -> bool:
    """Whether a stored photo is a master of ours, with variants beside it."""
    return MASTER.fullmatch(name) is not None


def is_ours(name: str) -> bool:
    """Whether a file is a master or variant named by us: its content never changes."""
    return OURS.fullmatch(name) is not None


def variant_name(master: str, width: int, ext: str) -> str:
    return f"{master.removesuffix('.jpg')}-{width}.{ext}"


def file_names(name: str, width: int | None) -> list[str]:
    """Every file of a stored photo: its master (or the one file of an imported photo), then
    its variants."""
    if not (has_variants(name) and width):
        return [name] if name else []
    widths = variant_widths(width)
    return [name, *(variant_name(name, w, ext) for w in widths for ext in VARIANT_FORMATS)]


def content_type(name: str) -> str | None:
    """The type the media view serves a file as, or None when it serves no such file."""
    match = SERVABLE.fullmatch(name)
    return match and CONTENT_TYPES[match["ext"].lower()]


# What Pillow reads from a file's header into Image.info that a photo of ours never carries.
METADATA = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment", "photoshop"}


def metadata(file) -> list[str]:
    """The metadata blocks (EXIF, XMP, ICC, comments) an image file carries, as its header
    says, without decoding it: none in a file we made (prepare re-encodes without them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(file, formats=FORMATS) as image:
            found = METADATA & set(image.info)
            if image.getexif():
                found.add("exif")
    return sorted(found)


def dimensions(file) -> tuple[int, int] | None:
    """(width, height) of an image file as its header says, without decoding it; None when
    it is not a JPEG, PNG or WebP image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=FORMATS) as image:
                return image.size
    except Exception:  # noqa: BLE001 - not an image we show
        return None
