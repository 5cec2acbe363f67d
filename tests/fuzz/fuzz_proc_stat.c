/* Fuzzes the /proc/PID/stat parser with what proc_read_small can hand it: at most 1023
 * bytes, NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_scan.h"

/* libFuzzer: -max_len=1024 (the agent reads stat into 1 KiB) */
#define STAT_READ_MAX 1023

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < STAT_READ_MAX ? size : STAT_READ_MAX;
	/* Exactly the bytes read and their NUL: AddressSanitizer sees a read past them. */
	char *text = malloc(len + 1);
	struct process proc = { 0 };
	unsigned long flags;

	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	if (proc_parse_stat(text, &proc, &flags) == 0 && strlen(proc.comm) >= sizeof(proc.comm))
		abort();
	free(text);
	return 0;
}
