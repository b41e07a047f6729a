/*
 * test_proc_exehdr.c: the exec format check (src/agent/proc/proc_exehdr.c)
 * on ELF headers built here and on this machine's own binaries, and on
 * #! lines the way binfmt_script reads them (a missing newline, a name
 * that may be cut, blanks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/proc/proc_exehdr.h"

/* A 64-bit x86-64 ELF header with phnum program headers at phoff; the
 * first PT_INTERP (when interp) of p_filesz isz. */
static size_t elf64(uint8_t *b, uint16_t type, uint16_t machine,
		    uint64_t phoff, uint16_t phnum, int interp, uint64_t isz)
{
	uint16_t entsz = 56;
	uint32_t pt;
	int i;

	memset(b, 0, 4096);
	memcpy(b, "\177ELF\2\1\1", 7);
	memcpy(b + 16, &type, 2);
	memcpy(b + 18, &machine, 2);
	memcpy(b + 32, &phoff, 8);
	memcpy(b + 54, &entsz, 2);
	memcpy(b + 56, &phnum, 2);
	for (i = 0; i < phnum && phoff + 56u * (unsigned)(i + 1) <= 4096; i++) {
		pt = i == 1 && interp ? 3 : 1;
		memcpy(b + phoff + 56u * (unsigned)i, &pt, 4);
		memcpy(b + phoff + 56u * (unsigned)i + 32, &isz, 8);
	}
	return 4096;
}

static void elf_headers(void **state)
{
	static uint8_t b[4096];
	struct exehdr h;

	(void)state;
	exehdr_parse(b, elf64(b, 3, 62, 64, 4, 1, 28), &h);
	assert_int_equal(h.kind, EXEHDR_ELF);
	assert_true(h.interp);
	assert_false(h.need_phdrs);
	exehdr_parse(b, elf64(b, 2, 62, 64, 4, 0, 0), &h);
	assert_int_equal(h.kind, EXEHDR_ELF);		/* static */
	assert_false(h.interp);
	exehdr_parse(b, elf64(b, 1, 62, 64, 4, 0, 0), &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* ET_REL */
	exehdr_parse(b, elf64(b, 3, 183, 64, 4, 0, 0), &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* another machine */
	exehdr_parse(b, elf64(b, 3, 62, 64, 0, 0, 0), &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* no program headers */
	exehdr_parse(b, elf64(b, 3, 62, 64, 4, 1, 1), &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* PT_INTERP too short */
	exehdr_parse(b, 40, &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* cut in the header */
	b[5] = 2;
	exehdr_parse(b, 4096, &h);
	assert_int_equal(h.kind, EXEHDR_NOEXEC);	/* big-endian */
}

static void phdrs_past_the_prefix(void **state)
{
	static uint8_t b[4096], ph[4 * 56];
	uint32_t pt = 3;
	uint64_t isz = 28;
	struct exehdr h;

	(void)state;
	elf64(b, 3, 62, 100000, 4, 0, 0);
	exehdr_parse(b, 4096, &h);
	assert_int_equal(h.kind, EXEHDR_ELF);
	assert_true(h.need_phdrs);
	assert_int_equal(h.phoff, 100000);
	assert_int_equal(h.phlen, 4 * 56);
	memset(ph, 0, sizeof(ph));
	memcpy(ph + 2 * 56, &pt, 4);
	memcpy(ph + 2 * 56 + 32, &isz, 8);
	exehdr_phdrs(ph, sizeof(ph), &h);
	assert_int_equal(h.kind, EXEHDR_ELF);
	assert_true(h.interp);
	exehdr_parse(b, 4096, &h);
	exehdr_phdrs(ph, 100, &h);			/* the file ends early */
	assert_int_equal(h.kind, EXEHDR_NOEXEC);
}

/* Parse a #! text; returns the kind, the name in *name. */
static int script(const char *s, size_t n, char *name)
{
	struct exehdr h;

	exehdr_parse((const uint8_t *)s, n, &h);
	name[0] = '\0';
	if (h.kind == EXEHDR_SCRIPT) {
		memcpy(name, s + h.name_off, h.name_len);
		name[h.name_len] = '\0';
	}
	return h.kind;
}

static void shebang_lines(void **state)
{
	static char line[400];
	char name[300];

	(void)state;
	assert_int_equal(script("#!/bin/sh\necho\n", 15, name), EXEHDR_SCRIPT);
	assert_string_equal(name, "/bin/sh");
	assert_int_equal(script("#! \t/usr/bin/env python3 -u\n", 28, name),
			 EXEHDR_SCRIPT);
	assert_string_equal(name, "/usr/bin/env");
	assert_int_equal(script("#!/bin/sh", 9, name), EXEHDR_SCRIPT);
	assert_string_equal(name, "/bin/sh");	/* short file: NUL padding */
	assert_int_equal(script("#!   \n", 6, name), EXEHDR_NOEXEC);
	assert_int_equal(script("#!", 2, name), EXEHDR_NOEXEC);
	assert_int_equal(script("#\n", 2, name), EXEHDR_NOEXEC);
	assert_int_equal(script("just text\n", 10, name), EXEHDR_NOEXEC);
	/* no newline in the first 256 bytes: the name must end before them */
	memset(line, 'a', sizeof(line));
	memcpy(line, "#!/x", 4);
	assert_int_equal(script(line, sizeof(line), name), EXEHDR_NOEXEC);
	line[100] = ' ';
	assert_int_equal(script(line, sizeof(line), name), EXEHDR_SCRIPT);
	assert_int_equal(strlen(name), 98);
}

/* This machine's /bin/true: an ELF that names its ld.so; ld.so does not. */
static void real_binaries(void **state)
{
	static uint8_t b[4096];
	struct exehdr h;
	int fd = open("/bin/true", O_RDONLY);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	n = read(fd, b, sizeof(b));
	close(fd);
	exehdr_parse(b, (size_t)n, &h);
	assert_int_equal(h.kind, EXEHDR_ELF);
	assert_true(h.interp);
	fd = open("/lib64/ld-linux-x86-64.so.2", O_RDONLY);
	if (fd < 0)
		return;				/* another machine */
	n = read(fd, b, sizeof(b));
	close(fd);
	exehdr_parse(b, (size_t)n, &h);
	assert_int_equal(h.kind, EXEHDR_ELF);
	assert_false(h.interp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elf_headers),
		cmocka_unit_test(phdrs_past_the_prefix),
		cmocka_unit_test(shebang_lines),
		cmocka_unit_test(real_binaries),
	};
	return cmocka_run_group_tests_name("proc_exehdr", tests, NULL, NULL);
}
