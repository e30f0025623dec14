"""Check digits of the identifiers records carry: NHS numbers and SNOMED CT identifiers.

- NHS number: 10 digits, the last a modulus 11 check digit. Weights 10..2 on the first nine
  digits; check = 11 - (sum mod 11); 11 becomes 0 and 10 means the number is invalid.
  Source: NHS Data Dictionary, data element "NHS Number", the five validation steps
  (https://v2.datadictionary.nhs.uk/data_dictionary/data_field_notes/n/nhs_number_de.asp;
  current edition https://www.datadictionary.nhs.uk/attributes/nhs_number.html).
- SNOMED CT identifier (SCTID): 6 to 18 digits; the last is a Verhoeff check digit, the two
  before it the partition identifier (00 concept, 01 description, 02 relationship, and 10, 11,
  12 for the same in an extension namespace). A concept id, the only kind a record should
  carry, has partition 00 or 10; dm+d product ids are SNOMED CT concept ids too.
  Source: SNOMED International, "SNOMED CT Release File Specification", sections 6.2 SCTID
  Representation, 6.3 SCTID Constraints (greater than 10^5, less than 10^18, no leading zero,
  partition in the 2nd and 3rd digits from the right) and 6.4 Check-digit (Verhoeff's
  dihedral D5 check) (https://confluence.ihtsdotools.org/display/DOCRELFMT/6.2+SCTID+Representation).
  6.3 also warns that floating-point storage corrupts SCTIDs, which is what the published
  GM SDE code sets show.
"""

from __future__ import annotations

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# Verhoeff's tables: the dihedral group D5 and the permutation applied by position.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INVERSE = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

PARTITIONS = {
    "00": "concept",
    "01": "description",
    "02": "relationship",
    "10": "concept (extension)",
    "11": "description (extension)",
    "12": "relationship (extension)",
}
CONCEPT_PARTITIONS = ("00", "10")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of nine digits; None when no digit is valid (remainder 1)."""
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_problem(text: str) -> str | None:
    """Why `text` is not a valid NHS number, or None. Spaces and hyphens are allowed."""
    digits = normalise_nhs_number(text)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return "NHS number must be 10 digits"
    check = nhs_number_check_digit(digits[:9])
    if check is None or check != int(digits[9]):
        return "NHS number fails the modulus 11 check digit"
    return None


def normalise_nhs_number(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


def _verhoeff(digits: str, shift: int) -> int:
    """Verhoeff's running product over `digits` from the right, positions shifted by `shift`
    (1 while computing a check digit still to be appended, 0 when checking a whole id)."""
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = _D[c][_P[(i + shift) % 8][int(d)]]
    return c


def verhoeff_check_digit(digits: str) -> int:
    """The Verhoeff check digit to append to `digits`."""
    return _INVERSE[_verhoeff(digits, 1)]


def verhoeff_valid(digits: str) -> bool:
    return _verhoeff(digits, 0) == 0


def sctid_problem(text: str, *, partitions: tuple[str, ...] = CONCEPT_PARTITIONS) -> str | None:
    """Why `text` is not a SNOMED CT identifier of one of `partitions`, or None."""
    if not (6 <= len(text) <= 18) or not text.isascii() or not text.isdigit() or text[0] == "0":
        return f"'{text}' is not a SNOMED CT identifier (6 to 18 digits, no leading zero)"
    if not verhoeff_valid(text):
        return f"'{text}' fails the SNOMED CT Verhoeff check digit"
    partition = text[-3:-1]
    if partition not in partitions:
        kind = PARTITIONS.get(partition, "no known partition")
        return (
            f"'{text}' has partition {partition} ({kind}); a record needs a concept id "
            f"(partition {' or '.join(partitions)})"
        )
    return None
