/* Fuzzes the configuration loader: any bytes as oobhealth.yaml give a configuration or
 * errors, never both and never neither, each error one printable line naming the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clean_text.h"
#include "config.h"

/* libFuzzer: -max_len=4096 (a few services with probes and files; longer inputs only
 * repeat them more slowly) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "fuzz.yaml";
	struct config_errors errors = { 0 };
	struct config *config = config_parse(name, (const char *)data, size, &errors);

	if ((config == NULL) == (errors.count == 0))
		abort();
	for (size_t i = 0; i < errors.count; i++) {
		char *line = errors.lines[i], *cleaned = strdup(line);

		if (strncmp(line, name, sizeof(name) - 1) != 0 || line[sizeof(name) - 1] != ':')
			abort();
		/* --check-config prints them as they are: cleaning must change nothing. */
		if (cleaned != NULL) {
			clean_text_in_place(cleaned);
			if (strcmp(cleaned, line) != 0)
				abort();
		}
		free(cleaned);
	}
	config_free(config);
	config_errors_clear(&errors);
	return 0;
}
