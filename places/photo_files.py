"""A photo's files in the media storage (STORAGES["default"]), written and removed on commit.

Photo.save names a new photo's files and has them written once its transaction commits, so
that a rolled-back save (a refused form, an error) leaves no file behind; the files of a
replaced or deleted photo go once that change commits, unless another photo still uses them
(an import may give two places the same file). See places/images.py for what the files hold.
"""

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from places import images


class PreparedUpload(ContentFile):
    """An upload the form has already checked and re-encoded (images.prepare): the model
    stores `prepared` as it is. Its own content is the master JPEG."""

    def __init__(self, prepared: images.Prepared):
        super().__init__(prepared.data, name="upload.jpg")
        self.prepared = prepared


def new_master_name() -> str:
    now = timezone.now()
    return images.master_name(uuid.uuid4().hex, now.year, now.month)


def write_on_commit(name: str, prepared: images.Prepared) -> None:
    transaction.on_commit(lambda: _write(name, prepared), robust=True)


def _write(name: str, prepared: images.Prepared) -> None:
    files = {images.variant_name(name, v.width, v.ext): v.data for v in prepared.variants}
    files[name] = prepared.data  # last: a page shows a photo once its master is there
    written = []
    try:
        for file_name, data in files.items():
            stored = default_storage.save(file_name, ContentFile(data))
            written.append(stored)
            if stored != file_name:
                raise OSError(f"the storage saved {file_name!r} as {stored!r}")
    except Exception:
        for file_name in written:
            default_storage.delete(file_name)
        raise


def remove_on_commit(name: str, width: int | None) -> None:
    """Remove a photo's files once the transaction commits, if no photo uses them then."""
    if name:
        transaction.on_commit(lambda: _remove(name, width), robust=True)


def _remove(name: str, width: int | None) -> None:
    from places.models import Photo

    if Photo.objects.filter(image=name).exists():
        return
    for file_name in images.file_names(name, width):
        default_storage.delete(file_name)


def photo_deleted(sender, instance, **kwargs):
    """post_delete receiver (places/apps.py): a deleted photo's files go on commit."""
    remove_on_commit(instance.image.name, instance.width)


@dataclass(frozen=True, slots=True)
class Shown:
    """A photo's URLs as a page shows it: `src` for <img> (a JPEG at most 960 px wide when
    there are variants), `jpeg_srcset` and `webp_srcset` ("" without variants), `large` for
    link previews and `small` for the admin's thumbnail."""

    src: str
    jpeg_srcset: str
    webp_srcset: str
    large: str
    small: str


def shown(name: str, width: int | None) -> Shown | None:
    """How to show a stored photo, from the files the storage holds; None when its master is
    missing (or is not a file the media view serves). One `exists` per file: a stat on a
    file system (pages are cached whole, so a page view seldom asks)."""
    if not name or not images.content_type(name) or not default_storage.exists(name):
        return None
    found = {"jpg": [], "webp": []}
    if images.has_variants(name) and width:
        for variant_width in images.variant_widths(width):
            for ext, urls in found.items():
                variant = images.variant_name(name, variant_width, ext)
                if default_storage.exists(variant):
                    urls.append((default_storage.url(variant), variant_width))
    master = default_storage.url(name)
    jpegs = found["jpg"]
    fitting = [url for url, w in jpegs if w <= SRC_WIDTH]
    return Shown(
        src=fitting[-1] if fitting else jpegs[0][0] if jpegs else master,
        jpeg_srcset=_srcset(jpegs),
        webp_srcset=_srcset(found["webp"]),
        large=jpegs[-1][0] if jpegs else master,
        small=jpegs[0][0] if jpegs else master,
    )


# The variant <img src> names (browsers without srcset): the widest at most this wide.
SRC_WIDTH = 960


def _srcset(urls: list[tuple[str, int]]) -> str:
    return ", ".join(f"{url} {width}w" for url, width in urls)
