"""The reports: the theme report product managers read and the CX report of detractors to call.

`data` holds what they show, `figures` builds the Plotly charts, `render` writes the
self-contained HTML with Jinja2. Reading the warehouse and writing the files is
`pipeline.jobs.reports`.
"""
