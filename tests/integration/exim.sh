# exim.sh: sourced by the Exim integration tests (after lib.sh). A
# private Exim with its own configuration and spool, beside whatever MTA
# the machine runs (here Postfix), never replacing it.
#
# The binary is Debian's exim4-daemon-light, unpacked with dpkg -x into a
# cache (no postinst runs, nothing is installed): `apt-get download` of
# exim4-daemon-light, exim4-base and the one library a Postfix box lacks
# (libidn12), or EXIM_BIN if set. Exim finds the library through
# LD_LIBRARY_PATH, which the configuration keeps (keep_environment) so
# that the delivery processes Exim re-executes find it too.
#
# Running it with -C: Exim keeps its privileges for a -C configuration
# only when the caller is root (or the file is in TRUSTED_CONFIG_LIST,
# /etc/exim4/trusted_configs on Debian). The tests run as root, so -C
# works; Exim still receives and writes the spool as its user,
# Debian-exim (compiled in), which is created if missing, and which
# owns the spool and log directories.
#
#   exim_setup DIR SPLIT   DIR/exim.conf, DIR/spool, DIR/log; SPLIT is
#                          true or false (split_spool_directory); sets EXIM
#   exim_send FROM RCPT... one message, queued only (-odq)
#   exim_queue_run         one queue run: local.example is delivered (to
#                          :blackhole:), everything else deferred
#   exim_truth OUT         the queue as Exim lists it (-bp, and -Mset for
#                          exact sizes and arrival times) as the JSON that
#                          queue-compare.py reads
#   exim_auth_conf         prints the configuration's authenticators:
#                          PLAIN and LOGIN (plaintext), alice/alicepw the
#                          one account (logs-exim.sh, tests/logs/collect.sh)

EXIM_CACHE=${MAILHEALTH_EXIM_CACHE:-/var/cache/mailhealth-test/exim}

exim_fetch() {
	if [ -n "${EXIM_BIN:-}" ]; then
		return 0
	fi
	EXIM_BIN=$EXIM_CACHE/root/usr/sbin/exim4
	EXIM_LIBS=$EXIM_CACHE/root/usr/lib/x86_64-linux-gnu
	[ -x "$EXIM_BIN" ] && return 0
	need_cmd apt-get dpkg
	mkdir -p "$EXIM_CACHE/debs" "$EXIM_CACHE/root" || return 1
	(cd "$EXIM_CACHE/debs" &&
		apt-get download exim4-daemon-light exim4-base libidn12) \
		>"$EXIM_CACHE/download.log" 2>&1 || {
		echo "# apt-get download failed: $(tail -3 "$EXIM_CACHE/download.log")"
		return 1
	}
	for d in "$EXIM_CACHE"/debs/*.deb; do
		dpkg -x "$d" "$EXIM_CACHE/root" || return 1
	done
	[ -x "$EXIM_BIN" ]
}

exim_setup() {
	EXIM_DIR=$1
	exim_fetch || bail "cannot get Debian's exim4-daemon-light (apt-get download)"
	getent passwd Debian-exim >/dev/null ||
		useradd -r -M -U -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim ||
		bail "cannot create the Debian-exim user"
	mkdir -p "$EXIM_DIR/spool" "$EXIM_DIR/log"
	chown -R Debian-exim:Debian-exim "$EXIM_DIR/spool" "$EXIM_DIR/log"
	cat >"$EXIM_DIR/exim.conf" <<EOF
primary_hostname = mh-test.example
qualify_domain = mh-test.example
spool_directory = $EXIM_DIR/spool
log_file_path = $EXIM_DIR/log/%slog
split_spool_directory = $2
keep_environment = LD_LIBRARY_PATH
daemon_smtp_ports =
acl_not_smtp = acl_note
begin acl
acl_note:
  accept set acl_m_note = first line\nsecond line
begin routers
blackhole:
  driver = redirect
  domains = local.example
  data = :blackhole:
deferall:
  driver = redirect
  allow_defer
  data = :defer: held for the test
begin transports
begin retry
* * F,7d,1h
EOF
	EXIM="env LD_LIBRARY_PATH=${EXIM_LIBS:-} $EXIM_BIN -C $EXIM_DIR/exim.conf"
	missing=$(env LD_LIBRARY_PATH="${EXIM_LIBS:-}" ldd "$EXIM_BIN" | grep 'not found')
	[ -z "$missing" ] || bail "exim lacks libraries: $missing"
	$EXIM -bV >"$EXIM_DIR/bV.out" 2>&1 || bail "exim -bV: $(tail -3 "$EXIM_DIR/bV.out")"
	export EXIM EXIM_DIR
}

exim_auth_conf() {
	cat <<'EOF'
begin authenticators
plain_server:
  driver = plaintext
  public_name = PLAIN
  server_condition = ${if and {{eq{$auth2}{alice}}{eq{$auth3}{alicepw}}}}
  server_set_id = $auth2
login_server:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = ${if and {{eq{$auth1}{alice}}{eq{$auth2}{alicepw}}}}
  server_set_id = $auth1
EOF
}

exim_send() {
	_from=$1
	shift
	printf 'Subject: test from %s\n\n%s\n' "$_from" "$(head -c $((RANDOM % 3000 + 10)) /dev/zero | tr '\0' x)" |
		$EXIM -odq -f "$_from" "$@"
}

exim_queue_run() {
	$EXIM -qf
}

exim_truth() {
	$EXIM -bp >"$EXIM_DIR/bp.out" || return 1
	/usr/bin/python3 - "$EXIM_DIR/bp.out" "$1" $EXIM <<'EOF'
import json, re, subprocess, sys
bp, out, exim = sys.argv[1], sys.argv[2], sys.argv[3:]
msgs, cur = [], None
head = re.compile(r"^\s*\S+\s+\S+\s+(\S{16}|\S{23}) <(.*)>( \*\*\* frozen \*\*\*)?$")
for line in open(bp):
    line = line.rstrip("\n")
    m = head.match(line)
    if m:
        cur = {"id": m.group(1), "sender": m.group(2),
               "frozen": bool(m.group(3)), "pending": []}
        msgs.append(cur)
    elif line.strip() and cur is not None:
        if not line.lstrip().startswith("D "):
            cur["pending"].append(line.strip())
for m in msgs:
    r = subprocess.run(exim + ["-Mset", m["id"], "-be",
                       "$message_size $received_time"],
                       capture_output=True, text=True, check=True)
    size, t = r.stdout.split()
    m["size"], m["time"] = int(size), int(t)
def row(name, ms):
    return {"name": name, "messages": len(ms),
            "bytes": sum(m["size"] for m in ms),
            "recipients": sum(len(m["pending"]) for m in ms),
            "oldest": min((m["time"] for m in ms), default=0)}
senders, domains = {}, {}
for m in msgs:
    k = m["sender"].lower()
    senders[k] = senders.get(k, 0) + 1
    for r in m["pending"]:
        d = r.rsplit("@", 1)[1].lower() if "@" in r else "(local)"
        domains[d] = domains.get(d, 0) + 1
t = row("input", msgs)
t.update({"bounces": sum(1 for m in msgs if m["sender"] == ""),
          "many_rcpt_20": sum(1 for m in msgs if len(m["pending"]) > 20),
          "queues": [row("input", msgs),
                     row("frozen", [m for m in msgs if m["frozen"]])],
          "senders": senders, "domains": domains})
json.dump(t, open(out, "w"))
EOF
}
