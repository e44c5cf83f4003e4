"""Outcome data: reading crime records, de-duplicating, placing them, weighing their harm."""

from trial.outcomes.assign import Assignment, assign, snap_points_per_spot
from trial.outcomes.coverage import MissingMonth, coverage, missing_months, window_months
from trial.outcomes.frame import COLUMNS, FileInfo, RecordRead, empty_frame
from trial.outcomes.harm import HarmTable, HarmWeights, harm_weights, load_harm_table
from trial.outcomes.policeuk import read_policeuk
from trial.outcomes.recordmap import RecordMap, parse_record_map
from trial.outcomes.records import (
    PILE_MIN_RECORDS,
    PILE_MIN_SHARE,
    default_location_piles,
    read_records,
)
from trial.outcomes.selection import outcome_mask
from trial.outcomes.windows import Hours, month_window_problems, parse_hours, window_labels

__all__ = [
    "COLUMNS", "PILE_MIN_RECORDS", "PILE_MIN_SHARE", "Assignment", "FileInfo", "HarmTable",
    "HarmWeights", "Hours", "MissingMonth", "RecordMap", "RecordRead", "assign", "coverage",
    "default_location_piles", "empty_frame", "harm_weights", "load_harm_table",
    "missing_months", "month_window_problems", "outcome_mask", "parse_hours",
    "parse_record_map", "read_policeuk", "read_records", "snap_points_per_spot",
    "window_labels", "window_months",
]
