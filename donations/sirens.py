"""French company numbers."""

from __future__ import annotations

# La Poste's SIREN predates the Luhn key; its establishments follow another rule.
LA_POSTE = "356000000"


def is_valid_siren(siren: str) -> bool:
    """Nine digits whose Luhn checksum holds (the INSEE's rule for SIREN numbers)."""
    if len(siren) != 9 or not siren.isdigit():
        return False
    if siren == LA_POSTE:
        return True
    total = 0
    for position, char in enumerate(reversed(siren)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
