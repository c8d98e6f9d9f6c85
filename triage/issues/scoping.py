"""The scoping data block people keep in a scoping issue's description.

    <!-- ps-triage:scoping -->
    ```yaml
    customer: Bramblewood Financial
    ...
    ```

The bot reads it and never rewrites it. A broken block becomes a list of problems, each with
the description line, the field, what was expected and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ..yaml_source import Bounds, YamlRefused, YamlSyntaxError, load_plain, parse

MARKER = "<!-- ps-triage:scoping -->"
_BLOCK = re.compile(
    r"^[ \t]*<!--\s*ps-triage:scoping\s*-->[ \t]*\n(?P<gap>(?:[ \t]*\n)*)"
    r"[ \t]*(?P<fence>```|~~~)[ \t]*ya?ml[ \t]*\n(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


class _Strict(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class People(_Strict):
    sa: str | None = None
    ae: str | None = None
    csm: str | None = None
    ta: str | None = None
    pm: str | None = None

    @field_validator("*")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return None if value is None else _a_username(value)


def _a_username(value: str) -> str:
    name = value.strip().lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}", name):
        raise PydanticCustomError(
            "username",
            "a GitLab username: letters, digits, '_', '-', '.', at most {max_length}",
            {"max_length": 255},
        )
    if name.lower() in ("all", "here"):
        raise PydanticCustomError(
            "mentions_everyone", "@{name} would notify everyone: name one person", {"name": name}
        )
    return name


def _business_date(value: date | None) -> date | None:
    """Dates the bot counts days and fiscal quarters with: a year out of range is a typo."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "a date between {first} and {last}; check the year",
            {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
        )
    return value


FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2999, 12, 31)
MAX_LINE_ITEMS = 200
# What is read of a data block, whatever it holds: anyone who can edit an issue writes it, and
# every run reads it. The largest block the fields allow (200 line items with the longest
# activity names, 20 links of 2,000 characters) is about 120 KB, 3 levels deep and 2,743 values
# (every field given). Values are counted on YAML's events before anything is built: 256 KB of
# `[1,1,1,...]` is 130,000 values, a second of work each run, refused after the first 4,000.
MAX_BLOCK_BYTES = 262_144
MAX_BLOCK_DEPTH = 10
MAX_BLOCK_VALUES = 4_000
MAX_PROBLEMS = 20  # listed in the data-block note; the rest are counted
BLOCK_BOUNDS = Bounds(
    MAX_BLOCK_BYTES,
    MAX_BLOCK_DEPTH,
    MAX_BLOCK_VALUES,
    fix="keep the block to the fields it needs, one line each",
)


class Confidence(_Strict):
    value: Literal["Grey", "Red", "Amber", "Green"] = "Grey"
    rationale: str | None = Field(None, max_length=2000)
    updated: date | None = None

    _updated = field_validator("updated")(_business_date)


# The largest price per day or unit, in any currency (a role-day runs to millions in KRW or IDR).
MAX_PRICE = 1_000_000_000_000


class LineItem(_Strict):
    activity: str = Field(min_length=1, max_length=200)  # a catalog id or alias, or free text
    role: str | None = Field(None, min_length=1, max_length=100)  # left out: the catalog's
    days: float | None = Field(None, gt=0, le=1000)  # required unless priced per unit
    units: float | None = Field(None, gt=0, le=10_000)  # for a fixed-price catalog item
    rate: float | None = Field(
        None, gt=0, le=MAX_PRICE
    )  # a price per day (per unit, fixed-price) agreed for this item, instead of the policy's
    notes: str | None = Field(None, min_length=1, max_length=2000)  # the EM's words, in the SoW


class Agreement(_Strict):
    """The Master Services Agreement the SoW is under (else the standard terms)."""

    msa: str = Field(min_length=1, max_length=200)  # its name, as the customer knows it
    date: date
    _date = field_validator("date")(_business_date)


class Waiver(_Strict):
    """A named waiver (`margin_waiver: {by: rowan, reason: ...}`): who grants it and why."""

    by: str = Field(min_length=1, max_length=255)
    reason: str = Field(min_length=1, max_length=2000)

    _by = field_validator("by")(_a_username)


class ScopingData(_Strict):
    customer: str = Field(min_length=1, max_length=200)
    segment: str | None = Field(None, max_length=100)
    close_date: date | None = None
    # Left out: the rate card's (`rates.currency`); given, it must be the rate card's.
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    opportunity: str | None = Field(None, max_length=100)
    people: People = People()
    confidence: Confidence = Confidence()
    line_items: list[LineItem] = Field(default_factory=list)
    discount_pct: float = Field(0, ge=0, lt=100)
    margin_waiver: Waiver | None = None  # below the margin floor: named by an approver
    revisit_on: date | None = None
    legal_entity: str | None = Field(None, max_length=200)  # the customer's, for the SoW
    agreement: Agreement | Literal["standard"] | None = None  # an MSA, or the standard terms
    billing_terms: str | None = Field(None, max_length=200)  # one of the policy's sow.billing_terms
    # Left out: the policy's `sow.fee_type` (or a label's, `sow.by_label`).
    fee_type: Literal["fixed_price", "time_and_materials"] | None = None
    # The engagement's first and last day, when agreed: the SoW's timeline states them.
    start_date: date | None = None
    end_date: date | None = None
    # For the delivery hand-off: what the project coordinator staffs the work with.
    region: str | None = Field(None, max_length=100)
    skills: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=20)
    start_window: str | None = Field(None, max_length=100)  # e.g. "from 2026-02-16"
    risks: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=20)
    links: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=2000)]] = (
        Field(default_factory=dict, max_length=20)
    )

    _dates = field_validator("close_date", "revisit_on", "start_date", "end_date")(_business_date)

    @field_validator("end_date")
    @classmethod
    def _ends_after_it_starts(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError(
                "ends_before_start",
                "a date after start_date ({start_date}); check them",
                {"start_date": start.isoformat()},
            )
        return value

    @field_validator("line_items")
    @classmethod
    def _a_readable_estimate(cls, items: list[LineItem]) -> list[LineItem]:
        """Every line item is a row of several comments: thousands would post comments of
        hundreds of KB (or past GitLab's 1,000,000-character limit, then none at all)."""
        if len(items) > MAX_LINE_ITEMS:
            raise PydanticCustomError(
                "too_many_line_items",
                "{count} line items; at most {max_length}: group them, one per activity and role",
                {"count": len(items), "max_length": MAX_LINE_ITEMS},
            )
        return items


@dataclass(frozen=True)
class Problem:
    """What is wrong with a data block: `message` is the operator's English (`triage explain`,
    the shipped note); `kind` (one of KINDS, or pydantic's error type) and its `values` let a
    team's template word it (issue 33.12)."""

    line: int | None  # line of the description
    field: str
    message: str
    kind: str = "invalid"
    values: Mapping[str, Any] = _field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}`{self.field}`: {self.message}"


@dataclass(frozen=True)
class ScopingBlock:
    status: Literal["missing", "invalid", "valid"]
    data: ScopingData | None = None
    problems: tuple[Problem, ...] = ()


_FIXES = {
    "extra_forbidden": "remove it or correct its spelling; the fields are: "
    + ", ".join(ScopingData.model_fields),
    "missing": "add it",
    "literal_error": "use one of the listed values",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
    "float_parsing": "write a number, e.g. 5 or 2.5",
    "string_pattern_mismatch": "use a three-letter ISO currency code, e.g. EUR, or leave `currency` out "
    "(the rate card's currency is used)",
    "string_too_long": "shorten it",
    "too_long": "keep the ones that matter",
}


def parse_scoping(description: str) -> ScopingBlock:
    match = _BLOCK.search(description or "")
    if match is None:
        if MARKER.split()[1] in (description or ""):
            line = (description or "").count(
                "\n", 0, (description or "").index("ps-triage:scoping")
            ) + 1
            return ScopingBlock(
                "invalid",
                problems=(
                    Problem(
                        line,
                        "scoping block",
                        "the marker must be followed by a fenced block opened with ```yaml and closed with ```",
                        "no_block",
                    ),
                ),
            )
        return ScopingBlock("missing")
    if (second := _second_block(description, match)) is not None:
        return ScopingBlock("invalid", problems=(second,))
    plain = load_plain(match.group("body"), BLOCK_BOUNDS)
    if isinstance(plain, dict):  # the usual case: a block that is fine needs no positions
        try:
            return ScopingBlock("valid", data=ScopingData.model_validate(plain))
        except ValidationError:
            pass  # parsed again below, for the lines of its problems
    first_line = description.count("\n", 0, match.start("body"))  # lines before the YAML
    try:
        located = parse(match.group("body"), line_offset=first_line, bounds=BLOCK_BOUNDS)
    except YamlRefused as error:
        line = error.position.line if error.position else first_line + 1
        refused = Problem(
            line, "scoping block", f"{error}; {error.fix}", "yaml_refused", {"error": str(error)}
        )
        return ScopingBlock("invalid", problems=(refused,))
    except YamlSyntaxError as error:
        where = error.position.line if error.position else None
        broken = Problem(
            where, "scoping block", f"not valid YAML: {error}", "yaml", {"error": str(error)}
        )
        return ScopingBlock("invalid", problems=(broken,))
    if not isinstance(located.data, dict):
        return ScopingBlock(
            "invalid",
            problems=(
                Problem(
                    first_line + 1,
                    "scoping block",
                    "expected fields such as `customer:` and `line_items:`",
                    "not_fields",
                ),
            ),
        )
    try:
        data = ScopingData.model_validate(located.data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc: tuple[Any, ...] = tuple(item["loc"])
            position = located.position(loc)
            field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(
                ".[", "["
            )
            fix = _FIXES.get(item["type"], "")
            problems.append(
                Problem(
                    position.line if position else None,
                    field,
                    item["msg"].removeprefix("Value error, ") + (f"; {fix}" if fix else ""),
                    item["type"],
                    _values(item),
                )
            )
        return ScopingBlock("invalid", problems=_listed(problems))
    return ScopingBlock("valid", data=data)


def _second_block(description: str, first: re.Match[str]) -> Problem | None:
    """A second data block (or its marker alone) after `first`: which of them is meant the bot
    cannot know, so it reads neither and says where the second is."""
    found = description.find(MARKER.split()[1], first.end())
    if found < 0:
        return None
    line = description.count("\n", 0, found) + 1
    first_line = description.count("\n", 0, first.start()) + 1  # the first block's marker
    return Problem(
        line,
        "scoping block",
        f"a second data block (the first is at line {first_line}): ps-triage reads one; keep one "
        "block with every field, and delete the other (or its `ps-triage:scoping` line)",
        "second_block",
        {"first_line": first_line},
    )


def _listed(problems: list[Problem]) -> tuple[Problem, ...]:
    """The first MAX_PROBLEMS, then how many more: a block of thousands of wrong values gets a
    note people can read (and GitLab can take)."""
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    more = len(problems) - MAX_PROBLEMS
    rest = Problem(
        None,
        "scoping block",
        f"{more:,} more problems; fix the ones above first",
        "more_problems",
        {"count": more},
    )
    return (*problems[:MAX_PROBLEMS], rest)


def block_line(description: str, path: tuple[Any, ...]) -> int | None:
    """The description's line of `path` (e.g. `("line_items", 0, "role")`) in its scoping block,
    or of its nearest parent there; None without a readable block."""
    match = _BLOCK.search(description or "")
    if match is None:
        return None
    first_line = description.count("\n", 0, match.start("body"))
    try:
        located = parse(match.group("body"), line_offset=first_line, bounds=BLOCK_BOUNDS)
    except (YamlRefused, YamlSyntaxError):
        return first_line + 1
    position = located.position(path)
    return position.line if position else first_line + 1


def _values(error: Any) -> dict[str, Any]:
    """A pydantic error's context (`gt`, `max_length`, `expected`, ...) and the value it was
    given (`input`) when that is one short scalar: what a team's template words the problem with."""
    values = {key: _scalar(value) for key, value in (error.get("ctx") or {}).items()}
    given = error.get("input")
    if isinstance(given, date):
        given = given.isoformat()
    if isinstance(given, float) and given.is_integer():
        given = int(given)
    if isinstance(given, bool | int | float) or (isinstance(given, str) and len(given) <= 100):
        values["input"] = given
    return values


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # `gt: 0` of a float field: 0, as its message says
    return value if isinstance(value, bool | int | float | str) else str(value)


# Kinds of problem the bot finds itself (the others are pydantic's error types: `missing`,
# `extra_forbidden`, `greater_than`, ...), each with the names of its values.
KINDS: dict[str, tuple[str, ...]] = {
    "no_block": (),  # the marker without a fenced yaml block after it
    "second_block": ("first_line",),
    "yaml": ("error",),  # not valid YAML: the parser's words
    "yaml_refused": ("error",),  # too big, too deep, aliases
    "not_fields": (),  # YAML, but not `field: value` lines
    "more_problems": ("count",),  # past the first MAX_PROBLEMS
    "username": ("max_length", "input"),
    "mentions_everyone": ("name", "input"),
    "date_out_of_range": ("first", "last", "input"),
    "ends_before_start": ("start_date", "input"),
    "too_many_line_items": ("count", "max_length"),
}

# Broken blocks that give every kind of problem above and the usual pydantic ones: the problems
# `validate` renders the templates with (`sample_problems`).
_SAMPLE_BLOCKS = (
    """custmer: Sample
segment: [a]
close_date: 3000-01-01
revisit_on: soon
currency: eur
people: {sa: "@all", ae: "not a name"}
confidence: {value: Blue, rationale: ok}
line_items:
  - {activity: "", role: Consultant, days: 0, units: many, rate: 2000000000000}
discount_pct: 100
""",
    f"""customer: {"x" * 201}
start_date: 2026-02-01
end_date: 2026-01-01
skills: [{", ".join(["a"] * 21)}]
links: x
confidence: Green
""",
    f"customer: Sample\nline_items: [{', '.join(['{activity: a, days: 1}'] * 201)}]\n",
    "- a list\n",
    "customer: [unclosed\n",
    "a: &x 1\nb: *x\n",
)


def sample_problems() -> tuple[Problem, ...]:
    """One problem of each kind the sample blocks give, and one of each kind of KINDS (some
    15 ms, once a check)."""
    fenced = [f"{MARKER}\n```yaml\n{block}```\n" for block in _SAMPLE_BLOCKS]
    many = "".join(f"x{i}: 1\n" for i in range(MAX_PROBLEMS))
    texts = [
        *fenced,
        f"{MARKER}\n\nno block",
        fenced[4] + "\n" + fenced[4],
        fenced[1].replace("confidence: Green\n", many),
    ]
    found: dict[str, Problem] = {}
    for text in texts:
        for problem in parse_scoping(text).problems:
            found.setdefault(problem.kind, problem)
    return tuple(found.values())
