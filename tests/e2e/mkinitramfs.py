#!/usr/bin/python3
"""mkinitramfs.py OUT ENTRY...: write a newc cpio archive for the e2e guest.

Entries (parent directories are added as needed):
  dir:PATH             a directory, 0755
  nod:PATH:MAJ:MIN     a character device node, 0600
  file:PATH=SRC        a regular file with SRC's permission bits
  elf:PATH=SRC         like file:, plus every shared library `ldd SRC`
                       names, each at the path ldd gives (a static binary
                       needs none)
  busybox:SRC          SRC as /bin/busybox and a /bin link per applet
                       (`SRC --list`), existing entries win

Everything is owned by root with mtime 0, so the archive depends only on
its inputs and making it needs no root (no mknod).  The kernel's own
usr/gen_init_cpio does the same from a text list; this is written here to
avoid building kernel sources.  It does not compress the archive: the guest
would spend longer decompressing it under TCG than QEMU spends loading it.
"""
import os
import stat
import subprocess
import sys


class Archive:
    """Entries in order, each path once, written as newc."""

    def __init__(self):
        self.entries = {}

    def add(self, path, mode, data=b"", rdev=(0, 0)):
        """Add PATH (and its missing parents) unless it is already there."""
        parent = os.path.dirname(path)
        if parent not in ("/", "") and parent not in self.entries:
            self.add(parent, stat.S_IFDIR | 0o755)
        self.entries.setdefault(path, (mode, data, rdev))

    def write(self, out):
        """The archive as bytes, ending with the TRAILER!!! entry."""
        parts = []
        ino = 1
        for path, (mode, data, rdev) in self.entries.items():
            parts.append(record(path.lstrip("/"), ino, mode, data, rdev))
            ino += 1
        parts.append(record("TRAILER!!!", 0, 0, b"", (0, 0)))
        blob = b"".join(parts)
        blob += b"\0" * (-len(blob) % 512)
        with open(out + ".tmp", "wb") as f:
            f.write(blob)
        os.replace(out + ".tmp", out)


def record(name, ino, mode, data, rdev):
    """One newc header, name and data, each padded to 4 bytes."""
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
              rdev[0], rdev[1], len(name) + 1, 0)
    head = b"070701" + b"".join(b"%08X" % v for v in fields)
    head += name.encode() + b"\0"
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


def add_file(ar, path, src):
    """A regular file with SRC's bits (a symlink SRC is followed)."""
    with open(src, "rb") as f:
        data = f.read()
    ar.add(path, stat.S_IFREG | (os.stat(src).st_mode & 0o7777), data)


def shared_libs(src):
    """Absolute paths of the libraries and loader ldd lists for SRC."""
    r = subprocess.run(["ldd", src], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        if "not a dynamic executable" in r.stdout + r.stderr:
            return []
        sys.exit("mkinitramfs: ldd %s: %s" % (src, r.stderr.strip()))
    libs = []
    for line in r.stdout.splitlines():
        words = line.split()
        if "=>" in words and words[words.index("=>") + 1].startswith("/"):
            libs.append(words[words.index("=>") + 1])
        elif words and words[0].startswith("/"):
            libs.append(words[0])
        elif "not found" in line:
            sys.exit("mkinitramfs: %s: %s" % (src, line.strip()))
    return libs


def add_busybox(ar, src):
    """/bin/busybox and a symlink in /bin for each of its applets."""
    add_file(ar, "/bin/busybox", src)
    out = subprocess.run([src, "--list"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    for applet in out.split():
        ar.add("/bin/" + applet, stat.S_IFLNK | 0o777, b"busybox")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ar = Archive()
    for spec in sys.argv[2:]:
        kind, _, arg = spec.partition(":")
        path, _, src = arg.partition("=")
        if kind == "dir":
            ar.add(path, stat.S_IFDIR | 0o755)
        elif kind == "nod":
            node, major, minor = path.split(":")
            ar.add(node, stat.S_IFCHR | 0o600, rdev=(int(major), int(minor)))
        elif kind == "file":
            add_file(ar, path, src)
        elif kind == "elf":
            add_file(ar, path, src)
            for lib in shared_libs(src):
                add_file(ar, lib, lib)
        elif kind == "busybox":
            add_busybox(ar, arg)
        else:
            sys.exit("mkinitramfs: unknown entry %r" % spec)
    ar.write(sys.argv[1])


if __name__ == "__main__":
    main()
