/* Fuzzes the state file loader: any bytes give a store or an error with the store left
 * empty, never a half-loaded store. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state_file.h"

/* libFuzzer: -max_len=4096 (a few services with their restart histories) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The boot id of the seed files, so that both the same-boot and the other-boot paths
	 * are taken. */
	struct state_store store = { .boot_id = "4954304b-7088-4e05-a3db-a3ba53267ce9" };
	char error[256];

	if (state_file_parse("fuzz.state", (const char *)data, size, &store, error,
			     sizeof(error)) < 0) {
		if (store.nservices != 0 || store.services != NULL || error[0] == '\0')
			abort();
	} else if (error[0] != '\0') {
		abort();
	}
	state_store_free(&store);
	return 0;
}
