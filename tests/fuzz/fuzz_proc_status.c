/* Fuzzes the /proc/PID/status "Uid:" parser with what proc_read_uids can hand it: the
 * bytes read, not necessarily NUL-terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_owner.h"

/* libFuzzer: -max_len=4096 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly SIZE bytes: AddressSanitizer sees any read past them. */
	char *text = malloc(size ? size : 1);
	struct process_uids uids;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	proc_parse_status_uids(text, size, &uids);
	free(text);
	return 0;
}
