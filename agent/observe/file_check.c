/* The files: checks of a service: error markers that must not exist, heartbeat files that
 * must keep changing. */
#include "file_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_values.h"

void file_check(const struct file_config *file, const struct timespec *now,
		struct file_result *out)
{
	struct stat st;
	int64_t age_ms;

	memset(out, 0, sizeof(*out));
	if (stat(file->path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			out->status = FILE_ERROR;
			snprintf(out->reason, sizeof(out->reason), "file %s: %s", file->path,
				 strerror(errno));
		} else if (file->absent) {
			out->status = FILE_OK;
		} else {
			out->status = FILE_MISSING;
			snprintf(out->reason, sizeof(out->reason), "file %s is missing", file->path);
		}
		return;
	}
	age_ms = (int64_t)(now->tv_sec - st.st_mtim.tv_sec) * 1000 +
		 (now->tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	if (age_ms < 0)
		age_ms = 0; /* modified "in the future": clock steps happen */
	out->age_known = true;
	out->age_s = age_ms / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(age_ms / 1000);
	if (file->absent) {
		out->status = FILE_PRESENT;
		snprintf(out->reason, sizeof(out->reason), "error marker %s exists (%" PRIu32 " s old)",
			 file->path, out->age_s);
	} else if (file->max_age_ms > 0 && (uint64_t)age_ms > file->max_age_ms) {
		char max_age[32];

		format_duration(file->max_age_ms, max_age, sizeof(max_age));
		out->status = FILE_STALE;
		snprintf(out->reason, sizeof(out->reason), "file %s not modified for %" PRIu32
			 " s (max_age %s)", file->path, out->age_s, max_age);
	} else {
		out->status = FILE_OK;
	}
}
