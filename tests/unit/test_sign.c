/*
 * test_sign.c: key files, signing and verifying lines (src/host/sign.c):
 * both algorithms round-trip, a changed byte anywhere fails, another key
 * fails, a public key verifies, an unsigned line fails, key ids are
 * stable, and bad key files are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/sign.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const char line[] = "{\"specversion\":\"1.0\",\"data\":{\"x\":\"y\"}}";

static void load(struct sign_key *k, const char *text)
{
	const char *why;

	assert_int_equal(sign_parse(k, text, strlen(text), &why), 0);
}

/* Sign, verify, then flip each byte and check every flip fails. */
static void round_trip(const struct sign_key *k, const struct sign_key *other)
{
	char buf[1024];
	size_t n = strlen(line), m, i;

	memcpy(buf, line, n);
	m = sign_line(k, buf, n, sizeof(buf));
	assert_true(m > n);
	assert_int_equal(sign_verify(k, buf, m), 0);
	assert_int_equal(sign_verify(other, buf, m), -1);
	for (i = 0; i < m; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(sign_verify(k, buf, m), -1);
		buf[i] ^= 0x01;
	}
	assert_int_equal(sign_verify(k, buf, m - 1), -1);
	assert_int_equal(sign_verify(k, line, n), -1);	/* unsigned */
}

static void hmac(void **state)
{
	struct sign_key a, b;

	(void)state;
	load(&a, "# a comment\n\nhmac-sha256 " HEX_A "\n");
	load(&b, "hmac-sha256 " HEX_B);
	assert_int_equal(a.alg, SIGN_HMAC);
	assert_int_equal(strlen(a.kid), 16);
	assert_string_not_equal(a.kid, b.kid);
	round_trip(&a, &b);
}

static void ed25519(void **state)
{
	struct sign_key a, b, pub;
	char text[128], hex[65];
	char buf[1024];
	size_t n = strlen(line), m;
	static const char d[] = "0123456789abcdef";
	int i;

	(void)state;
	load(&a, "ed25519 " HEX_A);
	load(&b, "ed25519 " HEX_B);
	round_trip(&a, &b);
	/* the public half verifies but cannot sign */
	for (i = 0; i < 32; i++) {
		hex[2 * i] = d[a.pk[i] >> 4];
		hex[2 * i + 1] = d[a.pk[i] & 15];
	}
	hex[64] = 0;
	snprintf(text, sizeof(text), "ed25519-pub %s\n", hex);
	load(&pub, text);
	assert_false(pub.can_sign);
	assert_string_equal(pub.kid, a.kid);
	memcpy(buf, line, n);
	m = sign_line(&a, buf, n, sizeof(buf));
	assert_int_equal(sign_verify(&pub, buf, m), 0);
	assert_int_equal(sign_line(&pub, buf, n, sizeof(buf)), 0);
}

static void fits_or_refuses(void **state)
{
	struct sign_key a;
	char buf[64];

	(void)state;
	load(&a, "ed25519 " HEX_A);
	memcpy(buf, line, strlen(line));
	assert_int_equal(sign_line(&a, buf, strlen(line), sizeof(buf)), 0);
}

static void bad_files(void **state)
{
	static const char *const bad[] = {
		"", "# only a comment\n", "hmac-sha256\n",
		"hmac-sha256 00\n", "rsa " HEX_A "\n",
		"hmac-sha256 " HEX_A "\nhmac-sha256 " HEX_A "\n",
		"hmac-sha256 " HEX_A "zz\n",
	};
	struct sign_key k;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sign_parse(&k, bad[i], strlen(bad[i]), &why), -1);
}

static int init(void **state)
{
	(void)state;
	return sign_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hmac),
		cmocka_unit_test(ed25519),
		cmocka_unit_test(fits_or_refuses),
		cmocka_unit_test(bad_files),
	};
	return cmocka_run_group_tests(tests, init, NULL);
}
