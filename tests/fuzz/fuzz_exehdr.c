/*
 * fuzz_exehdr.c: libFuzzer target on the exec format check
 * (src/agent/proc/proc_exehdr.c), which reads the first bytes of any file
 * a process execs: whatever a guest wrote there.
 *
 * The input is a whole file: its first 4096 bytes are parsed, and when
 * the parser asks for program headers further on, they are read from
 * the input at the offset it names, as the agent reads the file.  No
 * read outside the input; a script's name lies inside its first 256
 * bytes, has no blank or NUL, and follows "#!".
 */
#include <stdlib.h>
#include <string.h>
#include "agent/proc/proc_exehdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exehdr h;
	size_t n = size < 4096 ? size : 4096, i;

	exehdr_parse(data, n, &h);
	if (h.need_phdrs) {
		if (h.phlen > 4096)
			abort();
		if (h.phoff < size)
			exehdr_phdrs(data + h.phoff, size - h.phoff < h.phlen ?
				     size - h.phoff : h.phlen, &h);
		else
			exehdr_phdrs(data, 0, &h);
		if (h.need_phdrs)
			abort();
	}
	if (h.kind == EXEHDR_SCRIPT) {
		if (size < 2 || data[0] != '#' || data[1] != '!' ||
		    h.name_len == 0 || h.name_off < 2 ||
		    h.name_off + h.name_len > EXEHDR_SCRIPT_BYTES - 1 ||
		    h.name_off + h.name_len > size)
			abort();
		for (i = h.name_off; i < h.name_off + h.name_len; i++)
			if (data[i] == ' ' || data[i] == '\t' || data[i] == 0 ||
			    data[i] == '\n')
				abort();
	}
	return 0;
}
