"""Plant realistic bugs in working code by small AST mutations.

Each mutation rewrites one expression in place (the rest of the source keeps its exact
text), so the planted flaw has a precise span and lines, and a plain-language description.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

COMPARE_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
ARITH_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Add,
    ast.FloorDiv: ast.Div,
    ast.Div: ast.FloorDiv,
    ast.Mod: ast.FloorDiv,
}
OPERATORS = ("comparison", "off_by_one", "arithmetic", "swapped_arguments", "dropped_condition", "return_value")


@dataclass(frozen=True, slots=True)
class Mutation:
    operator: str
    start: int  # character offsets in the original source
    end: int
    replacement: str
    description: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]

    @property
    def new_span(self) -> tuple[int, int]:
        return self.start, self.start + len(self.replacement)


def _offset(lines: list[str], lineno: int, col_bytes: int) -> int:
    """Character offset of an AST position (1-based line, UTF-8 byte column)."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore"))


class _Sites:
    def __init__(self, source: str, first_line: int) -> None:
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.first_line = first_line

    def span(self, node: ast.expr) -> tuple[int, int] | None:
        if node.lineno < self.first_line or node.end_lineno is None or node.end_col_offset is None:
            return None
        return _offset(self.lines, node.lineno, node.col_offset), _offset(
            self.lines, node.end_lineno, node.end_col_offset
        )

    def make(self, operator: str, node: ast.expr, new: ast.expr, why: str) -> Mutation | None:
        span = self.span(node)
        if span is None:
            return None
        old_text = self.source[span[0] : span[1]]
        new_text = ast.unparse(new)
        if "\n" in old_text or old_text == new_text:
            return None
        line = node.lineno - self.first_line + 1
        return Mutation(
            operator,
            span[0],
            span[1],
            new_text,
            f"{why} `{old_text}` became `{new_text}`"
            f" (line {node.lineno} of the response, line {line} of the solution).",
        )


def _comparisons(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            flip = COMPARE_FLIPS.get(type(op))
            if flip is not None:
                new = copy.deepcopy(node)
                new.ops[index] = flip()
                yield sites.make("comparison", node, new, "Comparison flipped:")


def _off_by_one(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
        index = 0 if len(node.args) == 1 else 1
        for delta in (ast.Add(), ast.Sub()):
            new = copy.deepcopy(node)
            new.args[index] = ast.BinOp(new.args[index], delta, ast.Constant(1))
            yield sites.make("off_by_one", node, new, "Off-by-one in a range bound:")
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_index(node.slice):
        subscript = copy.deepcopy(node)
        subscript.slice = ast.BinOp(subscript.slice, ast.Add(), ast.Constant(1))
        yield sites.make("off_by_one", node, subscript, "Off-by-one index:")


def _is_index(node: ast.expr) -> bool:
    if isinstance(node, (ast.Name, ast.BinOp)):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def _arithmetic(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.BinOp):
        swap = ARITH_SWAPS.get(type(node.op))
        if swap is not None:
            new = copy.deepcopy(node)
            new.op = swap()
            yield sites.make("arithmetic", node, new, "Wrong arithmetic operator:")


def _swapped(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args):
        first, second = node.args[0], node.args[1]
        if ast.dump(first) != ast.dump(second):
            new = copy.deepcopy(node)
            new.args[0], new.args[1] = new.args[1], new.args[0]
            yield sites.make("swapped_arguments", node, new, "Arguments swapped:")


def _dropped(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.BoolOp) and len(node.values) >= 2:
        for index in range(len(node.values)):
            new = copy.deepcopy(node)
            del new.values[index]
            replacement = new.values[0] if len(new.values) == 1 else new
            yield sites.make("dropped_condition", node, replacement, "A condition was dropped:")
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        for gen_index, generator in enumerate(node.generators):
            if generator.ifs:
                comprehension = copy.deepcopy(node)
                comprehension.generators[gen_index].ifs = []
                yield sites.make("dropped_condition", node, comprehension, "A filter condition was dropped:")


def _returns(sites: _Sites, node: ast.AST) -> Iterator[Mutation | None]:
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
        value = node.value.value
        if isinstance(value, bool):
            yield sites.make("return_value", node.value, ast.Constant(not value), "Wrong return value:")
        elif isinstance(value, int):
            yield sites.make("return_value", node.value, ast.Constant(value + 1), "Wrong return value:")


GENERATORS = (_comparisons, _off_by_one, _arithmetic, _swapped, _dropped, _returns)


def candidate_mutations(source: str, first_line: int = 1) -> list[Mutation]:
    """Every single-expression mutation at or after `first_line` that still parses."""
    tree = ast.parse(source)
    sites = _Sites(source, first_line)
    found: list[Mutation] = []
    seen: set[tuple[int, int, str]] = set()
    for node in ast.walk(tree):
        for generator in GENERATORS:
            for mutation in generator(sites, node):
                if mutation is None or (mutation.start, mutation.end, mutation.replacement) in seen:
                    continue
                try:
                    ast.parse(mutation.apply(source))
                except SyntaxError:
                    continue
                seen.add((mutation.start, mutation.end, mutation.replacement))
                found.append(mutation)
    found.sort(key=lambda m: (m.start, m.end, m.replacement))
    return found
