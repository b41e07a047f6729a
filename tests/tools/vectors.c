/*
 * vectors.c: check the files of tests/vectors against our codec, as TAP.
 *
 *   good.txt      NAME hex: decodes, and re-encodes to the same bytes
 *   bad.txt       ERROR NAME hex: frame_decode gives exactly ERROR
 *   rfc8949.txt   hex "= diag": one item of our subset decodes to diag;
 *                 hex "! ERROR": the item is refused with ERROR
 *
 * Usage: vectors DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/cbor.h"
#include "wire/frame.h"

static int ntest;
static int nfail;

static void tap(int ok, const char *what, const char *name, const char *why)
{
	ntest++;
	nfail += !ok;
	printf("%sok %d - %s %s%s%s\n", ok ? "" : "not ", ntest, what, name,
	       ok ? "" : ": ", ok ? "" : why);
}

/* Hex text to bytes; returns the length or -1. */
static long unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h), i;
	unsigned b;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (long)(n / 2);
}

/* Split a line at tabs into at most 3 fields; returns the field count. */
static int fields(char *line, char *f[3])
{
	int n = 0;
	char *t;

	line[strcspn(line, "\n")] = 0;
	if (line[0] == '#' || line[0] == 0)
		return 0;
	while (n < 3 && (t = strsep(&line, "\t")) != NULL)
		f[n++] = t;
	return line ? -1 : n;
}

static void check_good(char *f[3])
{
	static uint8_t in[70000], out[WIRE_MAX_FRAME];
	struct event ev;
	size_t used = 0;
	long n = unhex(f[1], in, sizeof(in));
	int rc = n < 0 ? -99 : frame_decode(in, (size_t)n, &ev, &used, 0);
	int prof, m;

	if (rc < 0) {
		tap(0, "good", f[0], wire_errname(rc));
		return;
	}
	prof = ev.version == WIRE_V10 ? WIRE_STRICT : WIRE_EXTENDED;
	m = frame_encode(&ev, prof, out, sizeof(out));
	tap(used == (size_t)n && m == n && memcmp(in, out, (size_t)n) == 0,
	    "good", f[0], "re-encoding differs");
}

static void check_bad(char *f[3])
{
	static uint8_t in[70000];
	struct event ev;
	size_t used;
	long n = unhex(f[2], in, sizeof(in));
	int want = wire_errbyname(f[0]);
	int rc = n < 0 ? -99 : frame_decode(in, (size_t)n, &ev, &used, 0);
	char why[96];

	snprintf(why, sizeof(why), "got %s, want %s", rc ? wire_errname(rc) :
		 "success", f[0]);
	tap(want != 0 && rc == want, "bad", f[1], why);
}

/* Append one text item as RFC diagnostic notation (\u escapes). */
static void diag_text(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = strlen(out);
	unsigned c, k;
	const uint8_t *u = (const uint8_t *)s;

	o += (size_t)snprintf(out + o, cap - o, "\"");
	for (i = 0; i < n && o < cap - 16; i += k) {
		c = u[i], k = 1;
		if (c >= 0xf0)
			c &= 7, k = 4;
		else if (c >= 0xe0)
			c &= 15, k = 3;
		else if (c >= 0xc0)
			c &= 31, k = 2;
		for (unsigned j = 1; j < k; j++)
			c = c << 6 | (u[i + j] & 63);
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else if (c >= 0x10000)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x\\u%04x",
				0xd800 + ((c - 0x10000) >> 10),
				0xdc00 + ((c - 0x10000) & 0x3ff));
		else if (c >= 0x80 || c < 0x20)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		else
			out[o++] = (char)c, out[o] = 0;
	}
	snprintf(out + o, cap - o, "\"");
}

/* Decode one item into diagnostic notation; returns 0 or a wire error. */
static int diag(struct cbor_dec *d, char *out, size_t cap)
{
	const char *s;
	size_t n, o;
	uint64_t v, i;
	int rc, major = cbor_peek_major(d);

	if (major < 0)
		return major;
	o = strlen(out);
	if (major == CBOR_UINT) {
		rc = cbor_get_uint(d, &v);
		snprintf(out + o, cap - o, "%llu", (unsigned long long)v);
		return rc;
	}
	if (major == CBOR_TEXT) {
		if ((rc = cbor_get_text(d, &s, &n)) == 0)
			diag_text(s, n, out, cap);
		return rc;
	}
	if ((rc = cbor_get_map(d, &v)) < 0)
		return rc;
	strncat(out, "{", cap - o - 1);
	for (i = 0; i < v && rc == 0; i++) {
		if (i)
			strncat(out, ", ", cap - strlen(out) - 1);
		rc = diag(d, out, cap);
		strncat(out, ": ", cap - strlen(out) - 1);
		if (rc == 0)
			rc = diag(d, out, cap);
	}
	strncat(out, "}", cap - strlen(out) - 1);
	return rc;
}

static void check_rfc(char *f[3])
{
	static uint8_t in[4096];
	struct cbor_dec d;
	char got[512] = "", why[700];
	long n = unhex(f[0], in, sizeof(in));
	int rc;

	cbor_dec_init(&d, in, n < 0 ? 0 : (size_t)n);
	rc = diag(&d, got, sizeof(got));
	if (rc == 0 && d.pos != (size_t)n)
		rc = WIRE_E_TRAILING_BYTES;
	if (f[1][0] == '=') {
		snprintf(why, sizeof(why), "got %s", rc ? wire_errname(rc) : got);
		tap(rc == 0 && strcmp(got, f[1] + 2) == 0, "rfc8949", f[0], why);
	} else {
		snprintf(why, sizeof(why), "got %s", rc ? wire_errname(rc) : got);
		tap(rc == wire_errbyname(f[1] + 2), "rfc8949", f[0], why);
	}
}

/* Run `fn` on every data line of DIR/NAME that has `nf` fields. */
static void each(const char *dir, const char *name, int nf,
		 void (*fn)(char *f[3]))
{
	static char line[140000];
	char path[4096], *f[3];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "r");
	if (!fp) {
		tap(0, "open", path, "cannot read");
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		int k = fields(line, f);

		if (k == nf)
			fn(f);
		else if (k)
			tap(0, "parse", name, "bad line");
	}
	fclose(fp);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vectors DIR\n");
		return 2;
	}
	each(argv[1], "good.txt", 2, check_good);
	each(argv[1], "bad.txt", 3, check_bad);
	each(argv[1], "rfc8949.txt", 2, check_rfc);
	printf("1..%d\n", ntest);
	return nfail != 0;
}
