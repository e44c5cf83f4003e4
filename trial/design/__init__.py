"""Allocation designs: complete, stratified, matched and rerandomised, with re-draws."""

from trial.design.allocate import (
    ALGORITHM,
    ALGORITHMS,
    allocate,
    allocation_sha256,
    count_allocations,
    generator,
    simulate_allocations,
)
from trial.design.balance import BalanceRow, balance_table
from trial.design.redraw import Redraws, redraws
from trial.design.rerandomise import RerandomisationCheck, check_rerandomisation
from trial.design.spec import Allocation, DesignSpec, Units

__all__ = [
    "ALGORITHM",
    "ALGORITHMS",
    "Allocation",
    "BalanceRow",
    "DesignSpec",
    "Redraws",
    "RerandomisationCheck",
    "Units",
    "allocate",
    "allocation_sha256",
    "balance_table",
    "check_rerandomisation",
    "count_allocations",
    "generator",
    "redraws",
    "simulate_allocations",
]
