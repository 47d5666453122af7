"""Secrets in the OS keyring (service "golive"), never in TOML, logs or reports.

`GOLIVE_SECRET_<NAME>` (upper case, `-` as `_`) overrides the keyring, for headless
bastions without a keyring backend. Only secret *names* are kept on disk (an index file
in the user config dir), so `golive secret list` works with every backend.
"""

from __future__ import annotations

import os

from .errors import GoliveError

SERVICE = "golive"


def env_name(name: str) -> str:
    return "GOLIVE_SECRET_" + name.upper().replace("-", "_").replace(".", "_")


def _index_path():
    from platformdirs import user_config_path

    return user_config_path("golive") / "secret-names.txt"


_backend_env: str | None = None


def _keyring():
    import keyring
    from keyring.backends import fail

    global _backend_env
    wanted = os.environ.get("PYTHON_KEYRING_BACKEND")
    if wanted != _backend_env:
        # keyring picks its backend once per process; honour a changed choice.
        keyring.core.init_backend()
        _backend_env = wanted
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise GoliveError(
            "no keyring backend is available on this machine. Either set the secret in the environment "
            "(GOLIVE_SECRET_<NAME>, e.g. GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY) or install a backend: "
            "`pip install keyrings.alt` (file-based) or gnome-keyring with a D-Bus session (Secret Service)."
        )
    return keyring


def get_secret(name: str) -> str:
    """The secret's value from the environment, else the keyring; a clear error if absent."""
    value = os.environ.get(env_name(name))
    if value:
        return value
    keyring = _keyring()
    try:
        value = keyring.get_password(SERVICE, name)
    except Exception as exc:  # backend errors (locked keyring, D-Bus) say nothing secret
        raise GoliveError(f"keyring could not read {name!r}: {type(exc).__name__}") from None
    if not value:
        raise GoliveError(f"secret {name!r} is not set: run `golive secret set {name}` or set {env_name(name)}")
    return value


def set_secret(name: str, value: str) -> None:
    _keyring().set_password(SERVICE, name, value)
    names = set(list_secrets()) | {name}
    path = _index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sorted(names)) + "\n")
    os.chmod(path, 0o600)


def delete_secret(name: str) -> None:
    keyring = _keyring()
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


def scrub(text: str, secret: str) -> str:
    """Remove a secret from text that may leave the process (errors, evidence)."""
    return text.replace(secret, "***") if secret else text
