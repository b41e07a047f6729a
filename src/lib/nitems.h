/*
 * nitems.h: the number of elements of an array (OpenBSD's nitems()).
 *
 * Only for true arrays: a pointer gives a wrong answer, so keep it to
 * tables defined in the same file.
 */
#pragma once

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
