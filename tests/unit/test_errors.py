"""The error handler: messages and exit codes, the token masked even in a bug's traceback."""

import io

from triage.console import Console
from triage.errors import BUG, INTERRUPTED, USER_ERROR, UserError, guarded

SECRET = "glpat-abcdefghijklmnop"


def run(action):
    out, err = io.StringIO(), io.StringIO()
    code = guarded(Console(secrets=[SECRET], out=out, err=err), action)
    return code, out.getvalue() + err.getvalue()


def test_user_error_is_one_line_and_exit_1():
    def fail():
        raise UserError("no token: set GITLAB_TOKEN")

    assert run(fail) == (USER_ERROR, "error: no token: set GITLAB_TOKEN\n")


def test_a_bug_exits_3_with_a_traceback_and_the_token_masked():
    def bug():
        raise RuntimeError(f"request with PRIVATE-TOKEN {SECRET} failed")

    code, text = run(bug)
    assert code == BUG and "Traceback" in text and "RuntimeError" in text
    assert SECRET not in text and "[MASKED]" in text


def test_interrupt_exits_130():
    def interrupted():
        raise KeyboardInterrupt

    assert run(interrupted) == (INTERRUPTED, "interrupted\n")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_and_colour_only_on_a_terminal():
    plain_out, plain_err = io.StringIO(), io.StringIO()
    plain = Console(out=plain_out, err=plain_err)
    plain.progress("plan: 100 issues")
    plain.err("error: no token")
    plain.summary("plan: done")
    assert plain_err.getvalue() == "error: no token\n" and plain_out.getvalue() == "plan: done\n"

    tty_out, tty_err = Terminal(), Terminal()
    tty = Console(out=tty_out, err=tty_err)
    tty.progress("plan: 100 issues")
    tty.err("error: no token")
    assert tty_err.getvalue().startswith(
        "\r\033[Kplan: 100 issues\r\033[K\033[31merror:\033[0m no token"
    )

    no_color = Console(out=Terminal(), err=Terminal(), color=False)
    no_color.err("error: x")
    assert "\033[31m" not in no_color._err.getvalue()


def test_quiet_hides_progress_and_info_but_not_results_or_errors():
    out, err = Terminal(), Terminal()
    quiet = Console(out=out, err=err, quiet=True, secrets=[SECRET])
    quiet.progress("x")
    quiet.info("context")
    quiet.out(f"result {SECRET}")
    quiet.err("error: y")
    assert (
        out.getvalue() == "result [MASKED]\n"
        and "error:" in err.getvalue()
        and "\r" not in err.getvalue()
    )


def test_every_kind_of_problem_is_one_root_the_handler_answers_with_exit_1():
    from triage.errors import TemplateProblem, TriageError
    from triage.gitlab.adapter import GitLabProblem
    from triage.yaml_source import YamlSyntaxError

    for problem in (
        UserError("no policies in ./policies"),
        TemplateProblem("sow-draft.md.j2:3: 'customer' is undefined"),
        GitLabProblem("GitLab answered 401: check the token"),
        YamlSyntaxError("bad indentation", None),
    ):
        assert isinstance(problem, TriageError)

        def fail(problem=problem):
            raise problem

        assert run(fail) == (USER_ERROR, f"error: {problem}\n")


def test_an_invalid_policy_counts_its_problems_and_says_nothing_was_written():
    from triage.policy.loader import PolicyInvalid, PolicyProblem

    problem = PolicyProblem("policies/a.yml", None, "rules[x].when", "unknown condition", "")

    def fail():
        raise PolicyInvalid([problem])

    code, text = run(fail)
    assert code == USER_ERROR
    assert text == f"error: the policy is invalid (1 problem); nothing was written\n{problem}\n"
