"""The root file system a worker sees: an allowlist, never a denylist.

Only these are in it, read-only: the Python runtime, the installed libraries and the system
libraries they load, and the few kit modules a worker runs (bound one file at a time, so that
neither the rest of the kit nor the reference app `docchat` is there). Everything else (the
kit's checkout and its `.git`, `solutions/`, the checks, other checkouts, submissions, the
reports, home folders, the host's /tmp) is simply absent. Root mode builds it with mounts and
pivot_root; bubblewrap mode asks bwrap for the same thing.
"""

import ctypes
import importlib.util
import os
import platform
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from docchat_lab.grading.isolation import check, libc

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}
_SYSTEM_LIBRARIES = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
_DEVICES = ("null", "zero", "full", "random", "urandom")
# The kit's own packages: never visible as a whole, wherever they are installed.
KIT_PACKAGES = ("docchat_lab", "docchat")
# Where a run's fresh folders go: the usual place, unless something allowed lives under it
# (a venv in /tmp, a checkout in /work), which a fresh mount there would hide.
_RUN_FOLDERS = {"tmp": ("/tmp", "/.run/tmp"), "work": ("/work", "/.run/work")}


@dataclass
class Allowlist:
    """What a worker may see: folders and files bound read-only at the same path."""

    folders: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # path -> target, as on the host
    masks: list[str] = field(default_factory=list)  # kit folders inside a bound folder
    run: dict[str, str] = field(default_factory=dict)  # "tmp", "work": where a run's go

    def to_json(self) -> dict[str, object]:
        return {
            "folders": self.folders,
            "files": self.files,
            "links": self.links,
            "masks": self.masks,
            "run": self.run,
        }

    def mount_points(self) -> list[str]:
        return ["/proc", "/dev/shm", self.run["tmp"], self.run["work"]]

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "Allowlist":
        return cls(**data)  # type: ignore[arg-type]


def can_pivot() -> bool:
    return platform.machine() in _PIVOT_ROOT


def _kit_folders() -> list[Path]:
    found = []
    for name in KIT_PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            found.append(Path(location).resolve())
    return found


def _python_folders(kit: list[Path]) -> list[Path]:
    """The runtime and the installed libraries: whole prefixes, unless the kit lives in one."""
    folders: set[Path] = set()
    scheme = sysconfig.get_paths()
    for prefix in {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}:
        if prefix != Path("/") and not any(prefix in k.parents for k in kit):
            folders.add(prefix)
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        folders.add(Path(scheme[key]).resolve())
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if path.name in ("site-packages", "dist-packages") and path.is_dir():
            folders.add(path)
    folders.add(Path(sys.executable).resolve().parent)
    folders = {f for f in folders if f.is_dir()}
    # A folder inside another one is bound with it.
    return sorted(f for f in folders if not any(o in f.parents for o in folders))


def allowlist(kit_modules: list[str]) -> Allowlist:
    """The allowlist for a fork server that runs `kit_modules` (dotted names of kit modules)."""
    kit = _kit_folders()
    allowed = Allowlist()
    folders = _python_folders(kit)
    for name in _SYSTEM_LIBRARIES:
        path = Path(name)
        if path.is_symlink():
            allowed.links[name] = str(path.readlink())
        elif path.is_dir() and not any(f == path or f in path.parents for f in folders):
            folders.append(path)
    allowed.folders = [str(f) for f in sorted(folders)]
    allowed.masks = [str(k) for k in kit if any(Path(f) in k.parents for f in allowed.folders)]
    files = {str(Path(f).resolve()) for f in _SYSTEM_FILES if Path(f).is_file()}
    venv_config = Path(sys.prefix) / "pyvenv.cfg"
    if venv_config.is_file():
        files.add(str(venv_config.resolve()))
    for module in kit_modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise LookupError(f"no kit module {module}")
        files.add(str(Path(spec.origin).resolve()))
    # A file already inside a bound folder comes with it, unless a mask hides it.
    allowed.files = sorted(
        f
        for f in files
        if any(Path(m) in Path(f).parents for m in allowed.masks)
        or not any(Path(b) in Path(f).parents for b in allowed.folders)
    )
    allowed.run = run_folders([*allowed.folders, *allowed.files, *allowed.links])
    return allowed


def run_folders(allowed: list[str]) -> dict[str, str]:
    """Where a run's fresh folders go: never over something allowed, which they would hide."""
    paths = [Path(p) for p in allowed]
    return {
        name: next(
            c for c in choices if not any(Path(c) == p or Path(c) in p.parents for p in paths)
        )
        for name, choices in _RUN_FOLDERS.items()
    }


def _mount(
    source: bytes | None, target: str, kind: bytes | None, flags: int, data: bytes | None
) -> None:
    check(libc().mount(source, target.encode(), kind, flags, data), f"mount {target}")


def _bind_read_only(source: str, target: str) -> None:
    _mount(source.encode(), target, None, MS_BIND, None)
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
    _mount(None, target, None, flags, None)


def _inside(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def enter(allowed: Allowlist, root: Path) -> None:
    """Root mode, in the fork server: a private mount namespace whose root is the allowlist.

    `root` is an empty folder; a tmpfs is mounted on it, the allowed paths are bound into it
    read-only, and pivot_root makes it `/`. The old root is then detached: nothing of it is left
    to climb back to, even for a process that gains capabilities in a user namespace.
    """
    from docchat_lab.grading.isolation import CLONE_NEWNS, unshare

    unshare(CLONE_NEWNS)
    _mount(b"none", "/", None, MS_REC | MS_PRIVATE, None)
    _mount(b"tmpfs", str(root), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=4m,mode=755")
    for folder in allowed.folders:
        target = _inside(root, folder)
        target.mkdir(parents=True, exist_ok=True)
        _bind_read_only(folder, str(target))
    for path, link in allowed.links.items():
        _inside(root, path).parent.mkdir(parents=True, exist_ok=True)
        _inside(root, path).symlink_to(link)
    for mask in allowed.masks:
        _mount(
            b"tmpfs", str(_inside(root, mask)), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=1m,mode=755"
        )
    for file in allowed.files:
        target = _inside(root, file)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
        _bind_read_only(file, str(target))
    for mask in allowed.masks:
        _mount(
            None,
            str(_inside(root, mask)),
            None,
            MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
            None,
        )
    _dev(root)
    for point in allowed.mount_points():
        _inside(root, point).mkdir(parents=True, exist_ok=True)
    _mount(None, str(root), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    os.chdir(root)
    number = _PIVOT_ROOT[platform.machine()]
    check(libc().syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    check(libc().umount2(b".", MNT_DETACH), "umount the old root")
    os.chdir("/")


def _dev(root: Path) -> None:
    dev = root / "dev"
    dev.mkdir()
    _mount(b"tmpfs", str(dev), b"tmpfs", MS_NOSUID, b"size=64k,mode=755")
    for name in _DEVICES:
        (dev / name).touch()
        _mount(f"/dev/{name}".encode(), str(dev / name), None, MS_BIND, None)
    (dev / "shm").mkdir()
    (dev / "fd").symlink_to("/proc/self/fd")
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        (dev / name).symlink_to(f"/proc/self/fd/{number}")


def bwrap_arguments(allowed: Allowlist, *, as_root: bool) -> list[str]:
    """The same root for bubblewrap; as root, no user namespace, so workers can change uid."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    # No --die-with-parent: it is tied to the thread that started bwrap. The fork server ends
    # itself when the judge's end of its socket closes, however the judge ended.
    args += ["--new-session"]
    if not as_root:
        # Capabilities inside bwrap's own user namespace only: the fork server needs them to
        # make each run's namespaces; every worker drops them.
        args += ["--unshare-user", "--cap-add", "ALL"]
    # bwrap copies a missing folder's mode from the host (/root is 0700): open the way first.
    bound = [Path(f) for f in allowed.folders]
    targets = [*allowed.folders, *allowed.files, *allowed.run.values()]
    ancestors = {a for t in targets for a in Path(t).parents if a != Path("/")}
    for ancestor in sorted(ancestors, key=lambda a: len(a.parts)):
        if not any(b == ancestor or b in ancestor.parents for b in bound):
            args += ["--perms", "0755", "--dir", str(ancestor)]
    for folder in allowed.folders:
        args += ["--ro-bind", folder, folder]
    for path, target in allowed.links.items():
        args += ["--symlink", target, path]
    for mask in allowed.masks:
        args += ["--tmpfs", mask]
    for file in allowed.files:
        args += ["--ro-bind", file, file]
    args += ["--dev", "/dev", "--proc", "/proc"]
    args += ["--tmpfs", allowed.run["tmp"], "--dir", allowed.run["work"]]
    return [*args, "--remount-ro", "/", "--chdir", "/", "--"]
