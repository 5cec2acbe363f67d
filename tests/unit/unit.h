/* A minimal unit-test harness: CHECK records a failure and goes on; each TEST prints
 * "ok NAME" or "FAIL NAME" for tests/run-all to count. */
#ifndef OH_UNIT_H
#define OH_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures, unit_case_failed, unit_any_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);  \
			unit_case_failed = 1;                                            \
		}                                                                        \
	} while (0)

#define CHECK_STR(got, want)                                                             \
	do {                                                                             \
		const char *g_ = (got), *w_ = (want);                                    \
		if (strcmp(g_, w_) != 0) {                                               \
			printf("    %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_, \
			       w_);                                                      \
			unit_case_failed = 1;                                            \
		}                                                                        \
	} while (0)

#define TEST(fn)                                                                         \
	do {                                                                             \
		unit_case_failed = 0;                                                    \
		fn();                                                                    \
		printf("%s %s\n", unit_case_failed ? "FAIL" : "ok  ", #fn);              \
		unit_failures += unit_case_failed;                                       \
		unit_any_failed |= unit_case_failed;                                     \
	} while (0)

#define UNIT_EXIT() return unit_any_failed ? 1 : 0

#endif
