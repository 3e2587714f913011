"""The QR codes of Sources/QRCode, read by code nobody here wrote.

For some 1,400 inputs (every length from 1 to 300 bytes at every error correction level,
random bytes and UTF-8 text by turns, otpauth URIs, and the largest inputs of versions up to
40), the probe draws the SVG; then

- the SVG is parsed as XML and held to what the enrolment page needs (one path, viewBox in
  modules, crispEdges, role="img" with a title and aria-label, nothing external);
- cairosvg (Cairo) rasterises it, four pixels to a module, and every pixel must be pure black
  or white, the quiet zone white;
- zxing-cpp decodes the picture: exactly one QR code, whose bytes are exactly the input, at
  the level, version and mask that the encoder reported;
- python-qrcode, an independent encoder, makes the symbol of the same bytes in byte mode at
  the same level with the same mask: its version must be ours (the smallest that fits), and
  its module matrix must equal the one rasterised from our SVG, module for module. (segno
  would not do: it writes a whole zero byte of padding bits when the terminator already ends
  on a byte boundary, which 7.4.10 does not ask for, so its pad codewords are shifted.)
"""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET

import pytest

from two_factor_probe import ask

try:
    import cairosvg
except OSError as error:  # cairocffi could not load libcairo.so.2 (Debian: libcairo2)
    pytest.fail(f"cairosvg cannot load Cairo: {error}", pytrace=False)
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image

LEVELS = "LMQH"
QRCODE_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
SCALE = 4
SVG = "{http://www.w3.org/2000/svg}"
# Byte-mode capacity of version 40 (ISO/IEC 18004 Table 7).
LARGEST = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
TEXT_POOL = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 :/?#[]@!$&'()*+,;=%"
    "åäöÅÄÖéü€ – “”…ÆØ 日本語 한국어 🎉🇸🇪 Visby"
)


def utf8_text(rng: random.Random, length: int) -> bytes:
    """UTF-8 of random text, cut to `length` bytes at a character boundary (so it may be a
    few bytes shorter), at least one byte."""
    out = b""
    while True:
        character = rng.choice(TEXT_POOL).encode()
        if len(out) + len(character) > length:
            return out or b"x"
        out += character


def cases() -> list[tuple[str, bytes]]:
    rng = random.Random(20261203)
    result: list[tuple[str, bytes]] = []
    for length in range(1, 301):
        for index, level in enumerate(LEVELS):
            if (length + index) % 2 == 0:
                result.append((level, rng.randbytes(length)))
            else:
                result.append((level, utf8_text(rng, length)))
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    for account in ["anna@example.se", "Åsa Öberg", "programkontoret+test@almedalsveckan.info"]:
        quoted = "".join(
            c if c.isalnum() and c.isascii() else "".join(f"%{b:02X}" for b in c.encode())
            for c in account
        )
        uri = (
            f"otpauth://totp/Almedalsveckan:{quoted}?secret={secret}&issuer=Almedalsveckan"
            "&algorithm=SHA1&digits=6&period=30"
        )
        for level in LEVELS:
            result.append((level, uri.encode()))
    # Large symbols, up to version 40 (the largest input of each level).
    for level in LEVELS:
        for length in [400, 777, 1000, LARGEST[level] // 2 + 1, LARGEST[level]]:
            result.append((level, rng.randbytes(length)))
    # Edge bytes: all zeros, all 0xFF, every byte value once.
    for level in LEVELS:
        result += [(level, bytes(50)), (level, b"\xff" * 50), (level, bytes(range(256)))]
    return result


def has_reference(data: bytes) -> bool:
    """Whether python-qrcode can encode `data`: its Reed–Solomon division fails with
    "glog(0)" on a block of zero bytes, so the all-zero inputs are checked by zxing-cpp
    alone."""
    return data != bytes(len(data))


CASES = cases()


@pytest.fixture(scope="module")
def drawings() -> list[tuple[int, int, str]]:
    answers = ask([f"qr {level} {data.hex()}" for level, data in CASES])
    out = []
    for (level, data), answer in zip(CASES, answers):
        assert not answer.startswith("error"), (level, len(data), answer)
        version, mask, svg = answer.split(" ", 2)
        out.append((int(version), int(mask), svg))
    return out


def check_svg(svg: str, version: int) -> None:
    root = ET.fromstring(svg)
    side = 17 + 4 * version + 8
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.get("width") == root.get("height") == str(side * SCALE)
    assert root.get("role") == "img"
    assert root.get("shape-rendering") == "crispEdges"
    name = f'QR-kod för test <{version}> & "Å"'
    assert root.get("aria-label") == name
    children = list(root)
    assert [child.tag for child in children] == [SVG + "title", SVG + "rect", SVG + "path"]
    assert children[0].text == name
    assert children[1].get("fill") == "#fff"
    assert children[2].get("fill") == "#000"
    for element in root.iter():
        for attribute, value in element.attrib.items():
            assert "href" not in attribute and "url(" not in value, (attribute, value)


def rasterise(svg: str, version: int) -> list[list[bool]]:
    """The module matrix (with quiet zone) of the picture that Cairo draws of `svg`."""
    side = 17 + 4 * version + 8
    png = cairosvg.svg2png(bytestring=svg.encode())
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (side * SCALE, side * SCALE)
    pixels = image.tobytes()
    assert set(pixels) <= {0, 255}, "crispEdges at a whole scale should leave no grey"
    width = side * SCALE
    matrix = []
    for y in range(side):
        row = []
        for x in range(side):
            # Every pixel of a module must agree with its first.
            first = pixels[(y * SCALE) * width + x * SCALE]
            for dy in range(SCALE):
                start = (y * SCALE + dy) * width + x * SCALE
                assert pixels[start : start + SCALE] == bytes([first]) * SCALE, (x, y)
            row.append(first == 0)
        matrix.append(row)
    return matrix, image


@pytest.mark.parametrize(
    "index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}-{len(CASES[i][1])}b-{i}"
)
def test_qr_code_decodes_to_its_bytes(drawings, index):
    level, data = CASES[index]
    version, mask, svg = drawings[index]
    check_svg(svg, version)
    matrix, image = rasterise(svg, version)
    side = len(matrix)
    for y in range(side):
        for x in range(side):
            if x < 4 or y < 4 or x >= side - 4 or y >= side - 4:
                assert not matrix[y][x], f"quiet zone dark at {x},{y}"

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, f"zxing-cpp found {len(results)} QR codes"
    result = results[0]
    assert result.valid, result.error
    assert result.bytes == data
    # Byte mode without an ECI: readers guess the character set, and zxing-cpp (like the
    # phone apps built on ZXing) takes valid UTF-8 as UTF-8.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        assert result.text == text
    assert result.ec_level == level
    assert result.extra.get("Version") == str(version)
    assert result.extra.get("DataMask") == mask

    # The same bytes, level and mask through python-qrcode: the smallest version it picks is
    # ours, and the symbol is the same, module for module.
    if not has_reference(data):
        return
    reference = qrcode.QRCode(
        error_correction=QRCODE_LEVELS[level], border=0, mask_pattern=mask
    )
    reference.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
    reference.make(fit=True)
    assert reference.version == version
    expected = [[bool(module) for module in row] for row in reference.modules]
    ours = [row[4 : side - 4] for row in matrix[4 : side - 4]]
    assert ours == expected


def test_most_inputs_have_a_reference():
    assert sum(not has_reference(data) for _, data in CASES) == len(LEVELS)


def test_too_long_is_refused():
    answers = ask(
        [f"qr L {bytes(2954).hex()}", f"qr H {bytes(1274).hex()}", f"qr H {bytes(1273).hex()}"]
    )
    assert answers[0] == (
        "error 2954 bytes do not fit in a QR code at level L, which holds at most 2953"
    )
    assert answers[1].startswith("error 1274 bytes do not fit")
    assert answers[2].startswith("40 ")
