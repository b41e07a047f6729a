/*
 * units.h: the time units every deadline, cadence and stamp is converted
 * with, so no bare 1000000 stands in the code.  All times are ns in
 * uint64_t; settings are given in ms.
 */
#pragma once

#define NS_PER_US	1000ull
#define NS_PER_MS	1000000ull
#define NS_PER_SEC	1000000000ull
