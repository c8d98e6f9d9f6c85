"""Issue search (`GET .../issues?search=`) as GitLab runs it: full text over title and description.

GitLab (`app/finders/issuable_finder.rb` `by_search`, `use_full_text_search?`) searches issues in
full text whenever the search string is made of Latin characters only
(`FULL_TEXT_SEARCH_TERM_PATTERN`, up to U+02FF and two Latin ranges): PostgreSQL's
`to_tsvector('english', ...)` of the title and description, matched against a `to_tsquery` built
by `PgFullTextSearchable.build_tsquery` (`app/models/concerns/pg_full_text_searchable.rb`):

- the search is split into terms (`Gitlab::SQL::Pattern.split_query_to_search_terms`: words, and
  "quoted phrases"), all of which must match (`&`);
- each word is a prefix term (`word:*`): it matches any indexed word that starts with its stem;
  a number also matches as its negative (`(1:* | -1:*)`, gitlab-org/gitlab#375337);
- a quoted phrase matches its words next to each other, in order (`<->`), each whole;
- accents are removed from the text and the search alike (`transliterate`), and the text inside
  HTML tags and comments is indexed as words (`XML_TAG_REGEX`, replaced by its inner text: the
  change of gitlab-org/gitlab#428428; before it, a token inside `<!-- ... -->` was never found);
- `in=title` or `in=description` restricts the match to that column's words (the weights A, B).

Other search strings (another script) fall back to a substring match (`full_search`, ILIKE).

Approximated here, not PostgreSQL's own: the parser keeps runs of letters and digits as words,
and a hyphenated compound (`ps-triage-run`) as the compound and each of its parts, as PostgreSQL's
`hword` tokens do; stems are a light English suffix stripping (`-s`, `-es`, `-ed`, `-ing`, `-ly`,
`-ies` to `-i`) where PostgreSQL uses the Snowball stemmer, so a word whose Snowball stem differs
more (`running` -> `run`, `lease` -> `leas`) may match here where GitLab would not, or the other
way; English stop words (`the`, `a`, ...) are indexed here, where GitLab drops them.
"""

from __future__ import annotations

import re
import unicodedata

LATIN = re.compile(r"\A[\u0000-\u02FF\u1E00-\u1EFF\u2070-\u218F]*\Z")
XML_TAG = re.compile(r"</?([^>]+)>")
TERMS = re.compile(r'"[^"]+"|\S+')
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def transliterate(text: str) -> str:
    """Accents removed, as ActiveSupport's `transliterate` does for Latin letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light English stem (see the module's note: Snowball's differs)."""
    for suffix, keep in (("ies", "i"), ("ing", ""), ("ed", ""), ("es", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + keep
    return word


def lexemes(text: str, html: bool = True) -> list[list[str]]:
    """The indexed words of a text, by position: each position's lexemes (a hyphenated compound
    gives the compound and its parts). `html` False: the text inside tags and comments is not
    indexed (GitLab before gitlab-org/gitlab#428428, whose parser took them as tags and dropped
    them)."""
    inner = (lambda m: f" {m.group(1)} ") if html else (lambda m: " ")
    text = XML_TAG.sub(inner, transliterate(text)).lower()
    found: list[list[str]] = []
    for match in WORD.finditer(text):
        token = match.group(0)
        parts = token.split("-")
        if len(parts) > 1:
            found.append([stem(token), *(stem(p) for p in parts)])
        else:
            found.append([stem(token)])
    return found


def _prefix(term: str, positions: list[list[str]]) -> bool:
    """A prefix term: every lexeme the term gives starts some indexed lexeme."""
    words = [w for lex in lexemes(term) for w in lex]
    if not words:
        return True  # a term of punctuation only: to_tsquery drops it
    indexed = {w for lex in positions for w in lex}
    if term.isdigit():
        return any(w.startswith(term) for w in indexed)
    return all(any(i.startswith(w) for i in indexed) for w in words)


def _phrase(phrase: str, positions: list[list[str]]) -> bool:
    """A quoted phrase: its words whole and next to each other, in order."""
    words = [lex[0] for lex in lexemes(phrase)]
    if not words:
        return True
    for start in range(len(positions) - len(words) + 1):
        if all(words[k] in positions[start + k] for k in range(len(words))):
            return True
    return False


def matches(search: str, columns: dict[str, str], *, html: bool = True) -> bool:
    """Whether an issue whose searched columns (`title`, `description`) hold these texts is
    found by `search` (`html`: see `lexemes`)."""
    if not LATIN.match(search):
        return any(search.lower() in text.lower() for text in columns.values())
    search = transliterate(search)
    by_column = [lexemes(text, html) for text in columns.values()]
    positions = [lex for column in by_column for lex in column]
    for term in TERMS.findall(search):
        if term.startswith('"') and term.endswith('"') and len(term) > 1:
            if not any(_phrase(term.strip('"'), column) for column in by_column):
                return False
        elif not _prefix(term, positions):
            return False
    return True
