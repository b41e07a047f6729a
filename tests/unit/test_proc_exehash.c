/*
 * test_proc_exehash.c: whole-file SHA-256 with BearSSL
 * (src/agent/proc/proc_exehash.c) against the FIPS 180-4 examples (via
 * files that hold their messages) and a file that is exactly a multiple
 * of the read size, and the hex form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>
#include "agent/proc/proc_exehash.h"
#include "lib/caps.h"

/* The hex SHA-256 of n bytes of s (repeated `times`), through a file. */
static void hash_of(const char *s, size_t n, long times, char *hex)
{
	uint8_t h[EXEHASH_LEN];
	int fd = memfd_create("t", MFD_CLOEXEC);
	long i;

	assert_true(fd >= 0);
	for (i = 0; i < times; i++)
		assert_int_equal(write(fd, s, n), (ssize_t)n);
	assert_int_equal(exehash_fd(fd, n * (uint64_t)times, h), 0);
	assert_int_equal(exehash_fd(fd, n * (uint64_t)times + 1, h), -1);
	if (n * times > 0)
		assert_int_equal(exehash_fd(fd, n * (uint64_t)times - 1, h), -1);
	close(fd);
	exehash_hex(h, hex);
	hex[2 * EXEHASH_LEN] = '\0';
}

static void fips_180_4(void **state)
{
	static char a[1000];
	char hex[2 * EXEHASH_LEN + 1];

	(void)state;
	hash_of("abc", 3, 1, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	hash_of("", 0, 1, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
	hash_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		56, 1, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
			    "a33ce45964ff2167f6ecedd419db06c1");
	memset(a, 'a', sizeof(a));
	hash_of(a, sizeof(a), 1000, hex);		/* a million 'a' */
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			    "f1809a48a497200e046d39ccc7112cd0");
}

static void read_size_multiple(void **state)
{
	static char z[PROC_HASH_CHUNK];
	char hex[2 * EXEHASH_LEN + 1];

	(void)state;
	/* two whole reads of zeros: sha256sum of 32 KiB of NUL bytes */
	hash_of(z, sizeof(z), 2, hex);
	assert_string_equal(hex, "c35020473aed1b4642cd726cad727b63"
			    "fff2824ad68cedd7ffb73c7cbd890479");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_180_4),
		cmocka_unit_test(read_size_multiple),
	};
	return cmocka_run_group_tests_name("proc_exehash", tests, NULL, NULL);
}
