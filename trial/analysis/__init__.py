"""The registered analysis: outcome models, contrasts, inference, effect sizes, power and cost."""
