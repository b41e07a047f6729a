/*
 * fs_event.c: the file keys of fs_event.h.
 */
#include <string.h>
#include <sys/inotify.h>
#include "fs_event.h"
#include "lib/nitems.h"

/* In bit order: the names --watch-mask takes. */
static const char *const op_name[] = {
	"access", "modify", "attrib", "close_write", "close_nowrite", "open",
	"moved_from", "moved_to", "create", "delete", "delete_self",
	"move_self",
};

size_t fs_op_names(uint32_t mask, char *out, size_t cap)
{
	size_t n = 0, k, i;

	if (cap == 0)
		return 0;
	for (i = 0; i < nitems(op_name); i++) {
		if (!(mask & (1u << i)))
			continue;
		k = strlen(op_name[i]);
		if (n + (n > 0) + k >= cap)
			break;
		if (n > 0)
			out[n++] = ',';
		memcpy(out + n, op_name[i], k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

void fs_event_file(struct event *ev, const char *path, size_t path_len,
		   const char *name, size_t name_len, uint32_t mask)
{
	char op[WIRE_OP_MAX];

	event_set_bytes(ev, EVK_PATH, path, path_len);
	if (name_len)
		event_set_bytes(ev, EVK_NAME, name, name_len);
	event_set_uint(ev, EVK_MASK, mask);
	event_set_text(ev, EVK_OP, op, fs_op_names(mask, op, sizeof(op)));
}
