/* A probe target for make bench that can be made to hang: on each of its ports it answers
 * "OK\n" to every request and closes, until SIGUSR1; from then on it still accepts and
 * reads, but answers nothing, until SIGUSR2.
 *
 *   hang_target LOG PORT...
 *
 * Listens on 127.0.0.1:PORT for each PORT, then prints "ready". While it hangs it appends
 * "PORT ACCEPT_NS" (CLOCK_MONOTONIC) to LOG for every connection it leaves unanswered,
 * those accepted just before the hang included: a probe's deadline runs from its connect,
 * so these times say when each tool's deadline fell. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 8
#define MAX_FDS 1024

struct connection {
	int port;
	long long accepted_ns;
};

static volatile sig_atomic_t hang_wanted;
static struct pollfd fds[MAX_FDS];
static struct connection conns[MAX_FDS];  /* by the index of fds; listeners first */
static nfds_t nfds, nlisteners;
static FILE *hang_log;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int signo)
{
	hang_wanted = signo == SIGUSR1;
}

static int listen_on(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4096) < 0)
		return -1;
	return fd;
}

static void log_unanswered(nfds_t i)
{
	fprintf(hang_log, "%d %lld\n", conns[i].port, conns[i].accepted_ns);
	fflush(hang_log);
}

static void drop(nfds_t i)
{
	close(fds[i].fd);
	fds[i] = fds[--nfds];
	conns[i] = conns[nfds];
}

static void accept_from(nfds_t listener, int hanging)
{
	int client;

	while ((client = accept(fds[listener].fd, NULL, NULL)) >= 0) {
		if (nfds == MAX_FDS) {
			close(client);
			continue;
		}
		fds[nfds] = (struct pollfd){ .fd = client, .events = POLLIN };
		conns[nfds] = (struct connection){ conns[listener].port, now_ns() };
		if (hanging)
			log_unanswered(nfds);
		nfds++;
	}
}

/* A readable connection: answered and closed, or (hanging) read and kept; closed at EOF. */
static void serve(nfds_t i, int hanging)
{
	char request[4096];
	ssize_t n = read(fds[i].fd, request, sizeof(request));

	if (n > 0 && hanging)
		return;
	if (n > 0 && write(fds[i].fd, "OK\n", 3) < 0)
		perror("hang_target: write");
	drop(i);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t blocked, during_poll;
	int hanging = 0;

	if (argc < 3 || argc - 2 > MAX_PORTS) {
		fprintf(stderr, "usage: hang_target LOG PORT...\n");
		return 2;
	}
	hang_log = fopen(argv[1], "a");
	if (hang_log == NULL) {
		perror(argv[1]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* The signals arrive only inside ppoll, so a switch is never missed between polls. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blocked, &during_poll);
	sigdelset(&during_poll, SIGUSR1);
	sigdelset(&during_poll, SIGUSR2);
	for (int a = 2; a < argc; a++) {
		int fd = listen_on(atoi(argv[a]));

		if (fd < 0) {
			perror(argv[a]);
			return 1;
		}
		fds[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
		conns[nfds++].port = atoi(argv[a]);
	}
	nlisteners = nfds;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int ready = ppoll(fds, nfds, NULL, &during_poll);

		if (ready < 0 && errno != EINTR)
			return 1;
		if (hang_wanted && !hanging) {
			for (nfds_t i = nlisteners; i < nfds; i++)
				log_unanswered(i);
		}
		hanging = hang_wanted;
		if (ready <= 0)
			continue;
		/* Backwards, so a connection moved into a dropped one's place was already seen. */
		for (nfds_t i = nfds; i-- > nlisteners;) {
			if (fds[i].revents != 0)
				serve(i, hanging);
		}
		for (nfds_t i = 0; i < nlisteners; i++) {
			if (fds[i].revents & POLLIN)
				accept_from(i, hanging);
		}
	}
}
