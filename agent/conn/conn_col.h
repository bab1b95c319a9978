/*
 * conn_col.h: the `connections` collector, built on the engine of
 * conn.h (docs/conn.md):
 *
 *   conn_col.c     the collector: its section, its rounds
 *   conn_fields.c  what it publishes: mhConnections (mhConnTable by
 *                  port, mhConnHostTable by port and host), "connections"
 *                  in the JSON and the text, the conn.* metrics
 */
#ifndef MH_CONN_COL_H
#define MH_CONN_COL_H

#include "core/core.h"
#include "conn/conn.h"

/* have bits of struct conn_part */
#define CONN_HAVE_ROUND	0x01u	/* the sockets could be read */
/* have bits of a port row */
#define CONN_ROW_GROWTH	0x01u	/* two rounds inside the growth window */

struct conn_portrow {
	uint32_t have;
	uint32_t port;
	uint32_t established;
	uint32_t halfopen;
	uint32_t hosts;		/* distinct remote addresses */
	int hosts_estimated;	/* 1: past the exact count, an estimate */
	int64_t growth;		/* connections per minute */
};

/* One of the top remote hosts of one port. The rows of a port come
 * together, highest count first, in the order of the ports. */
struct conn_hostrow {
	char key[8 + CONN_ADDRSTRLEN];	/* "25 127.0.0.2": the row's key
					 * and its metric instance */
	uint32_t port;
	char addr[CONN_ADDRSTRLEN];
	uint64_t count;		/* established + half-open */
	uint64_t error;		/* Space-Saving bound, 0 = exact */
	uint64_t sure;		/* count - error: what conn.host compares */
	double share;		/* per cent of the port's connections */
};

struct conn_part {
	uint32_t have;
	int reader;		/* mhConnReader: netlink(1), proc(2) */
	uint64_t sockets;	/* sockets the reader returned */
	uint64_t outbound;	/* dialled out from one of our ports */
	uint32_t read_us;	/* reading and counting took */
	size_t nports;
	struct conn_portrow *ports;
	size_t nhosts;
	struct conn_hostrow *hosts;
};

/* conn_fields.c */
extern const struct fgroup conn_groups[];
void conn_part_free(void *);
/* A round's result as the part publishes it (also for tests). */
void conn_part_fill(struct conn_part *, const struct conn_result *);

/* conn_col.c */
struct conn_conf {
	struct conn_opts o;	/* ports, top_n, growth window, reader */
};
extern const struct collector collector_conn;

#endif
