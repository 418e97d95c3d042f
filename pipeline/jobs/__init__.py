"""Jobs: one module per stage that reads from storage, calls the stage and writes back.

The CLI and the Prefect flow call these, so a command and a flow task do exactly the same
thing: `ingest`, `enrich`, `embed`, `sentiment`, `themes`, `analytics`, `reports`; plus
`runs` (the run lock and bookkeeping), `sources` (where new files come from), `parallel`
(the Mapper that partitions heavy steps) and `status` (what the warehouse holds).
"""
