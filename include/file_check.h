/* The files: checks of a service: error markers that must not exist, heartbeat files that
 * must keep changing. */
#ifndef OH_FILE_CHECK_H
#define OH_FILE_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct file_result {
	enum file_status status;
	bool age_known;           /* the file exists and could be examined */
	uint32_t age_s;           /* since the last modification */
	char reason[200];         /* "" when ok */
};

/* Checks FILE at wall-clock time NOW. */
void file_check(const struct file_config *file, const struct timespec *now,
		struct file_result *out);

#endif
