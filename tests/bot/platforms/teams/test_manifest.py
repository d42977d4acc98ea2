"""The Teams app manifest is valid, asks for what listening needs, and packages correctly.

The manifest schema is vendored next to this file (a byte-for-byte copy of
microsoft/json-schemas ``teams/v1.30/MicrosoftTeams.schema.json``, git blob
b77d1dc5d05458ad6d3e1d5c764cf633457035d8), so these tests need neither the network nor
the shared data folder.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from PIL import Image

from bot.errors import ValidationFailed
from bot.platforms.teams.package import DEPLOY_DIR, PLACEHOLDER_ID, build_package
from bot.platforms.teams.translate import BOT_NAME
from bot.services.commands import HELP

SCHEMA_PATH = Path(__file__).with_name("MicrosoftTeams.schema.1.30.json")
SCHEMA_SHA256 = "dfc85799e94527a16a622988620c82de1f58e790f97001e5e6bbe37fcf6846df"
APP_ID = "5E7B1F2A-0C3D-4E8F-9A1B-2C3D4E5F6A7B"
VERBS = {"help", "optin", "optout", "status", "privacy", "erase", "checkin", "snooze", "settings"}


@functools.cache
def _validator() -> Draft4Validator:
    # No check_schema(): a few patterns use ECMAScript's \p{L}, which Python's re lacks;
    # they belong to parts of the manifest (extensions) this app does not use.
    return Draft4Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _problems(manifest: dict[str, Any]) -> list[str]:
    return sorted(f"{e.json_path}: {e.message}" for e in _validator().iter_errors(manifest))


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((DEPLOY_DIR / "manifest.json").read_text())
    return manifest


def test_the_vendored_schema_is_the_upstream_file() -> None:
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_the_manifest_is_valid() -> None:
    manifest = _manifest()

    assert _problems(manifest) == []
    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 17)


def test_the_schema_check_finds_mistakes() -> None:
    broken = _manifest() | {"accentColor": "green", "bots": [{"botId": "not-a-guid"}]}

    assert len(_problems(broken)) >= 2


def test_listening_asks_for_channel_messages_by_resource_specific_consent() -> None:
    manifest = _manifest()

    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]
    assert (
        manifest["id"],
        manifest["bots"][0]["botId"],
        manifest["webApplicationInfo"]["id"],
    ) == (PLACEHOLDER_ID, PLACEHOLDER_ID, PLACEHOLDER_ID)
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team"}


def test_the_short_name_is_what_people_mention() -> None:
    assert _manifest()["name"]["short"] == BOT_NAME


def test_the_command_menus_offer_the_bots_verbs() -> None:
    lists = {
        tuple(entry["scopes"]): entry["commands"]
        for entry in _manifest()["bots"][0]["commandLists"]
    }
    personal = {command["title"].split()[0] for command in lists[("personal",)]}
    team = {command["title"] for command in lists[("team",)]}

    assert personal == VERBS
    assert team == {"listen on", "listen off", "help"}
    assert all(f"`{verb}" in HELP for verb in personal - {"help"} | {"listen"})


def test_the_icons_have_the_sizes_teams_requires() -> None:
    color = Image.open(DEPLOY_DIR / "color.png").convert("RGBA")
    outline = Image.open(DEPLOY_DIR / "outline.png").convert("RGBA")
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    drawn = {pixel[:3] for pixel in pixels if isinstance(pixel, tuple) and pixel[3] > 0}

    assert (color.size, outline.size) == ((192, 192), (32, 32))
    assert color.getchannel("A").getextrema() == (255, 255)  # full colour, opaque
    assert outline.getpixel((0, 0)) == (0, 0, 0, 0)  # transparent background
    assert drawn == {(255, 255, 255)}  # a white outline, nothing else


def test_the_package_holds_the_manifest_with_the_app_id_and_the_icons(tmp_path: Path) -> None:
    path = build_package(APP_ID, tmp_path / "app.zip", version="1.2.3")

    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        sizes = {
            name: Image.open(io.BytesIO(archive.read(name))).size
            for name in ("color.png", "outline.png")
        }

    assert names == ["color.png", "manifest.json", "outline.png"]
    assert _problems(manifest) == []
    app_id = APP_ID.lower()
    assert (manifest["id"], manifest["bots"][0]["botId"], manifest["webApplicationInfo"]["id"]) == (
        app_id,
        app_id,
        app_id,
    )
    assert manifest["version"] == "1.2.3"
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


def test_the_package_is_reproducible(tmp_path: Path) -> None:
    first = build_package(APP_ID, tmp_path / "one.zip").read_bytes()
    second = build_package(APP_ID, tmp_path / "two.zip").read_bytes()

    assert first == second


def test_the_developer_pages_can_be_set(tmp_path: Path) -> None:
    path = build_package(APP_ID, tmp_path / "app.zip", website="https://bot.acme.example/")

    with zipfile.ZipFile(path) as archive:
        developer = json.loads(archive.read("manifest.json"))["developer"]

    assert (developer["privacyUrl"], developer["termsOfUseUrl"]) == (
        "https://bot.acme.example/privacy",
        "https://bot.acme.example/terms",
    )


@pytest.mark.parametrize(
    ("app_id", "options", "message"),
    [
        ("not-a-guid", {}, "--app-id: must be the Azure Bot's Microsoft App ID"),
        (PLACEHOLDER_ID, {}, "--app-id"),
        (APP_ID, {"version": "v1"}, "--version"),
        (APP_ID, {"website": "http://insecure.example"}, "--website"),
    ],
)
def test_bad_options_are_refused(
    tmp_path: Path, app_id: str, options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        build_package(
            app_id,
            tmp_path / "app.zip",
            version=options.get("version"),
            website=options.get("website"),
        )

    assert not (tmp_path / "app.zip").exists()


def test_a_wrong_icon_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "teams"
    shutil.copytree(DEPLOY_DIR, source)
    Image.new("RGBA", (64, 64)).save(source / "outline.png")

    with pytest.raises(ValidationFailed) as refused:
        build_package(APP_ID, tmp_path / "app.zip", source=source)

    assert refused.value.problems == ["outline.png: must be a 32x32 PNG"]


def test_a_missing_template_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match=r"manifest\.json: not found"):
        build_package(APP_ID, tmp_path / "app.zip", source=tmp_path)
