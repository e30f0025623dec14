"""The CSDS loader on hand-written CYP101 / CYP104 / CYP201 files: good rows, each kind of
bad row with its file, line, field and reason, and a load that fails leaving the store as it
was."""

from __future__ import annotations

import pytest

from neighbourhood.access.ucr_clocks import clocks
from neighbourhood.access.ucr_csds import load_csds
from neighbourhood.records import LoadError
from ucr_universe import universe, utc

CYP101 = """\
ServiceRequestId,LocalPatientId,TeamIdLocal,ServTeamTypeRefToCommunity,SourceOfReferralCommunity,ReferralRequestReceivedDate,ReferralRequestReceivedTime
R1,PAT1,T1,51,AMB,2024-03-31,00:30
R2,PAT1,T1,52,gp,2024-06-03,10:00
R3,PAT1,T1,51,gp,2024-03-31,01:30
R4,PAT1,T1,51,XYZ,2024-06-03,10:00
R5,NOPAT,T1,51,gp,2024-06-03,10:00
R6,PAT1,T1,51,gp,2024-10-27,01:30
"""
CYP104 = """\
service_request_id,wait_time_measure_type,refer_to_treat_period_start_date,refer_to_treat_period_start_time,refer_to_treat_period_end_date,refer_to_treat_period_end_time
R1,05,2024-03-31,00:20,,
R2,06,2024-06-03,09:00,2024-06-04,12:00
R6,01,2024-10-27,01:30,,
R1,05,2024-03-31,00:25,2024-03-30,23:00
"""
CYP201 = """\
CareContactId,ServiceRequestId,CareContDate,CareContTime,AttendanceStatus,ConsMechanismCommunity
C1,R1,2024-03-31,03:00,5,01
C2,R1,2024-03-31,02:30,3,01
C3,R2,2024-06-03,11:00,6,11
C4,R1,2024-03-31,04:00,0,01
C5,R1,2024-31-03,04:00,5,01
C6,R1,2024-03-31,25:00,5,
"""


def write(folder, name, body):
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def con():
    c = universe()
    yield c
    c.close()


def test_good_and_bad_rows(con, tmp_path):
    write(tmp_path, "trust_CYP101.csv", CYP101)
    write(tmp_path, "trust_CYP104.csv", CYP104)
    write(tmp_path, "trust_CYP201.csv", CYP201)
    report = load_csds(con, [tmp_path], source_codes={"AMB": "ambulance_999"}).to_dict()
    assert {t: (c["loaded"], c["quarantined"]) for t, c in report["tables"].items()} == {
        "community_referrals": (3, 3),
        "care_contacts": (3, 3),
        "response_clocks": (2, 2),
    }
    quarantine = con.execute(
        "SELECT regexp_extract(file_path, '(CYP[0-9]+)'), line, field, reason FROM quarantine "
        "ORDER BY 1, 2"
    ).fetchall()
    assert quarantine == [
        ("CYP101", 4, "ReferralRequestReceivedDate",
         "2024-03-31 01:30 does not exist in Europe/London (the clocks went forward)"),
        ("CYP101", 5, "SourceOfReferralCommunity",
         "'XYZ' is not one of: ambulance_999, nhs_111, clinical_assessment_service, care_home, "
         "gp, self_or_carer, hospital, other, AMB (or a code of the source code mapping)"),
        ("CYP101", 6, "patient_id", "unknown patient_id 'NOPAT' (not in patients)"),
        ("CYP104", 4, "WaitTimeMeasureType",
         "'01' is not one of: 05, 06, 07, 08 (01, 02 and 09 are not response clocks)"),
        ("CYP104", 5, "ended_at",
         "ended_at 2024-03-30T23:00:00Z is before started_at 2024-03-31T00:25:00Z"),
        ("CYP201", 5, "AttendanceStatus",
         "'0' is not one of: 5, 6, 3, 7, 2, 4 (0 is an appointment in the future, not a contact)"),
        ("CYP201", 6, "CareContDate", "'2024-31-03' is not a valid date (expected YYYY-MM-DD)"),
        ("CYP201", 7, "CareContDate", "'25:00' is not a valid time (expected HH:MM or HH:MM:SS)"),
    ]  # fmt: skip
    stored = dict(con.execute("SELECT referral_id, clock FROM community_referrals").fetchall())
    assert stored == {"R1": "2_hour", "R2": "2_day", "R6": "none"}
    (r6,) = con.execute(
        "SELECT received_at FROM community_referrals WHERE referral_id = 'R6'"
    ).fetchone()
    assert r6 == utc("2024-10-27T01:30+01:00")  # the first (BST) of the repeated hour
    contacts = con.execute(
        "SELECT contact_id, outcome, consultation_mechanism FROM care_contacts ORDER BY 1"
    ).fetchall()
    assert contacts == [
        ("C1", "attended", "face_to_face"),
        ("C2", "did_not_attend", "face_to_face"),
        ("C3", "attended", "video"),
    ]
    by_id = {r["referral_id"]: r for r in clocks(con, as_of=utc("2025-01-01T00:00Z"))}
    # R1: supplied start 00:20 GMT, DNA at 02:30 BST ignored, attended at 03:00 BST = 100 min
    assert by_id["R1"]["elapsed_minutes"] == 100
    assert by_id["R1"]["status"] == "met"
    # R2: supplied 2-day clock 09:00 on the 3rd to 12:00 on the 4th: one midnight
    assert (by_id["R2"]["midnights"], by_id["R2"]["status"]) == (1, "met")


def test_video_contact_is_loaded_as_video(con, tmp_path):
    write(
        tmp_path, "a_CYP101.csv", CYP101.splitlines()[0] + "\nR2,PAT1,T1,52,gp,2024-06-03,10:00\n"
    )
    write(tmp_path, "a_CYP201.csv", CYP201.splitlines()[0] + "\nC3,R2,2024-06-03,11:00,6,11\n")
    load_csds(con, [tmp_path])
    assert con.execute("SELECT consultation_mechanism FROM care_contacts").fetchall() == [
        ("video",)
    ]


def test_a_file_that_cannot_be_used_leaves_the_store_unchanged(con, tmp_path):
    write(tmp_path, "a_CYP101.csv", CYP101)
    write(tmp_path, "b_CYP201.csv", "CareContactId,Nonsense\nC1,x\n")
    with pytest.raises(LoadError, match="unknown column 'Nonsense'"):
        load_csds(con, [tmp_path], source_codes={"AMB": "ambulance_999"})
    assert con.execute("SELECT count(*) FROM community_referrals").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def test_a_rerun_changes_nothing(con, tmp_path):
    write(tmp_path, "a_CYP101.csv", CYP101)
    load_csds(con, [tmp_path], source_codes={"AMB": "ambulance_999"})
    again = load_csds(con, [tmp_path], source_codes={"AMB": "ambulance_999"}).to_dict()
    assert again["tables"]["community_referrals"]["loaded"] == 0
    assert con.execute("SELECT count(*) FROM community_referrals").fetchone() == (3,)


def test_an_unnamed_file_is_refused(con, tmp_path):
    path = write(tmp_path, "referrals.csv", CYP101)
    with pytest.raises(LoadError, match="CYP101, CYP104 or CYP201"):
        load_csds(con, [path])
