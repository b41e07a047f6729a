/*
 * proc_exehdr.c: the exec format check of proc_exehdr.h, after the
 * kernel's fs/binfmt_elf.c (load_elf_binary: the header checks, the
 * first PT_INTERP) and fs/binfmt_script.c (load_script: the #! line).
 *
 * Both ELF classes this kernel may run are accepted: the native 64-bit
 * one and the 32-bit compat one; other machines are ENOEXEC (binfmt_misc
 * handlers are not known here).
 */
#include <string.h>
#include "proc_exehdr.h"

#if defined(__aarch64__)
#define EM_NATIVE	183	/* EM_AARCH64 */
#define EM_COMPAT	40	/* EM_ARM */
#else
#define EM_NATIVE	62	/* EM_X86_64 */
#define EM_COMPAT	3	/* EM_386 */
#endif
#define ET_EXEC		2
#define ET_DYN		3
#define PT_INTERP	3
#define PH_MAX		4096	/* the kernel reads at most a page of them */
#define INTERP_MIN	2	/* p_filesz bounds of a PT_INTERP */
#define INTERP_MAX	4096

/* A little-endian number of `bytes` at b + off (bounds checked by the caller). */
static uint64_t le(const uint8_t *b, size_t off, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = bytes - 1; i >= 0; i--)
		v = v << 8 | b[off + (size_t)i];
	return v;
}

/* The ELF header: class, machine, type, the program header table. */
static void elf(const uint8_t *b, size_t n, struct exehdr *h)
{
	int is64 = n > 4 && b[4] == 2;
	size_t entsz = is64 ? 56 : 32;
	uint64_t type, machine, phnum;

	if (n < (is64 ? 64u : 52u) || (b[4] != 1 && b[4] != 2) || b[5] != 1)
		return;					/* short, or big-endian */
	type = le(b, 16, 2);
	machine = le(b, 18, 2);
	if ((type != ET_EXEC && type != ET_DYN) ||
	    machine != (is64 ? EM_NATIVE : EM_COMPAT) ||
	    le(b, is64 ? 54 : 42, 2) != entsz)
		return;
	phnum = le(b, is64 ? 56 : 44, 2);
	if (phnum == 0 || phnum * entsz > PH_MAX)
		return;
	h->kind = EXEHDR_ELF;
	h->entsz = (uint8_t)entsz;
	h->phoff = le(b, is64 ? 32 : 28, is64 ? 8 : 4);
	h->phlen = (uint32_t)(phnum * entsz);
	h->need_phdrs = 1;
	if (h->phoff <= n && h->phlen <= n - h->phoff)
		exehdr_phdrs(b + h->phoff, h->phlen, h);
}

void exehdr_phdrs(const uint8_t *ph, size_t n, struct exehdr *h)
{
	size_t i;
	uint64_t sz;

	h->need_phdrs = 0;
	if (h->kind != EXEHDR_ELF || n < h->phlen || h->entsz == 0) {
		h->kind = EXEHDR_NOEXEC;
		return;
	}
	for (i = 0; i + h->entsz <= h->phlen; i += h->entsz) {
		if (le(ph, i, 4) != PT_INTERP)
			continue;
		sz = h->entsz == 56 ? le(ph, i + 32, 8) : le(ph, i + 16, 4);
		if (sz < INTERP_MIN || sz > INTERP_MAX)
			h->kind = EXEHDR_NOEXEC;	/* the kernel refuses it */
		h->interp = 1;
		return;
	}
}

static int spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* load_script's #! line over the kernel's 256-byte buffer (NUL-padded). */
static void script(const uint8_t *b, size_t n, struct exehdr *h)
{
	char buf[EXEHDR_SCRIPT_BYTES];
	size_t end = sizeof(buf) - 1, cut, i, k;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, b, n < sizeof(buf) ? n : sizeof(buf));
	for (cut = 0; cut < sizeof(buf) && buf[cut] && buf[cut] != '\n'; cut++)
		;
	if (cut == sizeof(buf) || buf[cut] != '\n') {	/* no newline: strnchr */
		for (i = 2; i <= end && spacetab(buf[i]); i++)
			;
		if (i > end)
			return;				/* all spaces and tabs */
		for (k = i; k <= end && !spacetab(buf[k]) && buf[k]; k++)
			;
		if (k > end)
			return;				/* the name may be cut */
		cut = end;
	}
	buf[cut] = '\0';
	while (cut > 0 && spacetab(buf[cut - 1]))
		buf[--cut] = '\0';
	for (i = 2; spacetab(buf[i]); i++)
		;
	if (buf[i] == '\0')
		return;					/* no interpreter name */
	for (k = i; buf[k] && !spacetab(buf[k]); k++)
		;
	h->kind = EXEHDR_SCRIPT;
	h->interp = 1;
	h->name_off = (uint16_t)i;
	h->name_len = (uint16_t)(k - i);
}

void exehdr_parse(const uint8_t *b, size_t n, struct exehdr *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = EXEHDR_NOEXEC;
	if (n >= 4 && memcmp(b, "\177ELF", 4) == 0)
		elf(b, n, h);
	else if (n >= 2 && b[0] == '#' && b[1] == '!')
		script(b, n, h);
}
