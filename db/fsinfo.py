"""Is a file on a network file system? (Linux exactly; macOS and Windows best effort.)

SQLite's locking is only as good as the file system's. On a network share, WAL mode is never
safe (its shared-memory index cannot be shared between machines), and rollback-journal mode is
safe only when the share implements POSIX/Windows byte-range locks correctly. We can't test the
lock implementation, but we can tell the user that the workspace lives on a share.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "smb2", "ncpfs", "afs", "coda", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "beegfs", "ocfs2", "gfs2", "davfs", "webdav", "sshfs", "vboxsf", "vmhgfs", "prl_fs",
    "drvfs", "fuse.sshfs", "fuse.rclone", "fuse.davfs2", "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs",
    "fuse.cephfs", "fuse.vmhgfs-fuse", "fuse.smbnetfs", "fuse.goofys", "fuse.juicefs", "fuse.mfs",
    "afpfs", "mfs", "fuse.onedriver", "fuse.google-drive-ocamlfuse",
})


@dataclass(frozen=True)
class FsInfo:
    fstype: str
    mountpoint: str
    network: bool


def _unescape(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as \ooo
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def linux_fs_of(path: Path, mounts_text: str | None = None) -> FsInfo | None:
    """The mount holding ``path`` according to ``/proc/mounts`` (longest matching mount point)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/self/mounts").read_text()
        except OSError:
            return None
    target = str(path)
    best: tuple[str, str] | None = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mnt, fstype = _unescape(fields[1]), fields[2]
        inside = target == mnt or target.startswith(mnt.rstrip("/") + "/")
        if inside and (best is None or len(mnt) >= len(best[0])):
            best = (mnt, fstype)
    if best is None:
        return None
    return FsInfo(best[1], best[0], best[1] in NETWORK_FS_TYPES or best[1].startswith("nfs"))


def _darwin_fs_of(path: Path) -> FsInfo | None:  # pragma: no cover - macOS only
    import ctypes
    import ctypes.util

    class StatFs(ctypes.Structure):
        _fields_ = [
            ("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32), ("f_blocks", ctypes.c_uint64),
            ("f_bfree", ctypes.c_uint64), ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
            ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2), ("f_owner", ctypes.c_uint32),
            ("f_type", ctypes.c_uint32), ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
            ("f_fstypename", ctypes.c_char * 16), ("f_mntonname", ctypes.c_char * 1024),
            ("f_mntfromname", ctypes.c_char * 1024), ("f_flags_ext", ctypes.c_uint32),
            ("f_reserved", ctypes.c_uint32 * 7),
        ]

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fn = getattr(libc, "statfs$INODE64", None) or libc.statfs
    buf = StatFs()
    if fn(os.fsencode(path), ctypes.byref(buf)) != 0:
        return None
    fstype = buf.f_fstypename.decode(errors="replace")
    local = bool(buf.f_flags & 0x1000)  # MNT_LOCAL
    return FsInfo(fstype, buf.f_mntonname.decode(errors="replace"), not local or fstype in NETWORK_FS_TYPES)


def _windows_fs_of(path: Path) -> FsInfo | None:  # pragma: no cover - Windows only
    import ctypes

    text = str(path)
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return FsInfo("smb", text, True)
    drive = os.path.splitdrive(text)[0]
    if not drive:
        return None
    kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")  # type: ignore[attr-defined]
    return FsInfo("remote" if kind == 4 else "local", drive, kind == 4)  # DRIVE_REMOTE


def filesystem_of(path: Path) -> FsInfo | None:
    """File-system facts for the folder holding ``path`` (None when they cannot be found)."""
    p = Path(path).expanduser()
    try:
        p = p.resolve()
    except OSError:
        pass
    try:
        if sys.platform.startswith("linux"):
            return linux_fs_of(p if p.exists() else p.parent)
        if sys.platform == "darwin":
            return _darwin_fs_of(p if p.exists() else p.parent)
        if sys.platform == "win32":
            return _windows_fs_of(p)
    except Exception:
        return None
    return None


def network_warning(path: Path) -> str | None:
    """A message for the user when the workspace file lives on a network share, else None."""
    info = filesystem_of(path)
    if info is None or not info.network:
        return None
    return (
        f"This workspace is on a network file system ({info.fstype} at {info.mountpoint}). "
        "SourceTrace keeps shared files in SQLite's rollback-journal mode (WAL mode cannot work "
        "across machines), which is safe only if the share implements file locking correctly "
        "(SMB/CIFS and NFSv4 normally do; some NAS boxes, sync folders such as Dropbox or OneDrive, "
        "and FUSE mounts such as sshfs do not). Keep automatic backups on, and for a team that "
        "writes at the same time prefer a PostgreSQL server (sourcetrace migrate-to)."
    )
