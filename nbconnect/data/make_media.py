"""Regenerate the shipped images, PDFs and their gold labels: ``python -m nbconnect.data.make_media``.

Everything is drawn from code (no third-party pictures): 36 shapes (3 shapes x 6 colours x 2
sizes/positions), 20 digits (0-9 in two colours, a 5x7 font scaled up) as 64x64 PNGs, and 6
one-page text PDFs (invoices, receipts, a letter) written by hand, object by object.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ._png import Pixels, encode_png
from ._vision import COLOURS, DIGITS, SHAPES

__all__ = ["DOCUMENTS", "main", "minimal_pdf"]

HERE = Path(__file__).parent
SIDE = 64
WHITE = (255, 255, 255)


def _canvas() -> Pixels:
    return [[WHITE] * SIDE for _ in range(SIDE)]


def _inside(shape: str, x: float, y: float, cx: float, cy: float, r: float) -> bool:
    if shape == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if shape == "square":
        return abs(x - cx) <= r and abs(y - cy) <= r
    # an upright triangle with its base at cy + r: the half-width grows from 0 at the apex
    top, bottom = cy - r, cy + r
    return top <= y <= bottom and abs(x - cx) <= r * (y - top) / (bottom - top)


def draw_shape(shape: str, colour: str, r: float, cx: float, cy: float) -> bytes:
    pixels = _canvas()
    for y in range(SIDE):
        for x in range(SIDE):
            if _inside(shape, x + 0.5, y + 0.5, cx, cy, r):
                pixels[y][x] = COLOURS[colour]
    return encode_png(pixels)


def draw_digit(digit: str, colour: str, scale: int = 6) -> bytes:
    pixels = _canvas()
    x0, y0 = (SIDE - 5 * scale) // 2, (SIDE - 7 * scale) // 2
    for r, row in enumerate(DIGITS[digit]):
        for c, mark in enumerate(row):
            if mark == "#":
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[y0 + r * scale + dy][x0 + c * scale + dx] = COLOURS[colour]
    return encode_png(pixels)


# -- PDFs ----------------------------------------------------------------------------------------
DOCUMENTS: list[dict[str, str]] = [
    {
        "file": "invoice_acme.pdf",
        "kind": "invoice",
        "total": "1250.00",
        "lines": "Invoice 2026-114|From: Acme Tools Ltd|To: Northwind Bakery|Drill press x1 1100.00|Delivery 150.00|Total: 1250.00 EUR|Due within 30 days",
    },
    {
        "file": "invoice_blue.pdf",
        "kind": "invoice",
        "total": "89.90",
        "lines": "Invoice 7781|From: Blue Lake Printing|To: Harbour Cafe|Menus x200 89.90|Total: 89.90 EUR|Bank transfer only",
    },
    {
        "file": "invoice_orbit.pdf",
        "kind": "invoice",
        "total": "4300.00",
        "lines": "Invoice OR-55|From: Orbit Consulting|To: Fjord Shipping AS|Workshop days x4 4000.00|Travel 300.00|Total: 4300.00 EUR",
    },
    {
        "file": "receipt_market.pdf",
        "kind": "receipt",
        "total": "23.45",
        "lines": "Receipt|Green Market, Main Street|Apples 3.20|Bread 4.25|Coffee beans 16.00|Total: 23.45 EUR|Paid by card. Thank you!",
    },
    {
        "file": "receipt_taxi.pdf",
        "kind": "receipt",
        "total": "31.00",
        "lines": "Receipt|City Taxi 0420|Airport to Central Station|Fare 28.00|Tip 3.00|Total: 31.00 EUR|Paid in cash",
    },
    {
        "file": "letter_landlord.pdf",
        "kind": "letter",
        "total": "0",
        "lines": "Dear tenant,|the stairwell will be painted next week.|Please keep the hallway clear.|Kind regards,|The building office",
    },
]


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica (uncompressed, with a correct xref table)."""
    ops = ["BT", "/F1 14 Tf", "72 760 Td", "18 TL"]
    for line in lines:
        ops += [f"{_pdf_string(line)} Tj", "T*"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(root: Path = HERE) -> None:
    """Draw everything into ``root`` (the package's data folder by default)."""
    images = root / "images"
    images.mkdir(exist_ok=True)
    shapes: list[dict[str, str]] = []
    for i, (shape, colour, big) in enumerate(
        (s, c, b) for s in SHAPES for c in COLOURS for b in (True, False)
    ):
        r = 22.0 if big else 14.0
        cx = 32.0 if big else 20.0 + (i * 7) % 24
        cy = 32.0 if big else 22.0 + (i * 5) % 20
        name = f"shape_{i:02d}.png"
        (images / name).write_bytes(draw_shape(shape, colour, r, cx, cy))
        shapes.append({"file": f"images/{name}", "gold_shape": shape, "gold_colour": colour})
    _write(shapes, root / "shapes.csv")
    digits: list[dict[str, str]] = []
    for d in DIGITS:
        for colour in ("blue", "red"):
            name = f"digit_{d}_{colour}.png"
            (images / name).write_bytes(draw_digit(d, colour))
            digits.append({"file": f"images/{name}", "gold_digit": d, "gold_colour": colour})
    _write(digits, root / "digits.csv")
    docs = root / "documents"
    docs.mkdir(exist_ok=True)
    rows = []
    for doc in DOCUMENTS:
        (docs / doc["file"]).write_bytes(minimal_pdf(doc["lines"].split("|")))
        rows.append(
            {"file": f"documents/{doc['file']}", "gold_kind": doc["kind"], "gold_total": doc["total"]}
        )
    _write(rows, root / "documents.csv")


if __name__ == "__main__":
    main()
