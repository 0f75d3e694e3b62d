"""Which observer a watched folder needs: native change events on a local disk, polling on
network and FUSE drives (where the kernel never hears of a change made on the other side)."""

from __future__ import annotations

import os
from pathlib import Path

from ...paths import is_inside

# File systems where inotify & co. do not see changes made elsewhere (another machine, the sync
# daemon's remote side): polled instead. fuseblk (ntfs-3g, exfat on a local disk) is local.
REMOTE_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "afs", "ncpfs", "coda", "ceph", "glusterfs",
    "lustre", "gpfs", "beegfs", "davfs", "sshfs", "vboxsf", "vmhgfs", "virtiofs", "fuse", "prl_fs", "drvfs",
})


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134.
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_type(path: str | Path, mounts_text: str | None = None) -> str | None:
    """The type of the file system holding `path` (longest mount point that contains it), from
    /proc/mounts; None where that is not available (macOS, Windows)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point, fs_type = _unescape_mount(fields[1]), fields[2]
        if is_inside(target, mount_point, resolve=False) and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def needs_polling(fs_type: str | None) -> bool:
    """True for a file system whose changes made elsewhere the kernel does not report (network
    drives, FUSE mounts): such a folder is polled."""
    if not fs_type:
        return False
    fs_type = fs_type.lower()
    return fs_type in REMOTE_FILESYSTEMS or fs_type.startswith("fuse.") or fs_type.startswith("nfs")
