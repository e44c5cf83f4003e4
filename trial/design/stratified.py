"""Stratified randomisation: unbiased controlled rounding of the strata-by-arm table, then shuffles.

The table holds n_s r_a in units of 1/sum(r), augmented with minus the row totals (a last
column), minus the column totals (a last row) and n sum(r) in the corner, so that every row and
column sums to zero. A cell is fractional when it is not a multiple of sum(r). While any cell is
fractional: take the first fractional cell in row-major order; walk from its row to its column,
and from each node on by the fractional cell of smallest index in that column (or row) other than
the cell just used, until a node repeats; the cells from that node's first visit on form a cycle,
signed +, -, +, ... from its first cell. d1 is the largest shift (+ cells up, - cells down) and
d2 the largest shift the other way before some cell reaches a multiple of sum(r); draw
u = U(d1 + d2): if u < d2 shift by +d1, else by -d2. Every cell's expectation is kept (Cox 1987),
so each stratum's arm counts are floor or ceil of n_s p_a with mean n_s p_a, and each arm's
total is floor or ceil of n p_a.

References:
    Cox, L. H. (1987). A constructive procedure for unbiased controlled rounding.
    JASA 82(398), 520-524.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trial.design.complete import multinomial, slots
from trial.design.draws import bounded_one, shuffle_rows

State = tuple[int, ...]
Step = tuple[State, State, int, int]
REMEMBERED_STEPS = 50_000
COUNTED_STATES = 20_000


class TooManyToCount(Exception):
    """The rounding can end in too many tables to list them all."""


class ControlledRounding:
    """Cox's rounding of one strata-by-arm table, with every cycle step remembered."""

    def __init__(self, stratum_sizes: Sequence[int], ratios: tuple[int, ...]) -> None:
        self.total = sum(ratios)
        self.n_strata = len(stratum_sizes)
        self.n_arms = len(ratios)
        n = sum(stratum_sizes)
        rows = [[size * r for r in ratios] + [-size * self.total] for size in stratum_sizes]
        rows.append([-n * r for r in ratios] + [n * self.total])
        self.cols = self.n_arms + 1
        self.start: State = tuple(v for row in rows for v in row)
        self._steps: dict[State, Step | None] = {}

    def step(self, state: State) -> Step | None:
        """(state after +d1, state after -d2, d1, d2), or None when nothing is fractional."""
        if state in self._steps:
            return self._steps[state]
        cycle = self._cycle(state)
        result: Step | None = None
        if cycle is not None:
            t = self.total
            up, down = [], []
            for k, cell in enumerate(cycle):
                x = state[cell]
                to_ceil, to_floor = t - x % t, x % t
                if k % 2 == 0:
                    up.append(to_ceil)
                    down.append(to_floor)
                else:
                    up.append(to_floor)
                    down.append(to_ceil)
            d1, d2 = min(up), min(down)
            plus, minus = list(state), list(state)
            for k, cell in enumerate(cycle):
                sign = 1 if k % 2 == 0 else -1
                plus[cell] += sign * d1
                minus[cell] -= sign * d2
            result = (tuple(plus), tuple(minus), d1, d2)
        if len(self._steps) >= REMEMBERED_STEPS:
            self._steps.clear()
        self._steps[state] = result
        return result

    def _cycle(self, state: State) -> list[int] | None:
        t, cols = self.total, self.cols
        fractional = [v % t != 0 for v in state]
        if not any(fractional):
            return None
        first = fractional.index(True)
        r0, c0 = divmod(first, cols)
        nodes: list[tuple[str, int]] = [("r", r0), ("c", c0)]
        seen = {nodes[0]: 0, nodes[1]: 1}
        edges = [first]
        while True:
            kind, k = nodes[-1]
            if kind == "c":
                options = [r * cols + k for r in range(self.n_strata + 1)]
            else:
                options = [k * cols + c for c in range(cols)]
            cell = next(o for o in options if fractional[o] and o != edges[-1])
            r, c = divmod(cell, cols)
            node = ("r", r) if kind == "c" else ("c", c)
            edges.append(cell)
            if node in seen:
                return edges[seen[node]:]
            seen[node] = len(nodes)
            nodes.append(node)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One rounding: the (strata x arms) counts; one draw U(d1 + d2) per cycle step."""
        state = self.start
        while (step := self.step(state)) is not None:
            plus, minus, d1, d2 = step
            state = plus if bounded_one(rng, d1 + d2) < d2 else minus
        return self.counts(state)

    def counts(self, state: State) -> np.ndarray:
        table = np.asarray(state, dtype=np.int64).reshape(self.n_strata + 1, self.cols)
        return table[:-1, :-1] // self.total

    def outcomes(self, *, limit: int | None = None) -> list[np.ndarray]:
        """Every table the rounding can end in (each with positive probability).

        Raises:
            TooManyToCount: more than ``limit`` (default ``COUNTED_STATES``) states would be
                visited.
        """
        limit = COUNTED_STATES if limit is None else limit
        finals: dict[State, None] = {}
        seen: set[State] = set()
        stack = [self.start]
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            if len(seen) >= limit:
                raise TooManyToCount(f"more than {limit} rounding states")
            seen.add(state)
            step = self.step(state)
            if step is None:
                finals[state] = None
            else:
                stack.extend(step[:2])
        return [self.counts(s) for s in finals]


def stratified_batch(groups: list[np.ndarray], ratios: tuple[int, ...], n: int,
                     rng: np.random.Generator, size: int,
                     rounding: ControlledRounding | None = None) -> np.ndarray:
    """``size`` stratified allocations: a (size x n) matrix of arm indices.

    rng order: for each allocation in turn, its controlled rounding (one draw per cycle
    step); then for each stratum in label order, one shuffle of ``size`` rows holding that
    stratum's slots (arms in order, repeated by the stratum's counts); the stratum's k-th
    spot (in code-point order) gets slot k.
    """
    out = np.zeros((size, n), dtype=np.int64)
    if size == 0:
        return out
    if rounding is None:
        rounding = ControlledRounding([len(g) for g in groups], ratios)
    tables = np.stack([rounding.draw(rng) for _ in range(size)])
    for s, members in enumerate(groups):
        out[:, members] = shuffle_rows(rng, slots(tables[:, s, :], len(members)))
    return out


def _product_of_multinomials(table: np.ndarray) -> int:
    product = 1
    for row in table:
        product *= multinomial(row)
    return product


def count_stratified(groups: list[np.ndarray], ratios: tuple[int, ...]) -> int:
    """Distinct stratified allocations with positive probability.

    Raises:
        TooManyToCount: too many strata with leftovers to list every reachable table.
    """
    rounding = ControlledRounding([len(g) for g in groups], ratios)
    total = 0
    for table in rounding.outcomes():
        total += _product_of_multinomials(table)
    return total


def count_stratified_at_least(groups: list[np.ndarray], ratios: tuple[int, ...]) -> int:
    """A lower bound on the count: the allocations of one table the rounding can reach."""
    rounding = ControlledRounding([len(g) for g in groups], ratios)
    state = rounding.start
    while (step := rounding.step(state)) is not None:
        state = step[0]
    return _product_of_multinomials(rounding.counts(state))
