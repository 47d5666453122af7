"""Secrets in the OS keyring (service "golive"), never in TOML, logs or reports.

A secret is looked up by name: `GOLIVE_SECRET_<NAME>` (upper case, `-` as `_`) first, for
headless bastions and CI, then the keyring. A name of the form `file:PATH` reads a file
only its owner can read (a mounted Kubernetes secret, systemd credentials, the demo).
Only secret *names* are kept on disk (an index file in the user config dir), so `golive
secret list` works with every backend. A keyring backend that stores secrets in plain
text (keyrings.alt's) is named as such and refused for writing unless asked for.
"""

from __future__ import annotations

import base64
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, quote_plus

from .errors import GoliveError

SERVICE = "golive"
FILE_PREFIX = "file:"


def env_name(name: str) -> str:
    return "GOLIVE_SECRET_" + name.upper().replace("-", "_").replace(".", "_")


def _index_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("golive") / "secret-names.txt"


@dataclass(frozen=True)
class Backend:
    """The keyring backend in use: its name, and whether it keeps secrets in plain text."""

    name: str
    plaintext: bool
    available: bool

    def describe(self) -> str:
        if not self.available:
            return "no keyring backend"
        return f"{self.name}" + (
            " (PLAINTEXT file: secrets are not encrypted)" if self.plaintext else ""
        )


_backend_env: str | None = None
_NO_BACKEND = (
    "no keyring backend is available on this machine. Either set the secret in the environment "
    "(GOLIVE_SECRET_<NAME>, e.g. GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY) or install a backend: "
    "gnome-keyring with a D-Bus session (Secret Service), or `pip install keyrings.alt` "
    "(a plaintext file; `golive secret set` then needs --allow-plaintext)."
)


def _keyring_module() -> ModuleType:
    """The keyring module with the backend chosen for the current $PYTHON_KEYRING_BACKEND."""
    import keyring

    global _backend_env
    wanted = os.environ.get("PYTHON_KEYRING_BACKEND")
    if wanted != _backend_env:
        try:  # keyring picks its backend once per process; honour a changed choice.
            keyring.core.init_backend()
        except (
            Exception
        ) as exc:  # e.g. a $PYTHON_KEYRING_BACKEND naming a module that is not installed
            raise GoliveError(
                f"PYTHON_KEYRING_BACKEND={wanted!r} cannot be loaded ({type(exc).__name__}: {exc})"
            ) from None
        _backend_env = wanted
    return keyring


def backend() -> Backend:
    """Which keyring backend golive would use (nothing is read or written)."""
    from keyring.backends import chainer, fail

    chosen = _keyring_module().get_keyring()
    parts = list(chosen.backends) if isinstance(chosen, chainer.ChainerBackend) else [chosen]
    if not parts or all(isinstance(b, fail.Keyring) for b in parts):
        return Backend("none", plaintext=False, available=False)
    first = parts[0]  # the chainer writes to the first backend that accepts
    cls = type(first)
    name = f"{cls.__module__}.{cls.__qualname__}"
    return Backend(name, plaintext=_is_plaintext(first), available=True)


def _is_plaintext(keyring_backend: object) -> bool:
    scheme = str(getattr(keyring_backend, "scheme", "")).lower()
    return (
        type(keyring_backend).__name__ == "PlaintextKeyring"
        or "no encyption" in scheme
        or "no encryption" in scheme
    )


def _usable_keyring() -> ModuleType:
    keyring = _keyring_module()
    if not backend().available:
        raise GoliveError(_NO_BACKEND)
    return keyring


def _read_file(path_text: str) -> str:
    path = Path(os.path.expanduser(path_text))
    try:
        info = path.stat()
    except OSError as exc:
        raise GoliveError(f"secret file {path}: {exc.strerror or type(exc).__name__}") from None
    if not stat.S_ISREG(info.st_mode):
        raise GoliveError(f"secret file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise GoliveError(
            f"secret file {path} is readable by others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}): chmod 600 {path}"
        )
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise GoliveError(f"secret file {path} is empty")
    return value


def get_secret(name: str) -> str:
    """The secret's value from the environment, a `file:` path, else the keyring; a clear error if
    absent."""
    if name.startswith(FILE_PREFIX):
        return _remember(_read_file(name[len(FILE_PREFIX) :]))
    value = os.environ.get(env_name(name))
    if value:
        return _remember(value)
    keyring = _usable_keyring()
    try:
        value = keyring.get_password(SERVICE, name)
    except Exception as exc:  # backend errors (locked keyring, D-Bus) say nothing secret
        raise GoliveError(f"keyring could not read {name!r}: {type(exc).__name__}") from None
    if not value:
        raise GoliveError(
            f"secret {name!r} is not set: run `golive secret set {name}` or set {env_name(name)}"
        )
    return _remember(value)


def writable_backend(*, allow_plaintext: bool = False) -> Backend:
    """The backend a secret would be stored by; GoliveError if there is none, or it is plaintext and
    not allowed."""
    used = backend()
    if not used.available:
        raise GoliveError(_NO_BACKEND)
    if used.plaintext and not allow_plaintext:
        raise GoliveError(
            f"the keyring backend {used.name} stores secrets in a plaintext file: refused. "
            "Use an encrypted backend (Secret Service, macOS Keychain), GOLIVE_SECRET_<NAME> "
            "in the environment, or pass --allow-plaintext if a plaintext file is acceptable here."
        )
    return used


def set_secret(name: str, value: str, *, allow_plaintext: bool = False) -> Backend:
    """Store a secret in the keyring; refuses a plaintext backend unless `allow_plaintext`. Returns
    the backend used."""
    if name.startswith(FILE_PREFIX):
        raise GoliveError(
            f"{name!r} names a file: write the file yourself (mode 600); golive only reads it"
        )
    used = writable_backend(allow_plaintext=allow_plaintext)
    _keyring_module().set_password(SERVICE, name, value)
    names = set(list_secrets()) | {name}
    path = _index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sorted(names)) + "\n")
    os.chmod(path, 0o600)
    return used


def delete_secret(name: str) -> None:
    keyring = _usable_keyring()
    try:
        keyring.delete_password(SERVICE, name)
    except Exception:
        raise GoliveError(f"secret {name!r} is not in the keyring") from None
    path = _index_path()
    if path.exists():
        path.write_text("".join(f"{n}\n" for n in list_secrets() if n != name))


def list_secrets() -> list[str]:
    path = _index_path()
    return [line for line in path.read_text().splitlines() if line] if path.exists() else []


# --- scrubbing ---------------------------------------------------------------------------------
MASK = "***"
PREFIX_CHARS = 8
"""A run of the secret's first 8 characters (or more) is scrubbed too: enough to guess the rest."""
_seen: set[str] = set()


def _remember(value: str) -> str:
    _seen.add(value)
    return value


def _base64_cores(secret: bytes) -> set[str]:
    """The parts of the base64 text that are the same wherever the secret sits in an encoded
    stream."""
    cores = set()
    for skip in range(3):  # the three alignments of the secret against base64's 3-byte groups
        body = secret[skip:]
        body = body[: len(body) - len(body) % 3]
        if len(body) >= 6:
            cores |= {base64.b64encode(body).decode(), base64.urlsafe_b64encode(body).decode()}
    return cores


def _pattern(secret: str) -> re.Pattern[str]:
    """One regex for every form a secret leaks in: as is (any case), URL-encoded, base64, or its
    prefix."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    alternatives = [re.escape(form) for form in sorted(forms, key=len, reverse=True)]
    if len(secret) > PREFIX_CHARS:
        # The first 8 characters, extended as far as the text keeps following the secret.
        tail = ""
        for char in reversed(secret[PREFIX_CHARS:]):
            tail = f"(?:{re.escape(char)}{tail})?"
        alternatives.append(re.escape(secret[:PREFIX_CHARS]) + tail)
    insensitive = "|".join(alternatives)
    cores = sorted(_base64_cores(secret.encode()), key=len, reverse=True)
    # With the partial groups either side (they carry bits of the secret too) and the padding.
    exact = "|".join(f"{_B64}{{0,3}}{re.escape(core)}{_B64}{{0,3}}={{0,2}}" for core in cores)
    return re.compile(f"(?i:{insensitive})" + (f"|{exact}" if exact else ""))


_B64 = "[A-Za-z0-9+/_-]"


def scrub(text: str, *secrets: str) -> str:
    """Remove secrets from text that may leave the process (errors, evidence), in every form they
    leak in."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = _pattern(secret).sub(MASK, text)
    return text


def scrub_known(text: str) -> str:
    """Scrub every secret this process has read (a second line of defence for evidence and
    reports)."""
    return scrub(text, *_seen) if _seen else text


def remember_part(value: str, part: str) -> None:
    """Scrub only `part` of a secret read with get_secret (a webhook URL's token path, not its
    public `https://host` prefix, which would otherwise mask every URL of that scheme in every
    report)."""
    _seen.discard(value)
    if part:
        _remember(part)
