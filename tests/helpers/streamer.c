/* Both ends of a TCP stream for the stalled-peer tests: connects or listens, then writes
 * without end or reads without end, on every connection, from this one process.
 * Usage: streamer connect|listen ADDRESS CONNECTIONS write|write-on-signal|read [COUNT_FILE]
 *   ADDRESS      10.0.0.2:PORT or [2001:db8::2]:PORT
 *   CONNECTIONS  connect: how many connections to open (listen: ignored, every connection
 *                that arrives is served)
 *   write        send bytes as fast as the peer acknowledges them
 *   write-on-signal  stay idle until SIGUSR1, then write
 *   read         read everything; with COUNT_FILE, the bytes read so far are written there
 *                (replaced whole) once a second
 * It prints "ready" on stdout once listening, or once every connection is established. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 256

/* Cleared until SIGUSR1 in write-on-signal mode. */
static volatile sig_atomic_t may_write = 1;

static void on_usr1(int sig)
{
	(void)sig;
	may_write = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "streamer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t parse_address(const char *text, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	size_t len;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || (len = (size_t)(colon - text)) >= sizeof(host)) {
		fprintf(stderr, "streamer: bad address %s\n", text);
		exit(2);
	}
	memcpy(host, text, len);
	host[len] = '\0';
	if (host[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		host[len - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			die("address");
		return sizeof(*sin6);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) != 1)
		die("address");
	return sizeof(struct sockaddr_in);
}

static void write_count(const char *path, unsigned long long count)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		die(tmp);
	fprintf(f, "%llu\n", count);
	fclose(f);
	if (rename(tmp, path) < 0)
		die(path);
}

int main(int argc, char **argv)
{
	static char chunk[16384];
	struct pollfd fds[MAX_FDS];
	struct sockaddr_storage ss;
	unsigned long long count = 0;
	time_t last_count = 0;
	nfds_t n = 0;
	bool listening, writing;
	const char *count_file;
	socklen_t len;

	if (argc < 5) {
		fprintf(stderr, "usage: streamer connect|listen ADDRESS CONNECTIONS "
			"write|write-on-signal|read [COUNT_FILE]\n");
		return 2;
	}
	listening = strcmp(argv[1], "listen") == 0;
	writing = strcmp(argv[4], "write") == 0 || strcmp(argv[4], "write-on-signal") == 0;
	if (strcmp(argv[4], "write-on-signal") == 0) {
		may_write = 0;
		signal(SIGUSR1, on_usr1);
	}
	count_file = argc > 5 ? argv[5] : NULL;
	len = parse_address(argv[2], &ss);
	memset(chunk, 'x', sizeof(chunk));
	/* A peer that closes (a probe's connect and close) ends its connection, not this. */
	signal(SIGPIPE, SIG_IGN);
	if (listening) {
		int one = 1, fd = socket(ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0)
			die("listen");
		fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	} else {
		int want = atoi(argv[3]);

		for (int i = 0; i < want && i < MAX_FDS; i++) {
			int fd = socket(ss.ss_family, SOCK_STREAM, 0);

			if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
				die("connect");
			fcntl(fd, F_SETFL, O_NONBLOCK);
			fds[n++] = (struct pollfd){ .fd = fd, .events = writing ? POLLOUT : POLLIN };
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		/* Idle until told: writers wait for nothing, then for room to write. */
		for (nfds_t i = listening ? 1 : 0; writing && i < n; i++)
			fds[i].events = may_write ? POLLOUT : 0;
		if (poll(fds, n, 200) < 0 && errno != EINTR)
			die("poll");
		for (nfds_t i = 0; i < n; i++) {
			ssize_t got;

			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;

			if (listening && i == 0) {
				int fd = accept(fds[0].fd, NULL, NULL);

				if (fd >= 0 && n < MAX_FDS) {
					fcntl(fd, F_SETFL, O_NONBLOCK);
					fds[n++] = (struct pollfd){ .fd = fd,
								    .events = writing ? POLLOUT : POLLIN };
				} else if (fd >= 0) {
					close(fd);
				}
				continue;
			}
			if (writing)
				got = write(fds[i].fd, chunk, sizeof(chunk));
			else
				got = read(fds[i].fd, chunk, sizeof(chunk));
			if (got > 0) {
				count += (unsigned long long)got;
			} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		}
		if (count_file != NULL && time(NULL) != last_count) {
			last_count = time(NULL);
			write_count(count_file, count);
		}
	}
}
