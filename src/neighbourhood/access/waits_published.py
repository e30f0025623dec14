"""The published NHS England "Community Health Services Waiting Times" workbook as one tidy
table, with each organisation's parents, and a check of its totals.

The workbook (shipped as `sources/data/nhs_waiting_times.xlsx`, see PROVENANCE_chs.md) gives,
for October 2025, England, the 7 regions, the 42 ICBs and the providers, one column per service
line (prefixed "(A)" adult or "(CYP)" children and young people), in Table 4 (total) and
Tables 4a-4h (one weeks-waited band each). It is read by `neighbourhood.sources.chs_waiting_times`.

The workbook prints no parent codes. Every figure of a region is the sum of its ICBs' and every
figure of an ICB the sum of its providers' (414 figures per organisation), so the parents are
worked out from the figures: the one assignment of each child to a parent under which every
parent's figures are exactly the sums of its children's (an exact-cover problem, solved as an
integer programme). It is checked to be the only one. A provider whose figures are all zero
fits under any ICB; its parent is left unknown rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from neighbourhood.sources import chs_waiting_times as chs
from neighbourhood.sources.paths import data_file

__all__ = [
    "BANDS",
    "LEVELS",
    "PublishedCheck",
    "check_published_totals",
    "published_month",
    "published_organisation",
    "published_parents",
    "published_totals",
    "published_waits",
    "table_3",
]

BANDS = ("0-1", ">1-2", ">2-4", ">4-12", ">12-18", ">18-52", ">52-104", ">104")
LEVELS = {"National": "england", "Region": "region", "ICB": "icb", "Provider": "provider"}
TIDY_COLUMNS = [
    "level",
    "org_code",
    "org_name",
    "icb_code",
    "region_code",
    "service_line",
    "age_group",
    "weeks_waited_band",
    "patients",
    "month",
]
_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
# Table 3 columns, in the order printed: total, then the eight bands.
_TABLE_3_COLUMNS = ("total", *BANDS)


@cache
def published_month() -> str:
    """The month of the workbook's figures, 'YYYY-MM', read from Table 4's title
    ("Total waiting list by service, October 2025")."""
    title = str(chs._sheet_rows("Table 4")[0][0])
    found = re.search(r",\s*([A-Z][a-z]+) (\d{4})\s*$", title)
    if not found or found.group(1) not in _MONTHS:
        raise ValueError(f"Table 4 title {title!r} names no month")
    return f"{found.group(2)}-{_MONTHS[found.group(1)]:02d}"


def _wide() -> pd.DataFrame:
    """One row per organisation (level, org_code), one column per (service line, age group,
    band or 'total'); NaN where the workbook is blank."""
    table = pd.concat([chs.read_total_waiting(), chs.read_waiting_by_band()], ignore_index=True)
    return table.pivot_table(
        index=["org_type", "org_code"],
        columns=["service_line", "age_group", "weeks_waited_band"],
        values="patients",
        aggfunc="sum",
    )


def _exact_parents(children: pd.DataFrame, parents: pd.DataFrame) -> dict[str, str | None]:
    """child code -> parent code such that each parent's figures equal the sums of its
    children's; None for a child the figures cannot place (all zero, or more than one way)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    parents = parents.reindex(columns=children.columns)
    c_val, p_val = children.fillna(0).to_numpy(), parents.fillna(0).to_numpy()
    c_has, p_has = children.notna().to_numpy(), parents.notna().to_numpy()
    zero = c_val.sum(axis=1) == 0
    # A child can sit under a parent only if it is nowhere above it and is blank where it is.
    fits = ~((c_has[:, None, :] & ~p_has[None, :, :]).any(2) | (c_val[:, None, :] > p_val).any(2))
    pairs = [(i, j) for i, j in zip(*np.nonzero(fits), strict=True) if not zero[i]]
    n_cols = c_val.shape[1]
    one_rows, one_cols, sum_rows, sum_cols, sum_vals = [], [], [], [], []
    for k, (i, j) in enumerate(pairs):
        one_rows.append(i)
        one_cols.append(k)
        for col in np.flatnonzero(c_val[i]):
            sum_rows.append(j * n_cols + col)
            sum_cols.append(k)
            sum_vals.append(c_val[i, col])
    n = len(pairs)
    placed = [i for i in range(len(children)) if not zero[i]]
    once = coo_matrix((np.ones(n), (one_rows, one_cols)), shape=(len(children), n)).tocsr()
    sums = coo_matrix((sum_vals, (sum_rows, sum_cols)), shape=(p_val.size, n)).tocsr()
    target = p_val.ravel()
    constraints = [
        LinearConstraint(once[placed], 1, 1),
        LinearConstraint(sums, target, target),
    ]

    def solve(extra: list) -> np.ndarray | None:
        result = milp(
            np.zeros(n),
            constraints=constraints + extra,
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
        )
        return None if result.x is None else result.x > 0.5

    first = solve([])
    if first is None:
        raise ValueError("no assignment of children to parents reproduces the parents' figures")
    # Any other exact assignment must move at least one child: if none exists, this one is unique.
    other = solve([LinearConstraint(first.astype(float), 0, first.sum() - 1)])
    moved = set() if other is None else {pairs[k][0] for k in np.flatnonzero(first != other)}
    out: dict[str, str | None] = {code: None for code in children.index}
    for k in np.flatnonzero(first):
        i, j = pairs[k]
        if i not in moved:
            out[children.index[i]] = parents.index[j]
    return out


@cache
def published_parents() -> dict[str, dict[str, str | None]]:
    """{'icb': {provider: ICB}, 'region': {ICB: region}} worked out from the figures (see the
    module docstring); None where the figures cannot place an organisation."""
    wide = _wide()
    return {
        "icb": _exact_parents(wide.loc["Provider"], wide.loc["ICB"]),
        "region": _exact_parents(wide.loc["ICB"], wide.loc["Region"]),
    }


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    parents = published_parents()
    icb_of, region_of = parents["icb"], parents["region"]
    level = table["org_type"].map(LEVELS)
    code = table["org_code"].where(level != "england", "")
    icb = code.map(icb_of).where(level == "provider")
    icb = icb.where(level != "icb", code)
    region = icb.map(region_of).where(level.isin(["provider", "icb"]))
    region = region.where(level != "region", code)
    out = table.assign(
        level=level,
        org_code=code,
        icb_code=icb.astype(object).where(icb.notna(), None),
        region_code=region.astype(object).where(region.notna(), None),
        month=published_month(),
    )
    return out[TIDY_COLUMNS].reset_index(drop=True)


@cache
def published_waits() -> pd.DataFrame:
    """Number waiting at the end of the month in each weeks-waited band, per organisation,
    service line and age group ('adult' or 'cyp'). Columns: level (england, region, icb,
    provider), org_code ('' for England), org_name, icb_code and region_code (the parents,
    None when not placed or not applicable), service_line, age_group, weeks_waited_band
    (BANDS), patients, month ('YYYY-MM'). Blank cells (no submission, or a line published only
    nationally) have no row: they are not zeros."""
    return _tidy(chs.read_waiting_by_band())


@cache
def published_totals() -> pd.DataFrame:
    """Table 4: the total waiting list per organisation, service line and age group, same
    columns as published_waits() with weeks_waited_band 'total'."""
    return _tidy(chs.read_total_waiting())


@cache
def table_3() -> pd.DataFrame:
    """Table 3, the national overview: one row per line as printed ('England', 'Adult
    services', 'CYP services', then each '(A) ...' / '(CYP) ...' service), columns line,
    total and the eight bands (None where blank)."""
    import openpyxl  # only this reader needs it

    book = openpyxl.load_workbook(data_file(chs.WORKBOOK), read_only=True, data_only=True)
    try:
        sheet = book["Table 3"]
        sheet.reset_dimensions()  # the file's stored dimensions are wrong (see chs reader)
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    (header_at,) = [i for i, r in enumerate(rows) if len(r) > 1 and r[1] == "Total waiting list"]
    header = [str(h) for h in rows[header_at][1:10]]
    expected = ["Total waiting list", *(f"Waiting {band} weeks" for band in BANDS)]
    if header != expected:
        raise ValueError(f"Table 3 header {header} is not {expected}")
    out = [
        {"line": r[0], **dict(zip(_TABLE_3_COLUMNS, r[1:10], strict=True))}
        for r in rows[header_at + 1 :]
        if r and r[0]
    ]
    return pd.DataFrame(out)


@dataclass(frozen=True)
class PublishedCheck:
    """What adds up in the workbook and what does not; `rows` has one row per check."""

    rows: list[dict]

    @property
    def failures(self) -> list[dict]:
        return [r for r in self.rows if not r["explained"]]


def _cells(frame: pd.DataFrame, level: str) -> pd.Series:
    """patients per (service_line, age_group, band, org_code) at one level."""
    rows = frame[frame["level"] == level]
    return rows.set_index(["service_line", "age_group", "weeks_waited_band", "org_code"])[
        "patients"
    ]


def _line_label(service_line: str, age_group: str) -> str:
    return f"({'A' if age_group == 'adult' else 'CYP'}) {service_line}"


def check_published_totals() -> PublishedCheck:
    """The workbook's England figures (Table 3 and the National rows of Tables 4-4h) against
    the sums of its region, ICB and provider rows, and each total against its bands.

    One row per check: check, scope, published, summed, difference (published - summed),
    explained (the difference is accounted for exactly by the reason given), reason."""
    bands, totals, t3 = published_waits(), published_totals(), table_3()
    both = pd.concat([totals, bands], ignore_index=True)
    rows: list[dict] = []

    def add(check, scope, published, summed, *, accounted=0, reason="") -> None:
        difference = int(published) - int(summed)
        rows.append(
            {
                "check": check,
                "scope": scope,
                "published": int(published),
                "summed": int(summed),
                "difference": difference,
                "explained": difference == int(accounted),
                "reason": reason if difference else "",
            }
        )

    # 1. Table 3's service lines are Table 4's National rows.
    only_national = sorted(
        set(totals[totals["level"] == "england"]["service_line"])
        - set(totals[totals["level"] == "region"]["service_line"])
    )
    national = _cells(both, "england").droplevel("org_code")
    lines = t3.iloc[3:].set_index("line")
    printed = {(_line_label(sl, ag), band): v for (sl, ag, band), v in national.items()}
    t3_cells = {
        (line, column): int(value)
        for line, values in lines.iterrows()
        for column, value in values.items()
        if pd.notna(value)
    }
    differ = [k for k in set(t3_cells) | set(printed) if t3_cells.get(k) != printed.get(k)]
    only_t3 = [k for k in differ if k not in printed and k[0].split(") ", 1)[1] in only_national]
    add(
        "Table 3 service lines = Table 4-4h National rows",
        f"{len(t3_cells)} cells, {len(differ)} differ",
        sum(t3_cells.values()),
        sum(printed.values()),
        accounted=sum(t3_cells[k] for k in only_t3),
        reason="Table 3 prints the over-104-weeks band of the lines published only nationally; "
        "Table 4h leaves it blank",
    )

    # 2. The England / adult / CYP rows of Table 3 against its own service lines.
    hidden_reason = (
        "the bands of the lines published only nationally and only as a total, to prevent "
        f"disclosure (Table 3 note): {', '.join(only_national)}; they are counted in the "
        "England, adult and CYP rows but blank on their own rows"
    )
    heads = t3.iloc[:3].set_index("line")
    groups = {"England": ("adult", "cyp"), "Adult services": ("adult",), "CYP services": ("cyp",)}
    national_only_figure: dict[tuple[str, str], int] = {}
    for label, ages in groups.items():
        mine = lines[[any(ln.startswith(_line_label("", a)) for a in ages) for ln in lines.index]]
        only = mine.loc[[ln for ln in mine.index if ln.split(") ", 1)[1] in only_national]]
        for column in _TABLE_3_COLUMNS:
            head, summed = int(heads.loc[label, column]), int(mine[column].sum())
            national_only_figure[label, column] = head - summed + int(only[column].sum())
            add(
                f"Table 3 {label} = sum of its service lines",
                column,
                head,
                summed,
                accounted=head - summed if only[column].isna().any() else 0,
                reason=hidden_reason,
            )
        # What the hidden bands add up to is exactly those lines' published totals.
        add(
            f"Table 3 {label}: national-only lines, total = sum of bands worked out",
            ", ".join(only.index),
            int(only["total"].sum()),
            sum(national_only_figure[label, b] for b in BANDS),
        )

    # 3. England against the sum of each level, for all, adult and CYP, total and bands.
    suppressed_reason = "lines published only nationally (see above): " + ", ".join(only_national)
    for label, ages in groups.items():
        for column in _TABLE_3_COLUMNS:
            head = int(heads.loc[label, column])
            mine = both[both["age_group"].isin(ages) & (both["weeks_waited_band"] == column)]
            for level in ("region", "icb", "provider"):
                add(
                    f"Table 3 {label} = sum of {level} rows",
                    column,
                    head,
                    int(mine[mine["level"] == level]["patients"].sum()),
                    accounted=national_only_figure[label, column],
                    reason=suppressed_reason,
                )

    # 4. Every cell of a parent against the sum of its children's cells.
    parents = published_parents()
    for child, parent, key in (
        ("region", "england", None),
        ("icb", "region", "region_code"),
        ("provider", "icb", "icb_code"),
    ):
        above = _cells(both, parent)
        below = both[both["level"] == child]
        by = ["service_line", "age_group", "weeks_waited_band"]
        if key is None:
            summed = below.groupby(by)["patients"].sum()
            above = above.droplevel("org_code")
        else:
            summed = below.groupby([*by, key])["patients"].sum()
            summed.index = summed.index.set_names([*by, "org_code"])
        joined = pd.concat([above.rename("p"), summed.rename("s")], axis=1).fillna(0)
        off = joined[joined["p"] != joined["s"]]
        national_only = off.index.get_level_values("service_line").isin(only_national)
        add(
            f"every {parent} cell = sum of its {child} cells",
            f"{len(joined)} cells, {len(off)} differ",
            int(joined["p"].sum()),
            int(joined["s"].sum()),
            accounted=int((off["p"] - off["s"])[national_only].sum()),
            reason=suppressed_reason,
        )

    # 5. Each organisation's total against the sum of its bands.
    key = ["level", "org_code", "service_line", "age_group"]
    by_band = bands.groupby(key)["patients"].sum()
    total = totals.set_index(key)["patients"]
    gap = (total - by_band.reindex(total.index).fillna(0)).astype(int)
    gap = gap[~gap.index.get_level_values("service_line").isin(only_national)]
    for level in ("england", "provider"):
        short = gap[(gap != 0) & (gap.index.get_level_values("level") == level)]
        at = gap.index.get_level_values("level") == level
        add(
            f"{level} totals = sum of their bands (lines with bands)",
            ", ".join(sorted(set(short.index.get_level_values("org_code")))) or level,
            int(
                total[total.index.get_level_values("level") == level].sum()
                - total[
                    total.index.get_level_values("service_line").isin(only_national)
                    & (total.index.get_level_values("level") == level)
                ].sum()
            ),
            int(by_band[by_band.index.get_level_values("level") == level].sum()),
            accounted=int(gap[at].sum()),
            reason="some providers were still collecting data by weeks waiting (Table 3 note)",
        )

    # 6. Providers the figures place under an ICB.
    unplaced = sorted(c for c, p in parents["icb"].items() if p is None)
    add(
        "providers placed under an ICB by the figures",
        ", ".join(unplaced) or "all",
        len(parents["icb"]),
        len(parents["icb"]) - len(unplaced),
        accounted=len(unplaced),
        reason="every figure of these providers is zero, so they fit under any ICB",
    )
    return PublishedCheck(rows=rows)


def published_organisation(code: str | None = None) -> dict:
    """The published figures of one organisation (England when code is None), wide by band,
    and what the workbook's totals check found. LookupError when the workbook has no such
    organisation."""
    bands, totals = published_waits(), published_totals()
    if code is None:
        pick = bands["level"] == "england"
        pick_total = totals["level"] == "england"
    else:
        pick, pick_total = bands["org_code"] == code, totals["org_code"] == code
    if not pick_total.any():
        raise LookupError(f"no organisation {code!r} in the published workbook")
    wide = bands[pick].pivot_table(
        index=["service_line", "age_group"], columns="weeks_waited_band", values="patients"
    )
    total = totals[pick_total].set_index(["service_line", "age_group"])["patients"]
    first = totals[pick_total].iloc[0]
    rows = []
    for (line, age_group), value in total.sort_index().items():
        row = {"service_line": line, "age_group": age_group, "total": int(value)}
        for band in BANDS:
            cell = wide[band].get((line, age_group)) if band in wide.columns else None
            row[band] = None if cell is None or cell != cell else int(cell)
        rows.append(row)
    check = check_published_totals()
    return {
        "data": "NHS England, Community Health Services Waiting Times (CHS SitRep), published",
        "month": published_month(),
        "organisation": first["org_name"],
        "level": first["level"],
        "code": code or "",
        "icb_code": first["icb_code"],
        "region_code": first["region_code"],
        "waiting_by_band": rows,
        "totals_check_unexplained": len(check.failures),
        "totals_check_differences": [r for r in check.rows if r["difference"] != 0],
    }
