"""The Slack messenger: one post per digest, whatever happens to the chart upload."""

from __future__ import annotations

import pytest

from bot.errors import DeliveryError
from bot.platforms.base import Recipient
from bot.platforms.slack.messenger import SlackMessenger, make_client
from nudges.charts import sparkline, trend_png
from nudges.message import Chart, Message, Section
from tests.bot.platforms.slack.fake_slack import running_fake_slack

RECIPIENT = Recipient(person_id=1, display_name="Mia", slack_user_id="UMIA00001")
VALUES = (0.1, 0.2, None, 0.3)
MESSAGE = Message(
    title="Your team nudge",
    sections=(Section(text="Try this week: ask one open question."),),
    chart=Chart(
        title="Team mood",
        labels=("W1", "W2", "W3", "W4"),
        values=VALUES,
        sparkline=sparkline(VALUES),
        png=trend_png(["W1", "W2", "W3", "W4"], VALUES, title="mood", y_label="mood"),
    ),
)


async def test_the_chart_goes_under_the_digest() -> None:
    async with running_fake_slack() as fake:
        client = make_client("xoxb-t", base_url=f"{fake.base_url}/api/")
        receipt = await SlackMessenger(client, can_upload_files=True).send(RECIPIENT, MESSAGE)

    assert receipt.platform == "slack"
    assert len(fake.called("chat.postMessage")) == 1
    (complete,) = fake.called("files.completeUploadExternal")
    assert complete["channel_id"] == "DMIA00001"


async def test_a_failed_chart_upload_does_not_fail_or_repeat_the_digest() -> None:
    async with running_fake_slack() as fake:
        fake.failing_methods = {"files.getUploadURLExternal"}
        client = make_client("xoxb-t", base_url=f"{fake.base_url}/api/")
        receipt = await SlackMessenger(client, can_upload_files=True).send(RECIPIENT, MESSAGE)

    assert receipt.ref.startswith("DMIA00001:")
    assert len(fake.called("chat.postMessage")) == 1


async def test_an_unknown_user_is_a_permanent_failure() -> None:
    async with running_fake_slack() as fake:
        fake.failing_users = {"UMIA00001"}
        client = make_client("xoxb-t", base_url=f"{fake.base_url}/api/")
        with pytest.raises(DeliveryError) as caught:
            await SlackMessenger(client, can_upload_files=False).send(RECIPIENT, MESSAGE)

    assert (str(caught.value), caught.value.permanent) == ("user_not_found", True)
