/* Fuzzes the reader of the reply to one exact sock_diag lookup: any bytes as the reply of
 * an inet lookup, then of a unix one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn_diag.h"

/* libFuzzer: -max_len=8192 (the agent receives up to 8 KiB) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly the bytes received, aligned as recv's buffer is: AddressSanitizer sees a
	 * read past them. */
	void *reply = malloc(size ? size : 1);
	struct conn_side side;

	if (reply == NULL)
		return 0;
	memcpy(reply, data, size);
	conn_diag_parse_reply(AF_INET, reply, size, &side);
	conn_diag_parse_reply(AF_UNIX, reply, size, &side);
	free(reply);
	return 0;
}
