/*
 * clock.c: clock_gettime wrappers and timespec conversions.  None of
 * these clock ids can fail on Linux, so there is no error path.
 */
#include "clock.h"

uint64_t clock_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

struct timespec clock_ns_ts(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / NS_PER_SEC),
			       (long)(ns % NS_PER_SEC) };

	return ts;
}

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return clock_ts_ns(&ts);
}

uint64_t clock_mono_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

uint64_t clock_real_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}

uint64_t clock_boot_offset_ns(void)
{
	uint64_t mono = read_clock(CLOCK_MONOTONIC);

	/* boot time read second is never below it: no wrap-around */
	return read_clock(CLOCK_BOOTTIME) - mono;
}

uint64_t clock_cpu_ns(void)
{
	return read_clock(CLOCK_PROCESS_CPUTIME_ID);
}
