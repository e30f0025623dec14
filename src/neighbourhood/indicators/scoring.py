"""From counts to achievement, points and pounds.

The rules, with their sources (the NHS England IIF guidance itself could not be read in full;
`docs/research-iif-sources.md` lists what was searched):

- Personalised care adjustment: patients who declined, or for whom the intervention is
  unsuitable, leave the denominator unless they met the numerator. Worked example (Pulse
  Intelligence, "Investment and Impact Fund: flu vaccination targets", quoting the 2021/22
  guidance, secondary): 600 vaccinated of 1,000, 100 declined and 100 unsuitable is 600/800
  = 75%.
- Points on a linear scale: none at or below the lower threshold, all at or above the upper
  one, in between in proportion; reversed for indicators where lower is better (PrimaryCareIT
  "IIF funding structure", secondary; Hempsons on the 2020/21 prescribing indicators).
- Pounds: points x value of a point (by year) x list size adjustment x prevalence adjustment
  (Pulse Intelligence; Doncaster LMC; PrimaryCareIT, all secondary). The list size
  adjustment is the PCN's list size over the national average PCN list size, and the
  prevalence adjustment the PCN's prevalence (denominator over list size) over the national
  prevalence; neither formula was found verbatim in NHS England's text, so both are
  reported with the figures they used, and a figure that is not known leaves the pounds
  unworked (never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Counts:
    """Patients of one indicator in one organisation."""

    eligible: int  # the denominator before the personalised care adjustment
    numerator: int
    declined: int = 0  # declined and not in the numerator
    unsuitable: int = 0  # unsuitable, not declined, not in the numerator

    def __post_init__(self) -> None:
        for name in ("eligible", "numerator", "declined", "unsuitable"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} is a count: not {getattr(self, name)}")
        if self.numerator + self.declined + self.unsuitable > self.eligible:
            raise ValueError("numerator and exceptions are more than the eligible patients")

    @property
    def denominator(self) -> int:
        """After the personalised care adjustment."""
        return self.eligible - self.declined - self.unsuitable

    @property
    def achievement(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


def points_earned(
    achievement: float | None, lower: float, upper: float, points: float, direction: str
) -> float:
    """Points for an achievement (a proportion, 0.75 for 75%) on the linear scale."""
    if lower > upper:
        raise ValueError(f"lower threshold {lower} above upper threshold {upper}")
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction is higher or lower, not {direction!r}")
    if achievement is None:
        return 0.0
    if direction == "higher":
        if achievement <= lower:
            return 0.0
        if achievement >= upper:
            return float(points)
        return points * (achievement - lower) / (upper - lower)
    if achievement >= upper:
        return 0.0
    if achievement <= lower:
        return float(points)
    return points * (upper - achievement) / (upper - lower)


@dataclass(frozen=True)
class Pounds:
    """Pounds for an indicator in one PCN, or why they cannot be worked out."""

    amount: Decimal | None
    formula: str
    reasons: tuple[str, ...] = ()


def pounds(
    points: float,
    pound_per_point: float | None,
    list_size: int | None,
    average_list_size: float | None,
    prevalence: float | None = None,
    national_prevalence: float | None = None,
    prevalence_adjusted: bool = False,
) -> Pounds:
    """points x £/point x (list size / average list size) [x prevalence / national prevalence],
    rounded to the penny; missing inputs are named, not filled in."""
    reasons = []
    if pound_per_point is None:
        reasons.append("the value of a point for the year was not found")
    if list_size is None or average_list_size is None:
        reasons.append(
            "the list size adjustment needs the PCN's list size and the national average"
        )
    if prevalence_adjusted and (prevalence is None or not national_prevalence):
        reasons.append("the prevalence adjustment needs the PCN's and the national prevalence")
    formula = "points x value of a point x list size / national average list size"
    if prevalence_adjusted:
        formula += " x prevalence / national prevalence"
    if reasons:
        return Pounds(None, formula, tuple(reasons))
    amount = Decimal(repr(points)) * Decimal(repr(pound_per_point))
    amount *= Decimal(list_size) / Decimal(repr(average_list_size))  # type: ignore[arg-type]
    if prevalence_adjusted:
        amount *= Decimal(repr(prevalence)) / Decimal(repr(national_prevalence))
    return Pounds(amount.quantize(Decimal("0.01"), ROUND_HALF_UP), formula)
