"""The demo data set: survey answers, chats and social mentions with planted drivers.

`generate_demo` draws it (seeded), `write_demo` writes the three files and the truth file, and
`write_demo_config` the demo workspace's `verbatim.toml`. The package imports only
`pipeline.config` and `pipeline.schemas` from the rest of Verbatim.
"""

from pipeline.demo.drivers import DRIVERS
from pipeline.demo.generate import (
    DEMO_OWNERS,
    DemoData,
    DemoPaths,
    generate_demo,
    write_demo,
    write_demo_config,
)

__all__ = [
    "DEMO_OWNERS",
    "DRIVERS",
    "DemoData",
    "DemoPaths",
    "generate_demo",
    "write_demo",
    "write_demo_config",
]
