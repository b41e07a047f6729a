/*
 * proc_exehdr.h: what the kernel will do with a file it opens to exec,
 * from the file's first bytes, as binfmt_elf and binfmt_script decide:
 * an ELF for this machine (and whether it names an interpreter in
 * PT_INTERP), a "#!" script (whose interpreter the kernel opens next),
 * or neither (the exec fails with ENOEXEC).
 *
 * The process probe reads these bytes through the fd fanotify gave it,
 * and so tells the opens of one exec (the file, then its interpreters)
 * from the next exec of the same process.  Pure: bytes in, a verdict
 * out, nothing read past n.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum exehdr_kind {
	EXEHDR_NOEXEC,		/* neither ELF for this machine nor #!: ENOEXEC */
	EXEHDR_ELF,		/* an ELF the kernel loads */
	EXEHDR_SCRIPT,		/* #! and an interpreter name */
};

/* The kernel reads this much of a file to pick its format (BINPRM_BUF_SIZE). */
#define EXEHDR_SCRIPT_BYTES	256

struct exehdr {
	int kind;		/* enum exehdr_kind */
	int interp;		/* ELF: a PT_INTERP; script: always 1 */
	int need_phdrs;		/* ELF: the program headers lie past the bytes given */
	uint64_t phoff;		/* ... at this offset */
	uint32_t phlen;		/* ... this long (at most 4096) */
	uint8_t entsz;		/* ELF: one program header's size (56 or 32) */
	uint16_t name_off;	/* script: the interpreter's name in the bytes */
	uint16_t name_len;
};

/* Classify a file from its first n bytes (n: what a read of the first
 * 4096 returned; a shorter file reads as padded with NULs, as the
 * kernel's buffer is).  An ELF whose program headers are not inside
 * them says need_phdrs: read phlen bytes at phoff and call exehdr_phdrs. */
void exehdr_parse(const uint8_t *b, size_t n, struct exehdr *h);
/* Finish an ELF from its program headers (the phlen bytes at phoff; n
 * what was read).  Fewer bytes than phlen: not loadable. */
void exehdr_phdrs(const uint8_t *ph, size_t n, struct exehdr *h);
