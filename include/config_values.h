/* Parsers for the scalar value types of oobhealth.yaml: durations, percents, addresses. */
#ifndef OH_CONFIG_VALUES_H
#define OH_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Each parser returns 0 on success and -1 when TEXT is not of its type. */
int parse_duration_ms(const char *text, uint64_t *ms);   /* 250ms, 5s, 2m, 1h */
int parse_percent(const char *text, unsigned *percent); /* 80% */
int parse_count(const char *text, uint64_t *value);     /* decimal, no sign */
int parse_bool(const char *text, bool *value);          /* true, false */

/* "127.0.0.1:80" or "[::1]:80": IP literals only, since a name lookup has no deadline.
 * On failure WHY says what is wrong. */
int parse_host_port(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
		    char *why, size_t why_len);

/* "http://127.0.0.1:8080/healthz" or "https://...": sets the address, the Host header and
 * the path (malloc'd), and whether it is TLS. On failure WHY says what is wrong. */
int parse_http_url(const char *text, struct sockaddr_storage *addr, socklen_t *addr_len,
		   char **host_header, char **path, bool *tls, char *why, size_t why_len);

/* The offset of the first byte of TEXT (LEN bytes) that an http URL may not hold, or LEN
 * when there is none: a URL is printable ASCII without space (0x21 to 0x7e), so it can
 * go into a request line and a Host header as it is. */
size_t url_invalid_byte(const char *text, size_t len);

/* Names of services and probes: [A-Za-z0-9._-] only. */
bool name_chars_valid(const char *name);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

/* Writes MS the way the configuration spells it ("250ms", "5s", "2m", "1h"). */
void format_duration(uint64_t ms, char *buf, size_t len);

#endif
