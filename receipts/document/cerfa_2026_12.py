"""The tax receipt PDF of edition "2026-12": the wording of the current forms.

Cerfa n° 11580*05 (form 2041-RD, April 2023) for individuals, articles 200
and 978 only, and Cerfa n° 16216*03 (form 2041-MEC-SD) for companies,
article 238 bis, each with its own sentences, check boxes and footnotes
quoted as printed on the form (TAX_RULES.md, "Receipt forms"), and a short
"Comment déclarer ?" box telling the donor where the amount goes on their
return and how long to keep the receipt.

The page keeps the layout of the previous edition (`receipts.document.cerfa_2026_11`,
frozen, whose unchanged parts are reused here): titled boxes, check boxes
ticked with a text "X", the QR code, the signature, the SPECIMEN mark. Same
snapshot and same signature bytes => the same PDF bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from receipts.document.cerfa_2026_11 import (
    SPECIMEN_LINE,
    _date,
    _draw_donor,
    _draw_payment_table,
    _draw_specimen_watermark,
    _set_document_info,
    fitted_on_one_page,
)
from receipts.document.layout import (
    BAND,
    BODY,
    CHECK,
    LEAD,
    LEFT,
    MARGIN,
    PAD,
    REGULAR,
    SMALL,
    SMALL_LEAD,
    WIDTH,
    LayoutError,
    Sheet,
    width_of,
    wrap,
)
from receipts.document.snapshot import FORM_COMPANY, ReceiptSnapshot
from receipts.document.wording_2026_12 import (
    ARTICLES,
    CERTIFIES,
    COMPANY_DESCRIPTION,
    COMPANY_IN_KIND,
    COMPANY_PAYMENT_FORMS,
    COMPANY_PERIOD,
    COMPANY_RECEIVED,
    COMPANY_TOTAL,
    FOOTNOTES,
    FORMS_OF_GIFT,
    GENERAL_INTEREST,
    HOW_TO_DECLARE,
    NATURES,
    NOTHING,
    PAYMENT_METHODS,
    RECEIVED,
    RUP,
    TAX_FORMS,
    TITLES,
)
from receipts.document.words import amount_in_figures, amount_in_words

__all__ = ["FOOTNOTES", "HOW_TO_DECLARE", "TITLES", "draw_receipt", "drawn_with", "how_to_declare"]


def draw_receipt(snapshot: ReceiptSnapshot, signature_png: bytes | None = None) -> bytes:
    """Draw the receipt of `snapshot` in this edition as a one-page A4 PDF and return its bytes.

    Same contract as `receipts.document.cerfa.draw_receipt`: `LayoutError` when the
    mentions cannot fit one page, ValueError for a wrong signature image.
    """
    return drawn_with(snapshot, signature_png, how_to_declare)


def drawn_with(
    snapshot: ReceiptSnapshot, signature_png: bytes | None, how: Callable[[ReceiptSnapshot], tuple[str, ...]]
) -> bytes:
    """This edition's page with `how` giving the lines of its "Comment déclarer ?" box (a later edition
    that changes only that box draws with it)."""
    return fitted_on_one_page(snapshot, signature_png, partial(_drawn, how=how))


def _drawn(
    snapshot: ReceiptSnapshot,
    signature_png: bytes | None,
    donor_size: float,
    table_level: int,
    how: Callable[[ReceiptSnapshot], tuple[str, ...]],
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=REGULAR, initialFontSize=BODY, lang="fr-FR"
    )
    _set_document_info(canvas, snapshot, signature_png)
    sheet = Sheet(canvas)
    notes = _footnote_lines(snapshot)
    sheet.floor = MARGIN + len(notes) * NOTE_LEAD + 8
    _draw_header(sheet, snapshot)
    _draw_beneficiary(sheet, snapshot)
    _draw_donor(sheet, snapshot, donor_size)
    if snapshot.form == FORM_COMPANY:
        _draw_company_gifts(sheet, snapshot, table_level)
    else:
        _draw_amount(sheet, snapshot, table_level)
        _draw_certification(sheet, snapshot)
    _draw_closing_row(sheet, snapshot, signature_png, how(snapshot))
    _draw_footnotes(sheet, notes)
    if snapshot.specimen:
        _draw_specimen_watermark(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _centred(sheet: Sheet, text: str, **style: object) -> None:
    sheet.paragraph(text, align="center", x=LEFT, width=WIDTH, **style)  # type: ignore[arg-type]


def _draw_header(sheet: Sheet, s: ReceiptSnapshot) -> None:
    c, top = sheet.c, sheet.y
    cerfa = f"Cerfa n° {s.form_version}"
    c.setLineWidth(0.8)
    c.rect(LEFT, top - 17, width_of(cerfa, True, 9.5) + 12, 17, stroke=1, fill=0)
    sheet.text(LEFT + 6, top - 12, cerfa, bold=True, size=9.5)
    sheet.text(LEFT, top - 26, f"Formulaire n° {TAX_FORMS[s.form]}", size=SMALL)
    number = f"Numéro d'ordre du reçu : {s.number}"
    number_width = width_of(number, True, 10) + 14
    c.rect(LEFT + WIDTH - number_width, top - 19, number_width, 19, stroke=1, fill=0)
    sheet.text(LEFT + WIDTH - number_width + 7, top - 13, number, bold=True, size=10)
    sheet.y = top - 30
    _centred(sheet, TITLES[s.form], bold=True, size=12.5, lead=15.5)
    if s.kind == "annual":
        _centred(sheet, f"Reçu annuel récapitulatif des versements {_recapped(s)}", bold=True)
    if s.replaces:
        _centred(sheet, f"Ce reçu annule et remplace le reçu n° {s.replaces}", bold=True)
    if s.split_with:
        other = "200" if s.articles == ("978",) else "978"
        _centred(
            sheet,
            f"Don réparti entre l'IFI et l'impôt sur le revenu : l'autre part fait l'objet du reçu "
            f"n° {s.split_with} (article {other} du code général des impôts) ; aucune somme ne figure "
            f"sur les deux reçus.",
        )
    if s.specimen:
        c.setFillColorRGB(0.75, 0, 0)
        _centred(sheet, f"SPECIMEN – {SPECIMEN_LINE}", bold=True, size=10, lead=13)
        c.setFillGray(0)
    sheet.y -= 6


def _draw_beneficiary(sheet: Sheet, s: ReceiptSnapshot) -> None:
    f = s.foundation
    company = s.form == FORM_COMPANY
    top = sheet.open_box("Organisme bénéficiaire des dons et versements" if company else "Bénéficiaire des versements")
    sheet.field("Dénomination de l'organisme : " if company else "Nom ou dénomination : ", f.name)
    sheet.fields(("N° SIREN : ", f.siren), ("N° RNA : ", f.rna))
    sheet.field("Adresse : ", f.address)
    sheet.field("Objet : ", f.object)
    _ticked_paragraph(sheet, LEFT + PAD, GENERAL_INTEREST[s.form])
    _ticked_paragraph(
        sheet, LEFT + PAD + 12, RUP.format(decree=_date(f.rup_decree_date), jo=_date(f.rup_journal_officiel_date))
    )
    sheet.close_box(top)


def _ticked_paragraph(sheet: Sheet, x: float, text: str) -> None:
    """A ticked check box whose label is a paragraph, wrapped beside the box (the form's category boxes)."""
    indent = CHECK + 3.5
    lines = wrap(text, LEFT + WIDTH - PAD - x - indent, size=NOTE_SIZE)
    for i, line in enumerate(lines):
        baseline = sheet.next_line(SMALL_LEAD if i == 0 else NOTE_LEAD)  # the first line leaves room for the box
        if i == 0:
            sheet.checkbox(x, baseline, "", True)
        sheet.text(x + indent, baseline, line, size=NOTE_SIZE)


def _payments_note(s: ReceiptSnapshot) -> str:
    n = len(s.payments)
    return f" ({n} versement{'s' if n > 1 else ''}, date et montant ci-dessous)" if n else ""


def _period(s: ReceiptSnapshot) -> str:
    if s.period is None:
        return _date(s.paid_on) if s.paid_on else ""
    return f"du {_date(s.period[0])} au {_date(s.period[1])}{_payments_note(s)}"


def _figures(sheet: Sheet, text: str) -> float:
    """The amount in figures, large, on its own line; return the x where it ends."""
    sheet.y -= 1
    return sheet.text(LEFT + PAD + 12, sheet.next_line(15), text, bold=True, size=12)


def _amount(sheet: Sheet, cents: int) -> None:
    """The amount in figures, then in words on the same line (wrapped beside it when long)."""
    end = _figures(sheet, amount_in_figures(cents))
    below = sheet.y
    sheet.y = below + 0.25 * 15 + 0.75 * LEAD  # the words' first baseline is that of the figures
    x = end + 14
    sheet.field("Somme en toutes lettres : ", amount_in_words(cents), x, LEFT + WIDTH - PAD - x)
    sheet.y = min(sheet.y, below)


def _draw_amount(sheet: Sheet, s: ReceiptSnapshot, table_level: int = 0) -> None:
    top = sheet.open_box("Dons et versements reçus")
    sheet.paragraph(RECEIVED)
    _amount(sheet, s.amount_cents)
    if s.kind == "annual":
        sheet.field("Période : ", _period(s))
        _draw_payment_table(sheet, s, table_level)
    else:
        sheet.field("Date du versement ou du don : ", _date(s.paid_on))  # type: ignore[arg-type]
    sheet.close_box(top)


def _draw_certification(sheet: Sheet, s: ReceiptSnapshot) -> None:
    top = sheet.open_box("Attestation du bénéficiaire")
    sheet.paragraph(CERTIFIES)
    sheet.checkbox_row("Article :", [(label, key in s.articles) for key, label in ARTICLES])
    sheet.checkbox_row("Forme du don :", [(label, key == s.form_of_gift) for key, label in FORMS_OF_GIFT])
    sheet.checkbox_row("Nature du don (3) :", [(label, key == s.nature) for key, label in NATURES])
    sheet.checkbox_row(
        "En cas de don en numéraire, mode de versement du don :",
        [(label, key in s.payment_methods) for key, label in PAYMENT_METHODS],
    )
    sheet.close_box(top)


def _draw_company_gifts(sheet: Sheet, s: ReceiptSnapshot, table_level: int = 0) -> None:
    """Form 16216's block: gifts in kind (none: the service takes money only), payments, total, period."""
    in_kind = s.nature != "numeraire"
    top = sheet.open_box("Dons et versements effectués par l'entreprise")
    # Money only: the in-kind lines say "néant" where the form's blanks are, to save the page's room.
    if in_kind:
        sheet.paragraph(COMPANY_IN_KIND)
        _amount(sheet, s.amount_cents)
    else:
        sheet.paragraph(f"{COMPANY_IN_KIND} {NOTHING}")
    sheet.paragraph(f"{COMPANY_DESCRIPTION} {NOTHING}")
    sheet.y -= 2
    if in_kind:
        sheet.paragraph(f"{COMPANY_RECEIVED} {NOTHING}")
    else:
        sheet.paragraph(COMPANY_RECEIVED)
        _amount(sheet, s.amount_cents)
    sheet.checkbox_row(
        "Forme des versements (4) :",
        [(label, not in_kind and key in s.payment_methods) for key, label in COMPANY_PAYMENT_FORMS],
    )
    sheet.y -= 2
    sheet.paragraph(COMPANY_TOTAL)
    _amount(sheet, s.amount_cents)
    # The form's long label, then the date or period: on one line when they fit, else as one paragraph.
    period = _period(s)
    if width_of(COMPANY_PERIOD, True) + width_of(period) <= WIDTH - 2 * PAD:
        sheet.runs(LEFT + PAD, sheet.next_line(), (COMPANY_PERIOD, True), (period, False))
    else:
        sheet.paragraph(COMPANY_PERIOD + period)
    if s.payments:
        _draw_payment_table(sheet, s, table_level)
    sheet.close_box(top)


def how_to_declare(s: ReceiptSnapshot) -> tuple[str, ...]:
    """The lines of the "Comment déclarer ?" box for this receipt's article."""
    return tuple(line.format(year=gift_year(s)) for line in HOW_TO_DECLARE[s.articles[0]])


def _recapped(s: ReceiptSnapshot) -> str:
    """What a recap covers: a calendar year, or a company's financial year ending on another day (only
    recaps issued since financial years are known have one: older recaps draw as they always did)."""
    start, end = s.period  # type: ignore[misc]
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"de l'année {start.year}"
    return f"de l'exercice clos le {_date(end)}"


def gift_year(s: ReceiptSnapshot) -> int:
    """The year the receipt's gifts were made (a recap's period, else the day paid)."""
    return (s.period[0] if s.period else s.paid_on or s.issued_on).year


# The closing row, side by side: the verification QR code, "Comment déclarer ?", the signature.
QR_WIDTH, HOW_WIDTH, GAP, ROW_HEIGHT = 118.0, 200.0, 8.0, 84.0
# The form's footnotes are set small, as on the printed form.
NOTE_SIZE, NOTE_LEAD = 6.0, 7.0


def _draw_closing_row(sheet: Sheet, s: ReceiptSnapshot, signature_png: bytes | None, how: tuple[str, ...]) -> None:
    top = sheet.y
    how_lines = [line for paragraph in how for line in wrap(paragraph, HOW_WIDTH - 2 * PAD, size=SMALL)]
    height = max(ROW_HEIGHT, BAND + 2 + len(how_lines) * SMALL_LEAD + PAD)
    if top - height - 14 < sheet.floor:
        raise LayoutError("the receipt does not fit on one page")
    bottom = top - height + PAD
    # The verification QR code.
    sheet.open_box("Vérification", LEFT, QR_WIDTH)
    qr_size = ROW_HEIGHT - 13 - 2 * PAD
    sheet.qr(s.verification_url, LEFT + (QR_WIDTH - qr_size) / 2, bottom, qr_size)
    sheet.y = bottom - 2
    sheet.close_box(top, LEFT, QR_WIDTH, gap=0)
    # Where the amount goes on the donor's return, and how long to keep the receipt.
    x = LEFT + QR_WIDTH + GAP
    sheet.y = top
    sheet.open_box("Comment déclarer ?", x, HOW_WIDTH)
    for line in how_lines:
        sheet.text(x + PAD, sheet.next_line(SMALL_LEAD), line, size=SMALL)
    sheet.y = bottom - 2
    sheet.close_box(top, x, HOW_WIDTH, gap=0)
    # Date, signatory and signature.
    x += HOW_WIDTH + GAP
    width = LEFT + WIDTH - x
    sheet.y = top
    sheet.open_box("Signature", x, width)
    signatory = s.foundation
    for label, value in (
        ("Date d'émission du reçu : ", _date(s.issued_on)),
        ("Signataire : ", signatory.signatory_name),
        ("Qualité : ", signatory.signatory_title),
    ):
        sheet.field(label, value, x + PAD, width - 2 * PAD)
    label_baseline = sheet.next_line()
    sheet.text(x + PAD, label_baseline, "Signature :", bold=True)
    if signature_png:
        _draw_signature_image(sheet, signature_png, x + PAD, label_baseline - 4, width - 2 * PAD, bottom)
    sheet.y = bottom - 2
    sheet.close_box(top, x, width, gap=2)
    sheet.fitted(f"Vérifier ce reçu : {s.verification_url}")


def _draw_signature_image(sheet: Sheet, png: bytes, x: float, ceiling: float, width: float, bottom: float) -> None:
    """The signature image under its label, as large as the box leaves room for."""
    try:
        sheet.c.drawImage(
            ImageReader(io.BytesIO(png)),
            x,
            bottom,
            width=width,
            height=max(ceiling - bottom, 12.0),
            preserveAspectRatio=True,
            anchor="sw",
            mask="auto",
        )
    except Exception as error:  # reportlab and PIL raise many kinds of errors for a bad image
        raise ValueError("the signature image is not a readable PNG") from error


def _footnote_lines(s: ReceiptSnapshot) -> list[tuple[str, bool]]:
    lines: list[tuple[str, bool]] = [("Notes du formulaire", True)]
    for note in FOOTNOTES[s.form]:
        lines.extend((line, False) for line in wrap(note, WIDTH, size=NOTE_SIZE))
    return lines


def _draw_footnotes(sheet: Sheet, lines: list[tuple[str, bool]]) -> None:
    """The form's footnotes, at the foot of the page, under a rule."""
    top = MARGIN + len(lines) * NOTE_LEAD + 4
    sheet.c.setLineWidth(0.4)
    sheet.c.line(LEFT, top, LEFT + WIDTH, top)
    for k, (line, bold) in enumerate(lines):
        sheet.text(LEFT, top - 3 - (k + 1) * NOTE_LEAD + 1.4, line, bold=bold, size=NOTE_SIZE)
