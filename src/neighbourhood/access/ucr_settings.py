"""The choices the UCR and reablement guidance leaves open, as one value with defaults.

Each field says what was found and where; `README.md` ("Settings") is the longer account.
The sources are those of `/work/shared/domain/ucr-clocks.md` ([S3] and so on are its
numbering), the NHS Data Model and Dictionary unless said otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["CLOCK_STARTS", "CLOCK_STOPS", "OUTSIDE_HOURS", "UcrSettings"]

CLOCK_STARTS = ("supplied", "received")
CLOCK_STOPS = ("supplied", "contacts")
OUTSIDE_HOURS = ("as_received", "next_opening", "exclude")

TWO_HOURS_SECONDS = 120 * 60
"""Crisis Response Intermediate Care Within 2 Hours: met when the clock start to the first
face-to-face contact is "120 minutes or less" [S3]."""

TWO_MIDNIGHTS = 2
"""Other Intermediate Care Within 2 Days (reablement): met with "2 midnights or fewer" between
the start and the first face-to-face contact in the patient's home [S4], midnights counted on
the Europe/London calendar."""

TARGET_PERCENT = 70.0
"""NHS England's ambition: at least 70% of 2-hour referrals within two hours "where clinically
appropriate" [S12][S16]."""


@dataclass(frozen=True)
class UcrSettings:
    """How the 2-hour and 2-day clocks are measured where the guidance leaves a choice.

    - `clock_start`: "supplied" (default) takes the REFERRAL TO TREATMENT PERIOD START
      DATE/TIME the provider submitted in CYP104 (`response_clocks.started_at`), which the
      Dictionary defines as when the need is identified [S3][S4], and the referral's
      `received_at` (CYP101 REFERRAL REQUEST RECEIVED DATE/TIME) when none was submitted;
      "received" always takes `received_at`. NHS England's technical guidance wording on
      "referral received" against triage was not found [S14][S15].
    - `clock_stop`: "supplied" (default) takes the period end the provider submitted, when it
      did, else the first qualifying contact; "contacts" always works the stop out from the
      contacts.
    - `outside_hours`: for a 2-hour clock that starts outside `service_hours`. No rule was found
      (ucr-clocks.md §3, "NOT FOUND"); UCR is to be available "from 8am to 8pm, seven days a
      week (at a minimum)" [S16]. "as_received" (default: the Dictionary's clock starts when the
      need is identified, with no exception), "next_opening" (the clock starts at the next
      opening time, and a contact before it counts as 0 minutes) or "exclude" (out of scope).
    - `service_hours`: opening and closing local times, default 08:00 to 20:00 [S16].
    - `video_stops_clock`: whether a video contact (consultation mechanism 11) stops a clock.
      The Dictionary says "face-to-face" [S3][S4]; whether video counts was not found. Default
      False.
    - `unknown_mechanism_is_face_to_face`: a contact whose mechanism the extract does not give
      (the data-model layout may leave it out) is taken as face to face. Default True:
      otherwise an extract without the column could never stop a clock.
    - `not_attended_stops_clock`: whether a did-not-attend or cancelled contact stops the clock.
      Not found; the Dictionary's stop is a contact between the patient and the professional,
      which a contact that did not happen is not (an inference) [S3]. Default False.
    - `min_age`: leave out referrals of people younger than this at the clock start. Only a
      secondary source says UCR is for "anyone ... over 18 years of age" [S19]; no NHS England
      or CSDS rule was found. Default None (no age filter). Age is worked out from the month of
      birth as if born on its first day.
    - `reablement_excludes_hospital`: the 2-day reablement measure takes referrals "from any
      referral source except a hospital bed" [S20] (the CSP's summary of NHS England's 2020
      guidance). Default True: `referral_source = 'hospital'` is out of scope.
    """

    clock_start: str = "supplied"
    clock_stop: str = "supplied"
    outside_hours: str = "as_received"
    service_hours: tuple[dt.time, dt.time] = (dt.time(8, 0), dt.time(20, 0))
    video_stops_clock: bool = False
    unknown_mechanism_is_face_to_face: bool = True
    not_attended_stops_clock: bool = False
    min_age: int | None = None
    reablement_excludes_hospital: bool = True

    def __post_init__(self) -> None:
        for name, allowed in (
            ("clock_start", CLOCK_STARTS),
            ("clock_stop", CLOCK_STOPS),
            ("outside_hours", OUTSIDE_HOURS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}"
                )
        opening, closing = self.service_hours
        if not (isinstance(opening, dt.time) and isinstance(closing, dt.time)):
            raise ValueError("service_hours is a pair of times (opening, closing)")
        if not opening < closing:
            raise ValueError(f"service hours open at {opening} and close at {closing}: not a day")
        if self.min_age is not None and (type(self.min_age) is not int or self.min_age < 0):
            raise ValueError(f"min_age is a whole number of years, not {self.min_age!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["service_hours"] = [t.strftime("%H:%M") for t in self.service_hours]
        return out
