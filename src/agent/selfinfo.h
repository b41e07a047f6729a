/*
 * selfinfo.h: what the agent reads about itself and its kernel: identity
 * for hello (pid, comm, boot_id, kernel) once at start-up, and the RSS
 * and CPU time each heartbeat reports.  Fixed buffers, no allocation.
 */
#pragma once
#include <stdint.h>
#include "agentframes.h"

/* Fill id; a part that cannot be read stays empty (and is logged). */
void self_ident(struct af_ident *id);
/* Resident set size in KiB from /proc/self/statm; 0 if unreadable. */
uint64_t self_rss_kb(void);
/* CPU time the agent has used (CLOCK_PROCESS_CPUTIME_ID), in ns. */
uint64_t self_cpu_ns(void);
