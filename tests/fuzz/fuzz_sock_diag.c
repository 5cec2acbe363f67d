/* Fuzzes the sock_diag reply parser: any bytes as one netlink reply of each of the two
 * dumps in turn, into one table, as a cycle fills it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sock_diag.h"

/* libFuzzer: -max_len=8192 (dozens of messages; the agent receives up to 32 KiB) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sock_diag_dump dumps[] = {
		SOCK_DIAG_INET_LISTENERS, SOCK_DIAG_UNIX_LISTENERS,
	};
	/* Exactly the bytes received, aligned as recv's buffer is: AddressSanitizer sees a
	 * read past them. */
	void *reply = malloc(size ? size : 1);
	struct listener_table table = { 0 };

	if (reply == NULL)
		return 0;
	memcpy(reply, data, size);
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++)
		sock_diag_parse_reply(&table, dumps[i], reply, size);
	listener_table_free(&table);
	free(reply);
	return 0;
}
