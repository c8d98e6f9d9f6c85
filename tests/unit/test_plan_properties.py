"""Properties of the planner over generated scoping issues (hypothesis), on the shipped policy:
- applying a plan and planning again finds nothing to do;
- an issue never ends with two stage labels;
- every stage change the bot makes is one the lifecycle allows;
- the plan does not depend on the order the issues are listed in;
- a plan is the same plan at any time before its `holds_until`, and an issue whose plan had
  nothing to do, remembered, is recalled only when a fresh plan would have nothing to do either
  (what lets a run leave an unchanged issue unplanned);
- whatever values a data block holds, its issue is planned or its problems reported, and the
  forecast is made: never an exception (which a plan reports as a bug).

"Applying" here is pure: the snapshot changes the way GitLab would change the issue.
"""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.forecast import forecast
from triage.forecast_report import markdown
from triage.issues.snapshot import IssueSnapshot, LabelEvent, Note
from triage.planner import IssuePlan, assignments_for, plan_issue
from triage.rules.fiscal import fiscal_quarter
from triage.runner.memory import remember, run_digest

from support import BOT, NOW, snapshot, workspace
from support import settings as plan_settings

WS = workspace()
POLICY = WS.policy
PREFIX = "proposal::"
STAGES = POLICY.lifecycle.stage_ids()
TASKS = (
    "Discovery call held",
    "Customer agreed price and scope",
    "SoW reviewed by account team and customer",
)

block = st.one_of(
    st.none(),
    st.just("customer: [broken\n"),
    st.fixed_dictionaries(
        {
            "customer": st.sampled_from(["Acme", "x\n/close", "@all Corp", "Ünïcödé ✓"]),
            "close_date": st.sampled_from(["2026-01-15", "2026-03-20"]),
            "confidence": st.fixed_dictionaries(
                {
                    "value": st.sampled_from(["Grey", "Red", "Amber", "Green"]),
                    "rationale": st.sampled_from(["", "because"]),
                }
            ),
            "line_items": st.lists(
                st.fixed_dictionaries(
                    {
                        "activity": st.sampled_from(["Discovery", "/label ~x", "Waves"]),
                        "role": st.sampled_from(["PSE", "TA", "PM", "QA"]),
                        "days": st.sampled_from([1, 3, 25]),
                    }
                ),
                max_size=3,
            ),
        }
    ),
)


@st.composite
def issues(draw, iid=1):
    stage_labels = draw(st.lists(st.sampled_from(STAGES), max_size=2, unique=True))
    extra = draw(
        st.lists(
            st.sampled_from(
                [
                    "Lost::budget",
                    "TA::Approved",
                    "TA:Approved",
                    "Segment::Ent_EAST",
                    "EM_Confidence::Green",
                    "Segment::MM_APAC",
                ]
            ),
            max_size=3,
            unique=True,
        )
    )
    created = NOW - timedelta(days=draw(st.sampled_from([0.1, 2, 20, 50, 70])))
    setter = draw(st.sampled_from(["rowan", "felix", "ravi", BOT]))
    labels = ("Services Calculator", *(f"{PREFIX}{s}" for s in stage_labels), *extra)
    events = tuple(
        LabelEvent(setter if i else "imogen", label, "add", created + timedelta(minutes=i))
        for i, label in enumerate(labels)
    )
    done = tuple(t for t in TASKS if draw(st.booleans()))
    issue = snapshot(
        iid=iid,
        labels=labels,
        done=done,
        data=draw(block),
        created=created.isoformat(),
        assignees=draw(st.sampled_from([(), ("dana",)])),
        confidence=None,
    )
    return replace(issue, notes=(), label_events=events)


def applied(issue: IssueSnapshot, plan: IssuePlan, at) -> IssueSnapshot:
    """The issue as GitLab shows it once the plan is applied."""
    labels = tuple(sorted((set(issue.labels) | set(plan.add_labels)) - set(plan.remove_labels)))
    events = (
        issue.label_events
        + tuple(LabelEvent(BOT, label, "remove", at) for label in plan.remove_labels)
        + tuple(LabelEvent(BOT, label, "add", at) for label in plan.add_labels)
    )
    notes = issue.notes + tuple(
        Note(10_000 + n, BOT, c.body, at) for n, c in enumerate(plan.comments)
    )
    state = {"close": "closed", "reopen": "opened"}.get(plan.state_event or "", issue.state)
    assignees = plan.assign if plan.assign is not None else issue.assignees
    return replace(
        issue,
        labels=labels,
        label_events=events,
        notes=notes,
        state=state,
        assignees=assignees,
        updated_at=at if plan.has_changes else issue.updated_at,
    )


def plan_of(issue, assignments=None):
    settings_ = replace(plan_settings(WS), assignments=assignments or {})
    return plan_issue(POLICY, issue, NOW, settings_)


FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(issues())
def test_applying_then_planning_again_finds_nothing(issue):
    first = plan_of(issue, assignments_for(POLICY, [issue]))
    if first.error:
        return  # reported on the issue; nothing to apply
    again = plan_of(applied(issue, first, NOW))
    assert not again.has_changes, (first, again)


@FAST
@given(issues())
def test_no_issue_ends_with_two_stage_labels(issue):
    first = plan_of(issue, assignments_for(POLICY, [issue]))
    if first.error:
        return
    after = applied(issue, first, NOW)
    assert len([label for label in after.labels if label.startswith(PREFIX)]) <= 1


@FAST
@given(issues())
def test_every_stage_change_the_bot_makes_is_allowed(issue):
    first = plan_of(issue, assignments_for(POLICY, [issue]))
    if first.error or not any(label.startswith(PREFIX) for label in first.add_labels):
        return
    edges = POLICY.lifecycle.edges()
    gated = {g.label for g in POLICY.approvals}
    moves = [
        r
        for r in first.reasons
        if " -> " in r and r.split(":")[0] in {t.id for t in POLICY.lifecycle.transitions}
    ]
    for reason in moves:
        source, target = reason.split(": ", 1)[1].split(" (")[0].split(" -> ")
        assert (source, target) in edges, reason
    target = next(label for label in first.add_labels if label.startswith(PREFIX)).removeprefix(
        PREFIX
    )
    # a stage the bot adds is reached by an allowed transition, put back by a gate, or approved by emoji
    assert moves or f"{PREFIX}{target}" in {g.refuse_to for g in POLICY.approvals} | gated, first


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(1, 6), min_size=2, max_size=6, unique=True).flatmap(
        lambda iids: st.tuples(*(issues(iid=i) for i in iids))
    ),
    st.randoms(),
)
def test_the_plan_does_not_depend_on_listing_order(listed, rng):
    listed = list(listed)
    shuffled = listed[:]
    rng.shuffle(shuffled)
    forward = {p.iid: p for p in (plan_of(i, assignments_for(POLICY, listed)) for i in listed)}
    backward = {p.iid: p for p in (plan_of(i, assignments_for(POLICY, shuffled)) for i in shuffled)}
    assert forward == backward


any_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30)
)
username = st.sampled_from(["felix", "@felix", "all", "@Here", "a" * 300, "x y", ""])
wild_block = st.fixed_dictionaries(
    {"customer": st.text(min_size=1, max_size=20)},
    optional={
        "close_date": st.dates().map(str),
        "revisit_on": st.dates().map(str),
        "currency": st.sampled_from(["USD", "EUR", "usd"]),
        "discount_pct": any_float,
        "people": st.dictionaries(st.sampled_from(["sa", "ae", "ta", "pm"]), username, max_size=2),
        "confidence": st.fixed_dictionaries(
            {"value": st.sampled_from(["Green", "Red"]), "updated": st.dates().map(str)}
        ),
        "line_items": st.lists(
            st.fixed_dictionaries(
                {
                    "activity": st.just("A"),
                    "role": st.sampled_from(["PSE", "TA"]),
                    "days": any_float,
                },
                optional={"rate": any_float},
            ),
            max_size=2,
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issues(), wild_block)
def test_any_data_block_is_planned_or_reported_never_a_bug(issue, data):
    wild = replace(
        snapshot(data=data), labels=issue.labels, notes=(), label_events=issue.label_events
    )
    planned = plan_of(wild, assignments_for(POLICY, [wild]))
    assert not (planned.error or "").startswith("could not be planned"), planned.error
    quarter = fiscal_quarter(NOW.date(), POLICY.calendar.fiscal_year_start_month)
    markdown(forecast(POLICY, [wild], [], NOW, quarter), WS.templates, POLICY.forecast.template)


@st.composite
def lived_in(draw):
    """An issue some time into its life: updated since it was created, commented on by people
    (or not), with close and revisit dates around the time it is planned at."""
    issue = draw(issues())
    updated = issue.created_at + timedelta(hours=draw(st.integers(0, 24 * 80)))
    people = tuple(
        Note(500 + n, "dana", "an update", issue.created_at + timedelta(hours=h))
        for n, h in enumerate(draw(st.lists(st.integers(0, 24 * 80), max_size=2)))
    )
    data = issue.scoping.data
    if data is not None:
        dates = st.dates(NOW.date() - timedelta(days=20), NOW.date() + timedelta(days=150))
        data = data.model_copy(update={"close_date": draw(dates), "revisit_on": draw(dates)})
        issue.__dict__["scoping"] = replace(issue.scoping, data=data)
    return issue.changed(updated_at=updated, notes=people)


def planned_at(issue: IssueSnapshot, when) -> IssuePlan:
    return plan_issue(POLICY, issue, when, plan_settings(WS))


def as_found(issue: IssueSnapshot, minutes: int, settle: bool):
    """The moment `minutes` after NOW, and the issue then: as generated, or settled (its plan at
    that moment applied, as a scheduled run leaves it)."""
    when = NOW + timedelta(minutes=minutes)
    if settle and (first := planned_at(issue, when)).has_changes:
        issue = applied(issue, first, when)
    return issue, when


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lived_in(),
    st.integers(0, 24 * 60 * 150),  # minutes after NOW it is planned at
    st.floats(0, 1, exclude_max=True),  # how far towards holds_until it is planned again
    st.booleans(),  # settled first
)
def test_a_plan_holds_until_its_holds_until(issue, minutes, towards, settle):
    issue, when = as_found(issue, minutes, settle)
    made = planned_at(issue, when)
    until = made.holds_until or when + timedelta(days=400)
    assert until >= when
    last = until - timedelta(microseconds=1)
    for moment in (min(when + (until - when) * towards, last), last):
        if moment >= when:
            assert planned_at(issue, moment) == made, (when, moment)


REMEMBERING = replace(
    plan_settings(WS),
    digest=run_digest(POLICY, WS.templates, BOT, plan_settings(WS).members),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lived_in(),
    st.integers(0, 24 * 60 * 150),  # minutes after NOW it is planned at
    st.integers(-60, 24 * 60 * 3),  # minutes after that it is planned again
    st.booleans(),  # settled first
)
def test_an_issue_is_recalled_only_when_a_fresh_plan_has_nothing_to_do(
    issue, minutes, later, settle
):
    issue, when = as_found(issue, minutes, settle)
    made = plan_issue(POLICY, issue, when, REMEMBERING)
    memory = remember(made, issue, when, REMEMBERING)
    if memory is None:
        assert made.has_changes or made.error or made.needs or made.holds_until == when
        return
    again = when + timedelta(minutes=later)
    recalled = plan_issue(POLICY, issue.changed(quiet=memory), again, REMEMBERING)
    fresh = plan_issue(POLICY, issue, again, REMEMBERING)
    if recalled.recalled:
        assert not (fresh.has_changes or fresh.error or fresh.needs), (again, fresh)
    else:
        assert recalled == fresh
