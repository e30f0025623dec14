"""The shipped rates and ARRS files: all load, every value cites a source, every gap says why;
a broken file reports every problem with its file, line and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from neighbourhood.payments import RatesFileError, load_arrs, load_rates, read_arrs, read_rates
from neighbourhood.payments.model import Sourced

YEARS = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]
RATES = Path(__file__).resolve().parents[1] / "src/neighbourhood/payments/rates"


def every_rate_value():
    """(where, value, status, citations, note) for every value in every shipped file."""
    for year, rates in load_rates().items():
        for entitlement in rates.entitlements.values():
            for revision in entitlement.revisions:
                for part in revision.parts:
                    where = f"rates {year} {entitlement.id} {revision.label} {part.id}"
                    yield where, part.value, part.status, part.citations, part.note
            if entitlement.condition:
                c = entitlement.condition
                yield f"rates {year} condition", c.codes or None, c.status, c.citations, c.note
    for year, arrs in load_arrs().items():
        sourced: list[tuple[str, Sourced]] = [(f"arrs {year} reimbursement", arrs.reimbursement)]
        for role in arrs.roles.values():
            if role.reimbursement:
                sourced.append((f"arrs {year} {role.id} reimbursement", role.reimbursement))
            for m in role.maxima:
                for area in ("england", "outer_london", "inner_london"):
                    if getattr(m, area) is not None:
                        sourced.append(
                            (f"arrs {year} {role.id} {m.covers} {area}", getattr(m, area))
                        )
        for where, s in sourced:
            yield where, s.value, s.status, s.citations, s.note
        for pot in arrs.pots.values():
            if pot.rate is not None:
                r = pot.rate
                yield f"arrs {year} pot {pot.id}", r.value, r.status, r.citations, r.note
        for cap in arrs.caps:
            yield f"arrs {year} cap {cap.id}", cap.max_wte, "secondary", cap.citations, ""


def test_every_shipped_file_loads():
    assert list(load_rates()) == YEARS
    assert list(load_arrs()) == YEARS


def test_every_non_null_value_cites_a_source_with_a_quote():
    checked = 0
    for where, value, status, citations, note in every_rate_value():
        if value is None:
            assert status == "not_found", where
            assert len(note) >= 10, f"{where}: a gap must say what was looked for"
            continue
        checked += 1
        assert status in ("primary", "secondary"), where
        assert citations, f"{where}: no source"
        for citation in citations:
            assert citation.source.url.startswith("https://"), where
            assert len(citation.quote) >= 5, where
            assert citation.source.kind in ("primary", "secondary"), where
        if status == "primary":
            assert any(c.source.kind == "primary" and c.checked for c in citations), where
    assert checked > 80  # every year has values; the count guards against a silent empty walk


def test_primary_values_are_the_ones_confirmed_from_nhs_england_or_dhsc():
    primary = {w for w, v, s, _, _ in every_rate_value() if s == "primary"}
    assert primary == {
        "rates 2019-20 core_pcn_funding Network Contract DES 2019/20 registered",
        "rates 2019-20 clinical_director Network Contract DES 2019/20 registered",
        "rates 2019-20 network_participation Network Contract DES 2019/20 weighted",
        "rates 2023-24 capacity_access_improvement Network Contract DES 2023/24 adjusted",
    }


def test_a_not_found_value_is_null_in_the_file_and_in_the_objects():
    rates = read_rates(RATES / "2022-23.yaml")
    (part,) = rates.entitlements["clinical_director"].revisions[0].parts
    assert part.value is None and part.status == "not_found" and part.monthly() is None
    uplift = read_rates(RATES / "2024-25.yaml").entitlements["core_pcn_funding"].revisions[1]
    assert [p.value for p in uplift.parts] == [None, None]
    first = read_rates(RATES / "2024-25.yaml").entitlements["core_pcn_funding"].revisions[0]
    assert [p.value for p in first.parts] == [Decimal("2.218"), Decimal("0.698")]


def test_care_home_codes_2024_25_are_the_three_snomed_concepts():
    condition = load_rates()["2024-25"].entitlements["care_home_premium"].condition
    assert condition.codes == ("160734000", "394923006", "248171000000108")
    assert "doncasterlmc.co.uk" in condition.citations[0].source.url


BAD_RATES = """\
year: 2030-31
sources:
  s1: {title: A source, publisher: Someone, url: "https://example.org/a", kind: primary}
entitlements:
  core_pcn_funding:
    title: Core PCN Funding
    paid_to: pcn
    revisions:
      - published: 2030-03-01
        label: first
        rates:
          - id: registered
            label: per registered patient
            value: lots
            per: year
            unit: registered_patient
            covers: {from: 2030-04-01, to: 2031-03-31}
            status: secondary
            cite: [{source: s1, quote: "a quote here"}]
  network_participation:
    title: NPP
    paid_to: the_practice
    revisions: []
"""


def test_a_schema_error_names_the_file_the_line_and_the_field(tmp_path):
    bad = tmp_path / "2030-31.yaml"
    bad.write_text(BAD_RATES, encoding="utf-8")
    with pytest.raises(RatesFileError) as raised:
        read_rates(bad)
    message = str(raised.value)
    assert (
        f"{bad}: line 14: entitlements.core_pcn_funding.revisions.0.rates.0.value: "
        "'lots' is not of type 'number', 'null'" in message
    )
    assert f"{bad}: line 22: entitlements.network_participation.paid_to:" in message
    assert f"{bad}: line 23: entitlements.network_participation.revisions:" in message
    assert len(message.splitlines()) >= 3  # every problem at once


def test_a_value_not_found_may_not_carry_a_number(tmp_path):
    text = BAD_RATES.replace("value: lots", "value: 1.5").replace(
        "status: secondary", "status: not_found\n            note: not found anywhere at all"
    )
    text = text.split("  network_participation:")[0]
    bad = tmp_path / "2030-31.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(
        RatesFileError, match=r"line 14: .*rates\.0\.value: 1\.5 is not of type 'null'"
    ):
        read_rates(bad)


def test_build_errors_name_the_line_too(tmp_path):
    text = BAD_RATES.split("  network_participation:")[0].replace("value: lots", "value: 1.5")
    text = text.replace("to: 2031-03-31", "to: 2031-03-30").replace("source: s1", "source: s2")
    bad = tmp_path / "2030-31.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RatesFileError) as raised:
        read_rates(bad)
    message = str(raised.value)
    assert (
        f"{bad}: line 19: entitlements.core_pcn_funding.revisions.0.rates.0.cite.0.source: "
        "no source 's2'" in message
    )
    assert (
        "line 12: entitlements.core_pcn_funding.revisions.0.rates.0: "
        "a period ends on the last day of a month" in message
    )


def test_the_year_must_be_the_file_name_and_keys_may_not_repeat(tmp_path):
    text = BAD_RATES.split("  network_participation:")[0].replace("value: lots", "value: 1.5")
    wrong = tmp_path / "2031-32.yaml"
    wrong.write_text(text, encoding="utf-8")
    with pytest.raises(RatesFileError, match=r"line 1: year: year '2030-31' must be the file name"):
        read_rates(wrong)
    twice = tmp_path / "2030-31.yaml"
    twice.write_text(text.replace("    paid_to: pcn\n", "    paid_to: pcn\n    paid_to: pcn\n"))
    with pytest.raises(
        RatesFileError, match=r"line 8: entitlements.core_pcn_funding.paid_to: key given twice"
    ):
        read_rates(twice)


def test_every_problem_of_every_file_in_a_folder_is_reported_at_once(tmp_path):
    (tmp_path / "2030-31.yaml").write_text(BAD_RATES, encoding="utf-8")
    (tmp_path / "2031-32.yaml").write_text("year: [not, valid\n", encoding="utf-8")
    with pytest.raises(RatesFileError) as raised:
        load_rates(tmp_path)
    message = str(raised.value)
    assert "2030-31.yaml: line 14" in message
    assert "2031-32.yaml: not valid YAML" in message


def test_an_arrs_schema_error_names_the_line_and_field(tmp_path):
    shipped = (RATES.parent / "arrs" / "2020-21.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "2020-21.yaml"
    bad.write_text(shipped.replace("value: 35389", "value: -35389"), encoding="utf-8")
    line = next(
        n for n, text in enumerate(bad.read_text().splitlines(), 1) if "value: -35389" in text
    )
    with pytest.raises(
        RatesFileError,
        match=rf"line {line}: roles\.pharmacy_technician\.maxima\.0\.england\.value: "
        r"-35389 is less than the minimum of 0",
    ):
        read_arrs(bad)


def test_primary_needs_a_primary_source_and_every_source_is_cited(tmp_path):
    text = BAD_RATES.split("  network_participation:")[0].replace("value: lots", "value: 1.5")
    text = text.replace("kind: primary", "kind: secondary").replace(
        "status: secondary", "status: primary"
    )
    text = text.replace(
        "sources:\n",
        'sources:\n  s0: {title: Unused, publisher: Nobody, url: "https://x.org", kind: primary}\n',
    )
    bad = tmp_path / "2030-31.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RatesFileError) as raised:
        read_rates(bad)
    message = str(raised.value)
    assert "line 3: sources.s0: a source that no value cites" in message
    assert (
        "line 13: entitlements.core_pcn_funding.revisions.0.rates.0: rate registered: "
        "status primary needs a checked quote from a primary source" in message
    )
