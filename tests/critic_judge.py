"""Judge a critique against the flaw planted in its item: did a comment catch it, by content?

A comment *locates* a flaw when its anchored quote overlaps the flaw's lines (code) or sentence
(prose). It *catches* the flaw only when it also names the fault: for a mutant, the mutated
expression or what it should be (or the operator's name in words); for a summary, a fact from the
flaw's description that the flawed sentence does not contain. A comment that praises what it quotes
("Correctly calculates the sum") catches nothing. Used by bench/cpu_critic.py and checked by
tests/test_critic_judge.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from models_service.anchoring import anchor_quote, line_of
from models_service.critique import CommentDraft

_TOKEN = re.compile(r"\w+|[^\w\s]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PRAISE = re.compile(r"\b(correct|correctly|properly|as expected|as intended|works|is fine|looks good)\b")
_FAULT = re.compile(
    r"\b(not|no|wrong|incorrect|incorrectly|bug|buggy|should|instead|error|fails?|mistake|off[- ]by[- ]one|"
    r"missing|swapped|reversed|contradicts|never|needs|must|didn't|doesn't|isn't|wasn't)\b|n't\b"
)
# Words that name a fault of the operator's kind without quoting it (describing what an operator
# does, "adds the numbers", names nothing).
OPERATOR_WORDS = {
    "off_by_one": ("off by one", "off-by-one", "one too many", "one too few"),
    "swapped_arguments": ("swapped", "wrong order", "reversed order", "order of the arguments"),
    "dropped_condition": ("missing condition", "missing check", "condition is missing", "filter is missing"),
}
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """
        the a an and or but of to in on at for with from by as is was were are be been that this these those
        it its they them their he she his her him we you not did does do had has have which who what when
        where than then so too very only also just into about after before said says say there here one
        passage answer question summary sentence text mentions mention states claims line code
        """,
    )
)


@dataclass(frozen=True, slots=True)
class Flaw:
    start: int  # characters of the response the flaw occupies
    end: int
    names: tuple[str, ...]  # a comment names the fault when it contains one of these (normalised)
    description: str
    words: bool = False  # names are words to find (prose), not code fragments


@dataclass(frozen=True, slots=True)
class Verdict:
    located: bool
    caught: bool
    comment: CommentDraft | None  # the catching comment, else the first locating one


def _squash(text: str) -> str:
    return re.sub(r"[\s`'\"]+", "", text.lower())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def mutant_flaw(source: str, start: int, end: int, replacement: str, operator: str, description: str) -> Flaw:
    """The fault of an AST mutation that replaced source[start:end]: its changed tokens, with context."""
    old, new = _tokens(source[start:end]), _tokens(replacement)
    names: set[str] = set()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for tokens, low, high in ((old, i1, i2), (new, j1, j2)):
            # the changed tokens with a token of context each side; shorter forms only when not trivial
            left, right = max(0, low - 1), min(len(tokens), high + 1)
            for form in (tokens[left:right], tokens[low:high], tokens[left:high], tokens[low:right]):
                joined = "".join(form)
                if len(joined) >= 3 or (form == tokens[low:high] and len(joined) >= 2):
                    names.add(joined)
    names.update(_squash(words) for words in OPERATOR_WORDS.get(operator, ()))
    names.discard("")
    return Flaw(start, start + len(replacement), tuple(sorted(_squash(n) for n in names)), description)


def summary_flaw(response: str, quote: str, description: str) -> Flaw | None:
    """A planted summary flaw: where its quote lies, and the description's facts the sentence lacks."""
    anchor = anchor_quote(response, quote)
    if anchor is None:
        return None
    present = set(_WORD.findall(response[anchor.start : anchor.end].lower()))
    facts = [
        word
        for word in _WORD.findall(description.lower())
        if word not in present and word not in STOPWORDS and (len(word) >= 4 or word.isdigit())
    ]
    return Flaw(anchor.start, anchor.end, tuple(dict.fromkeys(facts)), description, words=True)


def praises(comment: str) -> bool:
    text = comment.lower()
    return bool(_PRAISE.search(text)) and not _FAULT.search(text)


def names_fault(comment: str, flaw: Flaw) -> bool:
    if praises(comment):
        return False
    if flaw.words:
        said = set(_WORD.findall(comment.lower()))
        return any(name in said for name in flaw.names)
    # Code: quoting the changed expression is not enough (restating the line names nothing); the
    # comment must also say something is wrong with it.
    squashed = _squash(comment)
    return any(name in squashed for name in flaw.names) and bool(_FAULT.search(comment.lower()))


def _overlaps(response: str, flaw: Flaw, comment: CommentDraft, *, lines: bool) -> bool:
    anchor = comment.anchor
    if anchor is None:
        return False
    if lines:
        first, last = line_of(response, flaw.start), line_of(response, max(flaw.start, flaw.end - 1))
        return anchor.line_start <= last and anchor.line_end >= first
    return anchor.start < flaw.end and anchor.end > flaw.start


def judge(response: str, flaw: Flaw, comments: Iterable[CommentDraft], *, kind: str) -> Verdict:
    located: CommentDraft | None = None
    for comment in comments:
        if not _overlaps(response, flaw, comment, lines=kind == "code"):
            continue
        located = located or comment
        if names_fault(comment.comment, flaw):
            return Verdict(True, True, comment)
    return Verdict(located is not None, False, located)
