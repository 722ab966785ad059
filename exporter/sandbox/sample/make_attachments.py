"""Generate the binary attachments (PNG, PDF) of the bundled "Acme Handbook" sample.

Run ``python exporter/sandbox/sample/make_attachments.py`` after changing it; the output is
committed so the sandbox needs nothing but the files. Standard library only, and deterministic:
the same script always writes the same bytes (no timestamps, fixed zlib level). Text attachments
(SVG, draw.io XML, Gliffy JSON, YAML, ICS, TXT) are committed as they are and edited by hand.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int, RGB]  # x0, y0, x1, y1, colour


def png(width: int, height: int, pixel: Callable[[int, int], RGB]) -> bytes:
    """Encode an RGB image as a PNG (colour type 2, bit depth 8, no interlace)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def boxes_png(width: int, height: int, background: RGB, boxes: Sequence[Box]) -> bytes:
    """A flat illustration: filled rectangles (later ones on top) with 1px dark outlines."""

    def pixel(x: int, y: int) -> RGB:
        colour = background
        for x0, y0, x1, y1, fill in boxes:
            if x0 <= x <= x1 and y0 <= y <= y1:
                edge = x in (x0, x1) or y in (y0, y1)
                colour = (23, 43, 77) if edge else fill
        return colour

    return png(width, height, pixel)


def gradient_png(width: int, height: int, start: RGB, end: RGB) -> bytes:
    """A horizontal gradient, the kind of banner people paste at the top of a page."""

    def pixel(x: int, _y: int) -> RGB:
        t = x / max(width - 1, 1)
        r, g, b = (round(a + (z - a) * t) for a, z in zip(start, end, strict=True))
        return (r, g, b)

    return png(width, height, pixel)


def qr_like_png(seed: int, modules: int = 21, scale: int = 6) -> bytes:
    """A QR-code-looking pattern (not a real QR code): finder squares and pseudo-random cells."""
    state = seed

    cells = []
    for _ in range(modules * modules):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        cells.append((state >> 16) & 1)

    def finder(mx: int, my: int) -> bool | None:
        for ox, oy in ((0, 0), (modules - 7, 0), (0, modules - 7)):
            if ox <= mx < ox + 7 and oy <= my < oy + 7:
                dx, dy = mx - ox, my - oy
                ring = min(dx, dy, 6 - dx, 6 - dy)
                return ring != 1
        return None

    size = (modules + 2) * scale

    def pixel(x: int, y: int) -> RGB:
        mx, my = x // scale - 1, y // scale - 1
        if not (0 <= mx < modules and 0 <= my < modules):
            return (255, 255, 255)
        dark = finder(mx, my)
        if dark is None:
            dark = bool(cells[my * modules + mx])
        return (0, 0, 0) if dark else (255, 255, 255)

    return png(size, size, pixel)


def pdf(title: str, lines: Sequence[str]) -> bytes:
    """A minimal valid one-page PDF 1.4 with Helvetica text (WinAnsi, so accents and dashes work)."""

    def text(s: str) -> bytes:
        raw = s.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    ops = [b"BT", b"/F1 18 Tf", b"72 760 Td", text(title) + b" Tj", b"/F1 11 Tf", b"0 -30 Td"]
    for line in lines:
        ops += [text(line) + b" Tj", b"0 -16 Td"]
    ops.append(b"ET")
    stream = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title " + text(title) + b" /Producer (Acme sample generator) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        b"trailer\n<< /Size "
        + str(len(objects) + 1).encode()
        + b" /Root 1 0 R /Info 6 0 R >>\nstartxref\n"
        + str(xref).encode()
        + b"\n%%EOF\n"
    )
    return bytes(out)


def write(folder: Path, name: str, data: bytes) -> None:
    """Write one attachment file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main(root: Path = HERE) -> None:
    """Regenerate every binary sample attachment under ``root`` (the sample folder by default)."""
    acme = root / "spaces" / "ACME" / "attachments"
    eng = root / "spaces" / "ENG" / "attachments"
    blue, navy, amber, green, red = (
        (0, 82, 204),
        (23, 43, 77),
        (255, 171, 0),
        (54, 179, 126),
        (255, 86, 48),
    )
    grey = (244, 245, 247)

    write(acme, "welcome-banner.png", gradient_png(480, 96, blue, (101, 84, 192)))
    write(
        acme,
        "team-photo-2025.png",
        boxes_png(
            160,
            100,
            (222, 235, 255),
            [
                (20 + i * 28, 40, 40 + i * 28, 90, c)
                for i, c in enumerate([amber, green, red, blue, navy])
            ],
        ),
    )
    write(acme, "wifi-guest-qr.png", qr_like_png(seed=2026))
    write(
        acme,
        "laptop-setup-guide.pdf",
        pdf(
            "Acme laptop setup guide",
            [
                "1. Unbox the laptop and connect it to power.",
                "2. Sign in with your Acme Google account; enrolment in Jamf starts by itself.",
                "3. Install 1Password and the VPN profile from Self Service.",
                "4. Turn on FileVault - IT escrows the recovery key.",
                "Questions: #it-help on Slack.",
            ],
        ),
    )
    write(
        acme,
        "cafe-menu-2026.pdf",
        pdf(
            "Café menu – 2026",
            [
                "Monday: Käsespätzle / vegan lentil dal",
                "Tuesday: Ramen bar – shoyu or miso",
                "Wednesday: Mezze & falafel",
                "Thursday: Crêpes (sweet and savoury)",
                "Friday: Pizza from the wood oven",
                "Coffee is free, always. Prices in € for guests.",
            ],
        ),
    )
    write(
        acme,
        "benefits-summary-2026.pdf",
        pdf(
            "Benefits summary 2026",
            [
                "Health: private top-up insurance for you and your family.",
                "Learning: 1,500 € per year plus two learning days.",
                "Home office: 800 € one-off budget, 40 € monthly internet.",
                "Pension: 4% employer contribution.",
            ],
        ),
    )
    write(
        acme,
        "travel-expense-form.pdf",
        pdf(
            "Travel expense claim",
            ["Name:", "Cost centre:", "Trip purpose:", "Receipts attached: yes / no"],
        ),
    )
    write(
        acme,
        "berlin-floor-plan.png",
        boxes_png(
            240,
            160,
            grey,
            [
                (10, 10, 110, 70, (222, 235, 255)),
                (120, 10, 230, 70, (227, 252, 239)),
                (10, 80, 230, 150, (255, 250, 230)),
                (100, 100, 140, 150, amber),
            ],
        ),
    )
    write(
        acme,
        "tokyo-office-map.png",
        boxes_png(
            200,
            140,
            (255, 255, 255),
            [
                (0, 60, 199, 75, (193, 199, 208)),
                (90, 0, 105, 139, (193, 199, 208)),
                (120, 20, 170, 50, red),
            ],
        ),
    )
    write(
        acme,
        "org-chart.png",
        boxes_png(
            260,
            120,
            (255, 255, 255),
            [
                (100, 5, 160, 35, blue),
                (10, 80, 70, 110, green),
                (100, 80, 160, 110, green),
                (190, 80, 250, 110, green),
                (129, 35, 131, 80, navy),
            ],
        ),
    )

    write(
        eng,
        "architecture.drawio.png",
        boxes_png(
            380,
            160,
            (255, 255, 255),
            [
                (10, 50, 90, 90, (218, 232, 252)),
                (120, 50, 200, 90, (213, 232, 212)),
                (230, 10, 310, 50, (255, 242, 204)),
                (230, 100, 310, 140, (255, 242, 204)),
                (330, 50, 375, 110, (248, 206, 204)),
                (90, 69, 120, 71, navy),
                (200, 69, 230, 71, navy),
            ],
        ),
    )
    write(
        eng,
        "escalation-policy.pdf",
        pdf(
            "On-call escalation policy",
            [
                "Level 1: primary on-call, paged immediately (ack within 5 minutes).",
                "Level 2: secondary on-call after 10 minutes without ack.",
                "Level 3: engineering manager after 20 minutes.",
                "SEV1: page the incident commander rota directly.",
            ],
        ),
    )
    write(
        eng,
        "p99-latency-dashboard.png",
        png(
            300,
            120,
            lambda x, y: (
                red
                if abs(y - (90 - (x * 7 % 50))) < 2
                else (255, 255, 255)
                if y % 30
                else (223, 225, 230)
            ),
        ),
    )
    write(
        eng,
        "release-2026.3-checkout.png",
        boxes_png(
            320,
            200,
            grey,
            [
                (0, 0, 319, 30, navy),
                (20, 50, 200, 180, (255, 255, 255)),
                (220, 50, 300, 90, green),
                (220, 100, 300, 120, (223, 225, 230)),
            ],
        ),
    )
    write(eng, "report-final-v2.png", gradient_png(120, 60, amber, red))
    write(eng, "grafana-error-budget.png", gradient_png(200, 40, green, amber))


if __name__ == "__main__":
    main()
