"""Generate a synthetic population for one ICB and write it in the loader's file contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

import neighbourhood
from neighbourhood.progress import SILENT, Progress
from neighbourhood.store.model import load_data_model
from neighbourhood.synthetic import events, organisations
from neighbourhood.synthetic.calibration import figure
from neighbourhood.synthetic.care_homes import place_residents
from neighbourhood.synthetic.conditions import assign_conditions, assign_frailty
from neighbourhood.synthetic.demography import build_demography
from neighbourhood.synthetic.footprint import DEFAULT_ICB, load_footprint
from neighbourhood.synthetic.medications import issue_medicines, medicine_counts
from neighbourhood.synthetic.population import PRACTICE_COLUMNS, Population
from neighbourhood.synthetic.records import clinical_events_table, patient_ids, table_of
from neighbourhood.synthetic.writer import conform, write_all

REFERENCE_DATE = date(2025, 9, 30)
STEP = "Synthetic population"
PHASES = 9


@dataclass(frozen=True)
class SynthesisResult:
    out_dir: Path
    patients: int
    seed: int
    icb: str
    reference_date: date
    file_format: str
    files: dict[str, dict]  # file name -> {"rows": n, "sha256": hex}

    def rows(self, table: str) -> int:
        return self.files[f"{table}.{self.file_format}"]["rows"]

    def to_dict(self) -> dict:
        return {
            "data": "SYNTHETIC",
            "icb": self.icb,
            "patients": self.patients,
            "seed": self.seed,
            "reference_date": self.reference_date.isoformat(),
            "out_dir": str(self.out_dir),
            "files": [
                {"file": name, "rows": info["rows"], "sha256": info["sha256"]}
                for name, info in self.files.items()
            ],
        }


def _events(parts: list[tuple[np.ndarray, np.ndarray, str | np.ndarray, np.ndarray | None]]):
    patient = np.concatenate([p for p, _, _, _ in parts])
    when = np.concatenate([d for _, d, _, _ in parts]).astype("datetime64[D]")
    code = np.concatenate(
        [np.broadcast_to(np.asarray(c, dtype=object), p.shape) for p, _, c, _ in parts]
    )
    value = np.concatenate(
        [np.full(p.size, np.nan) if v is None else v.astype(float) for p, _, _, v in parts]
    )
    return patient, when, code, value


def _place_living_residents(age, frailty, pcn_code, homes, fraction, rng):
    """Place residents so that the Census share holds among the living on the reference date.

    The Census counts people living in a care home on one day; some of the residents placed
    here die in the year before the reference date (their residence ends at death). A first
    placement measures the expected death share of residents and of everyone aged 65+ under
    the mortality model; the second, used, placement scales the share to make up for both.
    """
    share = figure("care_homes", "share_65_plus")
    trial = place_residents(age, frailty, pcn_code, homes, fraction, rng)
    if trial.patient.size == 0:
        return trial
    in_home = np.zeros(age.size, dtype=bool)
    in_home[trial.patient] = True
    chance = events.death_chance(age, frailty, in_home)
    residents_alive = 1.0 - chance[trial.patient].mean()
    older_alive = 1.0 - chance[age >= 65].mean()
    adjusted = share * older_alive / residents_alive
    return place_residents(age, frailty, pcn_code, homes, fraction, rng, share_65_plus=adjusted)


def generate(
    out_dir: Path,
    *,
    patients: int,
    seed: int,
    icb: str | None = None,
    file_format: str = "csv",
    progress: Progress = SILENT,
    reference_date: date = REFERENCE_DATE,
) -> SynthesisResult:
    """Write a synthetic population of `patients` people registered at the real practices of
    the ICB (default NHS Devon, QJK) to `out_dir`; same arguments give byte-identical files."""
    if patients < 1:
        raise ValueError("patients must be at least 1")
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', not {file_format!r}")
    icb = icb or DEFAULT_ICB
    own_seed, activity_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(own_seed)
    reference = np.datetime64(reference_date, "D")
    step = lambda: progress.step(STEP, 1, PHASES)  # noqa: E731

    footprint = load_footprint(icb)
    step()
    people, sample_sizes = build_demography(footprint, patients, reference, rng)
    age, born = people.age, people.birth_month
    practices = footprint.practices
    pcn_code = practices["pcn_code"].to_numpy(object)[people.practice_index]
    step()
    diagnoses, ltc_count = assign_conditions(
        age, people.imd_decile, born, reference, footprint.ons_regions, rng
    )
    frailty = assign_frailty(age, ltc_count, rng)
    step()
    fraction = patients / footprint.list_total
    homes = footprint.care_homes
    placed = _place_living_residents(age, frailty, pcn_code, homes, fraction, rng)
    in_home = np.zeros(patients, dtype=bool)
    in_home[placed.patient] = True
    chance = events.death_chance(age, frailty, in_home)
    death = events.assign_deaths(chance, born, reference, rng)
    last = events.end_of_life(death, reference)
    step()
    counts = medicine_counts(age, ltc_count, frailty, rng)
    issues = issue_medicines(counts, born, last, reference, rng)
    step()

    # Care home residence periods
    stay_years = rng.exponential(2.0, placed.patient.size)
    move_in = reference - (stay_years * 365.25).astype("timedelta64[D]")
    move_in = np.minimum(np.maximum(move_in, born[placed.patient]), last[placed.patient])
    home_codes = homes["location_id"].to_numpy(object)
    care_home_code = np.full(patients, "", dtype=object)
    alive_resident = np.isnat(death[placed.patient])
    care_home_code[placed.patient[alive_resident]] = home_codes[placed.home[alive_resident]]
    nursing = homes["with_nursing"].to_numpy(bool)[placed.home]
    residence_codes = np.where(
        nursing,
        figure("care_homes", "codes", "nursing"),
        figure("care_homes", "codes", "residential"),
    ).astype(object)

    # Dated events
    def in_last_year(who: np.ndarray) -> np.ndarray:
        return events.dates_in_last_year(who, born, last, reference, rng)

    older_weight = np.where(age >= 50, 1.0 + (age - 50) / 10.0, 0.2)
    referred = events.poisson_events(
        older_weight, figure("cancer_referrals", "per_1000_a_year"), rng
    )
    referred_on = in_last_year(referred)
    lower_gi = rng.random(referred.size) < figure("cancer_referrals", "lower_gi_share")
    codes = figure("cancer_referrals", "codes")
    referral_code = np.where(lower_gi, codes["lower_gi"], codes["any_site"]).astype(object)
    with_fit = lower_gi & (
        rng.random(referred.size) < figure("cancer_referrals", "fit_with_lower_gi")
    )
    fit_patient = referred[with_fit]
    fit_date = np.maximum(
        referred_on[with_fit] - rng.integers(0, 22, fit_patient.size).astype("timedelta64[D]"),
        born[fit_patient],
    )
    fit_value = np.round(
        np.where(
            rng.random(fit_patient.size) < 0.85,
            10 * np.exp(rng.exponential(1.2, fit_patient.size)),
            rng.uniform(0, 10, fit_patient.size),
        ),
        1,
    )
    adult_weight = np.where(age >= 18, 1.0 + ltc_count, 0.1)
    prescribed = events.poisson_events(
        adult_weight, figure("social_prescribing", "per_1000_a_year"), rng
    )
    five_plus = np.flatnonzero(counts >= 5)
    reviewed = five_plus[
        rng.random(five_plus.size) < figure("polypharmacy", "smr_share_of_five_plus")
    ]
    frail = np.flatnonzero(frailty > 0)
    frailty_codes = np.array(
        ["", *(figure("frailty", "codes")[k] for k in ("mild", "moderate", "severe"))], dtype=object
    )
    onset = np.minimum(
        np.maximum(diagnoses.onset, born[diagnoses.patient]), last[diagnoses.patient]
    )
    patient_e, date_e, code_e, value_e = _events(
        [
            (diagnoses.patient, onset, diagnoses.snomed, None),
            (frail, in_last_year(frail), frailty_codes[frailty[frail]], None),
            (placed.patient, move_in, residence_codes, None),
            (referred, referred_on, referral_code, None),
            (fit_patient, fit_date, figure("cancer_referrals", "codes", "fit"), fit_value),
            (prescribed, in_last_year(prescribed), figure("social_prescribing", "code"), None),
            (reviewed, in_last_year(reviewed), figure("polypharmacy", "smr_code"), None),
        ]
    )
    step()

    ids = patient_ids(patients)
    current, previous = events.registrations(
        people.practice_index, len(practices), born, death, reference, rng
    )
    practice_codes = practices["practice_code"].to_numpy(object)
    lsoa_codes = footprint.lsoas["lsoa_code"].to_numpy(object)
    homes_used = homes.assign(pcn_code=placed.home_pcn)
    lad_codes = organisations.local_authority_codes(footprint)
    tables: dict[str, pa.Table] = {
        "organisations": pa.Table.from_pandas(
            organisations.organisation_rows(footprint, homes_used), preserve_index=False
        ),
        "org_memberships": pa.Table.from_pandas(
            organisations.membership_rows(footprint, homes_used), preserve_index=False
        ),
        "care_homes": pa.Table.from_pandas(
            organisations.care_home_rows(homes_used, lad_codes), preserve_index=False
        ),
        "patients": table_of(
            {
                "patient_id": ids,
                "birth_month": born,
                "sex": np.where(people.male, "male", "female").astype(object),
                "lsoa_code": lsoa_codes[people.lsoa_index],
                "imd_decile": people.imd_decile.astype(np.int64),
                "date_of_death": death,
            }
        ),
        "registrations": table_of(
            {
                "patient_id": np.concatenate([ids[current[0]], ids[previous[0]]]),
                "practice_code": np.concatenate(
                    [practice_codes[current[1]], practice_codes[previous[1]]]
                ),
                "start_date": np.concatenate([current[2], previous[2]]),
                "end_date": np.concatenate([current[3], previous[3]]),
            }
        ),
        "clinical_events": clinical_events_table(ids, patient_e, date_e, code_e, value_e),
        "medications_issued": table_of(
            {
                "patient_id": ids[issues.patient],
                "issue_date": issues.issue_date,
                "dmd_code": issues.dmd_code,
                "quantity": issues.quantity,
            }
        ),
        "practice_list_sizes": table_of(
            {
                "practice_code": practices["practice_code"].to_numpy(object),
                "extract_date": practices["list_size_date"].to_numpy("datetime64[D]"),
                "sex": np.full(len(practices), "all", dtype=object),
                "age_band": np.full(len(practices), "ALL", dtype=object),
                "patients": practices["list_size"].to_numpy(np.int64),
            }
        ),
        "care_home_residences": table_of(
            {
                "patient_id": ids[placed.patient],
                "care_home_code": home_codes[placed.home],
                "start_date": move_in,
                "end_date": death[placed.patient],
            }
        ),
    }
    step()

    practice_frame = practices.assign(sample_size=sample_sizes)[list(PRACTICE_COLUMNS)]
    population = Population(
        reference_date=reference_date,
        icb_code=icb,
        patient_id=ids,
        practice_code=practice_codes[people.practice_index],
        pcn_code=pcn_code,
        age=age,
        sex=np.where(people.male, "male", "female").astype(object),
        imd_decile=people.imd_decile,
        care_home_code=care_home_code,
        frailty=frailty,
        ltc_count=ltc_count,
        date_of_death=death,
        practices=practice_frame.reset_index(drop=True),
        provider_codes=footprint.provider_codes,
    )
    from neighbourhood.synthetic.activity import generate_activity

    activity = generate_activity(population, np.random.default_rng(activity_seed), progress)
    for name, table in activity.items():
        if name in tables and name in ("organisations", "org_memberships"):
            spec = load_data_model().table(name)
            tables[name] = pa.concat_tables([conform(tables[name], spec), conform(table, spec)])
        elif name in tables:
            raise ValueError(f"activity generator returned table {name} the population owns")
        else:
            tables[name] = table
    step()

    manifest = {
        "synthetic": True,
        "generator": "neighbourhood.synthetic",
        "version": neighbourhood.__version__,
        "seed": seed,
        "patients": patients,
        "icb": icb,
        "reference_date": reference_date.isoformat(),
        "file_format": file_format,
    }
    files = write_all(tables, Path(out_dir), file_format, manifest)
    step()
    return SynthesisResult(Path(out_dir), patients, seed, icb, reference_date, file_format, files)


__all__ = ["REFERENCE_DATE", "SynthesisResult", "generate"]
