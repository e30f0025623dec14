"""The source readers return every row of the real shipped files (counts from MANIFEST.md)."""

from __future__ import annotations

import hashlib

import pytest

from neighbourhood import sources


def test_epraccur_rows_and_status_counts():
    frame = sources.read_epraccur()
    assert len(frame) == 16685
    assert (frame["status"] == "A").sum() == 12440
    assert (frame["prescribing_setting"] == 4).sum() == 8655
    first = frame.iloc[0]
    assert (first["org_code"], first["region_code"], first["icb_code"]) == ("A81001", "Y63", "QHM")
    assert first["sub_icb_code"] == "16C"


def test_epcn_rows():
    assert len(sources.read_pcn_details()) == 1366
    partners = sources.read_pcn_core_partners()
    assert len(partners) == 7705
    assert partners.iloc[0]["pcn_code"] == "U89141"
    assert str(partners.iloc[0]["start_date"].date()) == "2019-10-01"


def test_list_sizes_and_qof_files():
    listed = sources.read_registered_patients()
    assert len(listed) == 6658
    assert listed.set_index("practice_code").loc["A84002", "patients"] == 5903
    assert len(sources.read_gp_by_age()) == 6730
    assert len(sources.read_gp_demographics()) == 6797
    assert len(sources.read_lsoa_lookup()) == 34753
    assert len(sources.read_region_prevalence()) == 210
    # 231 rows less the 21 Wales rows
    assert len(sources.read_imd_prevalence()) == 210


def test_imd_every_lsoa_with_real_decile():
    imd = sources.read_imd2019()
    assert len(imd) == 32844
    row = imd.set_index("lsoa_code").loc["E01000001"]
    assert (row["imd_rank"], row["imd_decile"]) == (29199, 9)


def test_care_homes_devon():
    homes = sources.read_devon_care_homes()
    assert len(homes) == 728
    assert homes["local_authority"].value_counts().to_dict() == {
        "Devon": 324,
        "Somerset": 222,
        "Plymouth": 97,
        "Torbay": 85,
    }
    assert homes["beds"].between(1, 105).all()


def test_shipped_files_are_unchanged_copies():
    # SHA256SUMS was written by comparing each file byte for byte with the copy in the project's
    # shared/data (see PROVENANCE.md); every shipped data file must be listed and still match.
    data = sources.data_file("SHA256SUMS").parent
    listed = {}
    for line in (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, relative = line.split(maxsplit=1)
        listed[relative] = digest
    shipped = {
        p.relative_to(data).as_posix()
        for p in data.rglob("*")
        if p.is_file() and not p.name.startswith(("PROVENANCE", "SHA256SUMS"))
    }
    assert shipped == set(listed)
    for relative, digest in listed.items():
        assert hashlib.sha256((data / relative).read_bytes()).hexdigest() == digest, relative


def test_missing_file_is_reported():
    with pytest.raises(FileNotFoundError):
        sources.data_file("nope.csv")
