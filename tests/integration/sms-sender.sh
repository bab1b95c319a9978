#!/bin/bash
# sms-sender.sh: the split between mailhealth-sms (the handler snmptrapd
# runs for every trap; no libcurl) and mailhealth-sms-sender (the HTTP
# half). The handler finds the sender through $MAILHEALTH_SMS_SENDER or
# next to itself, starts it detached with the sender lock, and execs it
# for --flush/--daemon/--test; a missing sender is a clear error and
# the alert stays spooled until a sender runs.
. "$(dirname "$0")/lib.sh"

need_sms
mktestdir

plan 17

start_gateway ok
write_conf 'rate_limit = 100'

# 1-2: what each program loads
is "$(ldd "$MAILHEALTH_SMS" | grep -c libcurl)" 0 "the handler does not load libcurl"
is "$(ldd "$SMS_SENDER" | grep -c libcurl)" 1 "the sender does"

# 3-7: no sender where the handler looks: exit 69, said on stderr and in
# the audit log, the alert stays in outgoing/, nothing is sent
trap_text 1 1 queue-high queue.total total 1 5234 5000 "first" mx1 > "$T/t1"
trap_text 1 2 queue-high queue.total deferred 1 700 500 "second" mx1 > "$T/t2"
MAILHEALTH_SMS_SENDER=$T/no-such-sender "$MAILHEALTH_SMS" -c "$T/sms.conf" \
    < "$T/t1" 2> "$T/missing.err"
is "$?" 69 "handler exit status without a sender"
grep -q "cannot start the sender $T/no-such-sender: No such file" \
    "$T/missing.err"
ok $? "stderr names the missing sender"
is "$(audit_count error)" 1 "the audit log says so"
is "$(ls "$SPOOL/outgoing" | wc -l)" 1 "the alert stays spooled"
eval 'no_sender && [ "$(gw_ok_count)" = 0 ]'
ok $? "no sender runs, nothing was sent"

# 8-10: $MAILHEALTH_SMS_SENDER names the program the handler starts
# (a wrapper that notes its arguments); it inherits the lock and
# delivers both alerts in arrival order, each once
cat > "$T/wrapper" <<EOF
#!/bin/sh
echo "\$@" >> "$T/wrapper.args"
exec "$SMS_SENDER" "\$@"
EOF
chmod +x "$T/wrapper"
MAILHEALTH_SMS_SENDER=$T/wrapper "$MAILHEALTH_SMS" -c "$T/sms.conf" < "$T/t2"
is "$?" 0 "handler exit status with the sender"
delivered() { gwq '" ".join(r["query"]["text"].split()[-1] for r in ok)'; }
wait_until 10 eval \
    'spool_empty && no_sender && [ "$(delivered)" = "first second" ]'
ok $? "both alerts delivered in order, once each"
grep -Eq "^-c $T/sms.conf --detached=[0-9]+\$" "$T/wrapper.args"
ok $? "the sender got the handler's options and the lock fd"

# 11-12: --flush is run by the sender (exec, same arguments)
MAILHEALTH_SMS_SENDER=$T/no-such-sender "$MAILHEALTH_SMS" -c "$T/sms.conf" --flush \
    > /dev/null 2> "$T/flush.err"
is "$?" 69 "--flush without a sender: exit status"
grep -q "cannot run the sender $T/no-such-sender" "$T/flush.err"
ok $? "--flush without a sender: message"

# 13-14: --daemon execs: same pid, now the sender binary
"$MAILHEALTH_SMS" -c "$T/sms.conf" --daemon &
dpid=$!
track_pid $dpid
wait_until 10 eval \
    '[ "$(readlink /proc/$dpid/exe)" = "$(readlink -f "$SMS_SENDER")" ]'
ok $? "--daemon is the sender, same pid"
trap_text 1 3 queue-high queue.total active 1 900 800 "third" mx1 \
    | "$MAILHEALTH_SMS" -c "$T/sms.conf"
wait_until 10 gw_count_is 'len(ok)' 3
ok $? "the daemon delivers"
kill "$dpid"
wait "$dpid"

# 15-17: the internal option stays internal; a bad lock fd is refused
"$MAILHEALTH_SMS" -c "$T/sms.conf" --detached=0 < /dev/null 2> /dev/null
is "$?" 64 "the handler refuses --detached"
"$SMS_SENDER" -c "$T/sms.conf" < /dev/null 2> /dev/null
is "$?" 64 "the sender needs a mode"
"$SMS_SENDER" -c "$T/sms.conf" -D --detached=0 < /dev/null 2> "$T/badfd.err"
rc=$?
eval '[ $rc = 64 ] && grep -q "is not a lock on" "$T/badfd.err"'
ok $? "the sender refuses an fd that is not the spool's lock"

finish
