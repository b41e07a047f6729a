/*
 * sign.c: key files, line signing and verification (see sign.h), all
 * cryptography by libsodium: crypto_auth_hmacsha256, crypto_sign_detached
 * and crypto_sign_verify_detached, crypto_hash_sha256 for the key id.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "lib/caps.h"
#include "lib/sys.h"
#include "sign.h"

#define SIGMAX crypto_sign_BYTES	/* 64: the larger of the two */

int sign_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

const char *sign_algname(int alg)
{
	return alg == SIGN_HMAC ? "hmac-sha256" : alg == SIGN_ED25519 ?
		"ed25519" : "none";
}

/* Key id of the HMAC key or public key. */
static void make_kid(struct sign_key *k)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, k->alg == SIGN_HMAC ? k->hmac : k->pk, 32);
	sodium_bin2hex(k->kid, sizeof(k->kid), h, 8);
}

/* Set up k from an algorithm word and 32 key bytes. */
static int set_key(struct sign_key *k, const char *w, size_t wl,
		   const uint8_t b[32])
{
	memset(k, 0, sizeof(*k));
	if (wl == 11 && !memcmp(w, "hmac-sha256", 11)) {
		k->alg = SIGN_HMAC;
		memcpy(k->hmac, b, 32);
	} else if (wl == 7 && !memcmp(w, "ed25519", 7)) {
		k->alg = SIGN_ED25519;
		crypto_sign_seed_keypair(k->pk, k->sk, b);
	} else if (wl == 11 && !memcmp(w, "ed25519-pub", 11)) {
		k->alg = SIGN_ED25519;
		memcpy(k->pk, b, 32);
		make_kid(k);
		return 0;
	} else {
		return -1;
	}
	k->can_sign = 1;
	make_kid(k);
	return 0;
}

/* Parse one key line "ALG HEX64". */
static int parse_line(struct sign_key *k, const char *s, size_t n,
		      const char **why)
{
	const char *sp = memchr(s, ' ', n);
	uint8_t b[32];
	size_t bl;
	int rc;

	*why = "a key line is ALG HEX64";
	if (!sp)
		return -1;
	if (sodium_hex2bin(b, sizeof(b), sp + 1, n - (size_t)(sp + 1 - s),
			   NULL, &bl, NULL) != 0 || bl != 32)
		return -1;
	*why = "unknown key algorithm (hmac-sha256, ed25519, ed25519-pub)";
	rc = set_key(k, s, (size_t)(sp - s), b);
	sodium_memzero(b, sizeof(b));
	return rc;
}

int sign_parse(struct sign_key *k, const char *text, size_t n,
	       const char **why)
{
	const char *p = text, *end = text + n, *nl;
	size_t len;
	int found = 0;

	*why = "no key line";
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0 || p[0] == '#')
			continue;
		if (found++ || parse_line(k, p, len, why) < 0) {
			if (found > 1)
				*why = "more than one key line";
			return -1;
		}
	}
	return found ? 0 : -1;
}

int sign_load(struct sign_key *k, const char *path, const char **why)
{
	char buf[1024];
	ssize_t n = sys_read_file(path, buf, sizeof(buf));
	int rc;

	if (n < 0) {
		*why = strerror(errno);
		return -1;
	}
	if ((size_t)n == sizeof(buf)) {
		*why = "key file too long";
		return -1;
	}
	rc = sign_parse(k, buf, (size_t)n, why);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* The raw signature of msg; returns its length. */
static size_t raw_sign(const struct sign_key *k, const char *msg, size_t n,
		       uint8_t sig[SIGMAX])
{
	if (k->alg == SIGN_HMAC) {
		crypto_auth_hmacsha256(sig, (const uint8_t *)msg, n, k->hmac);
		return crypto_auth_hmacsha256_BYTES;
	}
	crypto_sign_detached(sig, NULL, (const uint8_t *)msg, n, k->sk);
	return crypto_sign_BYTES;
}

/* Write the suffix for signature sig into out; returns its length. */
static size_t suffix(const struct sign_key *k, const uint8_t *sig,
		     size_t sl, char *out)
{
	char b64[sodium_base64_ENCODED_LEN(SIGMAX,
					   sodium_base64_VARIANT_ORIGINAL)];
	size_t n;

	sodium_bin2base64(b64, sizeof(b64), sig, sl,
			  sodium_base64_VARIANT_ORIGINAL);
	n = (size_t)snprintf(out, SIGN_SUFFIX_MAX,
		",\"cellossigalg\":\"%s\",\"cellossigkid\":\"%s\","
		"\"cellossig\":\"%s\"}", sign_algname(k->alg), k->kid, b64);
	return n;
}

size_t sign_line(const struct sign_key *k, char *line, size_t n, size_t cap)
{
	uint8_t sig[SIGMAX];
	char suf[SIGN_SUFFIX_MAX];
	size_t sl, m;

	if (!k->can_sign || n == 0 || line[n - 1] != '}')
		return 0;
	sl = raw_sign(k, line, n, sig);
	m = suffix(k, sig, sl, suf);
	if (n - 1 + m > cap)
		return 0;
	memcpy(line + n - 1, suf, m);
	return n - 1 + m;
}

/* Check sig over msg. */
static int raw_verify(const struct sign_key *k, const char *msg, size_t n,
		      const uint8_t *sig, size_t sl)
{
	if (k->alg == SIGN_HMAC)
		return sl == crypto_auth_hmacsha256_BYTES &&
			crypto_auth_hmacsha256_verify(sig, (const uint8_t *)msg,
						      n, k->hmac) == 0 ? 0 : -1;
	return sl == crypto_sign_BYTES &&
		crypto_sign_verify_detached(sig, (const uint8_t *)msg, n,
					    k->pk) == 0 ? 0 : -1;
}

int sign_verify(const struct sign_key *k, const char *line, size_t n)
{
	static char msg[HOST_LINE_MAX];
	static const char tag[] = ",\"cellossigalg\":\"";
	uint8_t sig[SIGMAX];
	char want[SIGN_SUFFIX_MAX];
	const char *p = NULL, *q;
	size_t sl, wl, b64len;

	for (q = line; (q = memmem(q, n - (size_t)(q - line), tag,
				   sizeof(tag) - 1)) != NULL; q++)
		p = q;
	if (!p || (size_t)(p - line) + 1 > sizeof(msg))
		return -1;
	/* the signature text: between the last '"cellossig":"' and '"}' */
	q = memmem(p, n - (size_t)(p - line), "\"cellossig\":\"", 13);
	if (!q || n < 2 || memcmp(line + n - 2, "\"}", 2) != 0 ||
	    q + 13 > line + n - 2)
		return -1;
	b64len = (size_t)(line + n - 2 - (q + 13));
	if (sodium_base642bin(sig, sizeof(sig), q + 13, b64len, NULL, &sl,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	/* the suffix must be exactly the one this key writes */
	wl = suffix(k, sig, sl, want);
	if (wl != (size_t)(line + n - p) || memcmp(want, p, wl) != 0)
		return -1;
	memcpy(msg, line, (size_t)(p - line));
	msg[p - line] = '}';
	return raw_verify(k, msg, (size_t)(p - line) + 1, sig, sl);
}
