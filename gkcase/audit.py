"""The audit trail's keys, seals and anchors: what makes a case's history survive someone who can
write to the database (docs/engine.md, "The audit trail").

- Every event's hash is an HMAC-SHA256 under a key kept outside the database, named by its key
  id so that keys can rotate (older keys stay in the ring to verify older events). Without the
  key, an edited event cannot be given a valid hash.
- Every case row carries a seal: an HMAC over its identity and its chain's head (count and last
  hash). Deleting the last events and "fixing" the row, or forging a chain from scratch, breaks
  the seal.
- An anchor is a file written outside the database (daily, by ``gkcase digest``): every case's
  number, event count and head, with a digest and an HMAC. A case deleted whole, or a chain
  rewritten back past the anchor, is found against the latest anchor.

Events written before keys existed (``key_id`` empty) keep their plain SHA-256; their chains are
sealed once, at the upgrade, and anchored from then on.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from gkcase.errors import GkcaseError

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


class AuditKeyError(GkcaseError):
    """The audit keys cannot be read, or a key an event names is not in the ring."""

    code = "audit.key"


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = b""

    def mac(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class KeyRing:
    current: AuditKey
    keys: dict[str, AuditKey]

    def get(self, key_id: str) -> AuditKey:
        try:
            return self.keys[key_id]
        except KeyError:
            raise AuditKeyError(f"审计密钥「{key_id}」不在密钥环中，无法核验") from None


def parse_keys(text: str) -> KeyRing:
    """``<id>:<secret>`` entries separated by ``;`` or new lines (``#`` starts a comment); the
    last is the current key. A secret is base64 of at least 32 bytes."""
    keys: dict[str, AuditKey] = {}
    last = None
    entries = (e for line in text.splitlines() for e in line.split("#", 1)[0].split(";"))
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        key_id, _, secret = entry.partition(":")
        key_id = key_id.strip()
        if not _KEY_ID.match(key_id):
            raise AuditKeyError(f"审计密钥编号「{key_id}」无效（字母、数字、_ . -，至多20个字符）")
        try:
            value = base64.b64decode(secret.strip(), validate=True)
        except ValueError:
            raise AuditKeyError(f"审计密钥「{key_id}」不是有效的 base64") from None
        if len(value) < 32:
            raise AuditKeyError(f"审计密钥「{key_id}」过短（至少32字节）")
        keys[key_id] = last = AuditKey(key_id, value)
    if last is None:
        raise AuditKeyError("没有审计密钥")
    return KeyRing(last, keys)


def new_key_line(key_id: str | None = None) -> str:
    """A new random key; its id names the day it was made and is unlikely to meet another's."""
    key_id = key_id or f"k{datetime.now(UTC):%Y%m%d}{secrets.token_hex(2)}"
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def key_ring() -> KeyRing:
    """The ring from the settings: ``GKCASE_AUDIT_KEYS``, else the key file (created with a new
    random key, readable by its owner only, the first time none exists)."""
    from gkcase.settings import get_settings

    settings = get_settings()
    return _ring(settings.audit_keys.get_secret_value(), settings.effective_audit_key_file)


@cache
def _ring(text: str, path: Path) -> KeyRing:
    if text.strip():
        return parse_keys(text)
    if not path.exists():
        _write_first_key(path)
    return parse_keys(path.read_text())


def _write_first_key(path: Path) -> None:
    """A new key file, readable by its owner only; another process that made it first wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("# gkcase audit keys: <id>:<base64 secret>; the last is current\n")
            handle.write(new_key_line() + "\n")


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- seals ------------------------------------------------------------------------------------


def seal_body(
    case_id: int, agency_id: int, number: str, count: int, head: str, legacy: str = ""
) -> bytes:
    return canonical(
        {
            "case": case_id,
            "agency": agency_id,
            "number": number,
            "events": count,
            "head": head,
            "legacy_letters": legacy,
        }
    )


def seal(case_id: int, agency_id: int, number: str, count: int, head: str, legacy: str = "") -> str:
    """``<key id>:<hmac>`` over a case row's identity, chain head and the letters it had before
    letters were acts (``legacy``), under the current key."""
    key = key_ring().current
    return f"{key.id}:{key.mac(seal_body(case_id, agency_id, number, count, head, legacy))}"


def seal_ok(
    value: str,
    case_id: int,
    agency_id: int,
    number: str,
    count: int,
    head: str,
    legacy: str = "",
) -> bool:
    key_id, _, mac = (value or "").partition(":")
    if not key_id or not mac:
        return False
    body = seal_body(case_id, agency_id, number, count, head, legacy)
    return hmac.compare_digest(mac, key_ring().get(key_id).mac(body))


# --- anchors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """Every case's chain head at one moment, as written outside the database."""

    written_at: datetime
    heads: dict[int, tuple[str, int, str]]  # case id → (number, event count, head hash)
    digest: str
    path: Path | None = None


def _digest(heads: dict[int, tuple[str, int, str]]) -> str:
    rows = [[case_id, *heads[case_id]] for case_id in sorted(heads)]
    return hashlib.sha256(canonical(rows)).hexdigest()


def write_anchor(
    heads: Iterable[tuple[int, str, int, str]], directory: Path, *, now: datetime | None = None
) -> Anchor:
    """Write ``anchor-<UTC time>.json.gz`` to ``directory``: the heads, their digest, and an HMAC
    over both under the current key (so a forged anchor is refused too)."""
    now = now or datetime.now(UTC)
    table = {case_id: (number, count, head) for case_id, number, count, head in heads}
    digest = _digest(table)
    key = key_ring().current
    body = {
        "format": "gkcase-anchor-1",
        "written_at": now.isoformat(),
        "digest": digest,
        "heads": [[case_id, *table[case_id]] for case_id in sorted(table)],
    }
    mac = key.mac(canonical({"written_at": body["written_at"], "digest": digest}))
    body |= {"key_id": key.id, "mac": mac}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"anchor-{now:%Y%m%dT%H%M%S%fZ}.json.gz"
    temporary = path.with_suffix(".tmp")
    with gzip.open(temporary, "wb") as handle:
        handle.write(canonical(body))
    temporary.replace(path)
    return Anchor(now, table, digest, path)


def read_anchor(path: Path) -> Anchor:
    """An anchor file, checked: its digest and its HMAC must hold (``audit.anchor`` if not)."""
    try:
        with gzip.open(path, "rb") as handle:
            body = json.loads(handle.read())
        heads = {int(r[0]): (str(r[1]), int(r[2]), str(r[3])) for r in body["heads"]}
        written_at = datetime.fromisoformat(body["written_at"])
        key = key_ring().get(body["key_id"])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise GkcaseError(f"锚点文件 {path.name} 无法读取：{exc}", code="audit.anchor") from None
    expected = key.mac(canonical({"written_at": body["written_at"], "digest": body["digest"]}))
    if _digest(heads) != body["digest"] or not hmac.compare_digest(expected, body["mac"]):
        raise GkcaseError(
            f"锚点文件 {path.name} 已被改动（摘要或密钥签名不符）", code="audit.anchor"
        )
    return Anchor(written_at, heads, body["digest"], path)


def latest_anchor(directory: Path) -> Anchor | None:
    files = sorted(directory.glob("anchor-*.json.gz")) if directory.is_dir() else []
    return read_anchor(files[-1]) if files else None
