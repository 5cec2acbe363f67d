/* Fuzzes the pidfile parser with what pid_file_read hands it: the file's first bytes, NUL
 * bytes included, not terminated. A pid it accepts must be one the file plainly holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pid_file.h"

/* libFuzzer: -max_len=64 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < PID_FILE_TEXT_MAX ? size : PID_FILE_TEXT_MAX;
	/* Exactly LEN bytes: AddressSanitizer sees any read past them. */
	char *text = malloc(len ? len : 1);
	pid_t pid = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	if (pid_file_parse(text, len, &pid) == 0) {
		/* Accepted: a positive pid whose digits open the file, without a leading zero. */
		if (pid <= 0 || len == 0 || text[0] < '1' || text[0] > '9' ||
		    memchr(text, '\0', len) != NULL)
			abort();
	}
	free(text);
	return 0;
}
