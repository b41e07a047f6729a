/*
 * checks.h: assertions several unit tests share: a text key of an event,
 * and the JSON a json_buf holds.  Header-only (each unit test is one .c
 * file); include after cmocka.h.
 */
#pragma once
#include <string.h>
#include "wire/event.h"

/* ev carries text key `key` and it is exactly want. */
static inline void assert_text(const struct event *ev, int key,
			       const char *want)
{
	size_t n;
	const char *s = event_text(ev, key, &n);

	assert_true(ev->has & EVK_BIT(key));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
}

/* The json_buf jb holds exactly want, with no error. */
#define assert_json(jb, want) do {				\
	assert_false((jb)->err);				\
	assert_int_equal((jb)->len, strlen(want));		\
	assert_memory_equal((jb)->p, (want), (jb)->len);	\
} while (0)
