/*
 * clock.h: the clocks the project reads, in nanoseconds.
 *
 * Monotonic for every stamp and deadline (guest_monotonic_ns, timers);
 * real time only for the host's CloudEvents `time`.
 */
#pragma once
#include <stdint.h>

uint64_t clock_mono_ns(void);
uint64_t clock_real_ns(void);
