"""`pmsync report --format html`: one self-contained page, opened in a real headless Chromium.

The browser parses the page (its DOM, dumped after load, holds the chart, the overdue
list and a table per incident) and paints it (a screenshot shows both series in
their colours). CI installs Debian's chromium (.ci/run); the test fails, not skips,
when it is missing there."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from pmsync.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "postmortems"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("CI") or os.environ.get("PMSYNC_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _browser(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB(A) PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, width = 8, b"", 0
    height = channels = 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        chunk = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            data += chunk
        pos += 12 + length
    raw, stride, rows, previous = zlib.decompress(data), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        previous = line
    return width, height, rows


def _near(rows: list[bytes], rgb: tuple[int, int, int]) -> int:
    found = 0
    for row in rows:
        for i in range(0, len(row), 3):
            if all(abs(row[i + k] - rgb[k]) < 40 for k in range(3)):
                found += 1
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    out = folder / "report.html"
    cwd = Path.cwd()
    os.chdir(EXAMPLES.parent.parent)
    try:
        import contextlib
        import io

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main(["report", "--offline", "--today", "2026-12-01", "--format", "html", str(EXAMPLES)]) == 0
    finally:
        os.chdir(cwd)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


def test_the_page_loads_nothing_from_elsewhere(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r'(?:src|href)="(?!#)', html)  # links to issues only, none offline
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html


def test_chromium_reads_the_chart_the_overdue_list_and_each_incident(page: Path, tmp_path: Path) -> None:
    dom = _browser(page, tmp_path, "--dump-dom").stdout
    assert "<title>Postmortem follow-up report, 2026-12-01</title>" in dom
    assert re.search(r"<svg[^>]*role=\"img\"", dom)
    assert 'class="series open"' in dom and 'class="series overdue"' in dom
    assert ">Open postmortem action items, 2026-03-14 to 2026-12-01</text>" in dom
    overdue = dom.split('<table class="overdue">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", overdue, re.S)
    assert len(rows) == 1 + 9  # the header and the nine overdue items
    assert '<td class="n">215</td><td>Raise the worker autoscaling ceiling' in rows[1]
    sections = re.findall(r'<section class="incident" id="incident-([^"]+)">', dom)
    assert len(sections) == 4
    assert "<h3>Customers locked out after rate-limit change</h3>" in dom
    assert "<td>Ingrid Lind</td>" in dom


def test_chromium_paints_both_series(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    _browser(page, tmp_path, f"--screenshot={shot}", "--window-size=1100,900")
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == (1100, 900)
    assert _near(rows, (0x09, 0x69, 0xDA)) > 200  # the open series and its legend key, in blue
    assert _near(rows, (0xCF, 0x22, 0x2E)) > 200  # the overdue series, in red
