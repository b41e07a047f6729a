/*
 * stats.h: the counters report (SIGUSR1 and exit): one line per cell,
 * one per cell with a policy, one for the hooks, then one for the
 * output, written to an fd (stderr).
 */
#pragma once
#include "host.h"

void stats_print(const struct host *h, int fd);
