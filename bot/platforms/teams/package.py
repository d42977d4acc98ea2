"""``empathybot teams-package``: the zip that is uploaded to Teams (or the admin centre).

It holds ``manifest.json`` (from ``deploy/teams/``, with the Azure Bot's app id filled in
as the app id, the bot id and the RSC application id) and the two icons, flat at the root
as Teams requires. The zip is reproducible: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

from bot.errors import ValidationFailed

DEPLOY_DIR = Path(__file__).resolve().parents[3] / "deploy" / "teams"
"""``deploy/teams`` in a source checkout (the manifest template and the icons)."""
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
ICONS = {"color": ("color.png", 192), "outline": ("outline.png", 32)}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk; ``None`` when it is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def manifest_for(
    template: dict[str, Any],
    app_id: str,
    *,
    version: str | None = None,
    website: str | None = None,
) -> dict[str, Any]:
    """The template with the app id (and optionally version and developer pages) set."""
    problems = []
    if not _GUID.match(app_id) or app_id == PLACEHOLDER_ID:
        problems.append(
            f"--app-id: must be the Azure Bot's Microsoft App ID (a GUID), got {app_id!r}"
        )
    if version is not None and not _SEMVER.match(version):
        problems.append(f"--version: use a version like 1.2.0, got {version!r}")
    if website is not None and not website.startswith("https://"):
        problems.append(f"--website: must start with https://, got {website!r}")
    if problems:
        raise ValidationFailed(problems[0], problems)
    manifest: dict[str, Any] = json.loads(json.dumps(template))
    manifest["id"] = app_id.lower()
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id.lower()
    if "webApplicationInfo" in manifest:
        manifest["webApplicationInfo"]["id"] = app_id.lower()
    if version is not None:
        manifest["version"] = version
    if website is not None:
        base = website.rstrip("/")
        manifest["developer"].update(
            websiteUrl=f"{base}/", privacyUrl=f"{base}/privacy", termsOfUseUrl=f"{base}/terms"
        )
    return manifest


def build_package(
    app_id: str,
    out: Path,
    *,
    source: Path = DEPLOY_DIR,
    version: str | None = None,
    website: str | None = None,
) -> Path:
    """Write the Teams app package for ``app_id`` to ``out`` and return its path.

    Raises :class:`ValidationFailed` naming each problem: a malformed app id or version,
    a missing template, an icon of the wrong size.
    """
    manifest_path = source / "manifest.json"
    if not manifest_path.is_file():
        raise ValidationFailed(
            f"{manifest_path}: not found; run from a source checkout or pass the folder "
            "holding manifest.json, color.png and outline.png"
        )
    template = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest = manifest_for(template, app_id, version=version, website=website)
    icons: dict[str, bytes] = {}
    problems = []
    for key, (name, size) in ICONS.items():
        path = source / manifest["icons"].get(key, name)
        data = path.read_bytes() if path.is_file() else b""
        if _png_size(data) != (size, size):
            problems.append(f"{path.name}: must be a {size}x{size} PNG")
        icons[path.name] = data
    if problems:
        raise ValidationFailed(problems[0], problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {"manifest.json": (json.dumps(manifest, indent=2) + "\n").encode(), **icons}
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out
