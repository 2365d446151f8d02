"""The MNIST recipe on drawings: centring, scaling, polarity, alpha, specks, stroke width, blanks."""

import io
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from tests.helpers import fast_png_module, png_bytes
from webapp import preprocess
from webapp.training.drawings import place, render


def raster(strokes, pen=None):
    """A drawing as any raster arrives (screen pen kept), not as the page's upload."""
    return png_bytes(render(strokes, pen, as_uploaded=False))


def canvas_png(draw_fn, size=280, mode="RGBA", bg=(0, 0, 0, 0), ink=(0, 0, 0, 255), fmt="PNG"):
    img = Image.new(mode, (size, size), bg)
    draw_fn(ImageDraw.Draw(img), ink)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def centre_of_mass(x):
    ys, xs = np.indices(x.shape)
    return (ys * x).sum() / x.sum(), (xs * x).sum() / x.sum()


def aligned_diff(a, b):
    """Mean absolute difference, forgiving the one-pixel shifts that rounding the centre makes."""
    return min(np.abs(np.roll(a, (dy, dx), (0, 1)) - b).mean()
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def bar(x0, y0, x1, y1, width=14):
    return lambda d, ink: d.line((x0, y0, x1, y1), fill=ink, width=width)


def test_output_contract_and_mnist_geometry():
    x = preprocess.preprocess(canvas_png(bar(140, 40, 140, 240)))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(x > 0.05)
    assert rows.max() - rows.min() + 1 <= 21  # fitted into 20 px (+1 for resampling fringe)
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6


@pytest.mark.parametrize("where", [(30, 30), (250, 30), (30, 250), (250, 250), (140, 140)])
def test_small_digit_anywhere_comes_out_the_same(real_sample, where):
    seven = next(d for d in real_sample if d.label == 7)
    big = preprocess.preprocess(raster(place(seven.strokes, 0.7, 0.5, 0.5)))
    cx, cy = where[0] / 280, where[1] / 280
    small = preprocess.preprocess(raster(place(seven.strokes, 0.18, cx, cy)))
    cy_, cx_ = centre_of_mass(small)
    assert abs(cy_ - 14) <= 0.6 and abs(cx_ - 14) <= 0.6
    # Same digit at 1/4 the size, anywhere, thick pen relative to it: close to the large one.
    assert aligned_diff(small, big) < 0.06


@pytest.mark.parametrize("digit", range(10))
def test_upload_size_does_not_change_the_input(real_sample, digit):
    """The page's upload (about 96 px, worked on as it is) and the same strokes at 280 px
    (resampled to 80 px first) give the model nearly the same 28x28."""
    d = next(d for d in real_sample if d.label == digit)
    strokes = place(d.strokes, 0.7, 0.5, 0.5)
    upload = render(strokes)
    assert preprocess.WORK_RANGE[0] <= max(upload.size) <= preprocess.WORK_RANGE[1]
    large = render(strokes, max_side=280)
    assert max(large.size) > preprocess.WORK_RANGE[1]
    assert aligned_diff(preprocess.preprocess(png_bytes(upload)),
                        preprocess.preprocess(png_bytes(large))) < 0.03


@pytest.mark.parametrize("pen", [0.015, 0.06, 0.12])
def test_stroke_width_is_normalised(real_sample, pen):
    three = next(d for d in real_sample if d.label == 3)
    x = preprocess.preprocess(raster(place(three.strokes, 0.45, 0.5, 0.5), pen))
    top, bottom, left, right = preprocess.bounding_box(x)
    ratio = preprocess.stroke_ratio(x[top:bottom, left:right] > 0.5)
    # MNIST's own 5th..95th percentile is 0.10..0.21; a 1.5% and a 12% pen both land inside it.
    assert 0.10 <= ratio <= 0.21, ratio


def test_thin_and_thick_pen_give_similar_images(real_sample):
    two = next(d for d in real_sample if d.label == 2)
    strokes = place(two.strokes, 0.5, 0.5, 0.5)
    thin = preprocess.preprocess(raster(strokes, 0.015))
    thick = preprocess.preprocess(raster(strokes, 0.12))
    assert aligned_diff(thin, thick) < 0.08


def test_polarity_dark_on_light_and_light_on_dark_agree():
    dark_on_light = canvas_png(bar(60, 60, 200, 220), mode="RGB", bg=(250, 250, 245), ink=(20, 20, 20))
    light_on_dark = canvas_png(bar(60, 60, 200, 220), mode="L", bg=0, ink=255)
    a, b = preprocess.preprocess(dark_on_light), preprocess.preprocess(light_on_dark)
    assert np.abs(a - b).max() < 0.05
    assert a[13:15, 13:15].mean() > 0.5  # ink is 1, background 0


def test_jpeg_photo_of_ink_on_grey_paper():
    data = canvas_png(bar(100, 50, 180, 230, 18), mode="RGB", bg=(200, 196, 190), ink=(40, 40, 60),
                      fmt="JPEG")
    x = preprocess.preprocess(data)
    assert (x > 0.5).sum() > 20 and x[0].sum() == 0 and x[:, 0].sum() == 0


def test_alpha_channel_is_the_ink():
    # White pixels under transparent alpha, black under opaque: only alpha decides.
    img = Image.new("RGBA", (200, 200), (255, 255, 255, 0))
    ImageDraw.Draw(img).line((100, 30, 100, 170), fill=(0, 0, 0, 255), width=12)
    x = preprocess.preprocess(png_bytes(img))
    assert x[:, 12:16].sum() > 10 * x[:, :8].sum()


def test_isolated_speck_is_ignored():
    def one_with_speck(d, ink):
        d.line((140, 60, 140, 220), fill=ink, width=14)
        d.ellipse((20, 20, 26, 26), fill=ink)  # a stray tap far away

    with_speck = preprocess.preprocess(canvas_png(one_with_speck))
    without = preprocess.preprocess(canvas_png(bar(140, 60, 140, 220)))
    assert np.abs(with_speck - without).max() < 1e-6


@pytest.mark.parametrize("draw", [
    lambda d, ink: None,  # nothing
    lambda d, ink: d.point((10, 10), fill=ink),  # one pixel
    lambda d, ink: d.line((0, 0, 279, 279), fill=(0, 0, 0, 20), width=10),  # a faint smudge
    lambda d, ink: d.ellipse((100, 100, 117, 117), fill=ink),  # one tap of the pen
])
def test_blank_or_nearly_blank_is_empty(draw):
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.preprocess(canvas_png(draw))


def test_a_small_digit_is_not_mistaken_for_a_dot(real_sample):
    one = next(d for d in real_sample if d.label == 0)
    x = preprocess.preprocess(raster(place(one.strokes, 0.12, 0.5, 0.5)))
    assert x.max() == pytest.approx(1.0)


def test_uniform_photo_is_empty():
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.preprocess(canvas_png(lambda d, ink: None, mode="RGB", bg=(230, 230, 230)))


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_unreadable_bytes_are_invalid(data):
    with pytest.raises(preprocess.InvalidImage):
        preprocess.preprocess(data)


def test_huge_dimensions_rejected_before_decoding():
    # A 20,000 x 20,000 PNG header: rejected from the header, pixels never decoded.
    img = Image.new("1", (20000, 20000), 0)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    assert len(buf.getvalue()) < 2 * 1024 * 1024  # under the HTTP body limit
    with pytest.raises(preprocess.InvalidImage, match="too large"):
        preprocess.decode(buf.getvalue())


def test_oversized_but_not_a_bomb_is_rejected_by_our_limit():
    img = Image.new("L", (5000, 100), 0)
    with pytest.raises(preprocess.InvalidImage, match="5000x100"):
        preprocess.decode(png_bytes(img))


def test_mnist_digits_keep_their_box_and_centre(mnist_slice):
    # Same recipe that made them: box and centre of mass come back within a pixel; only the
    # stroke width may change (pulled into RATIO_RANGE).
    for img in mnist_slice["x_test"][:50].astype(np.float32) / 255:
        out = preprocess.to_mnist(img)
        for a, b in zip(preprocess.bounding_box(out), preprocess.bounding_box(img)):
            assert abs(a - b) <= 1
        assert np.allclose(centre_of_mass(out), centre_of_mass(img), atol=1.0)


def test_a_card_with_transparent_corners_is_read_by_its_visible_ink(client):
    """A black 7 on a white card whose rounded corners are transparent: the ink is the 7, not the
    card's outline (read as "0" when the alpha channel was taken for the ink)."""
    from PIL import ImageDraw

    card = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((0, 0, 199, 199), radius=40, fill=(255, 255, 255, 255))
    draw.line([(50, 40), (150, 40), (90, 170)], fill=(0, 0, 0, 255), width=12)
    x = preprocess.preprocess(png_bytes(card))
    assert x[:, :4].sum() == 0 and x[:, -4:].sum() == 0  # no outline down the sides
    resp = client.post("/api/predict", data=png_bytes(card), content_type="image/png")
    assert resp.get_json()["digit"] == 7


def test_a_canvas_drawing_in_one_colour_still_uses_its_alpha():
    img = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    from PIL import ImageDraw

    ImageDraw.Draw(img).line([(60, 10), (60, 110)], fill=(30, 60, 200, 255), width=10)
    x = preprocess.preprocess(png_bytes(img))
    assert x.max() == 1.0 and (x > 0.5).sum() > 20


def _best_of(n, fn):
    import time

    times = []
    for _ in range(n):
        started = time.perf_counter()
        try:
            fn()
        except (preprocess.InvalidImage, preprocess.EmptyDrawing):
            pass
        times.append(time.perf_counter() - started)
    return min(times)


def test_pathological_images_are_cheap():
    """The worst a client can send within the limits costs a worker at most 50 ms: a 4096x4096 PNG
    (72 KB, ~1 s to decode before the limit was lowered) is refused from its header, and the
    largest accepted PNG, full of detail, is decoded and reduced quickly."""
    big = Image.new("L", (4096, 4096), 255)
    big_png = png_bytes(big)
    assert _best_of(3, lambda: preprocess.preprocess(big_png)) < 0.05
    with pytest.raises(preprocess.InvalidImage, match="too large"):
        preprocess.decode(big_png)
    rng = np.random.default_rng(0)
    noisy = Image.fromarray((rng.random((preprocess.MAX_SIDE, preprocess.MAX_SIDE, 3)) > 0.5)
                            .astype(np.uint8) * 255, "RGB")
    noisy_png = png_bytes(noisy)
    assert _best_of(3, lambda: preprocess.preprocess(noisy_png)) < 0.05


def test_a_large_jpeg_photo_is_decoded_at_a_reduced_scale():
    photo = Image.new("RGB", (4000, 3000), "white")
    from PIL import ImageDraw

    ImageDraw.Draw(photo).line([(2000, 500), (2000, 2500)], fill="black", width=120)
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=85)
    img = preprocess.decode(buf.getvalue())
    assert max(img.size) <= preprocess.MAX_SIDE
    assert preprocess.preprocess(buf.getvalue()).max() == 1.0


def _pillow_pixels(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_plain_pngs_take_the_fast_decoder_with_pillows_pixels(mode, monkeypatch):
    pyspng = fast_png_module("pyspng")
    calls = []
    if pyspng:
        load = pyspng.load
        monkeypatch.setattr(pyspng, "load", lambda data: calls.append(1) or load(data))
    rng = np.random.default_rng(len(mode))
    shape = (37, 53) if mode == "L" else (37, 53, len(mode))
    for kwargs in ({}, {"optimize": True}, {"compress_level": 0}):
        data = png_bytes(Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)), **kwargs)
        img = preprocess.decode(data)
        want = _pillow_pixels(data)
        assert img.mode == want.mode == mode
        assert np.array_equal(np.asarray(img), np.asarray(want))
    assert len(calls) == (3 if pyspng else 0)  # without libspng, Pillow's own pixels above


def _chunks(data):
    """A PNG's chunks as (type, body) pairs, after the signature."""
    at, out = 8, []
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        out.append((data[at + 4:at + 8], data[at + 8:at + 8 + length]))
        at += 12 + length
    return out


def _png(chunks):
    """A PNG from (type, body) pairs."""
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, body in chunks:
        out += (len(body).to_bytes(4, "big"), kind, body, zlib.crc32(kind + body).to_bytes(4, "big"))
    return b"".join(out)


def _with_image_data(data, stream):
    """The PNG with its image data replaced by this zlib stream (one IDAT chunk, right CRC)."""
    chunks = [c for c in _chunks(data) if c[0] != b"IDAT"]
    return _png(chunks[:-1] + [(b"IDAT", stream)] + chunks[-1:])


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_image_data_inflated_by_zlib_ng_gives_the_same_pixels(mode):
    """libspng is given the image data already inflated (stored deflate blocks) by zlib-ng: the
    pixels are libspng's and Pillow's own, for several IDAT chunks, data larger than one stored
    block (64 KB), every compression level, and chunks before the image data. Without them
    (a platform they have no wheels for) nothing is restored and Pillow decodes."""
    fast = bool(fast_png_module("pyspng") and fast_png_module("zlib_ng"))
    rng = np.random.default_rng(len(mode) + 10)
    most_chunks = 0
    for side, kwargs in ((230, {}), (230, {"optimize": True}), (230, {"compress_level": 0}),
                         (300, {"compress_level": 1}), (300, {"dpi": (300, 300)})):
        shape = (side, side + 3) if mode == "L" else (side, side + 3, len(mode))
        data = png_bytes(Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)), **kwargs)
        plain = preprocess._plain_png(data)
        stored = preprocess._stored(data, *plain) if plain else None
        assert (stored is not None) == fast, (side, kwargs)
        got = preprocess.pyspng.load(stored) if fast else np.asarray(preprocess.decode(data))
        assert np.array_equal(got, np.asarray(_pillow_pixels(data)))
        most_chunks = max(most_chunks, sum(kind == b"IDAT" for kind, _ in _chunks(data)))
    assert most_chunks > 1
    # The page's uploads (96 px at most) are inflated by libspng itself: as soon, with cold caches.
    small = png_bytes(Image.fromarray(rng.integers(0, 256, (96, 96) + shape[2:], dtype=np.uint8)))
    plain = preprocess._plain_png(small)
    assert (plain is not None) == fast and (not plain or preprocess._stored(small, *plain) is None)


def _unusual_pngs():
    img = Image.fromarray(np.random.default_rng(3).integers(0, 256, (200, 300, 3), dtype=np.uint8))
    data = png_bytes(img)
    raw = zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))
    assert len(raw) >= preprocess.STORED_FROM  # large enough to be inflated by zlib-ng
    yield "short data", _with_image_data(data, zlib.compress(raw[:-31]))
    yield "too much data", _with_image_data(data, zlib.compress(raw + bytes(500)))
    yield "bytes after the data", _with_image_data(data, zlib.compress(raw) + b"left over")
    yield "truncated stream", _with_image_data(data, zlib.compress(raw)[:-9])
    yield "no checksum", _with_image_data(data, zlib.compress(raw)[:-4])
    yield "wrong checksum", _with_image_data(data, zlib.compress(raw)[:-1] + b"?")


@pytest.mark.parametrize("kind,data", list(_unusual_pngs()), ids=[k for k, _ in _unusual_pngs()])
def test_unusual_image_data_is_libspngs_to_read(kind, data, monkeypatch):
    """Whatever is unusual about the image data, libspng reads the upload itself and answers as
    it did before zlib-ng inflated canvases (its pixels, or the same error)."""
    fast = bool(fast_png_module("pyspng") and fast_png_module("zlib_ng"))
    plain = preprocess._plain_png(data)
    assert (plain is not None) == fast and (not plain or preprocess._stored(data, *plain) is None)

    def outcome():
        try:
            return np.asarray(preprocess.decode(data)).tobytes()
        except preprocess.InvalidImage as exc:
            return str(exc)

    now = outcome()
    monkeypatch.setattr(preprocess, "zlib_ng", None)
    assert outcome() == now


def test_the_fast_decoder_cannot_be_skipped_where_it_is_installed(monkeypatch):
    """On the platforms pyproject.toml installs libspng and zlib-ng for, a missing one fails the
    tests that need it (CI must not turn green by skipping them)."""
    import platform
    import sys

    from tests import helpers

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    for name in ("pyspng", "zlib_ng"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
        with pytest.raises(ImportError):
            helpers.fast_png_module(name)
    # Elsewhere a missing one is None: the tests then check Pillow's decoding instead.
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert helpers.fast_png_module("pyspng") is None


def _other_pngs():
    rng = np.random.default_rng(7)
    rgb = Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8))
    grey_alpha = Image.fromarray(rng.integers(0, 256, (20, 30, 2), dtype=np.uint8))
    yield "palette", png_bytes(rgb.convert("P"))
    yield "grey+alpha", png_bytes(grey_alpha)
    yield "16-bit", png_bytes(Image.fromarray(rng.integers(0, 65535, (20, 30), dtype=np.uint16)))
    yield "tRNS", png_bytes(rgb, transparency=tuple(int(v) for v in np.asarray(rgb)[0, 0]))
    yield "1-bit", png_bytes(rgb.convert("1"))
    frames = io.BytesIO()
    rgb.save(frames, "PNG", save_all=True, append_images=[rgb.rotate(90, expand=False)])
    yield "animated", frames.getvalue()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated
    yield "EXIF", png_bytes(rgb, exif=exif)


@pytest.mark.parametrize("kind,data", list(_other_pngs()), ids=[k for k, _ in _other_pngs()])
def test_other_pngs_are_decoded_by_pillow(kind, data, monkeypatch):
    pyspng = fast_png_module("pyspng")
    if pyspng:
        monkeypatch.setattr(pyspng, "load", lambda data: pytest.fail("libspng decoded it"))
    img = preprocess.decode(data)
    want = _pillow_pixels(data)
    assert img.mode == want.mode
    assert img.info.get("transparency") == want.info.get("transparency")
    if kind == "EXIF":  # photos stand the way the camera saw them
        want = ImageOps.exif_transpose(want)
    assert np.array_equal(np.asarray(img), np.asarray(want))


def test_a_png_with_a_broken_image_stream_is_invalid():
    data = bytearray(png_bytes(Image.new("RGB", (40, 40), "white")))
    at = data.index(b"IDAT") + 6
    data[at:at + 8] = b"\xff" * 8
    with pytest.raises(preprocess.InvalidImage):
        preprocess.decode(bytes(data))


def test_a_png_with_a_damaged_header_is_invalid():
    """The header's checksum is checked before libspng (which ignores checksums) decodes: a height
    damaged in transit would otherwise decode as a cut-off image."""
    data = bytearray(png_bytes(Image.new("RGB", (280, 280), "white")))
    data[23] ^= 8  # the height's low byte: 280 -> 272, the checksum unchanged
    with pytest.raises(preprocess.InvalidImage):
        preprocess.read_ink(bytes(data))


def test_the_border_median_is_numpys():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        values = rng.integers(0, 256, int(rng.integers(1, 1200)), dtype=np.uint8)
        if rng.random() < 0.5:  # mostly paper, a little ink: the usual border
            values = np.maximum(values, 250).astype(np.uint8)
        assert preprocess._median_u8(values) == int(np.median(values))


def _whole_canvases(strokes):
    """Uploads that ink_map reduces before reading: (name, bytes, whether _plain_ink takes them)."""
    def drawn(size, mode, bg, ink, where=(0.6, 0.5, 0.5)):
        mask = render(place(strokes, *where), as_uploaded=False).getchannel("A").resize(size)
        img = Image.new(mode, size, bg)
        img.paste(ink, mask=mask)
        return img

    rng = np.random.default_rng(3)
    noisy = np.asarray(drawn((280, 280), "L", 255, 0)).astype(int) + rng.integers(-2, 3, (280, 280))
    edge = drawn((280, 280), "RGB", "white", (0, 0, 0))
    ImageDraw.Draw(edge).line((100, 0, 180, 0), fill=(0, 0, 0), width=2)
    yield "white canvas, black ink", drawn((280, 280), "RGB", "white", (0, 0, 0)), True
    yield "grey canvas, white ink", drawn((280, 280), "L", 0, 255), True
    yield "mid-grey paper", drawn((280, 280), "L", 128, 20), True
    yield "cream paper, blue ink", drawn((280, 280), "RGB", (240, 230, 200), (20, 30, 120)), True
    yield "odd size", drawn((283, 261), "RGB", "white", (0, 0, 0), (0.5, 0.3, 0.6)), True
    yield "reduced 3x3", drawn((400, 390), "RGB", "white", (0, 0, 0)), True
    yield "blank", Image.new("RGB", (280, 280), "white"), True
    framed = drawn((280, 280), "RGB", "white", (0, 0, 0))
    ImageDraw.Draw(framed).rectangle((0, 2, 279, 279), outline=(0, 0, 0), width=2)
    yield "ink at the edge", edge, False
    # Most of the border is the frame: ink_map takes its colour for the background, not the corner's.
    yield "a frame on three sides", framed, False
    yield "a frame all around", framed.crop((0, 2, 280, 280)), True
    yield "noisy paper", Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), False
    yield "opaque RGBA canvas (a browser's)", drawn((280, 280), "RGBA", "white", (0, 0, 0, 255)), True
    holed = drawn((280, 280), "RGBA", "white", (0, 0, 0, 255))
    holed.paste((0, 0, 0, 0), (120, 120, 124, 124))
    yield "a see-through hole by the ink", holed, False
    # Nearly opaque pixels are averaged premultiplied by ink_map's RGBA reduction (a checkerboard
    # of see-through white and black reads darker than the plain average): ink_map's to read.
    faint = np.asarray(drawn((280, 280), "RGBA", "white", (0, 0, 0, 255))).copy()
    faint[120:140, 120:140] = 0, 0, 0, 255
    faint[120:140:2, 120:140:2] = faint[121:140:2, 121:140:2] = 255, 255, 255, 250
    yield "nearly opaque pixels by the ink", Image.fromarray(faint, "RGBA"), False
    yield "transparent canvas", drawn((280, 280), "RGBA", (0, 0, 0, 0), (0, 0, 0, 255)), False
    block = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    block.paste((0, 0, 0, 255), (100, 60, 140, 220))  # opaque all through its whole 2x2 blocks
    yield "a solid bar on transparency", block, False
    yield "larger than the working side", drawn((700, 600), "RGB", "white", (0, 0, 0)), False


def test_read_ink_gives_ink_maps_pixels_sooner_on_a_plain_background(real_sample):
    """read_ink crops a plain-background canvas to its ink before reducing it: the same pixels
    and scale as ink_map(decode(...)) for every upload, and the crop taken where it is safe."""
    pyspng = fast_png_module("pyspng")
    strokes = next(d for d in real_sample if d.label == 5).strokes
    for name, img, fast in _whole_canvases(strokes):
        data = png_bytes(img)
        ink, scale = preprocess.read_ink(data)
        decoded = preprocess.decode(data)
        want = preprocess.ink_map(decoded)
        assert np.array_equal(ink, want), name
        assert scale == decoded.size[0] / want.shape[1], name
        pixels = pyspng.load(data) if pyspng else np.asarray(_pillow_pixels(data))
        assert (preprocess._plain_ink(pixels) is not None) == fast, name
