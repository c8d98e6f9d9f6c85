"""A corpus of broken policies, one file per promised error, each with its exact message in the
sibling `.expected` file (tests/corpus/policies)."""

from pathlib import Path

import pytest

from triage.policy.loader import PolicyInvalid, policy_from_texts

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "policies"


@pytest.mark.parametrize("policy", sorted(CORPUS.glob("*.yml")), ids=lambda p: p.stem)
def test_each_broken_policy_gets_its_exact_message(policy):
    with pytest.raises(PolicyInvalid) as caught:
        policy_from_texts([(policy.name, policy.read_text())])
    assert (
        "\n".join(str(p) for p in caught.value.problems) + "\n"
        == policy.with_suffix(".expected").read_text()
    )


def test_the_corpus_covers_every_kind_of_error():
    assert len(list(CORPUS.glob("*.yml"))) == len(list(CORPUS.glob("*.expected"))) >= 16
