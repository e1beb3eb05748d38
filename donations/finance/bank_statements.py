"""Bank statements: the credits of a camt.053 (ISO 20022) or CSV statement, matched to announced transfers.

A transfer announced on the web is a pending donation with a reference the
donor writes on the transfer (`DON-` and eight characters). Each credit read
from a statement is kept once (by the bank's entry reference, or a fingerprint
of the line), then matched by that reference and the amount: a match is
recorded as the gift's payment and receipted at once; anything else is listed
for finance to match by hand. The XML is read with defusedxml (no entities, no
external references): a statement is a file from outside.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException
from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.finance import audit
from donations.finance.offline_gifts import GiftRefused, OfflineGift, Recording, record_offline_gift
from donations.models import (
    BankCredit,
    BankCreditStatus,
    Donation,
    DonationChannel,
    DonationStatus,
    Payment,
    PaymentMethod,
    StaffUser,
)
from donations.money import AmountError, parse_euros
from donations.receipting.service import ReceiptEffects

# Crockford's base 32: no I, L, O or U, which people and bank systems misread.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"DON([0-9A-HJKMNP-TV-Z]{8})")


class StatementUnreadable(ValueError):
    """The file is no statement this service reads; the message says why."""


def new_transfer_reference() -> str:
    """A reference for a transfer announced on the web: short, unambiguous, easy to type."""
    return "DON-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def reference_in(text: str) -> str | None:
    """The announced-transfer reference a credit's text carries (banks drop dashes and spaces), or None."""
    squeezed = re.sub(r"[^0-9A-Z]", "", (text or "").upper())
    match = REFERENCE.search(squeezed)
    return f"DON-{match.group(1)}" if match else None


@dataclass(frozen=True)
class StatementCredit:
    """One credit of a statement: when it was booked, how much, what the payer wrote, who paid."""

    booked_on: dt.date
    amount_cents: int
    reference: str
    debtor_name: str
    bank_ref: str = ""  # the bank's own reference of the entry, when it gives one

    def key(self, occurrence: int) -> str:
        if self.bank_ref:
            return hashlib.sha256(f"bank|{self.bank_ref}".encode()).hexdigest()
        line = f"{self.booked_on}|{self.amount_cents}|{self.reference}|{self.debtor_name}|{occurrence}"
        return hashlib.sha256(line.encode()).hexdigest()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: Element | None, path: str) -> Element | None:
    """The first descendant along `path` (local names, "/"-separated), whatever the camt namespace version."""
    if node is None:
        return None
    current = [node]
    for step in path.split("/"):
        current = [child for parent in current for child in parent if _local(child.tag) == step]
        if not current:
            return None
    return current[0]


def _all(node: Element, name: str) -> list[Element]:
    return [child for child in node if _local(child.tag) == name]


def _text(node: Element | None, path: str) -> str:
    found = _find(node, path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _cents(node: Element | None) -> int | None:
    if node is None or (node.get("Ccy") or "EUR") != "EUR":
        return None
    try:
        return parse_euros(node.text or "")
    except AmountError:
        return None


def _day(entry: Element) -> dt.date | None:
    for path in ("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"):
        value = _text(entry, path)
        if value:
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                return None
    return None


def _booked(entry: Element) -> bool:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    return status in ("", "BOOK")


def _details_of(tx: Element | None) -> tuple[str, str, str]:
    """(remittance text, debtor's name, bank reference) of a transaction's details."""
    remittance_info = _find(tx, "RmtInf")
    parts = [] if remittance_info is None else [
        " ".join((node.text or "").split()) for node in remittance_info.iter() if _local(node.tag) in ("Ustrd", "Ref")
    ]
    remittance = " ".join(part for part in parts if part)
    debtor = _text(tx, "RltdPties/Dbtr/Nm") or _text(tx, "RltdPties/Dbtr/Pty/Nm")
    return remittance, debtor, _text(tx, "Refs/AcctSvcrRef") or _text(tx, "Refs/EndToEndId").replace("NOTPROVIDED", "")


def parse_camt053(data: bytes) -> list[StatementCredit]:
    """The booked euro credits of a camt.053 statement (any version), one per transaction detail."""
    try:
        root = SafeTree.fromstring(data)
    except (SafeTree.ParseError, DefusedXmlException, ValueError) as error:
        raise StatementUnreadable(f"not a readable XML statement ({error})") from error
    statements = [node for node in root.iter() if _local(node.tag) == "Stmt"]
    if _local(root.tag) != "Document" or not statements:
        raise StatementUnreadable("not a camt.053 statement (no BkToCstmrStmt/Stmt)")
    credits: list[StatementCredit] = []
    for statement in statements:
        for entry in _all(statement, "Ntry"):
            if _text(entry, "CdtDbtInd") != "CRDT" or not _booked(entry) or _text(entry, "RvslInd") == "true":
                continue
            day = _day(entry)
            entry_cents = _cents(_find(entry, "Amt"))
            if day is None or entry_cents is None:
                continue
            details = [tx for d in _all(entry, "NtryDtls") for tx in _all(d, "TxDtls")]
            entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
            if len(details) <= 1:
                remittance, debtor, tx_ref = _details_of(details[0] if details else None)
                credits.append(StatementCredit(day, entry_cents, remittance, debtor, entry_ref or tx_ref))
                continue
            for index, tx in enumerate(details):  # a batch booking: each transfer has its own amount
                cents = _cents(_find(tx, "AmtDtls/TxAmt/Amt")) or _cents(_find(tx, "Amt"))
                if cents is None:
                    continue
                remittance, debtor, tx_ref = _details_of(tx)
                credits.append(StatementCredit(day, cents, remittance, debtor, tx_ref or (f"{entry_ref}#{index}" if entry_ref else "")))
    return credits


_CSV_NAMES = {
    "date": ("date", "booking_date", "date_operation", "date opération", "date operation"),
    "amount": ("amount", "montant", "credit", "crédit"),
    "reference": ("reference", "référence", "libelle", "libellé", "label"),
    "debtor": ("debtor", "donneur d'ordre", "emetteur", "émetteur"),
    "bank_ref": ("entry_ref", "ref_banque", "id"),
}


def _csv_day(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_statement_csv(data: bytes) -> list[StatementCredit]:
    """The credits of a CSV statement: a header row with `date`, `amount`, `reference` (and `debtor`,
    `entry_ref`; the French names the banks use are understood), ';' or ','; debits are left out."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # French banks' exports are often Windows-1252
    delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise StatementUnreadable("the CSV statement is empty")
    header = [name.strip().lower() for name in rows[0]]
    columns = {key: next((header.index(n) for n in names if n in header), None) for key, names in _CSV_NAMES.items()}
    if columns["date"] is None or columns["amount"] is None or columns["reference"] is None:
        raise StatementUnreadable("the CSV statement needs the columns date, amount and reference")
    credits = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cell = lambda key: cells[columns[key]].strip() if columns[key] is not None and columns[key] < len(cells) else ""  # type: ignore[index, operator]  # noqa: B023,E731
        amount = cell("amount").replace("+", "")
        if amount.startswith(("-", "\u2212")) or not amount:
            continue  # a debit
        day = _csv_day(cell("date"))
        try:
            cents = parse_euros(amount)
        except AmountError:
            cents = None
        if day is None or cents is None:
            raise StatementUnreadable(f"line {number}: expected a date (2026-11-30 or 30/11/2026) and an amount")
        credits.append(StatementCredit(day, cents, cell("reference"), cell("debtor"), cell("bank_ref")))
    return credits


def read_statement(data: bytes) -> list[StatementCredit]:
    """The credits of a statement, camt.053 XML or CSV (told apart by their content)."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_camt053(data)
    return parse_statement_csv(data)


@dataclass
class StatementReport:
    """What an import did: credits matched (with their payment), left for finance, or already known."""

    matched: list[BankCredit] = field(default_factory=list)
    unmatched: list[BankCredit] = field(default_factory=list)
    known: int = 0
    effects: ReceiptEffects = field(default_factory=ReceiptEffects)


def announced_transfer(session: Session, reference: str) -> Donation | None:
    """The transfer announced on the web under this reference, still waiting for its money."""
    return session.scalars(select(Donation).where(
        Donation.transfer_reference == reference, Donation.channel == DonationChannel.TRANSFER,
        Donation.status == DonationStatus.PENDING,
    )).first()


def settle_transfer(
    session: Session, credit: BankCredit, donation: Donation, now: Recording, effects: ReceiptEffects,
    staff: StaffUser | None, ip: str | None,
) -> Payment:
    """Record the credit as the announced transfer's payment (receipted at once); raises GiftRefused."""
    gift = OfflineGift(
        method=PaymentMethod.TRANSFER, amount_cents=credit.amount_cents, received_on=credit.booked_on,
        identity=donation.given_identity, email=donation.donor.email, reference=donation.transfer_reference or "",
        scheme=donation.tax_scheme,
    )
    payment = record_offline_gift(session, gift, rules=now.rules, ctx=now.ctx, livemode=donation.livemode, effects=effects,
                                  staff=staff, ip=ip, donation=donation, audit_details={"bank_credit": credit.id})
    credit.payment_id = payment.id
    credit.status = BankCreditStatus.MATCHED
    session.flush()
    return payment


def import_statement(
    session: Session, credits: Iterable[StatementCredit], source: str, now: Recording,
    staff: StaffUser | None, ip: str | None,
) -> StatementReport:
    """Keep each new credit and match it to an announced transfer by reference and amount; the caller
    commits, then runs `report.effects.after_commit()`."""
    report = StatementReport()
    seen: dict[tuple[Any, ...], int] = {}
    for credit in credits:
        identity = (credit.booked_on, credit.amount_cents, credit.reference, credit.debtor_name, credit.bank_ref)
        seen[identity] = seen.get(identity, 0) + 1
        key = credit.key(seen[identity])
        if session.scalars(select(BankCredit.id).where(BankCredit.entry_key == key)).first() is not None:
            report.known += 1
            continue
        row = BankCredit(entry_key=key, booked_on=credit.booked_on, amount_cents=credit.amount_cents,
                         reference=credit.reference[:140], debtor_name=credit.debtor_name[:140], statement=source[:140])
        session.add(row)
        session.flush()
        reference = reference_in(credit.reference)
        donation = announced_transfer(session, reference) if reference else None
        if donation is not None and donation.amount_cents == credit.amount_cents:
            try:
                settle_transfer(session, row, donation, now, report.effects, staff, ip)
                report.matched.append(row)
                continue
            except GiftRefused:
                pass
        report.unmatched.append(row)
    audit.record(session, staff, audit.BANK_STATEMENT_IMPORTED, None, ip, {
        "statement": source[:140], "matched": [c.id for c in report.matched], "unmatched": [c.id for c in report.unmatched],
        "already_known": report.known,
    })
    return report


def transfers_waiting(session: Session, limit: int = 200) -> list[Donation]:
    """The transfers announced on the web and not received yet, oldest first."""
    return list(session.scalars(select(Donation).where(
        Donation.channel == DonationChannel.TRANSFER, Donation.status == DonationStatus.PENDING,
        Donation.transfer_reference.is_not(None),
    ).order_by(Donation.created_at, Donation.id).limit(limit)))


def credits_to_match(session: Session) -> list[BankCredit]:
    return list(session.scalars(select(BankCredit).where(BankCredit.status == BankCreditStatus.UNMATCHED)
                                .order_by(BankCredit.booked_on, BankCredit.id)))


def match_by_hand(
    session: Session, credit: BankCredit, donation: Donation, now: Recording, staff: StaffUser | None, ip: str | None,
) -> tuple[Payment, ReceiptEffects]:
    """Finance says which announced transfer a credit pays: it is recorded for the amount credited and
    receipted. Raises GiftRefused when the credit or the transfer is settled already."""
    from flask_babel import lazy_gettext as _l

    if credit.status != BankCreditStatus.UNMATCHED:
        raise GiftRefused(_l("This credit is already matched or set aside."))
    if donation.channel != DonationChannel.TRANSFER or donation.status != DonationStatus.PENDING:
        raise GiftRefused(_l("This transfer is not waiting for its money any more."))
    effects = ReceiptEffects()
    payment = settle_transfer(session, credit, donation, now, effects, staff, ip)
    audit.record(session, staff, audit.BANK_CREDIT_MATCHED, donation, ip,
                 {"bank_credit": credit.id, "amount_cents": credit.amount_cents, "announced_cents": donation.amount_cents})
    return payment, effects


def set_aside(session: Session, credit: BankCredit, staff: StaffUser | None, ip: str | None) -> None:
    """A credit that is no gift (a grant, a supplier's refund): kept, no longer listed to match."""
    if credit.status == BankCreditStatus.UNMATCHED:
        credit.status = BankCreditStatus.IGNORED
        audit.record(session, staff, audit.BANK_CREDIT_MATCHED, ("bank_credit", str(credit.id)), ip, {"set_aside": True})
