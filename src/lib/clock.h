/*
 * clock.h: the clocks the project reads, in nanoseconds.
 *
 * Monotonic for every stamp and deadline (guest_monotonic_ns, timers);
 * real time only for the host's CloudEvents `time` and the audit
 * records' wall-clock stamps; boot time for /proc start times.
 */
#pragma once
#include <stdint.h>
#include <time.h>
#include "units.h"

uint64_t clock_mono_ns(void);
uint64_t clock_real_ns(void);
/* CLOCK_BOOTTIME - CLOCK_MONOTONIC: the time the machine was suspended,
 * which /proc's start times (counted from boot) include. */
uint64_t clock_boot_offset_ns(void);
/* CPU time this process has used (CLOCK_PROCESS_CPUTIME_ID). */
uint64_t clock_cpu_ns(void);

/* A timespec as ns, and back (for timerfd deadlines). */
uint64_t clock_ts_ns(const struct timespec *ts);
struct timespec clock_ns_ts(uint64_t ns);
