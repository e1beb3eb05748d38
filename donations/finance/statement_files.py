"""Bank statements as files: camt.053 XML (defusedxml) and CSV read into credits, and the transfer references a donor writes on a transfer."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

from donations.money import AmountError, parse_euros

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
    parts = (
        []
        if remittance_info is None
        else [
            " ".join((node.text or "").split())
            for node in remittance_info.iter()
            if _local(node.tag) in ("Ustrd", "Ref")
        ]
    )
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
                credits.append(
                    StatementCredit(
                        day, cents, remittance, debtor, tx_ref or (f"{entry_ref}#{index}" if entry_ref else "")
                    )
                )
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
