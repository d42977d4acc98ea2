"""Multi-workspace installs: OAuth with a state check, tokens stored encrypted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.store.crypto import TokenCipher
from bot.store.db import Store
from bot.store.tables import SlackInstallation, SlackOAuthState, Workspace
from tests.bot.platforms.slack.harness import Harness, running_bot

pytestmark = pytest.mark.storage


@pytest.fixture
async def bot(database_url: str, store: Store) -> AsyncIterator[Harness]:
    async with running_bot(
        database_url, store, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-client-secret"
    ) as harness:
        yield harness


async def test_install_then_redirect_stores_an_encrypted_installation(bot: Harness) -> None:
    install = await bot.http.get(f"{bot.url}/slack/install", allow_redirects=False)
    page = await install.text()
    state = re.search(r"state=([A-Za-z0-9_\-]+)", page)
    assert install.status == 200
    assert state is not None
    assert "scope=" in page and "client_id=111.222" in page

    # The state cookie is Secure; a browser sends it back over https, as we do here.
    cookie = install.headers["Set-Cookie"].split(";")[0]
    done = await bot.http.get(
        f"{bot.url}/slack/oauth_redirect",
        params={"code": "the-code", "state": state.group(1)},
        headers={"Cookie": cookie},
    )

    assert done.status == 200, await done.text()
    assert [call["code"] for call in bot.fake.called("oauth.v2.access")] == ["the-code"]
    with bot.store.session() as session:
        (row,) = session.exec(select(SlackInstallation)).all()
        assert (row.team_id, row.team_name, row.user_id) == ("T0NEW", "New Co", "UINSTALL1")
        assert row.bot_token_encrypted is not None
        assert "xoxb" not in row.bot_token_encrypted
        assert TokenCipher(bot.services.key).decrypt(row.bot_token_encrypted) == (
            "xoxb-installed-token"
        )
        assert session.exec(select(Workspace).where(Workspace.slack_team_id == "T0NEW")).one()
        assert session.exec(select(SlackOAuthState)).all() == []


async def test_a_forged_or_reused_state_is_refused(bot: Harness) -> None:
    forged = await bot.http.get(
        f"{bot.url}/slack/oauth_redirect", params={"code": "c", "state": "made-up"}
    )

    assert forged.status >= 400
    assert bot.fake.called("oauth.v2.access") == []
    with bot.store.session() as session:
        assert session.exec(select(SlackInstallation)).all() == []
