"""Importing offline gifts from a CSV file: all of it, or nothing.

The file is the one the issue and DESIGN.md describe: UTF-8 (a BOM is
allowed), `;` between fields, one header row naming the columns (`scheme`
may be left out). Every line is checked before anything is recorded: a file
with one bad line records nothing and names every bad line. A line whose gift
is already recorded (typed by hand, or imported before) is reported and
skipped, so importing the same file twice records nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from donations.finance.offline_gifts import (
    GiftRefused,
    OfflineGift,
    offline_key,
    record_offline_gift,
    recorded_as,
    scheme_problem,
)
from donations.giving.amounts import amount_error_message
from donations.models import DonorIdentity, DonorType, Payment, PaymentMethod, StaffUser, TaxScheme
from donations.money import AmountError, parse_euros
from donations.receipting.service import ReceiptEffects
from donations.sirens import is_valid_siren
from donations.tax import TaxRules
from receipts.document.printable import fits_receipt, unprintable_characters
from receipts.issuing import IssuingContext, receipts_covering

COLUMNS = (
    "date_received",
    "method",
    "amount",
    "donor_type",
    "first_name",
    "last_name",
    "company_name",
    "legal_form",
    "siren",
    "email",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "reference",
    "scheme",
)
OPTIONAL_COLUMNS = frozenset({"scheme"})
MAX_LINES = 10_000
METHODS = {"cheque": PaymentMethod.CHEQUE, "transfer": PaymentMethod.TRANSFER, "cash": PaymentMethod.CASH}
SCHEMES = {"income_tax": TaxScheme.INCOME_TAX, "ifi": TaxScheme.IFI, "company": TaxScheme.COMPANY}
# Longest value each printed field may hold (the columns of the donor record).
_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "company_name": 200,
    "legal_form": 100,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "reference": 140,
}


@dataclass
class ImportReport:
    """What an import did: the lines recorded (with their receipt), skipped as known, or refused."""

    recorded: list[tuple[int, Payment]] = field(default_factory=list)
    skipped: list[tuple[int, Payment]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # line 0: the file as a whole
    effects: ReceiptEffects = field(default_factory=ReceiptEffects)

    @property
    def ok(self) -> bool:
        return not self.errors


def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale.parse("fr").territories if len(code) == 2 and code.isalpha())  # type: ignore[arg-type, misc, union-attr]


def _check_text(name: str, value: str, problems: list[str]) -> None:
    unprintable = unprintable_characters(value)
    if unprintable:
        problems.append(
            _("%(column)s: the receipt cannot print %(characters)s", column=name, characters=", ".join(unprintable))
        )
    elif name in _LENGTHS and (len(value) > _LENGTHS[name] or not fits_receipt(value, _LENGTHS[name])):
        problems.append(_("%(column)s: too long", column=name))


def gift_of_row(row: dict[str, str], today: dt.date, countries: frozenset[str]) -> tuple[OfflineGift | None, list[str]]:
    """The gift one line describes, or the list of what is wrong with it."""
    value = {name: (row.get(name) or "").strip() for name in COLUMNS}
    problems: list[str] = []
    try:
        received_on = dt.date.fromisoformat(value["date_received"]) if len(value["date_received"]) == 10 else None
    except ValueError:
        received_on = None
    if received_on is None:
        problems.append(_("date_received: expected a date such as 2026-11-30"))
    elif received_on > today:
        problems.append(_("date_received: a gift cannot be received in the future"))
    method = METHODS.get(value["method"].lower())
    if method is None:
        problems.append(_("method: expected cheque, transfer or cash"))
    amount = 0
    try:
        amount = parse_euros(value["amount"])
    except AmountError as error:
        problems.append(_("amount: %(problem)s", problem=amount_error_message(error)))
    donor_type = value["donor_type"].lower()
    if donor_type not in (DonorType.INDIVIDUAL.value, DonorType.COMPANY.value):
        problems.append(_("donor_type: expected individual or company"))
    company = donor_type == DonorType.COMPANY.value
    required = ["address_line1", "postal_code", "city"] + (
        ["company_name", "legal_form", "siren"] if company else ["last_name"]
    )
    if not company:
        required.append("first_name")
    for name in required:
        if not value[name]:
            problems.append(_("%(column)s: required", column=name))
    siren = "".join(value["siren"].split())
    if company and siren and not is_valid_siren(siren):
        problems.append(_("siren: nine digits with a valid check digit are expected"))
    country = value["country"].upper() or "FR"
    if country not in countries:
        problems.append(_("country: expected an ISO 3166 code such as FR"))
    if (
        country == "FR"
        and value["postal_code"]
        and not (len(value["postal_code"]) == 5 and value["postal_code"].isdigit())
    ):
        problems.append(_("postal_code: a French postal code has five digits"))
    email = value["email"]
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(_("email: not a valid email address"))
    if method == PaymentMethod.CHEQUE and not value["reference"]:
        problems.append(_("reference: the cheque's number is required"))
    scheme = None
    if value["scheme"]:
        scheme = SCHEMES.get(value["scheme"].lower())
        if scheme is None:
            problems.append(_("scheme: expected income_tax, ifi or company"))
    for name in _LENGTHS:
        _check_text(name, value[name], problems)
    if problems or method is None or received_on is None:
        return None, problems
    identity = DonorIdentity(
        donor_type=donor_type,
        first_name=value["first_name"],
        last_name=value["last_name"],
        address_line1=value["address_line1"],
        address_line2=value["address_line2"],
        postal_code=value["postal_code"],
        city=value["city"],
        country=country,
        company_name=value["company_name"] if company else "",
        legal_form=value["legal_form"] if company else "",
        siren=siren if company else "",
    )
    gift = OfflineGift(
        method=method,
        amount_cents=amount,
        received_on=received_on,
        identity=identity,
        email=email,
        reference=value["reference"],
        scheme=scheme,
    )
    problem = scheme_problem(gift)
    return (None, [str(problem)]) if problem is not None else (gift, [])


def read_gifts(data: bytes, today: dt.date) -> tuple[list[tuple[int, OfflineGift]], list[tuple[int, str]]]:
    """The gifts of a CSV file, each with its line number, and every problem found (line, message)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, _("The file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8."))]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        return [], [(0, _("The file is empty: a header row naming the columns is expected."))]
    missing = [name for name in COLUMNS if name not in header and name not in OPTIONAL_COLUMNS]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(_("missing columns: %(names)s", names=", ".join(missing)))
        if unknown:
            problems.append(_("unknown columns: %(names)s", names=", ".join(unknown)))
        if len(set(header)) != len(header):
            problems.append(_("a column is named twice"))
        return [], [(1, _("Header row: %(problems)s (separate the columns with ';').", problems="; ".join(problems)))]
    gifts: list[tuple[int, OfflineGift]] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    countries = _countries()
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if line > MAX_LINES + 1:
                return [], [(0, _("At most %(count)s gifts per file: please split it.", count=MAX_LINES))]
            if len(cells) != len(header):
                errors.append(
                    (
                        line,
                        _("%(found)s fields where the header has %(expected)s", found=len(cells), expected=len(header)),
                    )
                )
                continue
            gift, problems = gift_of_row(dict(zip(header, cells, strict=False)), today, countries)
            if gift is None:
                errors.append((line, "; ".join(problems)))
                continue
            key = offline_key(gift)
            if key in seen:
                errors.append((line, _("the same gift as line %(line)s", line=seen[key])))
                continue
            seen[key] = line
            gifts.append((line, gift))
    except csv.Error as error:
        errors.append((reader.line_num, _("the line cannot be read as CSV (%(problem)s)", problem=str(error))))
    if not gifts and not errors:
        errors.append((0, _("The file has a header row but no gift.")))
    return gifts, errors


def import_gifts(
    session: Session,
    data: bytes,
    *,
    today: dt.date,
    rules: TaxRules,
    ctx: IssuingContext,
    livemode: bool,
    staff: StaffUser | None,
    ip: str | None,
    source: str,
    wait_for_deposit: bool = False,
) -> ImportReport:
    """Record every gift of the file, or none when a line is bad; gifts already recorded are skipped.

    The caller commits when the report is `ok` (and rolls back otherwise),
    then runs `report.effects.after_commit()`.
    """
    report = ImportReport()
    gifts, report.errors = read_gifts(data, today)
    if report.errors:
        return report
    for line, gift in gifts:
        existing = recorded_as(session, gift)
        if existing is not None:
            report.skipped.append((line, existing))
            continue
        try:
            payment = record_offline_gift(
                session,
                gift,
                rules=rules,
                ctx=ctx,
                livemode=livemode,
                effects=report.effects,
                staff=staff,
                ip=ip,
                audit_details={"import": source, "line": line},
                wait_for_deposit=wait_for_deposit,
            )
        except GiftRefused as error:
            report.errors.append((line, str(error.message)))
            continue
        report.recorded.append((line, payment))
    if report.errors:
        report.recorded.clear()
        report.effects = ReceiptEffects()
    return report


def receipt_number_of(session: Session, payment: Payment) -> str:
    """The number of the receipt covering a gift (for the report): its issued one, or ""."""
    found = receipts_covering(session, payment)
    return found[0].number if found else ""


def describe(report: ImportReport) -> dict[str, Any]:
    """The report as the audit trail keeps it."""
    return {
        "recorded": len(report.recorded),
        "skipped": len(report.skipped),
        "errors": [line for line, _m in report.errors],
    }
