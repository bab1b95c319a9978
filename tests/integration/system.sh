#!/bin/bash
# system.sh: the system collector over SNMP against what df, df -i, free
# and /proc/loadavg say in the same test, and one disk alarm end to end:
# a small tmpfs filled past 90% raises mhSystemAlarm through a private
# snmpd, snmptrapd runs mailhealth-sms, the loopback gateway gets the SMS;
# emptied, the clear follows.
. "$(dirname "$0")/lib.sh"

need_root
need_cmd snmpd snmptrapd snmpget df free mount umount
mktestdir
umount_fs() { umount "$T/fs" 2>/dev/null; }
CLEANUP_HOOK=umount_fs
plan 17

mkdir -p "$T/fs"
mount -t tmpfs -o size=8m,nr_inodes=400 mailhealth-test "$T/fs" ||
	bail "cannot mount a tmpfs on $T/fs"

start_pager
start_snmpd "$TRAP_PORT"
cat >"$T/mailhealthd.conf" <<EOC
interval = 1
agentx_ping = 1
mta postfix { queue_directory = "$T/nonexistent" }
system { disks = { "$T/fs", "/" } }
alarm disk-full {
	metric   = "disk.used"
	instance = "$T/fs"
	rising   = 90
	falling  = 80
	severity = critical
}
EOC
start_agent "$T/mailhealthd.conf"
S=$MH.1.9

# --- values against the system's own tools ----------------------------
is "$(sget $S.10.1.2.1)" "\"$T/fs\"" "mhDiskPath.1 is the first configured path"
read -r size used avail pcent <<<"$(df -B1M --output=size,used,avail,pcent "$T/fs" | tail -1 | tr -d '%')"
is "$(sget $S.10.1.3.1)" "$size" "mhDiskSize.1 is df's size in MiB ($size)"
is "$(sget $S.10.1.4.1)" "$used" "mhDiskUsed.1 is df's used in MiB"
is "$(sget $S.10.1.5.1)" "$avail" "mhDiskAvail.1 is df's available in MiB"
is "$(sget $S.10.1.6.1)" "$pcent" "mhDiskUsedPercent.1 is df's Use%"
# a few small files: df -i moves, and so must we
for i in $(seq 1 37); do : >"$T/fs/f$i"; done
ipcent=$(df --output=ipcent "$T/fs" | tail -1 | tr -d ' %')
wait_until 5 sh -c "[ \"\$(snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $S.10.1.7.1)\" = $ipcent ]"
ok $? "mhDiskInodesUsedPercent.1 is df -i's IUse% ($ipcent) after 37 files"
rpcent=$(df --output=pcent / | tail -1 | tr -d ' %')
is "$(sget $S.10.1.6.2)" "$rpcent" "mhDiskUsedPercent.2 (/) is df's Use%"

memtotal=$(free -k | awk '/^Mem:/ { print $2 }')
is "$(sget $S.5.0)" "$memtotal" "mhMemTotal is free's total in KiB"
memavail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
got=$(sget $S.6.0)
close_enough() { [ "$1" -ge $(($2 - $2 / 10)) ] && [ "$1" -le $(($2 + $2 / 10)) ]; }
close_enough "$got" "$memavail"
ok $? "mhMemAvailable ($got) is within 10% of MemAvailable ($memavail)"
read -r l1 _ <"/proc/loadavg"
got=$(sget $S.1.0)
want=$(awk -v l="$l1" 'BEGIN { printf "%d", l * 100 + 0.5 }')
[ "$got" -ge $((want - 100)) ] && [ "$got" -le $((want + 100)) ]
ok $? "mhCpuLoad1 ($got) is /proc/loadavg's first field x 100 ($want, within 1.00)"
wait_until 5 sh -c "snmpget -v2c -c public -m '' -Oqv 127.0.0.1:$SNMP_PORT $S.4.0 | grep -q '^[0-9]'"
ok $? "mhCpuUtil answers once two rounds have read /proc/stat"
v=$(sget $S.4.0)
[ "$v" -ge 0 ] && [ "$v" -le 10000 ]
ok $? "and is in hundredths of a percent ($v)"

# --- one disk alarm end to end -----------------------------------------
is "$(sget $MH.1.10.1.0)" 0 "no active alarm while the tmpfs is empty"
dd if=/dev/zero of="$T/fs/fill" bs=1M count=8 status=none 2>/dev/null
wait_until 20 gw_count_is 1
ok $? "filling the tmpfs raises an SMS"
raise=$(gw_texts | sed -n 1p)
diag "raise SMS: $raise"
case $raise in *"$T/fs"*) r=0 ;; *) r=1 ;; esac
ok $r "the SMS names the file system"
rm -f "$T/fs/fill"
wait_until 20 gw_count_is 2
ok $? "emptying it sends the clear"
diag "clear SMS: $(gw_texts | sed -n 2p)"
is "$(sget $MH.1.10.1.0)" 0 "and no alarm is active"
finish
