/* Fuzzes the /proc/PID/limits parser with what fd_usage_read can hand it: at most 4095
 * bytes, NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_fd.h"

/* libFuzzer: -max_len=4096 (the agent reads limits into 4 KiB) */
#define LIMITS_READ_MAX 4095

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < LIMITS_READ_MAX ? size : LIMITS_READ_MAX;
	/* Exactly the bytes read and their NUL: AddressSanitizer sees a read past them. */
	char *text = malloc(len + 1);
	uint32_t soft, hard;

	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	fd_limits_parse(text, &soft, &hard);
	free(text);
	return 0;
}
