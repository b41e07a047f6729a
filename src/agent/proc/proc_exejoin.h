/*
 * proc_exejoin.h: the files each exec opened (fanotify FAN_OPEN_EXEC),
 * grouped into one chain per exec attempt and joined with the proc
 * connector's exec event of the same process.  Pure: records in, chains
 * out; no fds, no clock of its own.
 *
 * One exec opens its file, then, as the kernel decides from that file's
 * bytes (proc_exehdr.h), an ELF's interpreter (PT_INTERP, e.g. ld.so) or
 * a script's #! interpreter, whose own interpreter follows in turn.  So
 * a file that does not complete the newest chain of its pid starts the
 * next exec's chain, without guessing.  All of one exec's opens are
 * queued before the connector sends its exec event, so chains of a pid
 * come in the order of its execs; a chain no exec claims (ENOEXEC, a
 * missing interpreter, E2BIG after the open) is dropped, counted as
 * failed: when the pid's process exits after it was read, when it was
 * read before the claiming process was forked (the pid was reused), when
 * it is older than PROC_PEND_NS of connector time, or when the table is
 * full.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "proc_exehdr.h"
#include "proc_exehash.h"

/* One file of an exec, as the fanotify reader learned it. */
struct exejoin_in {
	uint32_t pid;
	uint64_t seen_ns;	/* monotonic time the read that brought it returned */
	struct exehdr h;	/* its format */
	uint64_t dev, ino;
	int deleted;
	const char *path;	/* where the kernel found it (readlink of the fd) */
	size_t path_len;
	const uint8_t *sha;	/* NULL: not hashed */
	int hash_skipped;
	const char *name;	/* a script: its #! interpreter name */
	size_t name_len;
	int not_interp;		/* the reader found it is not the interpreter
				 * exejoin_wants named (it resolves elsewhere) */
};

struct exejoin_file {
	uint16_t len;
	uint8_t cut;		/* the path was longer than PROC_PEND_PATH */
	uint8_t deleted;
	uint8_t has_sha, hash_skipped;
	char path[PROC_PEND_PATH];
	uint8_t sha[EXEHASH_LEN];
};

enum exejoin_state {
	EJ_FREE, EJ_WANT_ELF, EJ_WANT_ANY, EJ_DONE, EJ_FAILED
};

struct exejoin_chain {
	uint32_t pid;
	uint8_t state;		/* enum exejoin_state */
	uint8_t depth;		/* scripts in the chain (the kernel allows 4 more) */
	uint8_t nfiles;
	uint8_t doubt;		/* it starts with a file seen as an ELF
				 * interpreter: the exec'd file may be one
				 * fanotify could not see (a memfd) */
	uint64_t seq;		/* arrival order */
	uint64_t seen_ns;	/* of its first file */
	uint64_t img_dev, img_ino;	/* the ELF the process runs (/proc/PID/exe) */
	uint16_t want_len;	/* WANT_ANY: the #! name it waits for */
	char want[EXEHDR_SCRIPT_BYTES];
	struct exejoin_file exe;	/* the file exec'd */
	struct exejoin_file interp;	/* its interpreter (nfiles > 1) */
};

struct exejoin {
	struct exejoin_chain c[PROC_PEND_MAX];
	uint64_t interp_id[PROC_INTERP_IDS][2];	/* (dev, ino) of ELF interpreters seen */
	unsigned interp_next;
	uint64_t seq;
	uint64_t failed;	/* chains dropped unclaimed */
};

void exejoin_init(struct exejoin *j);
/* Free slots: a fanotify read of this many records cannot overflow. */
size_t exejoin_room(const struct exejoin *j);
/* The #! interpreter name the newest chain of pid waits for (*len
 * bytes), or NULL: the reader may check a file against it. */
const char *exejoin_wants(const struct exejoin *j, uint32_t pid, size_t *len);
/* One more opened file. */
void exejoin_file(struct exejoin *j, const struct exejoin_in *f);
/* Is the chain take would give complete?  (If not, read fanotify first.) */
int exejoin_ready(const struct exejoin *j, uint32_t pid);
/* The chain of pid's exec, removed from the table (valid until the next
 * exejoin_file): stale and failed chains in front of it are dropped.
 * start_ns: the fork time of the process that has pid now (0: unknown).
 * NULL when there is none. */
const struct exejoin_chain *exejoin_take(struct exejoin *j, uint32_t pid,
					 uint64_t start_ns);
/* Another chain of pid that has not failed waits (it exec'd again)? */
int exejoin_more(const struct exejoin *j, uint32_t pid);
/* pid's process exited at exit_ns: its unclaimed chains go. */
void exejoin_exit(struct exejoin *j, uint32_t pid, uint64_t exit_ns);
/* Drop every chain read before before_ns. */
void exejoin_expire(struct exejoin *j, uint64_t before_ns);
