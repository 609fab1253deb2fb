"""The OpenAI critiques release (Saunders et al. 2022): base, critiques and helpfulness variants.

Each line holds one passage and its questions; each answer to a question becomes one
summary item, and the critiques of that answer become imported critiques of a critic named
after the release variant. Everything else is kept in item metadata under "openai", so an
export can give the same rows back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from annotation.choices import CATEGORIES_BY_KIND, Kind, severity_from_number
from annotation.datasets.importing.errors import ErrorLog
from annotation.datasets.importing.fields import Row
from annotation.datasets.importing.reading import iter_json_lines
from annotation.datasets.importing.records import ParsedComment, ParsedCritique, ParsedItem

CRITIC_PREFIX = "openai-critiques"
ROW_KEYS = ("id", "source_id", "split", "time", "labeler", "is_topic_based_summarization")
SUMMARY_CATEGORIES = CATEGORIES_BY_KIND[Kind.SUMMARY]


def _helpfulness_critique(row: Row) -> ParsedCritique | None:
    # Model critiques can be empty strings in the release; they are kept, with no comment.
    if not isinstance(row.data.get("critique"), str):
        row.error("critique", "must be a string")
    text = row.text("critique")
    feedback = row.mapping("feedback")
    helpful = row.child(feedback, "feedback").boolean("helpful")
    if not row.ok:
        return None
    return ParsedCritique(
        critic=f"{CRITIC_PREFIX}/helpfulness",
        text=text,
        helpful=helpful,
        comments=[ParsedComment(comment=text)] if text.strip() else [],
        metadata={"feedback": feedback},
    )


def _labeler_critique(row: Row) -> ParsedCritique | None:
    text = row.text("text", required=True)
    category = row.data.get("category")
    if category not in SUMMARY_CATEGORIES:
        category = "other"
    number = row.integer("severity")
    quotes = row.sequence("response_quotes")
    quote = quotes[0] if quotes and isinstance(quotes[0], str) else ""
    if not row.ok:
        return None
    comment = ParsedComment(
        comment=text, quote=quote, category=category, severity=severity_from_number(number) if number else ""
    )
    extra = {key: value for key, value in row.data.items() if key != "text"}
    return ParsedCritique(critic=f"{CRITIC_PREFIX}/critiques", text=text, comments=[comment], metadata=extra)


def _answers(question: Row) -> list[tuple[Row, int]]:
    if "answers" in question.data:
        return question.objects("answers")
    # The base variant puts a single answer on the question itself.
    return [(question, 0)] if "answer" in question.data else []


def parse_openai(stream: IO[bytes], errors: ErrorLog) -> Iterator[ParsedItem]:
    for number, data in iter_json_lines(stream, errors):
        row = Row(data, number, errors)
        body = row.child(row.mapping("data"), "data")
        passage = body.child(body.mapping("passage"), "passage")
        text = passage.text("text", required=True)
        title = passage.data.get("title") if isinstance(passage.data.get("title"), str) else None
        questions = body.objects("questions")
        if "questions" not in body.data:
            body.error("questions", "is required")
        row_meta = {key: data.get(key) for key in ROW_KEYS if key in data}
        row_meta["title"] = title
        for question, q_index in questions:
            question_text = question.text("question")
            question_meta = {
                key: value
                for key, value in question.data.items()
                if key not in ("question", "answers", "answer", "feedback", "critiques")
            }
            for answer, a_index in _answers(question):
                response = answer.text("answer", required=True)
                feedback = answer.mapping("feedback")
                critiques: list[ParsedCritique | None] = [
                    _helpfulness_critique(child) for child, _ in answer.objects("critiques")
                ]
                fb = answer.child(feedback, "feedback")
                critiques += [_labeler_critique(child) for child, _ in fb.objects("critiques")]
                if not (row.ok and answer.ok and question.ok):
                    continue
                answer_meta = {
                    key: value
                    for key, value in answer.data.items()
                    if key not in ("answer", "critiques", "feedback", "question", "answers")
                }
                feedback_meta = {key: value for key, value in feedback.items() if key != "critiques"}
                yield ParsedItem(
                    line=number,
                    kind=Kind.SUMMARY,
                    context=text,
                    question=question_text,
                    response=response,
                    author=str(answer.data.get("author") or "unknown"),
                    external_id=f"{data.get('id', number)}/q{q_index}/a{a_index}",
                    metadata={
                        "openai": {
                            **row_meta,
                            "question_index": q_index,
                            "answer_index": a_index,
                            "question": question_meta,
                            "answer": answer_meta,
                            "feedback": feedback_meta,
                            # Which fields the source had, in order, so an export writes the same shape.
                            "keys": {
                                "question": list(question.data),
                                "answer": list(answer.data),
                                "feedback": list(feedback),
                            },
                            "inline_answer": "answers" not in question.data,
                        }
                    },
                    critiques=[critique for critique in critiques if critique is not None],
                )
