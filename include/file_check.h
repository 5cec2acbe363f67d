/* The files: checks of a service: error markers that must not exist, heartbeat files that
 * must keep changing. */
#ifndef OH_FILE_CHECK_H
#define OH_FILE_CHECK_H

#include <stdint.h>
#include <time.h>

#include "config.h"

/* ohFileStatus */
enum file_status {
	FILE_OK = 1,
	FILE_MISSING = 2,
	FILE_PRESENT = 3,
	FILE_STALE = 4,
	FILE_ERROR = 5,
};

struct file_result {
	enum file_status status;
	uint32_t age_s;           /* since the last modification; 0 when it does not exist */
	char reason[200];         /* "" when ok */
};

/* STATUS as ohFileStatus spells it. */
const char *file_status_name(enum file_status status);

/* Checks FILE at wall-clock time NOW. */
void file_check(const struct file_config *file, const struct timespec *now,
		struct file_result *out);

#endif
