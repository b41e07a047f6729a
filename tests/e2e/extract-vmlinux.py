#!/usr/bin/python3
"""extract-vmlinux.py BZIMAGE OUT: write the ELF vmlinux inside an x86 bzImage.

QEMU boots an ELF vmlinux through its PVH entry in about two seconds under
TCG, much faster than the bzImage's real-mode path.  This reads the boot
header (boot protocol 2.08 or later: payload_offset, payload_length), takes
the compressed payload it points at, decompresses it (xz or gzip: the
formats Python's standard library reads; Debian's kernels use xz), checks
the size the kernel build appended to the payload, and checks the result is
an x86-64 ELF carrying the PVH entry note.  Like the kernel's
scripts/extract-vmlinux, but it reads the header instead of guessing at
magic numbers.  It does not handle other payload formats.
"""
import lzma
import os
import struct
import sys
import zlib

XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_NOTE = 4


def payload(img):
    """The compressed payload and its format name, from the boot header."""
    if img[0x202:0x206] != b"HdrS":
        sys.exit("extract-vmlinux: not a bzImage (no HdrS boot header)")
    version, = struct.unpack_from("<H", img, 0x206)
    if version < 0x208:
        sys.exit("extract-vmlinux: boot protocol %#x < 2.08" % version)
    setup_sects = img[0x1f1] or 4
    off, length = struct.unpack_from("<II", img, 0x248)
    start = (setup_sects + 1) * 512 + off
    data = img[start:start + length]
    if len(data) != length:
        sys.exit("extract-vmlinux: payload runs past the end of the file")
    if data.startswith(b"\xfd7zXZ\x00"):
        return data, "xz"
    if data.startswith(b"\x1f\x8b"):
        return data, "gzip"
    sys.exit("extract-vmlinux: payload format %s not handled" % data[:6].hex())


def decompress(data, fmt):
    """The decompressed payload; the kernel build appends its size (u32 LE)."""
    d = lzma.LZMADecompressor() if fmt == "xz" else zlib.decompressobj(31)
    out = d.decompress(data)
    want, = struct.unpack_from("<I", data, len(data) - 4)
    if len(out) != want:
        sys.exit("extract-vmlinux: %s gave %d bytes, header says %d"
                 % (fmt, len(out), want))
    return out


def has_pvh_note(elf):
    """True when an x86-64 ELF has the Xen PHYS32_ENTRY note (PVH boot)."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        sys.exit("extract-vmlinux: result is not a 64-bit little-endian ELF")
    machine, = struct.unpack_from("<H", elf, 18)
    if machine != 62:
        sys.exit("extract-vmlinux: ELF machine %d is not x86-64" % machine)
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    for i in range(phnum):
        ptype, _, poff, _, _, size = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if ptype == PT_NOTE and note_in(elf[poff:poff + size]):
            return True
    return False


def note_in(notes):
    """True when the note segment holds Xen's PHYS32_ENTRY note."""
    pos = 0
    while pos + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
        name = notes[pos + 12:pos + 12 + namesz].rstrip(b"\0")
        if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
            return True
        pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py BZIMAGE OUT")
    with open(sys.argv[1], "rb") as f:
        img = f.read()
    elf = decompress(*payload(img))
    if not has_pvh_note(elf):
        sys.exit("extract-vmlinux: no PVH entry note: QEMU cannot boot it")
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
