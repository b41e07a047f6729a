/*
 * libcbor_dec.c: decode frames with libcbor, an independent decoder.
 *
 * For every "HEXFRAME[<TAB>...]" line on stdin, checks the length prefix,
 * decodes the body with libcbor and prints its ordered [key, value] pairs
 * as JSON (maps as lists of pairs), or "ERROR <why>".  Anything outside
 * definite maps, unsigned ints and definite text is reported as an error.
 */
#include <stdio.h>
#include <string.h>
#include <cbor.h>

static void json_str(const unsigned char *s, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20)
			printf("\\u%04x", s[i]);
		else
			putchar(s[i]);
	}
	putchar('"');
}

/* Print one item; returns -1 for a type outside the wire's subset. */
static int item(cbor_item_t *it)
{
	struct cbor_pair *p;
	size_t i, n;

	if (cbor_isa_uint(it)) {
		printf("%llu", (unsigned long long)cbor_get_int(it));
		return 0;
	}
	if (cbor_isa_string(it) && cbor_string_is_definite(it)) {
		json_str(cbor_string_handle(it), cbor_string_length(it));
		return 0;
	}
	if (!cbor_isa_map(it) || !cbor_map_is_definite(it))
		return -1;
	p = cbor_map_handle(it);
	n = cbor_map_size(it);
	putchar('[');
	for (i = 0; i < n; i++) {
		printf(i ? ", [" : "[");
		if (item(p[i].key) < 0)
			return -1;
		printf(", ");
		if (item(p[i].value) < 0)
			return -1;
		putchar(']');
	}
	putchar(']');
	return 0;
}

int main(void)
{
	static char line[20000];
	static unsigned char buf[10000];
	struct cbor_load_result res;
	cbor_item_t *it;
	size_t n, i, len;
	unsigned b;

	while (fgets(line, sizeof(line), stdin)) {
		n = strcspn(line, "\t\n") / 2;
		for (i = 0; i < n && i < sizeof(buf); i++) {
			sscanf(line + 2 * i, "%2x", &b);
			buf[i] = (unsigned char)b;
		}
		len = n < 4 ? 0 : buf[0] | buf[1] << 8 | (size_t)buf[2] << 16 |
			(size_t)buf[3] << 24;
		if (n < 4 || len != n - 4) {
			puts("ERROR length prefix");
			continue;
		}
		it = cbor_load(buf + 4, len, &res);
		if (!it || res.error.code != CBOR_ERR_NONE || res.read != len) {
			puts("ERROR libcbor did not take the whole body");
		} else if (item(it) < 0) {
			puts("\nERROR type outside the subset");
		} else {
			putchar('\n');
		}
		if (it)
			cbor_decref(&it);
	}
	return 0;
}
