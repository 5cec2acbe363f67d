/* Holds established TCP connections for make bench: listens on a loopback port, connects
 * PAIRS clients to itself, accepts them all, then prints "ready" and sleeps until ended.
 *
 *   conn_holder PAIRS [PORT]
 *
 * Both ends live in this one process, so a service matched on it owns 2 * PAIRS
 * connections, and the host's TCP table holds them. The soft fd limit is raised to the
 * hard one first. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long pairs = argc == 2 || argc == 3 ? atol(argv[1]) : -1;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct rlimit limit;
	int listener;

	if (pairs < 0) {
		fprintf(stderr, "usage: conn_holder PAIRS [PORT]\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons(argc == 3 ? (uint16_t)atoi(argv[2]) : 0);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)) < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 4096) < 0 || getsockname(listener, (struct sockaddr *)&addr, &len) < 0) {
		perror("conn_holder: listen");
		return 1;
	}
	for (long i = 0; i < pairs; i++) {
		int client = socket(AF_INET, SOCK_STREAM, 0);

		if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		    accept(listener, NULL, NULL) < 0) {
			fprintf(stderr, "conn_holder: pair %ld of %ld: ", i + 1, pairs);
			perror(NULL);
			return 1;
		}
	}
	printf("ready %ld connections on port %u\n", 2 * pairs, ntohs(addr.sin_port));
	fflush(stdout);
	for (;;)
		pause();
}
