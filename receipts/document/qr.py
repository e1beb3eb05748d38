"""The modules of a receipt's verification QR code, as the `qrcode` package makes them, faster.

`qrcode` finds the version, places the patterns and masks the data; what it
does slowly is the Reed-Solomon error correction (a polynomial division by
recursion, a new list per step: three quarters of a receipt's QR code, a third
of its whole drawing). Here the data codewords are laid out as the QR
standard says (mode, length, data, terminator, pad bytes) and each block's
error correction codewords come from a plain division over GF(256) by the
block's generator polynomial. The remainder of a division is unique, so the
codewords, and therefore the modules and the PDF bytes, are the very ones
`qrcode` computes (tests/unit/test_receipt_qr.py compares them).
"""

from __future__ import annotations

import bisect
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
from qrcode import util as qr_util
from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M

__all__ = ["qr_matrix", "qr_rows", "qrcode_matrix"]

MASK_PATTERN = 2
_PAD_BYTES = (0xEC, 0x11)  # the standard's alternating pad codewords


def _gf_tables() -> tuple[list[int], list[int]]:
    """Powers of 2 in GF(256) (modulo x^8 + x^4 + x^3 + x^2 + 1) and their logarithms."""
    exp, log = [0] * 510, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    return exp, log


EXP, LOG = _gf_tables()


@functools.cache
def _generator(degree: int) -> tuple[int, ...]:
    """The coefficients of the generator polynomial (x - 2^0)...(x - 2^(degree-1)) below its leading 1."""
    poly = [1]
    for i in range(degree):
        product = [*poly, 0]
        for k, coefficient in enumerate(poly):
            if coefficient:
                product[k + 1] ^= EXP[LOG[coefficient] + i]
        poly = product
    return tuple(poly[1:])


@functools.cache
def _multiples(degree: int) -> tuple[int, ...]:
    """For each byte f, f times the generator's coefficients, as one integer of `degree` bytes
    (so that a step of the division is one shift and one exclusive or)."""
    generator = _generator(degree)
    rows = [0]
    for factor in range(1, 256):
        shift = LOG[factor]
        row = bytes(EXP[shift + LOG[c]] if c else 0 for c in generator)
        rows.append(int.from_bytes(row, "big"))
    return tuple(rows)


def _error_correction(data: list[int], degree: int) -> list[int]:
    """The remainder of data(x)·x^degree divided by the generator: the block's `degree` EC codewords."""
    multiples = _multiples(degree)
    top, keep = 8 * (degree - 1), (1 << 8 * degree) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ multiples[byte ^ (remainder >> top)]
    return list(remainder.to_bytes(degree, "big"))


class _Bits:
    """A bit string written most significant bit first (what `QRData.write` writes into)."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, number: int, length: int) -> None:
        self.value = (self.value << length) | (number & ((1 << length) - 1))
        self.length += length

    def __len__(self) -> int:
        return self.length


@dataclass(frozen=True)
class _Segment:
    """A run of the data in one mode (as `qrcode` splits it), its data bits written once."""

    mode: int
    count: int  # characters (bytes in byte mode): what the length field says
    bits: int
    length: int

    @classmethod
    def of(cls, data: qr_util.QRData) -> _Segment:
        if data.mode == qr_util.MODE_8BIT_BYTE:  # the bytes themselves, eight bits each
            return cls(data.mode, len(data), int.from_bytes(data.data, "big"), 8 * len(data))
        bits = _Bits()
        data.write(bits)
        return cls(data.mode, len(data), bits.value, bits.length)


def _segments(data: str) -> list[_Segment]:
    """The data in segments of the modes `qrcode` chooses (`QRCode.add_data`'s default)."""
    return [_Segment.of(chunk) for chunk in qr_util.optimal_data_chunks(data, minimum=20)]


def _needed_bits(segments: list[_Segment], version: int) -> int:
    sizes = qr_util.mode_sizes_for_version(version)
    return sum(4 + sizes[segment.mode] + segment.length for segment in segments)


def _version(segments: list[_Segment], error_correction: int) -> int:
    """The smallest version holding the data: the first whose capacity takes the bits the data
    needs with that version's length fields."""
    start = 1
    while True:
        needed = _needed_bits(segments, start)
        version = bisect.bisect_left(qr_util.BIT_LIMIT_TABLE[error_correction], needed, start)
        if version > 40:
            raise ValueError("the QR code's data does not fit any version")
        if qr_util.mode_sizes_for_version(version) is qr_util.mode_sizes_for_version(start):
            return version
        start = version


def _codewords(version: int, error_correction: int, segments: list[_Segment]) -> list[int]:
    """The data and error correction codewords of the symbol, interleaved block by block."""
    sizes = qr_util.mode_sizes_for_version(version)
    bits = _Bits()
    for segment in segments:
        bits.put(segment.mode, 4)
        bits.put(segment.count, sizes[segment.mode])
        bits.put(segment.bits, segment.length)
    blocks = rs_blocks(version, error_correction)
    capacity = sum(block.data_count for block in blocks) * 8
    if len(bits) > capacity:
        raise ValueError("the QR code's data does not fit its version")
    bits.put(0, min(capacity - len(bits), 4))  # the terminator
    bits.put(0, -len(bits) % 8)
    codewords = list(bits.value.to_bytes(len(bits) // 8, "big"))
    codewords += [_PAD_BYTES[i % 2] for i in range(capacity // 8 - len(codewords))]

    data_blocks, ec_blocks, start = [], [], 0
    for block in blocks:
        chunk = codewords[start : start + block.data_count]
        start += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    return _interleaved(data_blocks) + _interleaved(ec_blocks)


def _interleaved(blocks: list[list[int]]) -> list[int]:
    longest = max(len(block) for block in blocks)
    return [block[i] for i in range(longest) for block in blocks if i < len(block)]


@dataclass(frozen=True)
class _Symbol:
    """The symbol of a version before its data, for laying the data in with a few string operations."""

    fixed: str  # "1"/"0" per module, row by row: the function patterns and format information
    gather: Callable[[str], tuple[str, ...]]  # from `fixed` + the data modules, in place order, to the rows
    mask: int  # the mask's value on each data module, in place order (the first is the highest bit)
    places: int  # how many data modules (the codewords' bits, then remainder bits)
    size: int


@functools.cache
def _symbol(version: int) -> _Symbol:
    """The function patterns and format information (placed by `qrcode`), and the data modules in
    the standard's order: two columns at a time, zigzagging up and down from the bottom right, the
    vertical timing column skipped."""
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
    size = code.modules_count = version * 4 + 17
    code.modules = [[None] * size for _ in range(size)]
    for row, col in ((0, 0), (size - 7, 0), (0, size - 7)):
        code.setup_position_probe_pattern(row, col)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(False, MASK_PATTERN)
    if version >= 7:
        code.setup_type_number(False)
    places: list[tuple[int, int]] = []
    upwards = True
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1  # the timing column
        rows = range(size - 1, -1, -1) if upwards else range(size)
        places.extend((row, col) for row in rows for col in (right, right - 1) if code.modules[row][col] is None)
        upwards = not upwards
    place_of = {cell: k for k, cell in enumerate(places)}
    indices = [
        size * size + place_of[(row, col)] if (row, col) in place_of else row * size + col
        for row in range(size)
        for col in range(size)
    ]
    masked = qr_util.mask_func(MASK_PATTERN)
    return _Symbol(
        fixed="".join("1" if module else "0" for line in code.modules for module in line),
        gather=operator.itemgetter(*indices),
        mask=int("".join("1" if masked(row, col) else "0" for row, col in places), 2),
        places=len(places),
        size=size,
    )


def qr_rows(data: str) -> list[str]:
    """The rows of a QR code for `data`, quiet zone excluded, each module "1" (dark) or "0".

    The mask pattern is fixed: any mask is valid for readers, and skipping the
    search among the eight makes the code four times cheaper to compute.
    """
    segments = _segments(data)
    version = _version(segments, ERROR_CORRECT_M)
    codewords = _codewords(version, ERROR_CORRECT_M, segments)
    symbol = _symbol(version)
    # The codewords' bits, then the remainder bits (0), in place order, masked.
    placed = int.from_bytes(bytes(codewords), "big") << (symbol.places - 8 * len(codewords))
    modules = "".join(symbol.gather(symbol.fixed + format(placed ^ symbol.mask, f"0{symbol.places}b")))
    n = symbol.size
    return [modules[row * n : (row + 1) * n] for row in range(n)]


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of `qr_rows`, True for a dark one."""
    return [[module == "1" for module in row] for row in qr_rows(data)]


def qrcode_matrix(data: str) -> list[list[bool]]:
    """The same modules, all computed by the `qrcode` package (what `qr_matrix` must equal)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1, mask_pattern=MASK_PATTERN)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()
