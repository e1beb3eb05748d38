"""Bare reportlab drawing a receipt's page: the anchor of the receipt drawing benches.

`record(snapshot)` draws the receipt once through the service's drawing
(`receipts.document.cerfa.draw_receipt`) on a canvas that notes every call the
drawing makes on it: each font set, each string and where, each rectangle,
line and colour, the QR code's path, the document's info. `replay(page)` then
makes those very calls on a plain reportlab `Canvas`, with the same TrueType
fonts registered, and nothing else: no wrapping, no measuring, no fitting to
the page, no QR code to compute, no amount in words, no snapshot to read. Its
PDF is the service's, byte for byte (`replay` checks it), so the two draw the
same page and the ratio of their times is what the service's layout costs
over reportlab's own work (building the page, subsetting and embedding the
fonts, compressing, writing the file).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from receipts.document import cerfa_2026_11, cerfa_2026_12
from receipts.document.cerfa import draw_receipt
from receipts.document.layout import qr_path, register_fonts
from receipts.document.snapshot import ReceiptSnapshot

Call = tuple[str, tuple[Any, ...], dict[str, Any]]


@dataclass
class Page:
    """What a drawing did on its canvas, in order: canvas calls, and text objects drawn (with their calls)."""

    canvas_args: tuple[tuple[Any, ...], dict[str, Any]] = ((), {})
    steps: list[tuple[str, Any]] = field(default_factory=list)  # ("call", Call) or ("text", (origin, [Call]))
    file_id: Any = None  # the md5 the drawing seeded the file id with
    pdf: bytes = b""  # what the service's drawing returned


class _RecordingText(PDFTextObject):
    def __init__(self, canvas: Canvas, x: float, y: float, **kwargs: Any) -> None:
        self.calls: list[Call] = []
        super().__init__(canvas, x, y, **kwargs)
        self.origin = ((x, y), kwargs)
        self.calls.clear()  # what reportlab did to set it up is not the drawing's


def _noted_text_call(name: str) -> Callable[..., Any]:
    def call(self: _RecordingText, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((name, args, kwargs))
        return getattr(PDFTextObject, name)(self, *args, **kwargs)

    return call


for _name in ("setFont", "textOut", "textLine", "setTextOrigin", "setFillGray", "setFillColorRGB"):
    setattr(_RecordingText, _name, _noted_text_call(_name))


# Every Canvas method a receipt's drawing calls (a call of another one fails the byte check of `replay`).
CANVAS_CALLS = (
    "setTitle",
    "setAuthor",
    "setSubject",
    "setCreator",
    "setDateFormatter",
    "setFont",
    "drawString",
    "drawCentredString",
    "drawRightString",
    "rect",
    "line",
    "setLineWidth",
    "setFillGray",
    "setStrokeGray",
    "setFillColorRGB",
    "setStrokeColorRGB",
    "saveState",
    "restoreState",
    "translate",
    "scale",
    "rotate",
    "addLiteral",
    "drawImage",
    "showPage",
)


class _RecordingCanvas(Canvas):
    page: Page

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.page = Page(canvas_args=(args[1:], kwargs))
        self._depth = 0
        super().__init__(*args, **kwargs)

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> PDFTextObject:
        if self._depth:
            return super().beginText(x, y, direction)
        return _RecordingText(self, x, y, direction=direction)

    def drawText(self, aTextObject: PDFTextObject) -> None:
        if self._depth == 0 and isinstance(aTextObject, _RecordingText):
            self.page.steps.append(("text", (aTextObject.origin, aTextObject.calls)))
        self._depth += 1
        try:
            super().drawText(aTextObject)
        finally:
            self._depth -= 1

    def save(self) -> None:
        self.page.file_id = self._doc.signature.copy()
        super().save()


def _noted_canvas_call(name: str) -> Callable[..., Any]:
    """`Canvas.name`, noted when the drawing calls it (not when reportlab calls it from within)."""

    def call(self: _RecordingCanvas, *args: Any, **kwargs: Any) -> Any:
        if self._depth == 0:
            self.page.steps.append(("call", (name, args, kwargs)))
        self._depth += 1
        try:
            return getattr(Canvas, name)(self, *args, **kwargs)
        finally:
            self._depth -= 1

    return call


for _name in CANVAS_CALLS:
    setattr(_RecordingCanvas, _name, _noted_canvas_call(_name))


@contextmanager
def _recording() -> Iterator[list[_RecordingCanvas]]:
    made: list[_RecordingCanvas] = []

    def canvas(*args: Any, **kwargs: Any) -> _RecordingCanvas:
        made.append(_RecordingCanvas(*args, **kwargs))
        return made[-1]

    editions = (cerfa_2026_11, cerfa_2026_12)
    try:
        for edition in editions:
            edition.Canvas = canvas  # type: ignore[attr-defined]
        yield made
    finally:
        for edition in editions:
            edition.Canvas = Canvas  # type: ignore[attr-defined]


def record(snapshot: ReceiptSnapshot, signature_png: bytes | None = None) -> Page:
    """The calls the service's drawing of `snapshot` makes on the canvas of the page it returns."""
    with _recording() as made:
        pdf = draw_receipt(snapshot, signature_png)
    page = made[-1].page  # the drawing that fitted (earlier tries, at roomier sizes, overflowed)
    page.pdf = pdf
    return page


def replay(page: Page) -> bytes:
    """Bare reportlab: the recorded calls on a plain Canvas, same fonts; answers the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    args, kwargs = page.canvas_args
    canvas = Canvas(buffer, *args, **kwargs)
    for kind, step in page.steps:
        if kind == "call":
            name, call_args, call_kwargs = step
            getattr(canvas, name)(*call_args, **call_kwargs)
        else:
            ((x, y), text_kwargs), calls = step
            text = canvas.beginText(x, y, **text_kwargs)
            for name, call_args, call_kwargs in calls:
                getattr(text, name)(*call_args, **call_kwargs)
            canvas.drawText(text)
    canvas._doc.signature = page.file_id.copy()
    canvas.save()
    return buffer.getvalue()


def checked(page: Page) -> Page:
    """`page`, once its replay is seen to give the service's very bytes."""
    if replay(page) != page.pdf:
        raise AssertionError("bare reportlab did not draw the service's page byte for byte")
    return page


@dataclass(frozen=True)
class Against:
    """The service's drawing against bare reportlab on the same pages, timed in turn (CPU seconds)."""

    ours: float  # median seconds of the service's drawing of a page
    bare: float  # median seconds of bare reportlab drawing that page
    ratio: float  # median of the per-page ratios
    pages: int


def _cpu_seconds(function: Callable[..., Any], *args: Any) -> float:
    started = time.process_time()
    function(*args)
    return time.process_time() - started


def against_bare(snapshots: list[ReceiptSnapshot], signature_png: bytes | None = None, rounds: int = 1) -> Against:
    """Each snapshot drawn by the service and by bare reportlab one after the other (`rounds` times
    each, after one recording that checks the bytes), so that drift on the machine weighs on both.

    CPU time of this process (time.process_time), not wall time: the machine is shared, and a
    drawing is single-threaded work.
    """
    pages = [checked(record(snapshot, signature_png)) for snapshot in snapshots]
    ours, bare = [], []
    for _ in range(rounds):
        for k, (snapshot, page) in enumerate(zip(snapshots, pages, strict=True)):
            # Each goes first every other page: neither always finds the caches warmed by the other.
            if k % 2:
                bare.append(_cpu_seconds(replay, page))
            qr_path.cache_clear()  # the page's QR code is computed, as when a receipt is first drawn
            ours.append(_cpu_seconds(draw_receipt, snapshot, signature_png))
            if not k % 2:
                bare.append(_cpu_seconds(replay, page))
    return Against(
        ours=statistics.median(ours),
        bare=statistics.median(bare),
        ratio=statistics.median(o / b for o, b in zip(ours, bare, strict=True)),
        pages=len(ours),
    )
