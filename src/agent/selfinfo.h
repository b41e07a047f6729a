/*
 * selfinfo.h: what the agent reads about itself and its kernel: identity
 * for hello (pid, comm, boot_id, kernel) once at start-up, and the RSS
 * each heartbeat reports (its CPU time is lib/clock's clock_cpu_ns).
 * Fixed buffers, no allocation.
 */
#pragma once
#include <stdint.h>
#include "agentframes.h"

/* Fill id; a part that cannot be read stays empty (and is logged). */
void self_ident(struct af_ident *id);
/* Resident set size in KiB from /proc/self/statm; 0 if unreadable. */
uint64_t self_rss_kb(void);
