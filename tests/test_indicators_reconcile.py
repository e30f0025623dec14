"""NHS England's published practice counts against ours: hand-written CSVs for every status
and every reason a row is rejected; column aliases; headers that cannot be read."""

from __future__ import annotations

import pytest

from neighbourhood.indicators.reconcile import (
    PublishedFileError,
    read_published,
    reconcile,
)


def computed(practice, numerator, denominator, *, indicator="CAN-04", year="2024-25"):
    return {
        "year": year,
        "indicator": indicator,
        "level": "practice",
        "pcn_code": "U1",
        "practice_code": practice,
        "numerator": numerator,
        "denominator": denominator,
    }


COMPUTED = [
    computed("A1", 10, 20),  # published the same: match
    computed("A2", 11, 20),  # published 10/20: differs by 1
    computed("A4", 5, 9),  # not published: only computed
    {**computed(None, 26, 49), "level": "pcn"},  # PCN rows are not reconciled
]


def write(tmp_path, text, name="published.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_status(tmp_path):
    path = write(
        tmp_path,
        "PRACTICE_CODE,INDICATOR,NUMERATOR,DENOMINATOR\n"
        "A1,CAN-04,10,20\n"
        "A2,CAN-04,10,20\n"
        "A3,CAN-04,1,2\n",
    )
    published = read_published(path)
    assert published.rejected == ()
    found = {r["practice_code"]: r for r in reconcile(published.rows, COMPUTED)}
    assert sorted(found) == ["A1", "A2", "A3", "A4"]
    assert found["A1"]["status"] == "match"
    assert found["A1"]["numerator_difference"] == 0 and found["A1"]["published_line"] == 2
    a2 = found["A2"]
    assert a2["status"] == "differs"
    assert (a2["published_numerator"], a2["computed_numerator"], a2["numerator_difference"]) == (
        10, 11, 1
    )  # fmt: skip
    assert a2["denominator_difference"] == 0
    assert found["A3"]["status"] == "only published"
    assert found["A3"]["computed_numerator"] is None and found["A3"]["year"] is None
    assert found["A4"]["status"] == "only computed"
    assert found["A4"]["published_numerator"] is None and found["A4"]["computed_denominator"] == 9
    assert found["A1"]["year"] == "2024-25"


def test_a_tolerance_turns_a_small_difference_into_a_match(tmp_path):
    path = write(tmp_path, "PRACTICE_CODE,INDICATOR,NUMERATOR,DENOMINATOR\nA2,CAN-04,10,20\n")
    rows = read_published(path).rows
    (a2,) = [r for r in reconcile(rows, COMPUTED, tolerance=1) if r["practice_code"] == "A2"]
    assert a2["status"] == "match" and a2["numerator_difference"] == 1
    with pytest.raises(ValueError, match="tolerance"):
        reconcile(rows, COMPUTED, tolerance=-1)


def test_aliases_any_case_extra_columns_and_a_bom(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        " Practice Code ,Indicator Code,Practice Name,numerator,Denominator,achievement_date\n"
        "a1,CAN04,Somewhere Surgery,10,20,31/03/2025\n"
        "A2,can-04,Elsewhere,10,20,2025-03-31\n",
        encoding="utf-8-sig",
    )
    published = read_published(path)
    assert published.rejected == ()
    assert [(r.practice_code, r.year) for r in published.rows] == [
        ("A1", "2024-25"), ("A2", "2024-25")
    ]  # fmt: skip
    found = {r["practice_code"]: r["status"] for r in reconcile(published.rows, COMPUTED)}
    assert found == {"A1": "match", "A2": "differs", "A4": "only computed"}
    other = write(tmp_path, "ORG_CODE,IND_CODE,NUMERATOR,DENOMINATOR,YEAR\nA1,CAN-04,1,2,2024/25\n")
    assert read_published(other).rows[0].year == "2024-25"


def test_a_published_row_of_another_year_does_not_match(tmp_path):
    path = write(
        tmp_path, "ORG_CODE,IND_CODE,NUMERATOR,DENOMINATOR,YEAR\nA1,CAN-04,10,20,2023-24\n"
    )
    found = reconcile(read_published(path).rows, COMPUTED)
    statuses = {(r["practice_code"], r["year"]): r["status"] for r in found}
    assert statuses[("A1", "2023-24")] == "only published"
    assert statuses[("A1", "2024-25")] == "only computed"


BAD = (
    "PRACTICE_CODE,INDICATOR,NUMERATOR,DENOMINATOR,YEAR\n"
    "A1,CAN-04,10,20,2024-25\n"  # 2: good
    ",CAN-04,1,2,2024-25\n"  # 3: no practice code
    "A5,,1,2,2024-25\n"  # 4: no indicator
    "A6,CAN-04,2.5,10,2024-25\n"  # 5: numerator not a whole number
    "A7,CAN-04,3,-4,2024-25\n"  # 6: denominator negative
    "A8,CAN-04,9,8,2024-25\n"  # 7: numerator above denominator
    "A1,CAN04,11,20,2024-25\n"  # 8: A1 CAN-04 again
    "A9,CAN-04,1,2,2024-26\n"  # 9: not a year
    "A10,CAN-04,1\n"  # 10: short row
    "\n"  # 11: blank: skipped
    "A11,CAN-04,1,2,2024-25\n"  # 12: good
)


def test_every_bad_row_is_kept_with_file_line_field_and_reason(tmp_path):
    path = write(tmp_path, BAD)
    published = read_published(path)
    assert [(r.practice_code, r.line) for r in published.rows] == [("A1", 2), ("A11", 12)]
    found = [(r.line, r.field, r.reason) for r in published.rejected]
    assert all(r.file == str(path) for r in published.rejected)
    assert found == [
        (3, "practice_code", "no practice code"),
        (4, "indicator", "no indicator"),
        (5, "numerator", "'2.5' is not a count (a whole number of 0 or more)"),
        (6, "denominator", "'-4' is not a count (a whole number of 0 or more)"),
        (7, "numerator", "numerator 9 is above the denominator 8"),
        (8, "indicator", "A1 CAN04 given again (first on line 2); the first row is kept"),
        (9, "year", "'2024-26' is not a financial year"),
        (10, "(row)", "3 cells, the header has 5"),
    ]
    assert published.rejected[0].values["indicator"] == "CAN-04"
    rows = reconcile(published.rows, COMPUTED)
    assert {r["practice_code"]: r["status"] for r in rows}["A1"] == "match"  # the first kept


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file: no header"),
        ("PRACTICE,IND,NUM,DEN\nA1,CAN-04,1,2\n", "header has no column for practice code"),
        (
            "PRACTICE_CODE,ORG_CODE,INDICATOR,NUMERATOR,DENOMINATOR\n",
            "two columns for the practice code: 'PRACTICE_CODE' and 'ORG_CODE'",
        ),
    ],
)
def test_a_header_that_cannot_be_read_names_the_file(tmp_path, text, message):
    path = write(tmp_path, text, name="bad-header.csv")
    with pytest.raises(PublishedFileError, match=r"bad-header\.csv") as caught:
        read_published(path)
    assert message in str(caught.value)


def test_a_file_that_is_not_utf8_or_missing_names_the_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("PRACTICE_CODE,INDICATOR,NUMERATOR,DENOMINATOR\nA1,CAN-04 é,1,2\n".encode(
        "latin-1"))  # fmt: skip
    with pytest.raises(PublishedFileError, match=r"latin1\.csv: cannot read the file as UTF-8"):
        read_published(path)
    with pytest.raises(PublishedFileError, match=r"nowhere\.csv: no such file"):
        read_published(tmp_path / "nowhere.csv")
