"""No e-mail address or phone number of the demo data survives outside `raw_records`."""

import re

import pytest

from pipeline.config import Config
from pipeline.demo import generate_demo
from pipeline.demo.chat_phrases import PHONES
from pipeline.schemas import RAW_RECORDS, TABLES
from pipeline.storage.warehouse import Warehouse
from tests.support import DEMO, PERSONAL_COMMENTS

pytestmark = pytest.mark.slow

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(
    "|".join(
        re.escape(template).replace(r"\#", r"\d").replace("\\#", r"\d").replace("#", r"\d")
        for templates in PHONES.values()
        for template in templates
    )
)


def _squash(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


@pytest.fixture(scope="module")
def demo_warehouse(demo_workspace: Config) -> tuple[Config, set[str], set[str]]:
    """The shared demo workspace (every stage ran) and the e-mails and phones its data hold."""
    demo = generate_demo(**DEMO)
    texts = list(demo.survey["Comment"].fillna(""))
    texts += [m["text"] for chat in demo.chats for m in chat["messages"]]
    texts += [mention["text"] for mention in demo.mentions]
    texts += PERSONAL_COMMENTS
    emails = {match.group() for text in texts for match in EMAIL.finditer(text)}
    phones = {match.group() for text in texts for match in PHONE.finditer(text)}
    return demo_workspace, emails, phones


def _text_values(warehouse: Warehouse, table: str) -> list[str]:
    columns = [
        name
        for name, kind in TABLES[table].columns.items()
        if kind.startswith("VARCHAR") and name not in ("record_id", "batch_id")
    ]
    frame = warehouse.read_table(table)
    return [str(value) for name in columns for value in frame[name].dropna()]


def test_the_demo_really_contains_personal_data(demo_warehouse):
    cfg, emails, phones = demo_warehouse
    assert len(emails) >= 3 and len(phones) >= 3
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        raw = " ".join(_text_values(warehouse, RAW_RECORDS.name))
    assert any(email in raw for email in emails)
    assert any(phone in raw for phone in phones)


@pytest.mark.parametrize("table", sorted(set(TABLES) - {RAW_RECORDS.name}))
def test_no_email_or_phone_outside_the_raw_table(demo_warehouse, table):
    cfg, emails, phones = demo_warehouse
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        values = _text_values(warehouse, table)
    blob = "\n".join(values)
    squashed = _squash(blob)
    leaked_emails = sorted(email for email in emails if email in blob)
    leaked_phones = sorted(phone for phone in phones if _squash(phone) in squashed)
    assert not leaked_emails, f"{table} holds e-mail addresses: {leaked_emails[:5]}"
    assert not leaked_phones, f"{table} holds phone numbers: {leaked_phones[:5]}"
