/*
 * fuzz_conn_proc.c: libFuzzer target for conn_proc_parse_line(), the
 * /proc/net/tcp and tcp6 line parser (agent/conn/conn_proc.c). Not part
 * of make check.
 *
 * Input: any bytes, cut into lines; each line is copied into a buffer of
 * exactly its length (no NUL after it, so ASan sees a read past the
 * end) and parsed as an IPv4 and as an IPv6 line. A line must be a
 * socket (1), the header (0) or rejected (-1); a socket line's state
 * and port come from its hex fields, so they fit their types.
 *
 *   tests/fuzz/build.sh tests/fuzz/fuzz_conn_proc.c
 *   mkdir -p /tmp/cp-corpus
 *   build-fuzz/fuzz_conn_proc -max_total_time=60 /tmp/cp-corpus \
 *       tests/fuzz/corpus/conn_proc
 *
 * The seeds are /proc/net/tcp and tcp6 as Linux 6.1 prints them:
 * listeners, established and SYN-RECV sockets, IPv4-mapped addresses.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		char *line = malloc(len ? len : 1);
		int v6;

		if (line == NULL)
			return 0;
		memcpy(line, p, len);
		for (v6 = 0; v6 <= 1; v6++) {
			struct conn_sock s;
			int r = conn_proc_parse_line(line, len, v6, &s);

			if (r < -1 || r > 1)
				abort();
			if (r == 1 && s.family != (v6 ? AF_INET6 : AF_INET))
				abort();
		}
		free(line);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
