"""Approvals signed with OpenSSH keys: `ssh-keygen -Y sign` / `-Y verify`, namespace `golive`.

Every captain on a bastion already has an SSH key, and OpenSSH can sign arbitrary data
with it (or with the key held by `ssh-agent`). An approval's signed message covers the
role, the approver's name and principal, the time, the digest of the state being approved and the
audit chain's head at that moment — so rewriting history before a signed approval breaks
its signature even if every hash of the chain is recomputed.

Verification reads an OpenSSH allowed-signers file (`principal namespaces="golive" key`,
as `ssh-keygen -Y verify` reads it). `ssh-keygen` runs with an argument list, never a
shell; the private key is never read here, only named to ssh-keygen.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import GoliveError

NAMESPACE = "golive"
TIMEOUT = 10.0


def approval_message(
    *, role: str, name: str, principal: str, at: datetime, state_digest: str, chain_head: str
) -> bytes:
    """The exact bytes an approver signs (and a verifier rebuilds from the record)."""
    return (
        f"golive approval v1\nrole: {role}\nname: {name}\nprincipal: {principal}\n"
        f"at: {at.isoformat()}\nstate: {state_digest}\nchain-head: {chain_head}\n"
    ).encode()


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise GoliveError(
            "ssh-keygen is not installed: signed approvals need OpenSSH 8.2 or newer "
            "(apt-get install openssh-client)"
        )
    return found


def _run(args: list[str], *, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [_ssh_keygen(), *args], input=data, capture_output=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise GoliveError(
            f"ssh-keygen {args[0]} {args[1]} did not answer within {TIMEOUT:g}s (a key "
            "asking for a passphrase?)"
        ) from None


def sign(message: bytes, key: str | Path) -> str:
    """An armored SSH signature of `message` made with `key`: a private key file, or a public key
    whose private half is in ssh-agent (`agent_keys()`)."""
    path = Path(key).expanduser()
    if not path.is_file():
        raise GoliveError(f"signing key {path} does not exist")
    result = _run(["-Y", "sign", "-n", NAMESPACE, "-f", str(path)], data=message)
    signature = result.stdout.decode(errors="replace")
    if result.returncode != 0 or "BEGIN SSH SIGNATURE" not in signature:
        detail = (
            " ".join(result.stderr.decode(errors="replace").split()) or f"exit {result.returncode}"
        )
        raise GoliveError(f"ssh-keygen could not sign with {path}: {detail}")
    return signature


def agent_keys() -> list[str]:
    """The public keys ssh-agent holds (`ssh-add -L`), one OpenSSH line each; [] without an
    agent."""
    if not os.environ.get("SSH_AUTH_SOCK") or shutil.which("ssh-add") is None:
        return []
    try:
        result = subprocess.run(
            ["ssh-add", "-L"], capture_output=True, timeout=TIMEOUT, check=False, text=True
        )
    except subprocess.TimeoutExpired:
        return []
    return (
        [line for line in result.stdout.splitlines() if line.startswith(("ssh-", "ecdsa-", "sk-"))]
        if result.returncode == 0
        else []
    )


def agent_key_file(public_line: str, directory: Path) -> Path:
    """A public key file ssh-keygen can sign with through the agent."""
    path = directory / f"agent-{hashlib.sha256(public_line.encode()).hexdigest()[:12]}.pub"
    path.write_text(public_line.strip() + "\n")
    return path


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    reason: str = ""
    """Why it failed: unknown signer, signature does not verify, principal is not the approver."""
    signer: str = ""
    """The principal(s) the allowed-signers file gives the key, when known."""
    key: str = ""
    """The signing key's fingerprint (SHA256:…), when the signature could be read."""


def verify(message: bytes, signature: str, principal: str, allowed_signers: Path) -> SignatureCheck:
    """Whether `signature` over `message` was made by a key that allowed_signers gives to
    `principal`."""
    return _verify_cached(
        message, signature, principal, str(allowed_signers), _content_key(allowed_signers)
    )


def _content_key(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise GoliveError(f"allowed signers file {path}: {exc.strerror or exc}") from None


@functools.lru_cache(maxsize=512)
def _verify_cached(
    message: bytes, signature: str, principal: str, allowed: str, _content: str
) -> SignatureCheck:
    # Cached by the file's content: the TUI asks on every redraw, ssh-keygen takes ~5 ms a call.
    with tempfile.TemporaryDirectory(prefix="golive-sig-") as tmp:
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature)
        if (
            _run(
                ["-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(sig)], data=message
            ).returncode
            != 0
        ):
            return SignatureCheck(
                False, "signature does not verify: the signed approval was changed"
            )
        found = _run(["-Y", "find-principals", "-s", str(sig), "-f", allowed])
        signers = [
            line.strip()
            for line in found.stdout.decode(errors="replace").splitlines()
            if line.strip()
        ]
        if found.returncode != 0 or not signers:
            return SignatureCheck(False, f"unknown signer: the key is not in {allowed}")
        if principal not in signers:
            return SignatureCheck(
                False,
                f"principal {', '.join(signers)} signed it, not the approver {principal}",
                ", ".join(signers),
            )
        checked = _run(
            ["-Y", "verify", "-n", NAMESPACE, "-f", allowed, "-I", principal, "-s", str(sig)],
            data=message,
        )
        if checked.returncode != 0:
            detail = " ".join(checked.stderr.decode(errors="replace").split())
            return SignatureCheck(
                False, f"signature does not verify for {principal}: {detail}", ", ".join(signers)
            )
        return SignatureCheck(True, "", principal)


def signed_file_path(path: Path) -> Path:
    """Where `ssh-keygen -Y sign FILE` writes its signature: FILE.sig."""
    return path.with_name(path.name + ".sig")


def sign_file(path: Path, key: str | Path) -> Path:
    """Sign a file's bytes as `ssh-keygen -Y sign -n golive -f KEY FILE` does; write FILE.sig;
    return its path."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GoliveError(f"{path}: {exc.strerror or exc}") from None
    out = signed_file_path(path)
    temp = out.with_name(out.name + ".tmp")
    temp.write_text(sign(data, key))
    os.replace(temp, out)
    return out


def check_signed(data: bytes, signature: str, allowed_signers: Path) -> SignatureCheck:
    """Who signed `data` (a whole file, as `ssh-keygen -Y sign` signs it): the principal the
    allowed-signers file gives the key, or why nobody it knows did."""
    # Cached by the file's content: a missing or unreadable file is said as such, not as "unknown
    # signer".
    return _check_signed_cached(data, signature, allowed_signers, _content_key(allowed_signers))


@functools.lru_cache(maxsize=256)
def _check_signed_cached(
    data: bytes, signature: str, allowed_signers: Path, _content: str
) -> SignatureCheck:
    with tempfile.TemporaryDirectory(prefix="golive-sig-") as tmp:
        sig = Path(tmp) / "request.sig"
        sig.write_text(signature)
        if "BEGIN SSH SIGNATURE" not in signature:
            return SignatureCheck(
                False, "not an SSH signature (it should start with -----BEGIN SSH SIGNATURE-----)"
            )
        novalidate = _run(["-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(sig)], data=data)
        said = " ".join((novalidate.stdout + novalidate.stderr).decode(errors="replace").split())
        key = next((word for word in said.split() if word.startswith("SHA256:")), "")
        if novalidate.returncode != 0:
            if "namespace" in said.lower():
                return SignatureCheck(
                    False,
                    f"the signature is not for golive (sign with -n {NAMESPACE}): {said}",
                    key=key,
                )
            return SignatureCheck(
                False,
                "the signature does not match the request: the file was changed after it was "
                "signed, or the signature is for another file",
                key=key,
            )
        found = _run(["-Y", "find-principals", "-s", str(sig), "-f", str(allowed_signers)])
        signers = [
            line.strip()
            for line in found.stdout.decode(errors="replace").splitlines()
            if line.strip()
        ]
        if found.returncode != 0 or not signers:
            return SignatureCheck(
                False,
                f"unknown key: {key or 'the signing key'} is not in the allowed-signers file "
                f"{allowed_signers}",
                key=key,
            )
        principal = signers[0]
        checked = _run(
            [
                "-Y",
                "verify",
                "-n",
                NAMESPACE,
                "-f",
                str(allowed_signers),
                "-I",
                principal,
                "-s",
                str(sig),
            ],
            data=data,
        )
        if checked.returncode != 0:
            detail = " ".join(checked.stderr.decode(errors="replace").split())
            return SignatureCheck(
                False, f"signature does not verify for {principal}: {detail}", principal, key
            )
        return SignatureCheck(True, "", principal, key)


def principal_of_key(key: str | Path, allowed_signers: Path) -> str:
    """The principal allowed-signers gives `key` ('' if none): a throwaway signature, looked up as a
    verifier would."""
    probe = b"golive: whose key is this?\n"
    check = check_signed(probe, sign(probe, key), allowed_signers)
    return check.signer if check.ok else ""
