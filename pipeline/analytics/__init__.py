"""Analytics: scores and margins, drivers, improvement list, trends, alerts, follow-ups, summary.

Tables in, tables out: no warehouse, no files.
"""
