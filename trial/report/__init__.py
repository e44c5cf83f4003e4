"""What a trial shows the world: exported files, the R re-analysis, the report."""
