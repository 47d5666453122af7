"""A local record in a directory other users can reach (a bastion): trust nothing found there.

Another user of the host can plant a symlink where the lock or the state will be, a state
file of their own, or a world-writable one. As SQLite does with its journal and OpenSSH
with `StrictModes`:

- the state, its lock and `.bak` are opened with `O_NOFOLLOW` (temp files with `O_EXCL`
  too, by `tempfile.mkstemp`): a symlink is refused, never followed;
- a file owned by another user (not root) is refused unless it belongs to the captains'
  group — `state.group` in the profile, else the group of a setgid directory when
  `state.mode` shares the file with a group (the documented set-up);
- a file writable by everyone, or by a group that is not that one, is refused;
- the lock names who holds it: the holder writes its pid and uid into the lock file, and a
  waiter that gives up says whose process it is.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import GoliveError

LOCK_WAIT_ENV = "GOLIVE_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 30.0


class UnsafeFile(GoliveError):
    """A state, lock or .bak file that another user could have planted or can rewrite."""


def lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return f"gid {gid}"


def captains_gid(directory: Path, mode: int, group: str = "") -> int | None:
    """The group whose members may own and write the record: `state.group`, else a setgid
    directory's."""
    if group:
        import grp

        try:
            return grp.getgrnam(group).gr_gid
        except KeyError:
            raise GoliveError(f"state.group {group!r} is not a group of this host") from None
    if mode & 0o070:
        with contextlib.suppress(OSError):
            st = os.stat(directory)
            if st.st_mode & stat.S_ISGID:
                return st.st_gid
    return None


def check_file(path: Path | str, st: os.stat_result, what: str, gid: int | None) -> None:
    """Refuse a file another user planted or can rewrite (UnsafeFile naming owner, group and
    mode)."""
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeFile(
            f"{path}: the {what} is a symbolic link: refused, golive never follows one here "
            "(planted by someone? remove it; give the real path)"
        )
    mode = stat.S_IMODE(st.st_mode)
    in_group = gid is not None and st.st_gid == gid
    if mode & 0o002:
        raise UnsafeFile(
            f"{path}: the {what} is writable by every user (mode {mode:04o}): refused; "
            f"chmod o-w it after checking its content"
        )
    if st.st_uid not in (os.geteuid(), 0) and not in_group:
        hint = (
            f"it is not in the captains' group {group_name(gid)}"
            if gid is not None
            else "set state.group for a shared record"
        )
        raise UnsafeFile(
            f"{path}: the {what} is owned by {user_name(st.st_uid)} (uid {st.st_uid}), not by you: "
            f"refused ({hint}); planted by someone else?"
        )
    if mode & 0o020 and not in_group and st.st_gid != os.getegid():
        raise UnsafeFile(
            f"{path}: the {what} is writable by group {group_name(st.st_gid)} (mode {mode:04o}), "
            f"which is not the captains' group: refused (set state.group, or chmod g-w)"
        )


def open_nofollow(path: Path | str, flags: int, mode: int = 0o600) -> int:
    """os.open with O_NOFOLLOW; a symlink is an UnsafeFile, not ELOOP."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(
                f"{path}: is a symbolic link: refused, golive never follows one here "
                "(planted by someone? remove it)"
            ) from None
        raise


class Lock:
    """An exclusive flock on `<state>.lock`, opened without following symlinks, naming its
    holder."""

    def __init__(
        self, path: Path, mode: int, gid_of_state: Callable[[], int | None], gid: int | None
    ) -> None:
        self.path = path
        self.mode = mode
        self.gid_of_state = gid_of_state
        self.gid = gid
        self._local = threading.local()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if getattr(self._local, "depth", 0):  # re-entered by the same thread: already held
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        fd = self._open()
        try:
            self._acquire(fd)
            self._local.depth = 1
            try:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()} {os.geteuid()}\n".encode(), 0)
                yield
            finally:
                self._local.depth = 0
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _open(self) -> int:
        try:
            fd = open_nofollow(self.path, os.O_RDWR | os.O_CREAT, self.mode)
        except PermissionError:
            if not os.path.lexists(self.path):
                raise  # the directory refuses us: say so, not "no such file"
            fd = open_nofollow(
                self.path, os.O_RDONLY
            )  # a captain's 0640 lock: flock works read-only
        st = os.fstat(fd)
        try:
            check_file(self.path, st, "lock file", self.gid)
            if st.st_uid == os.geteuid() and st.st_size == 0:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, self.mode)
                    group = self.gid if self.gid is not None else self.gid_of_state()
                    if group is not None and group != st.st_gid:
                        os.fchown(fd, -1, group)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _acquire(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        # Wait in the kernel, woken when the holder lets go, not by polling: a poller starved
        # behind writers that take the lock again at once (four processes writing back to back:
        # one waited 30 s and gave up). A blocking flock cannot time out, so a thread waits on a
        # duplicate of the descriptor (the same open file: the lock it takes is fd's) and lets the
        # lock go again if it gets it after we gave up.
        waiter = os.dup(fd)
        got, guard, abandoned = threading.Event(), threading.Lock(), threading.Event()

        def wait() -> None:
            try:
                fcntl.flock(waiter, fcntl.LOCK_EX)
            except OSError:
                os.close(waiter)
                return
            with guard:
                if abandoned.is_set():
                    fcntl.flock(waiter, fcntl.LOCK_UN)
                    os.close(waiter)
                    return
                got.set()

        threading.Thread(target=wait, name="golive-lock-wait", daemon=True).start()
        got.wait(lock_wait())
        with guard:
            if got.is_set():
                os.close(waiter)
                return
            abandoned.set()
        raise GoliveError(
            f"{self.path}: {self.holder(fd)} holds the lock (waited {lock_wait():g}s, "
            f"${LOCK_WAIT_ENV}); nothing was written"
        ) from None

    def holder(self, fd: int) -> str:
        """Who holds the lock: the pid from /proc/locks (any holder), else the one it wrote; and its
        user."""
        pid = _flock_holder(os.fstat(fd))
        if pid is None:
            try:
                pid = int(os.pread(fd, 64, 0).decode("ascii", "replace").split()[0])
            except (OSError, ValueError, IndexError):
                return "a process that could not be identified"
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            return f"process {pid} (no longer running?)"
        if uid == os.geteuid():
            return f"another golive of yours (pid {pid}, user {user_name(uid)})"
        return f"a process of another user, {user_name(uid)} (uid {uid}), pid {pid},"


def _flock_holder(st: os.stat_result) -> int | None:
    """The pid holding a flock on the file of `st`, from /proc/locks (Linux); None if not found."""
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            for line in handle:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:00:2149781 0 EOF" (a waiter's line has "->"
                #            after the number)
                if (
                    len(fields) >= 6
                    and fields[1] == "FLOCK"
                    and fields[2] != "->"
                    and fields[5] == device
                ):
                    return int(fields[4])
    except (OSError, ValueError):
        return None
    return None
