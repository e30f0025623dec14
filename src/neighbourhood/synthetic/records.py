"""Patient-level tables (patients, registrations, clinical events, medicines, residences)
built from the generated arrays as pyarrow tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def patient_ids(count: int) -> np.ndarray:
    """'S' + zero-padded number: pseudonymous and visibly synthetic."""
    width = max(7, len(str(count)))
    numbers = np.arange(1, count + 1).astype(str)
    return np.char.add("S", np.char.zfill(numbers, width)).astype(object)


def _dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), type=pa.date32())


def clinical_events_table(
    ids: np.ndarray,
    patient: np.ndarray,
    event_date: np.ndarray,
    snomed: np.ndarray,
    value: np.ndarray,
) -> pa.Table:
    """Rows sorted by patient, date and code, with duplicate keys dropped."""
    order = np.lexsort((snomed.astype(str), event_date, patient))
    patient, event_date, snomed, value = (a[order] for a in (patient, event_date, snomed, value))
    same = np.zeros(patient.size, dtype=bool)
    same[1:] = (
        (patient[1:] == patient[:-1])
        & (event_date[1:] == event_date[:-1])
        & (snomed[1:] == snomed[:-1])
        & ((value[1:] == value[:-1]) | (np.isnan(value[1:]) & np.isnan(value[:-1])))
    )
    keep = ~same
    return pa.table(
        {
            "patient_id": pa.array(ids[patient[keep]], type=pa.string()),
            "event_date": _dates(event_date[keep]),
            "snomed_code": pa.array(snomed[keep], type=pa.string()),
            "numeric_value": pa.array(value[keep], type=pa.float64(), from_pandas=True),
        }
    )


def table_of(columns: dict[str, object]) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
            arrays[name] = _dates(values)
        else:
            arrays[name] = pa.array(values, from_pandas=True)
    return pa.table(arrays)
