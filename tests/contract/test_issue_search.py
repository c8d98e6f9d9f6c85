"""Issue search is full text on GitLab, not a substring match.

Follows GitLab's source `app/finders/issuable_finder.rb` (`by_search`, `use_full_text_search?`,
`FULL_TEXT_SEARCH_TERM_PATTERN`) and `app/models/concerns/pg_full_text_searchable.rb`
(`build_tsquery`: each word a prefix term, quoted phrases adjacent, all ANDed; `XML_TAG_REGEX`:
the text inside HTML tags and comments indexed, gitlab-org/gitlab#428428). The emulator's stems
are approximate (gitlab_emulator/search.py says how); these cases hold for both.
"""


def found(project, search, **params):
    return sorted(i.iid for i in project.issues.list(search=search, get_all=True, **params))


def test_a_word_matches_as_a_prefix_never_as_a_substring(project, tag, new_issue):
    issue = new_issue(title=f"contract {tag} triage schedule")
    assert found(project, f"{tag} triage") == [issue.iid]
    assert found(project, f"{tag} tri") == [issue.iid]  # a prefix term (`tri:*`)
    assert found(project, f"{tag} riage") == []  # a substring is no word
    assert found(project, f"{tag} sched triage") == [issue.iid]  # every term, in any order


def test_every_term_must_match(project, tag, new_issue):
    new_issue(title=f"contract {tag} forecast")
    assert found(project, f"{tag} forecast digest") == []


def test_a_word_matches_other_forms_of_its_stem(project, tag, new_issue):
    issue = new_issue(title=f"contract {tag}", description="The run lease is held.")
    assert found(project, f"{tag} leases") == [issue.iid]


def test_a_quoted_phrase_matches_its_words_next_to_each_other(project, tag, new_issue):
    issue = new_issue(title=f"contract {tag}", description="weekly forecast call")
    assert found(project, f'{tag} "forecast call"') == [issue.iid]
    assert found(project, f'{tag} "call forecast"') == []


def test_text_inside_an_html_comment_is_found_since_gitlab_428428(project, tag, new_issue):
    issue = new_issue(title=f"contract {tag}", description=f"<!-- hidden-{tag} deals=3 -->\nText.")
    assert found(project, f"hidden-{tag}") == [issue.iid]


def test_in_title_searches_the_title_only(project, tag, new_issue):
    issue = new_issue(title=f"contract {tag}", description="quarterly digest")
    assert found(project, f"{tag} digest") == [issue.iid]
    assert found(project, f"{tag} digest", **{"in": "title"}) == []
