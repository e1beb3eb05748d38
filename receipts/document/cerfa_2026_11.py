"""The tax receipt PDF as drawn up to edition "2026-11": Cerfa n° 11580 (individuals) and n° 16216 (companies).

Frozen: a receipt issued with this edition is redrawn from its snapshot by
this code, to the same bytes, years later (its sha256 is recorded). New
receipts use the current edition (`receipts.document.cerfa_2026_12`); never edit the
drawing here. `receipts.document.cerfa.draw_receipt` chooses by the snapshot's edition.

`draw_receipt(snapshot)` draws one A4 page from the frozen snapshot alone
(TAX_RULES.md, "Mandatory mentions"), laid out like the official forms: titled
boxes, check boxes ticked with a text "X" so the ticked state can be read back
from the PDF's text, a QR code of the verification URL, and a diagonal
SPECIMEN for test-mode payments.

Same snapshot and same signature bytes => the same PDF bytes, in any process,
on any day: the canvas runs in reportlab's invariant mode, the document dates
come from the issue date, and the file id is a digest of what is drawn. The
fonts (DejaVu Sans, receipts/document/fonts/) are embedded as subsets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from donations.money import format_euros
from receipts.document.layout import (
    BODY,
    BOLD,
    LEAD,
    LEFT,
    MARGIN,
    PAD,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR,
    RIGHT,
    SMALL,
    SMALL_LEAD,
    WIDTH,
    LayoutError,
    Sheet,
    register_fonts,
    width_of,
    wrap,
)
from receipts.document.snapshot import FORM_COMPANY, ReceiptSnapshot
from receipts.document.wording_2026_11 import (
    ARTICLE_BOXES,
    CERTIFIES,
    FINE_1740_A,  # noqa: F401  (the footnote the next edition quotes too)
    FORMS_OF_GIFT,
    NATURES,
    PAYMENT_METHODS,
    RECEIVED,
    SPECIMEN_LINE,
    SUBTITLES,
    TAX_FORMS,
    TITLES,
)
from receipts.document.wording_2026_11 import footnotes as _footnotes
from receipts.document.words import amount_in_figures, amount_in_words

__all__ = ["MAX_LISTED_PAYMENTS", "LayoutError", "draw_receipt"]

MAX_LISTED_PAYMENTS = 100  # an annual recap lists each payment; past this it cannot fit one page
# The type sizes the donor's mentions are tried at, largest first (points); the smallest stays legible.
DONOR_SIZES = (BODY, 8.0, 7.4, 6.8, 6.2, 5.6, 5.0)


def draw_receipt(snapshot: ReceiptSnapshot, signature_png: bytes | None = None) -> bytes:
    """Draw the receipt of `snapshot` as a one-page A4 PDF and return its bytes.

    `signature_png` is the signatory's signature image (PNG bytes), printed
    in the signature box; it must be given exactly when the snapshot records
    its sha256 (`foundation.signature_sha256`), and match it. The result
    depends only on the two arguments. Raises `LayoutError` (a ValueError) if
    the mentions cannot fit on one page, ValueError for a signature image that
    is missing, unexpected, not the recorded one or unreadable.
    """
    return fitted_on_one_page(snapshot, signature_png, _drawn)


Drawing = Callable[[ReceiptSnapshot, bytes | None, float, int], bytes]


def fitted_on_one_page(snapshot: ReceiptSnapshot, signature_png: bytes | None, drawn: Drawing) -> bytes:
    """Draw with `drawn` at the roomiest settings that fit one page (every edition draws this way)."""
    register_fonts()
    _check_signature(snapshot, signature_png)
    # Plain Flate streams: the ASCII85 layer reportlab adds by default makes files a quarter larger and
    # the drawing slower, for 7-bit transports nobody uses any more. (Global, read while drawing: set
    # on each call so that the bytes never depend on what other code did to it.)
    rl_config.useA85 = 0
    if len(snapshot.payments) > MAX_LISTED_PAYMENTS:
        raise LayoutError(f"an annual recap lists at most {MAX_LISTED_PAYMENTS} payments on one page")
    # What the donor typed is wrapped to its box; when the page still overflows, the donor's mentions
    # are set smaller, step by step, then a long recap's table, until the receipt fits its one page
    # (the steps are fixed, so the same snapshot always gives the same bytes).
    steps = _settings_to_try(snapshot)
    for donor_size, table_level in steps[:-1]:
        try:
            return drawn(snapshot, signature_png, donor_size, table_level)
        except LayoutError:
            continue
    return drawn(snapshot, signature_png, *steps[-1])


def _settings_to_try(snapshot: ReceiptSnapshot) -> list[tuple[float, int]]:
    """(donor's type size, payment table level), roomiest first: the donor's mentions shrink first,
    then a long annual recap's list of payments."""
    steps = [(size, 0) for size in DONOR_SIZES]
    if snapshot.payments:
        steps += [(DONOR_SIZES[-1], level) for level in (1, 2)]
    return steps


def _drawn(snapshot: ReceiptSnapshot, signature_png: bytes | None, donor_size: float, table_level: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=REGULAR, initialFontSize=BODY, lang="fr-FR"
    )
    _set_document_info(canvas, snapshot, signature_png)
    sheet = Sheet(canvas)
    notes = _footnote_lines(snapshot)
    sheet.floor = MARGIN + len(notes) * SMALL_LEAD + 8
    _draw_header(sheet, snapshot)
    _draw_beneficiary(sheet, snapshot)
    _draw_donor(sheet, snapshot, donor_size)
    _draw_amount(sheet, snapshot, table_level)
    _draw_certification(sheet, snapshot)
    _draw_signature(sheet, snapshot, signature_png)
    _draw_footnotes(sheet, notes)
    if snapshot.specimen:
        _draw_specimen_watermark(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _check_signature(s: ReceiptSnapshot, signature_png: bytes | None) -> None:
    """The snapshot records which signature image is printed: the bytes given must be those."""
    expected = s.foundation.signature_sha256
    if signature_png is None:
        if expected:
            raise ValueError("this receipt prints a signature image: pass its PNG bytes")
    elif hashlib.sha256(signature_png).hexdigest() != expected:
        raise ValueError("the signature image is not the one the receipt's snapshot records (signature_sha256)")


def _date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _set_document_info(canvas: Canvas, s: ReceiptSnapshot, signature_png: bytes | None) -> None:
    canvas.setTitle(f"Reçu fiscal {s.number}")
    canvas.setAuthor(s.foundation.name)
    canvas.setSubject(f"Cerfa n° {s.form_version}")
    canvas.setCreator("receipts.cerfa")  # as always: the bytes of this edition never change
    stamp = f"D:{s.issued_on.year:04d}{s.issued_on.month:02d}{s.issued_on.day:02d}000000+00'00'"
    canvas.setDateFormatter(lambda *_: stamp)
    # The file id is an md5 reportlab seeds with its clock (or SOURCE_DATE_EPOCH): seed it with what
    # the page shows instead, so the bytes depend on the snapshot alone.
    seed = hashlib.sha256(json.dumps(s.to_json(), sort_keys=True).encode())
    seed.update(hashlib.sha256(signature_png or b"").digest())
    canvas._doc.signature = hashlib.md5(seed.digest(), usedforsecurity=False)


def _draw_header(sheet: Sheet, s: ReceiptSnapshot) -> None:
    c, top = sheet.c, sheet.y
    cerfa = f"Cerfa n° {s.form_version}"
    c.setLineWidth(0.8)
    c.rect(LEFT, top - 17, width_of(cerfa, True, 9.5) + 12, 17, stroke=1, fill=0)
    sheet.text(LEFT + 6, top - 12, cerfa, bold=True, size=9.5)
    sheet.text(LEFT, top - 26, f"Formulaire n° {TAX_FORMS[s.form]}", size=SMALL)
    number = f"Numéro d'ordre du reçu : {s.number}"
    number_width = width_of(number, True, 10) + 14
    c.rect(RIGHT - number_width, top - 19, number_width, 19, stroke=1, fill=0)
    sheet.text(RIGHT - number_width + 7, top - 13, number, bold=True, size=10)
    sheet.y = top - 30
    sheet.paragraph(TITLES[s.form], bold=True, size=12.5, lead=15.5, align="center", x=LEFT, width=WIDTH)
    if SUBTITLES[s.form]:
        sheet.paragraph(SUBTITLES[s.form], size=BODY, align="center", x=LEFT, width=WIDTH)
    if s.kind == "annual":
        sheet.paragraph(
            f"Reçu annuel récapitulatif des versements de l'année {s.period[0].year}",  # type: ignore[index]
            bold=True,
            align="center",
            x=LEFT,
            width=WIDTH,
        )
    if s.replaces:
        sheet.paragraph(
            f"Ce reçu annule et remplace le reçu n° {s.replaces}", bold=True, align="center", x=LEFT, width=WIDTH
        )
    if s.split_with:
        other = "200" if s.articles == ("978",) else "978"
        sheet.paragraph(
            f"Don réparti entre l'IFI et l'impôt sur le revenu : l'autre part fait l'objet du reçu n° {s.split_with} "
            f"(article {other} du code général des impôts) ; aucune somme ne figure sur les deux reçus.",
            size=BODY,
            align="center",
            x=LEFT,
            width=WIDTH,
        )
    if s.specimen:
        c.setFillColorRGB(0.75, 0, 0)
        sheet.paragraph(f"SPECIMEN – {SPECIMEN_LINE}", bold=True, size=10, lead=13, align="center", x=LEFT, width=WIDTH)
        c.setFillGray(0)
    sheet.y -= 6


def _draw_beneficiary(sheet: Sheet, s: ReceiptSnapshot) -> None:
    f = s.foundation
    top = sheet.open_box("Bénéficiaire des versements")
    sheet.field("Nom ou dénomination : ", f.name)
    sheet.fields(("N° SIREN : ", f.siren), ("N° RNA : ", f.rna))
    sheet.field("Adresse : ", f.address)
    sheet.field("Objet : ", f.object)
    sheet.field(
        "Catégorie : ",
        f"Fondation reconnue d'utilité publique par décret en date du {_date(f.rup_decree_date)} "
        f"publié au Journal officiel du {_date(f.rup_journal_officiel_date)}",
    )
    sheet.close_box(top)


def _draw_donor(sheet: Sheet, s: ReceiptSnapshot, size: float = BODY) -> None:
    d = s.donor
    lead = LEAD if size == BODY else round(size * LEAD / BODY, 2)
    top = sheet.open_box("Donateur" if s.form != FORM_COMPANY else "Entreprise donatrice")
    if d.donor_type == "company":
        sheet.field("Dénomination ou raison sociale : ", d.company_name, size=size, lead=lead)
        sheet.fields(("Forme juridique : ", d.legal_form), ("N° SIREN : ", d.siren), size=size, lead=lead)
    else:
        sheet.fields(("Nom : ", d.last_name), ("Prénoms : ", d.first_name), size=size, lead=lead)
    address = ", ".join(line for line in (d.address_line1, d.address_line2) if line.strip())
    sheet.field("Adresse : ", address, size=size, lead=lead)
    sheet.fields(
        ("Code postal : ", d.postal_code), ("Commune : ", d.city), ("Pays : ", d.country_name), size=size, lead=lead
    )
    sheet.close_box(top)


def _draw_amount(sheet: Sheet, s: ReceiptSnapshot, table_level: int = 0) -> None:
    top = sheet.open_box("Dons et versements reçus")
    sheet.paragraph(RECEIVED)
    sheet.y -= 3
    sheet.text(LEFT + PAD + 12, sheet.next_line(17), amount_in_figures(s.amount_cents), bold=True, size=13)
    sheet.y -= 2
    sheet.field("Somme en toutes lettres : ", amount_in_words(s.amount_cents))
    period = f"du {_date(s.period[0])} au {_date(s.period[1])}" if s.period else ""
    if s.payments:
        period += f" ({len(s.payments)} versements, date et montant ci-dessous)"
    if s.form == FORM_COMPANY:
        sheet.field("Date ou période : ", _date(s.paid_on) if s.paid_on and not period else period)
    elif s.kind == "annual":
        sheet.field("Période : ", period)
    else:
        sheet.field("Date du versement ou du don : ", _date(s.paid_on))  # type: ignore[arg-type]
    if s.payments:
        _draw_payment_table(sheet, s, table_level)
    sheet.close_box(top)


# The payment table's (type size, lead, most columns) by length of the list, then in the smaller settings
# a crowded page asks for (levels 1 and 2).
TABLE_SETTINGS = ((BODY, LEAD, 4), (7.2, 8.4, 5), (6.4, 7.4, 6), (5.6, 6.6, 7), (5.0, 5.9, 8))


def _draw_payment_table(sheet: Sheet, s: ReceiptSnapshot, level: int = 0) -> None:
    """Each payment as "date  amount", column by column; smaller and more columns for long lists."""
    n = len(s.payments)
    natural = 0 if n <= 24 else 1 if n <= 60 else 2
    size, lead, most = TABLE_SETTINGS[min(natural + level, len(TABLE_SETTINGS) - 1)]
    entries = [(_date(p.date), format_euros(p.amount_cents)) for p in s.payments]
    widest = max(width_of(f"{day} {amount}", False, size) for day, amount in entries)
    available = WIDTH - 2 * PAD - 12
    columns = max(1, min(n, most, int(available // (widest + 12))))
    rows = -(-n // columns)
    column = available / columns
    top = sheet.y
    for k, (day, amount) in enumerate(entries):
        col, row = divmod(k, rows)
        sheet.y = top - row * lead
        baseline = sheet.next_line(lead)
        x = LEFT + PAD + 12 + col * column
        # One text object per entry, so that the date and its amount extract as one line.
        text = sheet.c.beginText(x, baseline)
        text.setFont(REGULAR, size)
        text.textOut(day + " ")
        text.setTextOrigin(x + column - 12 - width_of(amount, False, size), baseline)
        text.textOut(amount)
        sheet.c.drawText(text)
    sheet.y = top - rows * lead


def _draw_certification(sheet: Sheet, s: ReceiptSnapshot) -> None:
    top = sheet.open_box("Attestation du bénéficiaire")
    sheet.paragraph(CERTIFIES)
    sheet.checkbox_row("Article :", [(a, a in s.articles) for a in ARTICLE_BOXES[s.form]])
    sheet.y -= 2
    sheet.checkbox_row("Forme du don :", [(label, key == s.form_of_gift) for key, label in FORMS_OF_GIFT])
    sheet.checkbox_row("Nature du don :", [(label, key == s.nature) for key, label in NATURES])
    sheet.checkbox_row(
        "En cas de don en numéraire, mode de versement du don :",
        [(label, key in s.payment_methods) for key, label in PAYMENT_METHODS],
    )
    sheet.close_box(top)


def _draw_signature(sheet: Sheet, s: ReceiptSnapshot, signature_png: bytes | None) -> None:
    c, top = sheet.c, sheet.y
    qr_width = 118.0
    height = 90.0
    if top - height - 14 < sheet.floor:
        raise LayoutError("the receipt does not fit on one page")
    # Left: the verification QR code.
    sheet.open_box("Vérification", LEFT, qr_width)
    qr_size = height - 13 - 2 * PAD
    sheet.qr(s.verification_url, LEFT + (qr_width - qr_size) / 2, top - height + PAD, qr_size)
    sheet.y = top - height + PAD - 2
    sheet.close_box(top, LEFT, qr_width, gap=0)
    # Right: date, signatory and signature.
    x, width = LEFT + qr_width + 8, WIDTH - qr_width - 8
    sheet.y = top
    sheet.open_box("Signature", x, width)
    sheet.field("Date d'émission du reçu : ", _date(s.issued_on), x + PAD, width - 2 * PAD)
    sheet.field("Signataire : ", s.foundation.signatory_name, x + PAD, width - 2 * PAD)
    sheet.field("Qualité : ", s.foundation.signatory_title, x + PAD, width - 2 * PAD)
    label_baseline = sheet.next_line()
    sheet.text(x + PAD, label_baseline, "Signature :", bold=True)
    if signature_png:
        box_bottom = top - height + PAD
        try:
            c.drawImage(
                ImageReader(io.BytesIO(signature_png)),
                x + PAD + 58,
                box_bottom,
                width=min(200.0, width - 70),
                height=max(label_baseline + 8 - box_bottom, 12.0),
                preserveAspectRatio=True,
                anchor="sw",
                mask="auto",
            )
        except Exception as error:  # reportlab and PIL raise many kinds of errors for a bad image
            raise ValueError("the signature image is not a readable PNG") from error
    sheet.y = top - height + PAD - 2
    sheet.close_box(top, x, width, gap=2)
    sheet.fitted(f"Vérifier ce reçu : {s.verification_url}")


def _footnote_lines(s: ReceiptSnapshot) -> list[tuple[str, bool]]:
    lines: list[tuple[str, bool]] = [("Informations", True)]
    for i, note in enumerate(_footnotes(s), start=1):
        lines.extend((line, False) for line in wrap(f"({i}) {note}", WIDTH, size=SMALL))
    return lines


def _draw_footnotes(sheet: Sheet, lines: list[tuple[str, bool]]) -> None:
    """The footnotes, at the foot of the page, under a rule."""
    top = MARGIN + len(lines) * SMALL_LEAD + 4
    sheet.c.setLineWidth(0.4)
    sheet.c.line(LEFT, top, RIGHT, top)
    for k, (line, bold) in enumerate(lines):
        sheet.text(LEFT, top - 3 - (k + 1) * SMALL_LEAD + 1.6, line, bold=bold, size=SMALL)


def _draw_specimen_watermark(canvas: Canvas) -> None:
    """A large light-grey diagonal "SPECIMEN", drawn as text over the page so it cannot be cropped away."""
    canvas.saveState()
    canvas.setFillColorRGB(0.55, 0.55, 0.55, alpha=0.28)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(54)
    canvas.setFont(BOLD, 118)
    canvas.drawCentredString(0, -40, "SPECIMEN")
    canvas.restoreState()
