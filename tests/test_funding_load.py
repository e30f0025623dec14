"""Reading ledgers: the shipped example, every problem of a file with its line and field, and
spend CSVs whose bad rows are kept with their line and reason while nothing is loaded."""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

import jsonschema
import pytest

from neighbourhood.funding import (
    LedgerError,
    SpendFileError,
    compute,
    examples_folder,
    parse_spend_csv,
    read_ledger,
    read_spend_csv,
    schema,
)

MADE_UP = "{title: made-up figures, publisher: tests}"


def write(tmp_path, text, name="ledger.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def small_ledger(tmp_path):
    return read_ledger(
        write(
            tmp_path,
            f"""\
            title: small ledger (made up)
            illustrative: true
            regions:
              - code: R
                name: Region R
                baseline: {{amount_gbp: 1000, source: {MADE_UP}}}
                icbs:
                  - {{code: A, name: ICB A, baseline: {{amount_gbp: 600, source: {MADE_UP}}}}}
                  - {{code: B, name: ICB B, baseline: {{amount_gbp: 400, source: {MADE_UP}}}}}
            """,
        )
    )


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_the_example_loads_and_is_labelled_illustrative():
    path = examples_folder() / "illustrative-region.yaml"
    book = read_ledger(path)
    assert book.illustrative is True
    assert "NOT REAL" in book.title
    assert path.read_text(encoding="utf-8").startswith("# ILLUSTRATIVE ONLY - NOT REAL FIGURES.")
    # 8 lines in the file and 9 in the CSV beside it (named by the file's spend_csv)
    assert len(book.spend) == 17
    assert all("made up" in line.source.title for line in book.spend)
    report = compute(book)
    # 2022/23: 500m × 1.06 × 1.04 × 1.04 = 573.248m; spend 340m + 230m = 570m: 3.248m under
    r = report.region("ILL-R", "2022/23")
    assert (r.floor, r.actual, r.over_under, r.met) == (
        D(573_248_000),
        D(570_000_000),
        D(-3_248_000),
        False,
    )
    # 2023/24: North 300m × 1.2 = 360m, spends 365m (+5m); South floor 238m, spends 235m (-3m);
    # the region, 600m against 598m, meets it with 3m of North's 5m covering South
    r = report.region("ILL-R", "2023/24")
    assert (r.floor, r.actual, r.offset_applied, r.icbs_under, r.met) == (
        D(598_000_000),
        D(600_000_000),
        D(3_000_000),
        ("ILL-S",),
        True,
    )
    assert report.icb("ILL-S", "2023/24").other_spend == D(4_000_000)


def test_schema_errors_name_the_file_line_and_field_all_at_once(tmp_path):
    path = write(
        tmp_path,
        f"""\
        title: broken ledger (made up)
        illustrative: true
        regions:
          - code: R
            name: Region R
            baseline: {{amount_gbp: 1000, source: {MADE_UP}}}
            icbs:
              - code: A
                name: ICB A
                baseline:
                  amount_gbp: lots
                  source: {MADE_UP}
                floors:
                  - year: 2023/24
                    growth_over_baseline_percent: 3
                    amount_gbp: 500
                    source: {MADE_UP}
        spend:
          - organisation: A
            year: 2023/24
            category: dentistry
            amount_gbp: 10
            source: {MADE_UP}
        """,
    )
    with pytest.raises(LedgerError) as raised:
        read_ledger(path)
    problems = str(raised.value).splitlines()
    assert problems == [
        f"{path}: line 11: regions.0.icbs.0.baseline.amount_gbp: "
        "'lots' does not match '^[0-9]+(\\\\.[0-9]+)?$'",
        f"{path}: line 14: regions.0.icbs.0.floors.0: a floor needs exactly one of "
        "growth_over_baseline_percent, growth_over_previous_percent or amount_gbp",
        f"{path}: line 21: spend.0.category: "
        "'dentistry' is not one of ['primary_medical', 'community_health', 'other']",
    ]


def test_problems_past_the_schema_name_the_file_line_and_field(tmp_path):
    path = write(
        tmp_path,
        f"""\
        title: inconsistent ledger (made up)
        illustrative: true
        sources:
          made-up: {MADE_UP}
        regions:
          - code: R
            name: Region R
            baseline: {{amount_gbp: 0, source: made-up}}
            floors:
              - {{year: 2020/22, amount_gbp: 5, source: made-up}}
              - {{year: 2021/22, amount_gbp: 5, source: made-up}}
              - {{year: 2021/22, amount_gbp: 6, source: made-up}}
            icbs:
              - {{code: A, name: ICB A, baseline: {{amount_gbp: 6, source: made-up}}}}
              - {{code: A, name: ICB A2, baseline: {{amount_gbp: 4, source: invented}}}}
        spend:
          - {{organisation: R, year: 2023/24, category: other, amount_gbp: 1, source: made-up}}
          - {{organisation: A, year: 2018/19, category: other, amount_gbp: 1, source: made-up}}
        """,
    )
    with pytest.raises(LedgerError) as raised:
        read_ledger(path)
    assert str(raised.value).splitlines() == [
        f"{path}: line 15: regions.0.icbs.1.code: code A is already used ({path}: line 14)",
        f"{path}: line 15: regions.0.icbs.1.baseline.source: no source named 'invented' "
        "under `sources`",
        f"{path}: line 8: regions.0.baseline: a baseline must be more than £0 "
        "(growth is measured from it)",
        f"{path}: line 10: regions.0.floors.0.year: '2020/22' is not a financial year like 2020/21",
        f"{path}: line 12: regions.0.floors.2.year: a second floor for 2021/22",
        f"{path}: line 17: spend.0.organisation: "
        "R is a region; a spend line names an ICB (a region's spend is its ICBs')",
        f"{path}: line 18: spend.1.year: spend is for a year after the 2018/19 baseline, "
        "not 2018/19",
    ]


def test_not_yaml_is_reported_with_the_file(tmp_path):
    path = write(tmp_path, "title: [unclosed\n")
    with pytest.raises(LedgerError, match=f"{path}: not valid YAML"):
        read_ledger(path)


BAD_CSV = """\
organisation,year,category,amount_gbp,source_title,source_publisher,note
A,2023/24,primary_medical,400,made-up figures,tests,"a note
over two lines"
A,2023/24,community_health,"1,200",made-up figures,tests,
Z,2023/24,primary_medical,10,made-up figures,tests,

B,2023/2,primary_medical,10,made-up figures,tests,
R,2023/24,dentistry,10,,tests,
B,2023/24,other,5,made-up figures,tests,one cell too many,x
"""


def test_bad_csv_rows_are_kept_with_their_line_and_reason(tmp_path):
    book = small_ledger(tmp_path)
    path = write(tmp_path, BAD_CSV, "spend.csv")
    lines, rejected = parse_spend_csv(path, ledger=book)
    assert [(line.organisation, line.amount, line.origin) for line in lines] == [
        ("A", D(400), f"{path}: line 2")
    ]
    assert lines[0].note == "a note\nover two lines"
    assert [(r.line, r.reason) for r in rejected] == [
        (
            4,
            "amount_gbp '1,200' is not pounds (digits, optional '-' and decimals; no '£' or ',')",
        ),
        (5, "Z is not an ICB of this ledger"),
        (7, "year: '2023/2' is not a financial year like 2020/21"),
        (
            8,
            "R is a region; a spend line names an ICB (a region's spend is its ICBs'); "
            "category 'dentistry' is not one of primary_medical, community_health, other; "
            "a source's title must be non-empty text",
        ),
        (9, "8 cells, the header has 7"),
    ]
    # the row is kept as it was read
    assert rejected[1].values["organisation"] == "Z"
    assert str(rejected[0]) == f"{path}: line 4: " + rejected[0].reason


def test_a_csv_with_a_bad_row_loads_nothing(tmp_path):
    book = small_ledger(tmp_path)
    path = write(tmp_path, BAD_CSV, "spend.csv")
    with pytest.raises(SpendFileError) as raised:
        read_spend_csv(path, book)
    assert len(raised.value.rejected) == 5
    assert str(raised.value).startswith("5 bad spend row(s); nothing was loaded:\n")
    assert f"{path}: line 5: Z is not an ICB of this ledger" in str(raised.value)
    assert book.spend == ()
    with pytest.raises(SpendFileError):
        read_ledger(book.path, spend_csv=[path])


def test_a_good_csv_adds_its_lines(tmp_path):
    book = small_ledger(tmp_path)
    path = write(
        tmp_path,
        """\
        \ufefforganisation,year,category,amount_gbp,source_title,source_publisher,source_url
        A,2023/24,primary_medical,400.50,made-up figures,tests,https://example.org/a
        B,2023/24,community_health,-12,made-up figures,tests,
        """,
        "spend.csv",
    )
    loaded = read_spend_csv(path, book)
    assert [(s.organisation, s.category, s.amount) for s in loaded.spend] == [
        ("A", "primary_medical", D("400.50")),
        ("B", "community_health", D(-12)),
    ]
    assert loaded.spend[0].source.url == "https://example.org/a"
    assert loaded.spend[1].source.url is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "organisation,year,category,amount_gbp,source_title",
            "missing column(s) source_publisher",
        ),
        (
            "organisation,year,category,amount_gbp,source_title,source_publisher,pounds",
            "unknown column(s) pounds",
        ),
        ("", "the file is empty: no header row"),
    ],
)
def test_a_csv_with_a_bad_header_is_refused_at_line_1(tmp_path, header, reason):
    path = write(tmp_path, header + "\n" if header else "", "spend.csv")
    lines, rejected = parse_spend_csv(path)
    assert lines == ()
    assert [(r.line, r.reason) for r in rejected] == [(1, reason)]


def test_a_missing_spend_csv_is_named_with_its_line(tmp_path):
    path = write(
        tmp_path,
        f"""\
        title: ledger with a missing CSV (made up)
        illustrative: true
        regions:
          - code: R
            name: Region R
            baseline: {{amount_gbp: 1000, source: {MADE_UP}}}
            icbs:
              - {{code: A, name: ICB A, baseline: {{amount_gbp: 600, source: {MADE_UP}}}}}
        spend_csv: [nowhere.csv]
        """,
    )
    with pytest.raises(LedgerError) as raised:
        read_ledger(path)
    assert str(raised.value) == f"{path}: line 9: spend_csv.0: no file {tmp_path / 'nowhere.csv'}"
