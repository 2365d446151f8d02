"""From an uploaded image to the 28x28 input the model expects, the way MNIST itself was made.

LeCun's recipe: crop to the ink, fit the longer side into 20 px keeping the aspect ratio (with
anti-aliasing), paste into 28x28 with the centre of mass where MNIST's sit. Two additions make drawings
look like MNIST digits: isolated specks are ignored when cropping, and stroke thickness is brought into
MNIST's range (a small digit drawn with a fat pen otherwise becomes a blob once scaled to 20 px).

Everything here is a pure function on Pillow images and NumPy arrays.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zlib

import numpy as np
from PIL import Image, ImageOps

try:  # libspng decodes a plain PNG in under half Pillow's time (benchmarks/serving.py)
    import pyspng
except ImportError:  # no wheel for this platform: Pillow decodes everything
    pyspng = None
try:  # zlib-ng inflates a canvas several times faster than the zlib built into libspng
    from zlib_ng import zlib_ng
except ImportError:  # libspng inflates it itself
    zlib_ng = None

# A drawing needs far fewer pixels: a 4096x4096 PNG of 72 KB cost a worker ~1 s to decode. JPEG
# photos may be larger: they are decoded at a reduced scale (DCT scaling), which costs little.
MAX_SIDE = 1024
MAX_PIXELS = MAX_SIDE * MAX_SIDE
MAX_JPEG_SIDE = 8192
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")

FIT = 20  # MNIST: digit fitted into a 20x20 box ...
SIZE = 28  # ... inside a 28x28 image
WORK = 80  # resolution where stroke width is measured and corrected (4x the 20 px box)
# A digit whose longer side is already in this range is worked on as it is: resampling it to 80 px
# costs more than the rest of the recipe and changes nothing measurable (benchmarks/real_drawings.py:
# 99.29% against 99.25%). The page uploads its drawings at about 96 px (static/pad.json).
WORK_RANGE = (64, 128)
# Stroke width / longer side of the digit: MNIST measures 0.10 / 0.13 / 0.21 at its 5th / 50th / 95th
# percentiles (`stroke_ratio` on the training set); drawings are pulled into the middle of that.
RATIO_RANGE = (0.12, 0.16)
DOT = 0.15  # a lone blob smaller than this fraction of the image, as thick as it is wide
SPECK = 0.03  # a separate blob under 3% of the ink is a speck, not part of the digit
WORKING_SIDE = 560  # larger uploads are reduced first; nothing finer matters for a 28 px result


class InvalidImage(ValueError):
    """Not an image we can read (corrupt, unsupported, too large)."""


class EmptyDrawing(ValueError):
    """No digit to classify: blank or nearly blank."""


def decode(data: bytes) -> Image.Image:
    """Bytes -> Pillow image, with every size check done before any pixel is decoded."""
    img = _open(data)
    return img if isinstance(img, Image.Image) else Image.fromarray(img)


def _open(data: bytes) -> Image.Image | np.ndarray:
    """decode, except that a plain PNG comes back as libspng's array ((H, W) or (H, W, C))."""
    if not data:
        raise InvalidImage("the image is empty (0 bytes)")
    plain = _plain_png(data)
    try:
        if plain is not None:
            _check_size(plain[0], plain[1])
            return pyspng.load(_stored(data, *plain) or data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            w, h = img.size  # read from the header; no pixels yet
            if img.format == "JPEG" and max(w, h) <= MAX_JPEG_SIDE:
                img.draft(img.mode if img.mode in ("L", "RGB") else "RGB", (MAX_SIDE // 2, MAX_SIDE // 2))
                w, h = img.size
            _check_size(w, h)
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)  # animations: the first frame
            if img.format != "PNG" or "exif" in img.info:
                img = ImageOps.exif_transpose(img)  # photos: upright as the camera saw them
            img.load()
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(f"the image is too large: more than {MAX_PIXELS} pixels") from exc
    except Exception as exc:  # Pillow raises many types for bad data; all mean the same here
        raise InvalidImage(f"not a readable PNG, JPEG, WebP or GIF image ({type(exc).__name__})") from exc
    return img


def _check_size(w: int, h: int) -> None:
    if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        raise InvalidImage(f"the image is too large: {w}x{h}; at most {MAX_SIDE}x{MAX_SIDE} "
                           f"is accepted (JPEG photos up to {MAX_JPEG_SIDE} px)")


_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# (bit depth, colour type) in a PNG's header: 8-bit grey, RGB and RGBA. Pillow's own pixels and
# libspng's are identical for these (tests/test_preprocess.py); anything else goes to Pillow.
_PLAIN = {(8, 0): 1, (8, 2): 3, (8, 6): 4}  # -> channels
# Chunks before the image data that make a PNG more than its pixels: a transparent colour, an
# animation, EXIF (orientation), a palette. Pillow reads those.
_NOT_PLAIN = {b"tRNS", b"acTL", b"eXIf", b"PLTE"}


def _plain_png(data: bytes) -> tuple[int, int, int, int] | None:
    """(width, height, channels, where the image data starts) of a PNG that libspng decodes to
    exactly Pillow's pixels (8-bit grey, RGB or RGBA, one frame, no transparent colour, no EXIF),
    from its chunk headers; None for any other upload, or where libspng has no wheel. What
    canvases and most clients send, checked without Pillow's opening of the file (its plugins and
    chunk reader cost more than these few lines)."""
    if pyspng is None or len(data) < 33 or data[:8] != _SIGNATURE or data[12:16] != b"IHDR":
        return None
    if zlib.crc32(data[12:29]) != int.from_bytes(data[29:33], "big"):
        return None  # a damaged header: Pillow's reading refuses it, as it always has
    w, h, depth, colour = struct.unpack_from(">IIBB", data, 16)
    if (depth, colour) not in _PLAIN:
        return None
    at = 33  # the chunk after IHDR: length, type, data, CRC
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        if kind == b"IDAT":
            return w, h, _PLAIN[depth, colour], at
        if kind in _NOT_PLAIN:
            return None
        at += 12 + length
    return None


def _stored(data: bytes, w: int, h: int, channels: int, at: int) -> bytes | None:
    """The same PNG with its image data inflated by zlib-ng and stored as it is, which libspng
    reads at memory speed (its own zlib inflates a whole canvas in most of the decode's time).
    The chunks between the header and the image data (resolution, text, colour space) do not
    change libspng's pixels and are left out. None for a small image (STORED_FROM), and where
    anything is unusual (image data that is damaged, short, too long or interlaced, bytes after
    it): libspng reads the original and says what is wrong, as it always has."""
    size = h * (w * channels + 1)  # each row: its filter byte, then its pixels
    if zlib_ng is None or size < STORED_FROM:
        return None
    upload, parts = memoryview(data), []
    while at + 12 <= len(data) and data[at + 4:at + 8] == b"IDAT":
        end = at + 8 + int.from_bytes(data[at:at + 4], "big")
        parts.append(upload[at + 8:end])
        at = end + 4
    inflater = zlib_ng.decompressobj()
    try:
        raw = inflater.decompress(parts[0] if len(parts) == 1 else b"".join(parts), size + 1)
    except zlib_ng.error:
        return None
    if len(raw) != size or not inflater.eof or inflater.unused_data:
        return None
    # zlib's format with "stored" deflate blocks, written here: zlib-ng's own level 0 costs
    # several times the copy.
    body, rows = [b"\x78\x01"], memoryview(raw)
    for start in range(0, size, 65535):
        block = rows[start:start + 65535]
        body += (struct.pack("<BHH", start + 65535 >= size, len(block), len(block) ^ 0xFFFF), block)
    body.append(zlib_ng.adler32(raw).to_bytes(4, "big"))
    crc = _IDAT_CRC
    for part in body:
        crc = zlib_ng.crc32(part, crc)
    length = sum(len(part) for part in body)
    return b"".join((data[:33], length.to_bytes(4, "big"), b"IDAT", *body, crc.to_bytes(4, "big"),
                     _IEND))


# Smaller images (the page's uploads) are left to libspng: with cold caches, as in a server between
# requests, zlib-ng's code and tables cost about what its speed saves below this size (measured
# in-process: even at 37 KB, ahead from about 50 KB).
STORED_FROM = 48_000  # bytes of inflated image data (the page's uploads, ~100 px RGBA: under 42 KB)
_IDAT_CRC = zlib.crc32(b"IDAT")
_IEND = b"\0\0\0\0IEND\xaeB`\x82"


def read_ink(data: bytes) -> tuple[np.ndarray, float]:
    """Uploaded bytes -> (ink map, upload pixels per ink-map pixel): ink_map(decode(data)), with
    the same pixels, sooner for a canvas on a plain background (_plain_ink)."""
    img = _open(data)
    if isinstance(img, np.ndarray):
        ink = _plain_ink(img)
        if ink is not None:
            return ink, img.shape[1] / ink.shape[1]
        img = Image.fromarray(img)
    ink = ink_map(img)
    return ink, img.size[0] / ink.shape[1]


def _plain_ink(a: np.ndarray) -> np.ndarray | None:
    """ink_map's pixels for libspng's array of a plain PNG (grey, RGB, or RGBA and opaque) that
    ink_map reduces, on a background of one colour all around, or None. A whole canvas is mostly
    background: only the blocks around the ink are reduced and measured, and the rest is ink 0,
    which is what ink_map finds there. The border, as deep as a block, must be background, so the
    background ink_map takes from the reduced image's edge is that colour's grey."""
    h, w = a.shape[:2]
    factor = _reduction(w, h)
    channels = 1 if a.ndim == 2 else a.shape[2]
    if factor < 2 or max(h, w) > WORKING_SIDE:
        return None
    rows = a.reshape(h, w * channels)  # an RGB row is its bytes, R G B R G B ...
    colour = rows[0, :channels]
    if channels == 4 and colour[3] != 255:
        return None  # drawn on transparency: ink_map reads the alpha channel
    out = np.zeros((-(-h // factor), -(-w // factor)), dtype=np.uint8)
    inked = np.flatnonzero(_other_than(rows, colour, 1))
    if inked.size == 0:
        return out  # nothing but background
    top, bottom = int(inked[0]), int(inked[-1]) + 1
    last_row, last_col = (out.shape[0] - 1) * factor, (out.shape[1] - 1) * factor
    if top < factor or bottom > last_row:
        return None
    columns = _other_than(rows[top:bottom], colour, 0)  # per byte: R G B (A) of each column
    inked = np.flatnonzero(columns) // channels
    left, right = int(inked[0]), int(inked[-1]) + 1
    if left < factor or right > last_col:
        return None
    # Whole blocks, so the reduced pixels are the ones ink_map's reduction makes.
    top, left = top // factor * factor, left // factor * factor
    bottom, right = -(-bottom // factor) * factor, -(-right // factor) * factor
    # Opaque RGBA is RGB with a byte to skip: Pillow reduces it as RGBX, without the
    # premultiplying an RGBA reduction does (which changes nothing where alpha is 255); nearly
    # opaque pixels are ink_map's to read. Alpha is 255 everywhere when no alpha byte differs from
    # the background's in the rows with ink (all other rows are the background).
    if channels == 4 and columns[3::4].any():
        return None
    # Pillow reads grey and RGBX rows in place; RGB it copies into 4 bytes a pixel.
    mode = {1: "L", 3: "RGB", 4: "RGBX"}[channels]
    strip = Image.frombuffer(mode, (w, bottom - top), a[top:bottom], "raw", mode, 0, 1)
    block = strip.reduce(factor, (left, 0, right, bottom - top))
    grey = np.frombuffer((block if channels == 1 else block.convert("L")).tobytes(), np.uint8
                         ).reshape(block.height, block.width)
    bg = _grey_of(colour.tobytes())
    out[top // factor:bottom // factor, left // factor:right // factor] = np.take(
        _ink_table(bg), grey)
    return out


def _other_than(rows: np.ndarray, colour: np.ndarray, axis: int) -> np.ndarray:
    """Which rows (axis 1) or byte columns (axis 0) hold a byte other than the colour's. White and
    black, the usual backgrounds, by one min or max (a third of comparing every byte)."""
    if (colour == 255).all():
        return rows.min(axis) != 255
    if (colour == 0).all():
        return rows.max(axis) != 0
    return (rows != np.tile(colour, rows.shape[1] // colour.size)).any(axis)


@functools.lru_cache(maxsize=64)
def _grey_of(colour: bytes) -> int:
    """A grey, RGB or RGBA colour's grey level, by Pillow's own conversion (what ink_map
    measures)."""
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[len(colour)]
    return int(Image.frombytes(mode, (1, 1), colour).convert("L").getpixel((0, 0)))


def ink_map(img: Image.Image) -> np.ndarray:
    """Pillow image -> uint8 ink (255 = ink, 0 = background), whatever the polarity or transparency.

    Stays in uint8: a drawing is decoded, measured and cropped without a float copy of it."""
    if max(img.size) > WORKING_SIDE:
        img = img.copy()
        img.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    factor = _reduction(*img.size)
    if factor >= 2:
        img = img.reduce(factor)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    if img.mode not in ("L", "RGB", "RGBA", "LA"):
        img = img.convert("RGBA" if has_alpha else "RGB")
    alpha = None
    if has_alpha:
        alpha = np.asarray(img.getchannel("A"))
        if alpha.min() >= 250:
            alpha = None  # opaque everywhere: an ordinary picture
        elif _one_colour(img):
            return alpha  # transparency is the ink: a canvas drawing (one colour on nothing)
    g = np.asarray(img.convert("L"))
    if alpha is not None:
        opaque = alpha >= 250
        if not _drawn_on(g, opaque):
            return alpha
        # Strokes on an opaque card with transparent corners or border: the card's colour is the
        # background, and what shows through the transparency counts as card, not ink.
        bg = int(np.median(g[opaque]))
        g = np.where(opaque, g, np.uint8(bg))
    else:
        bg = _median_u8(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]))
    return np.take(_ink_table(bg), g)


@functools.lru_cache(maxsize=256)
def _ink_table(bg: int) -> np.ndarray:
    """Grey level -> ink, for one background: ink = (distance from the background) / (room for
    ink on that side), then paper texture and JPEG noise, which sit just above the background, are
    dropped: (ink - 0.1) / 0.9. In integers, looked up per pixel (arithmetic on the whole image
    cost more than the rest of the ink map)."""
    grey = np.arange(256, dtype=np.int32)
    if bg >= 128:  # dark ink on light paper
        dist, room = bg - grey, max(bg, 1)
    else:  # light ink on a dark ground (MNIST's own convention)
        dist, room = grey - bg, max(255 - bg, 1)
    table = np.clip((dist * 2550 - 255 * room) // (9 * room), 0, 255).astype(np.uint8)
    table.flags.writeable = False
    return table


def _reduction(w: int, h: int) -> int:
    """The block size ink_map averages an image by (1: none). A whole canvas (or a photo):
    averaging 2x2 (or more) blocks first makes every later step several times cheaper, and a
    digit of a normal size then needs no resampling. A wide, flat image (a number written across
    the pad) keeps the pixels its digits' height needs."""
    return min(max(w, h) // WORK_RANGE[1], min(w, h) // WORK_RANGE[0])


def _median_u8(values: np.ndarray) -> int:
    """int(np.median(values)) for uint8 values: the two middle values by partial sorting
    (np.median's generality costs more than the rest of the ink map)."""
    n = values.size
    low, high = (n - 1) // 2, n // 2
    middle = np.partition(values, (low, high))
    return (int(middle[low]) + int(middle[high])) // 2


def _one_colour(img: Image.Image) -> bool:
    """Every pixel nearly the same colour (a canvas drawing's ink on transparency): nothing can be
    drawn on an opaque card. A cheap check from the image's extrema."""
    bands = img.getextrema()[:3] if img.mode == "RGBA" else ()
    return bool(bands) and all(hi - lo < 96 for lo, hi in bands)


def _drawn_on(lum: np.ndarray, opaque: np.ndarray) -> bool:
    """Whether the opaque part of an image with transparency holds a drawing of its own: a good
    share of it, with both light and dark pixels (a card with strokes on it)."""
    if opaque.sum() < 0.2 * opaque.size:
        return False  # mostly transparent: the transparency is the drawing
    part = lum[opaque]
    return int(part.max()) - int(part.min()) >= 96


def as_uint8(ink: np.ndarray) -> np.ndarray:
    """Float ink in [0, 1] (MNIST / 255, the model's input) -> uint8 ink; uint8 passes through."""
    if ink.dtype == np.uint8:
        return ink
    return np.round(np.clip(ink, 0.0, 1.0) * 255.0).astype(np.uint8)


def _kept_span(mask: np.ndarray, axis: int) -> tuple[int, int]:
    """First and last index of the runs in a projection of the mask (rows: axis 1, columns:
    axis 0) that carry the digit (not specks)."""
    inked = np.flatnonzero(mask.any(axis))
    if inked[-1] - inked[0] + 1 == inked.size:  # one run, nothing apart: the usual case
        return int(inked[0]), int(inked[-1]) + 1
    profile = np.count_nonzero(mask, axis=axis)  # ink per row or column: only specks need it
    nz = np.zeros(len(profile) + 2, dtype=np.int8)
    nz[1:-1] = profile > 0
    edges = np.flatnonzero(np.diff(nz))
    starts, ends = edges[::2], edges[1::2]
    mass = np.add.reduceat(profile, starts) if len(starts) else np.array([])
    keep = mass >= SPECK * profile.sum()
    keep[np.argmax(mass)] = True
    return int(starts[keep].min()), int(ends[keep].max())


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the digit, ignoring specks separated from it."""
    return _box(as_uint8(ink) > 127)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """bounding_box from the strong ink (ink > 127)."""
    top, bottom = _kept_span(mask, 1)
    left, right = _kept_span(mask[top:bottom], 0)
    top2, bottom2 = _kept_span(mask[top:bottom, left:right], 1)
    return top + top2, top + bottom2, left, right


def stroke_ratio(mask: np.ndarray) -> float:
    """Mean stroke width / longer side of the box. A stroke of width w and length l covers w*l
    pixels and has about 2*l boundary pixels, so width ~= 2 * area / boundary."""
    area = np.count_nonzero(mask)
    if area == 0:
        return 0.0
    side = max(mask.shape)
    mask = with_border(mask, 1)  # ink touching the crop's edge has a boundary there too
    inner = mask.copy()
    inner[1:] &= mask[:-1]
    inner[:-1] &= mask[1:]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    boundary = max(area - np.count_nonzero(inner), 1)
    return 2.0 * area / boundary / side


def is_blank(ink: np.ndarray) -> bool:
    """Nothing a person would call a drawing: no strong ink, or only a few pixels of it."""
    return _blank(as_uint8(ink) > 127)


def _blank(mask: np.ndarray) -> bool:
    """is_blank from the strong ink (ink > 127)."""
    return np.count_nonzero(mask) < max(12, mask.size // 4000)


def with_border(a: np.ndarray, n: int) -> np.ndarray:
    """A background border of n pixels (np.pad does the same, several times slower)."""
    out = np.zeros((a.shape[0] + 2 * n, a.shape[1] + 2 * n), dtype=a.dtype)
    out[n:-n, n:-n] = a
    return out


def _rank3(a: np.ndarray, pick) -> np.ndarray:
    """3x3 minimum or maximum (pick = np.minimum / np.maximum), separable: rows, then columns.
    Outside the image counts as background; callers leave a background margin around the ink.
    (Pillow's MinFilter/MaxFilter give the same pixels, ten times slower.)"""
    padded = with_border(a, 1)
    rows = pick(pick(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])
    return pick(pick(rows[:-2], rows[1:-1]), rows[2:])


def normalize_width(work: np.ndarray, ratio: float, side: int) -> np.ndarray:
    """Erode or dilate (uint8 image) in whole pixels until stroke width / `side` is in RATIO_RANGE."""
    lo, hi = RATIO_RANGE
    target = min(max(ratio, lo), hi)
    steps = round((ratio - target) * side / 2)  # each 3x3 pass moves both edges by 1 px
    pick = np.minimum if steps > 0 else np.maximum
    for _ in range(min(abs(steps), 12)):
        work = _rank3(work, pick)
    return work


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """Ink map (uint8, or float in [0, 1]) -> 28x28 float32 in [0, 1], ink = 1, digit fitted to
    20 px and centred by mass."""
    ink = as_uint8(ink)
    mask = ink > 127  # strong ink: what is measured (blank, box, stroke width)
    if _blank(mask):
        raise EmptyDrawing("the drawing is empty")
    top, bottom, left, right = _box(mask)
    crop, strong = ink[top:bottom, left:right], mask[top:bottom, left:right]
    h, w = crop.shape
    if max(h, w) < DOT * max(ink.shape) and stroke_ratio(strong) > 0.4:
        raise EmptyDrawing("only a dot")  # a tap, not a digit: as wide as its own stroke
    side = max(h, w)
    if WORK_RANGE[0] <= side <= WORK_RANGE[1]:
        work = crop
    else:
        # Long side to WORK px, with LANCZOS's anti-aliasing (large photos, tiny rasters, whole
        # canvases).
        scale = WORK / side
        wh = (max(1, round(w * scale)), max(1, round(h * scale)))
        work = np.asarray(Image.fromarray(crop, "L").resize(wh, Image.Resampling.LANCZOS,
                                                            reducing_gap=3.0))
        side = WORK
        strong = work > 127
    # Measured after resampling, so the blur of a thin line counts as the model will see it.
    ratio = stroke_ratio(strong)
    margin = 8  # room to dilate into, and a background border for erosion to see
    framed = normalize_width(with_border(work, margin), ratio, side)
    rows, cols = np.flatnonzero(framed.any(1)), np.flatnonzero(framed.any(0))
    if rows.size == 0:
        raise EmptyDrawing("the drawing is empty")
    region = np.ascontiguousarray(framed[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    fh, fw = region.shape
    k = FIT / max(fw, fh)
    # Pillow reads the array in place and hands its pixels back as bytes: NumPy's array interface
    # to a Pillow image costs more than the resizing.
    small = Image.frombuffer("L", (fw, fh), region, "raw", "L", 0, 1).resize(
        (max(1, round(fw * k)), max(1, round(fh * k))), Image.Resampling.BOX)
    digit = np.frombuffer(small.tobytes(), np.uint8).reshape(small.height, small.width).astype(
        np.float32)
    peak = float(digit.max())
    if peak <= 0:
        raise EmptyDrawing("the drawing is empty")
    digit /= peak
    return center_by_mass(digit)


CENTRE = 14.0  # where MNIST's centres of mass sit (0-based, measured: 14.00 +- 0.3 on both axes)


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste into 28x28 so the centre of mass lands where MNIST's do (kept inside the frame)."""
    h, w = digit.shape
    total = float(digit.sum())
    ys, xs = np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32)
    cy = float(digit.sum(1) @ ys) / total
    cx = float(digit.sum(0) @ xs) / total
    top = min(max(round(CENTRE - cy), 0), SIZE - h)
    left = min(max(round(CENTRE - cx), 0), SIZE - w)
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def preprocess(data: bytes) -> np.ndarray:
    """Uploaded bytes -> the model's 28x28 input. Raises InvalidImage or EmptyDrawing."""
    return to_mnist(read_ink(data)[0])


def whole_canvas(data: bytes) -> np.ndarray:
    """What most demos do instead of the recipe: the whole canvas resized to 28x28, no cropping,
    no centring, no stroke width. Offered (`?preprocess=none`) to show why the recipe matters."""
    ink, _ = read_ink(data)
    if is_blank(ink):
        raise EmptyDrawing("the drawing is empty")
    small = Image.fromarray(ink, "L").resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    return np.asarray(small, dtype=np.float32) / 255.0
