"""The template engine: Jinja2 sandboxed, StrictUndefined, every `{{ value }}` escaped for GitLab
Markdown, and every render bounded (`Limits`): a loop, a string, an include chain or a render
that would never end is an error naming the template and line, never a run out of memory or
time. Imported when something is first rendered or checked (`Templates.environment`), not by a
run that renders nothing (a settled one)."""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from functools import wraps
from itertools import islice
from types import FrameType
from typing import Any, cast

from jinja2 import (
    FunctionLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
    pass_context,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateProblem
from .limits import MAX_BITS, SUFFIXES, Limits
from .markdown import Trusted, code, escape, label, mention, mermaid
from .money import DATE_FORMS, MoneyFormat

# In a format string (`%` or `format`): a width or precision of millions (a text that long), or
# one taken from the arguments (`%*d`, `{:{width}}`).
_WIDE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d{7,}|\d*\.\d{7,})|\{[^{}]*:[^{}]*\d{7,}")
_GIVEN_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d*\.\*)|\{[^{}]*:[^{}]*\{")


class _Bound(TemplateRuntimeError):
    """A limit reached while rendering: raised inside the template (its traceback has the
    line), or beside it with the `line` it was at."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_DEADLINE: ContextVar[float] = ContextVar("template_deadline", default=math.inf)
_DEPTH = "__ps_triage_include_depth"
_LOOP = "__ps_triage_loop"  # the filter every loop's items pass through
# Filters that make texts or lists larger than their inputs (the others' results are at most a
# few times their inputs, which are bounded): checked before they run, and their results after.
_GROWING = frozenset({"center", "indent", "join", "replace", "format", "slice", "batch", "sum"})


class _Generator(CodeGenerator):
    """Jinja's code, with its loops' items and its `~` joins going through the environment's
    checks (a filter for the loops: called directly, not through the sandbox's `call`)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP, [], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for item in node.nodes:
            self.visit(item, frame)
            self.write(", ")
        self.write("))")


class _Template(Template):
    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        """Each include (and import) makes a context: count how deep they go."""
        depth = (vars or {}).get(_DEPTH, 0) + 1
        limit = self.environment.limits.includes  # type: ignore[attr-defined]
        if depth > limit:
            raise _Bound(
                f"templates include each other more than {limit} levels deep "
                "(does a template include itself?)"
            )
        context = super().new_context(vars, shared, locals)
        context.vars[_DEPTH] = depth
        return context


class _BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with limits on what a template can make: each text or list at most
    `limits.output` long (the operations that multiply text are checked before they run),
    range() at most `limits.range` numbers, includes `limits.includes` deep, and the render's
    deadline checked at every loop step, call and operator."""

    code_generator_class = _Generator
    template_class = _Template
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: Limits, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits
        self.globals["range"] = self.bounded_range
        del self.globals["lipsum"]  # makes its text in one call, past every check

    def check(self) -> None:
        if _spent() > _DEADLINE.get():
            raise _Bound(f"rendering took more than {self.limits.seconds:g} s")

    def sized(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple)) and len(value) > self.limits.output:
            raise self.too_long()
        return value

    def too_long(self) -> _Bound:
        return _Bound(f"text or list of more than {self.limits.output:,} characters or items")

    def bounded_range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > self.limits.range:
            raise _Bound(f"range() of {len(numbers):,} numbers; at most {self.limits.range:,}")
        return numbers

    def bounded_concat(self, items: Iterable[Any]) -> str:
        texts = [str(item) for item in items]
        if sum(map(len, texts)) > self.limits.output:
            raise self.too_long()
        return "".join(texts)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.check()
        if operator == "**" and _bits(left, right) > MAX_BITS:
            raise _Bound(f"too large a number ({left!r} ** {right!r})")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    self.sized_as(len(seq) * times)
        if operator == "+" and isinstance(left, (str, list, tuple)):
            self.sized_as(len(left) + (len(right) if isinstance(right, (str, list, tuple)) else 0))
        if operator == "%" and isinstance(left, str):
            self.narrow(left, right)
        return self.sized(super().call_binop(context, operator, left, right))

    def sized_as(self, length: int) -> None:
        if length > self.limits.output:
            raise self.too_long()

    def narrow(self, text: str, *args: Any) -> None:
        """A format string (`%`, `format`) asking for widths of millions makes texts that long."""
        wide = bool(_WIDE.search(text))
        if not wide and _GIVEN_WIDTH.search(text):
            values: list[Any] = []
            for arg in args:  # `%` takes a value, a tuple or a mapping; `format_map` a mapping
                if isinstance(arg, Mapping):
                    values += arg.values()
                elif isinstance(arg, (tuple, list)):
                    values += arg
                else:
                    values.append(arg)
            wide = any(type(v) is int and abs(v) > self.limits.output for v in values)
        if wide:
            raise _Bound("a format width or precision of millions")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.check()
        __self.before_call(__obj, args, kwargs)
        result = __self.sized(super().call(__context, __obj, *args, **kwargs))
        __self.sized(getattr(__obj, "__self__", None))  # a list grown in place: `.extend(...)`
        return result

    def before_call(self, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Methods that make texts or lists larger than their inputs, checked before they run."""
        method = getattr(obj, "__wrapped__", obj)
        owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
        given = [*args, *kwargs.values()]
        if isinstance(owner, list) and name in ("append", "extend", "insert") and given:
            added = given[-1] if name == "extend" else (None,)
            self.sized_as(len(owner) + (len(added) if isinstance(added, Sized) else 1))
        if not isinstance(owner, str):
            return
        if name in ("ljust", "rjust", "center", "zfill", "expandtabs") and given:
            width = given[0]
            if isinstance(width, int):
                self.sized_as(width * len(owner) if name == "expandtabs" else width)
        elif name == "replace" and len(given) >= 2:
            self.replaceable(owner, given[1])
        elif name == "join" and given:
            self.joinable(given[0], len(owner))
        elif name in ("format", "format_map"):
            self.narrow(owner, *args, kwargs)

    def replaceable(self, text: Any, new: Any) -> None:
        """`text.replace(old, new)` within the limit (`new` at most once per character)."""
        if isinstance(text, str) and isinstance(new, str):
            self.sized_as(len(text) + (len(text) + 1) * len(new))

    def joinable(self, parts: Any, separator: int) -> None:
        """Parts joined (by a separator, or summed) within the limit, counted until past it."""
        if not isinstance(parts, (list, tuple)):
            return
        length = separator * max(len(parts) - 1, 0)
        for part in parts:
            self.sized_as(length)
            length += len(part) if isinstance(part, (str, list, tuple)) else 8
        self.sized_as(length)

    def bounded_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """A filter whose result is checked, and whose widths and counts are checked first."""

        @wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            # Parts that arrive one by one (`|map(...)|join`) are counted before they are joined.
            args = tuple(list(a) if isinstance(a, Iterator) else a for a in args)
            texts = [a for a in (*args, *kwargs.values()) if isinstance(a, str)]
            numbers = [a for a in (*args, *kwargs.values()) if type(a) is int]
            if name in ("center", "indent", "slice") and any(
                abs(n) > self.limits.output for n in numbers
            ):
                raise _Bound(f"|{name} of millions")
            if name == "indent" and texts:  # the width may be a text, put before every line
                width = max([len(t) for t in texts[1:]] + numbers[:1] + [4])
                self.sized_as(len(texts[0]) + (texts[0].count("\n") + 1) * width)
            if name == "format" and texts:
                self.narrow(texts[0], *args[1:], kwargs)
            if name == "replace" and len(texts) >= 3:
                self.replaceable(texts[0], texts[2])
            if name in ("join", "sum"):
                parts = next((a for a in args if isinstance(a, (list, tuple))), ())
                self.joinable(parts, max(map(len, texts), default=0))
            return self.sized(function(*args, **kwargs))

        return checked


def with_shared_filters(env: _BoundedEnvironment, money: MoneyFormat) -> _BoundedEnvironment:
    """The filters every kind of template has (comments and Word documents), the ones that
    grow texts bounded, and the loops' check."""
    # 12345.5 -> `USD 12,345.50` (a number the bot computed, so trusted)
    env.filters["money"] = lambda value: Trusted(money(value))
    decimal = money.decimal
    env.filters["num"] = lambda value: _num(value, decimal)
    env.filters["plural"] = lambda value, word, plural=None: _plural(value, word, plural, decimal)
    env.filters["day"] = lambda value, form="medium": _day(value, money, form)
    env.filters["quarter"] = _quarter
    env.filters["largest_first"] = _largest_first
    for name in _GROWING:
        env.filters[name] = env.bounded_filter(name, env.filters[name])
    env.filters[_LOOP] = _bounded_loop
    return env


def _spent() -> float:
    """The rendering thread's CPU time: what a template that loops or grows spends, and what a
    machine busy with other work does not (a wall clock failed ordinary comments under load)."""
    return time.thread_time()


def bounded_render(
    template: Template, context: Mapping[str, Any], limits: Limits, what: str = "a comment"
) -> str:
    """Rendered a few pieces at a time: the output's size and the deadline are checked as
    it grows (each piece is one text the limits already hold to `limits.output`)."""
    deadline = _spent() + limits.seconds
    token = _DEADLINE.set(deadline)
    pieces = cast(Generator[str], template.root_render_func(template.new_context(dict(context))))
    size, out = 0, []
    try:
        while batch := list(islice(pieces, 8)):
            text = "".join(batch)
            size += len(text)
            out.append(text)
            if size > limits.output or _spent() > deadline:
                raise _Bound(
                    f"{what} of more than {limits.output:,} characters"
                    if size > limits.output
                    else f"rendering took more than {limits.seconds:g} s",
                    _rendering_line(pieces),
                )
    except Exception:
        template.environment.handle_exception()  # the template's lines in the traceback
    finally:
        pieces.close()
        _DEADLINE.reset(token)
    return "".join(out)


@pass_context  # needs the render's context: never run while compiling
def _bounded_loop(context: Context, items: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, with the render's deadline checked as they go."""
    environment: _BoundedEnvironment = context.environment  # type: ignore[assignment]
    for count, item in enumerate(items):
        if count % 256 == 0:
            environment.check()
        yield item


def _bits(base: Any, exponent: Any) -> float:
    """Bits of `base ** exponent` for whole numbers (others overflow or stay small)."""
    if type(base) is not int or type(exponent) is not int or exponent <= 0 or abs(base) < 2:
        return 0
    return exponent * math.log2(abs(base))


def _finalize(value: Any) -> Any:
    return escape(value) if value is not None else ""


def _number(number: Decimal, decimal: str) -> str:
    """A number as the locale writes it, without grouping: 2.5, or 2,5 for de_DE."""
    return format(number, "f").replace(".", decimal)


def _num(value: Any, decimal: str = ".") -> Trusted:
    """2.50 -> 2.5 (2,5 where the locale's decimal sign is a comma), 29 -> 29."""
    return Trusted(_number(Decimal(str(value)).normalize(), decimal))


# Scripts whose counters follow the number without a space and have no plural form (Hangul,
# Kana, Han): 12명, 3日, 2回.
_COUNTER = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)


def _plural(value: Any, word: str, plural: str | None = None, decimal: str = ".") -> Trusted:
    """(1, "business day") -> 1 business day; (2.5, "day") -> 2.5 days; a plural that is not
    the word and an s given as the second argument: (3, "Tag", "Tage") -> 3 Tage, or carried
    by a catalog unit (`Unit`); a counter of a script written without a space and without a
    plural: (12, "명") -> 12명."""
    number = Decimal(str(value)).normalize()
    counter = bool(_COUNTER.match(str(word)))
    default = str(word) if counter else f"{word}s"
    many = plural if plural is not None else getattr(word, "plural", None) or default
    space = "" if counter else " "
    return Trusted(f"{_number(number, decimal)}{space}{word if number == 1 else many}")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A time as notes give it (`Calendar.stamp`: `2026-01-12 18:00 KST`): its date, then the rest.
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})( \d{2}:\d{2}(?: \S+)?)")


def _day(value: Any, money: MoneyFormat, form: str = "medium") -> Any:
    """A date (or its ISO text, 2026-11-27) as the policy's locale writes it: Nov 27, 2026, or
    27.11.2026 for de_DE; `day("long")` the long form contracts use: November 27, 2026,
    27. November 2026, 2026년 11월 27일; a time as notes give it (`attempt.at`, `move.at`:
    2026-01-12 18:00 KST) with its date so written and its time and zone as they are
    (2026/01/12 18:00 JST for ja_JP); anything else as it is."""
    if form not in DATE_FORMS:
        raise ValueError(f"day('{form}'): the form is one of {', '.join(DATE_FORMS)}")
    if isinstance(value, date):
        return Trusted(money.day(value, form))
    if _ISO_DAY.fullmatch(str(value)):
        with contextlib.suppress(ValueError):
            return Trusted(money.day(date.fromisoformat(str(value)), form))
    stamp = _STAMP.fullmatch(str(value))
    if stamp:
        with contextlib.suppress(ValueError):
            return Trusted(money.day(date.fromisoformat(stamp[1]), form) + stamp[2])
    return value


_QUARTER = re.compile(r"FY(\d{2})-Q([1-4])")


def _quarter(value: Any, pattern: str = "FY{yy}-Q{q}") -> Any:
    """A fiscal quarter's name (`FY26-Q4`, as the bot gives it) in the template's words:
    `{year}` the fiscal year (2026), `{yy}` its last two digits (26), `{q}` the quarter (4):
    `quarter("{year}年度 第{q}四半期")` writes 2026年度 第4四半期; anything else as it is. Only
    those three are replaced (no format string: nothing of the value's attributes is reached)."""
    found = _QUARTER.fullmatch(str(value))
    if not found:
        return value
    year, quarter = found.group(1), found.group(2)
    text = str(pattern).replace("{year}", f"20{year}").replace("{yy}", year)
    return text.replace("{q}", quarter)


def _largest_first(items: Iterable[Any], attribute: str = "net") -> list[Any]:
    """Items (dicts) by an amount, largest first; ties keep their order (a pie's slices)."""
    return sorted(items, key=lambda item: -Decimal(str(item[attribute])))


def _trusted(value: Any) -> Trusted:
    return Trusted(str(value))


def comment_environment(
    sources: Mapping[str, str], limits: Limits, money: MoneyFormat
) -> _BoundedEnvironment:
    """The environment of a set of comment templates: each template compiled once, on first
    use (a fresh environment per render compiled every template again, ~7 ms each)."""
    sources = dict(sources)
    # The template's name as its file name, so errors point at `name:line`.
    loader = FunctionLoader(
        lambda name: (sources[name], name, lambda: True) if name in sources else None
    )
    env = _BoundedEnvironment(
        limits,
        loader=loader,
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["trusted"] = _trusted
    env.filters["mention"] = mention
    env.filters["md"] = escape
    env.filters["code"] = code
    env.filters["label"] = label
    env.filters["mermaid"] = mermaid
    return with_shared_filters(env, money)


def render(env: _BoundedEnvironment, name: str, context: Mapping[str, Any]) -> str:
    """Template `name` rendered, or a TemplateProblem naming its line."""
    try:
        return bounded_render(env.get_template(name), context, env.limits).strip() + "\n"
    except RecursionError as error:
        raise TemplateProblem(
            f"{name}:{_line(error)}: templates include each other (or a macro calls "
            "itself) without end"
        ) from None
    except TemplateNotFound as error:
        raise TemplateProblem(
            f"{name}:{_line(error)}: template '{error.name}' not found in the templates folder "
            "(templates may include only templates beside them)"
        ) from None
    except UndefinedError as error:
        raise TemplateProblem(f"{name}:{_line(error)}: {error.message}") from None
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"{name}:{error.lineno}: {error.message}") from None
    except TemplateError as error:
        raise TemplateProblem(f"{name}:{_line(error)}: {error}") from None
    except Exception as error:  # a template's own mistake: 1 / 0, "a" + 1, ...
        raise TemplateProblem(f"{name}:{_line(error)}: {type(error).__name__}: {error}") from None


def check_syntax(env: _BoundedEnvironment, sources: Mapping[str, str]) -> list[str]:
    problems = []
    for name, source in sorted(sources.items()):
        try:
            env.parse(source, name=name)
        except TemplateSyntaxError as error:
            problems.append(f"{name}:{error.lineno}: {error.message}")
    return problems


def _line(error: Exception) -> str:
    """The template line of a render error, from the traceback Jinja rewrites."""
    if isinstance(error, _Bound) and error.line:
        return str(error.line)
    tb = error.__traceback__
    line = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(SUFFIXES):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _rendering_line(pieces: Iterator[str]) -> int | None:
    """The template line a paused render is at: the innermost template frame of its generators."""
    line, frame = None, _frame(pieces)
    generator: Any = pieces
    while frame is not None:
        if frame.f_code.co_filename.endswith(SUFFIXES):
            template = frame.f_globals.get("__jinja_template__")
            lineno = frame.f_lineno
            line = template.get_corresponding_lineno(lineno) if template else lineno
        generator = getattr(generator, "gi_yieldfrom", None)
        frame = _frame(generator)
    return line


def _frame(generator: Any) -> FrameType | None:
    return getattr(generator, "gi_frame", None)
