/* Fuzzes the TCP connection dump's reply parser: any bytes as one netlink reply, into one
 * table, then directions told and the table sorted, as a cycle does once the dump ends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_connections.h"

/* libFuzzer: -max_len=8192 (dozens of messages; the agent receives up to 32 KiB) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly the bytes received, aligned as recv's buffer is: AddressSanitizer sees a
	 * read past them. */
	void *reply = malloc(size ? size : 1);
	struct tcp_connection_table table = { 0 };

	if (reply == NULL)
		return 0;
	memcpy(reply, data, size);
	tcp_connections_parse_reply(&table, reply, size);
	tcp_connections_finish(&table);
	for (size_t i = 0; i < table.count; i++)
		tcp_connection_stalled(&table.items[i], 1000);
	tcp_connection_table_free(&table);
	free(reply);
	return 0;
}
