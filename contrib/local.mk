## contrib/: systemd units. The .in files name programs and config files
## with @sbindir@, @bindir@, @sysconfdir@, @localstatedir@ and
## @pkglibexecdir@, expanded here (not by configure) so that
## `make prefix=...` is honoured; and the users they run as, which `make
## mailhealth_user=... snmptrapd_user=...` changes: the agent's own
## system user, and the user snmptrapd runs its handlers as (Debian's
## snmptrapd.service: Debian-snmp), who must own the SMS spool.
## Installed into $(systemdsystemunitdir) unless configure was given
## --without-systemdsystemunitdir.
## The other files are examples (snmpd and snmptrapd snippets, opt-in
## drop-ins for the agent's unit), shipped, not installed.
mailhealth_user = _mailhealth
snmptrapd_user = Debian-snmp
contrib_units = contrib/mailhealthd.service contrib/mailhealth-sms.service \
	contrib/mailhealth-sms-flush.service contrib/mailhealth-sms-flush.timer
if HAVE_SYSTEMD
systemdsystemunit_DATA = $(contrib_units)
endif
EXTRA_DIST += contrib/mailhealthd.service.in contrib/mailhealth-sms.service.in \
	contrib/mailhealth-sms-flush.service.in contrib/mailhealth-sms-flush.timer.in \
	contrib/mailhealthd-firewall.conf contrib/mailhealthd-drsync-primary.conf
CLEANFILES += $(contrib_units)
## pkg-config's unit dir is outside $(prefix); distcheck installs under
## its own prefix
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'

contrib_edit = $(SED) -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' \
	-e 's|@mailhealth_user[@]|$(mailhealth_user)|g' \
	-e 's|@snmptrapd_user[@]|$(snmptrapd_user)|g'
contrib_gen = $(AM_V_GEN)$(MKDIR_P) contrib && \
	$(contrib_edit) $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@

contrib/mailhealthd.service: $(srcdir)/contrib/mailhealthd.service.in Makefile
	$(contrib_gen)
contrib/mailhealth-sms.service: $(srcdir)/contrib/mailhealth-sms.service.in Makefile
	$(contrib_gen)
contrib/mailhealth-sms-flush.service: $(srcdir)/contrib/mailhealth-sms-flush.service.in Makefile
	$(contrib_gen)
contrib/mailhealth-sms-flush.timer: $(srcdir)/contrib/mailhealth-sms-flush.timer.in Makefile
	$(contrib_gen)

## The Debian packaging (debian/, see the README's Install section) and
## its test travel in the tarball too: dpkg-buildpackage works from an
## unpacked release as from a clone.
EXTRA_DIST += debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/.gitignore \
	debian/mailhealthd.install debian/mailhealthd.docs \
	debian/mailhealthd.examples debian/mailhealthd.postinst \
	debian/mailhealthd.postrm \
	debian/mailhealth-sms.install debian/mailhealth-sms.docs \
	debian/mailhealth-sms.examples debian/mailhealth-sms.logrotate \
	debian/mailhealth-sms.postinst debian/mailhealth-sms.postrm \
	debian/mailhealth-sms.prerm \
	tests/interop/debian-package.sh

## NMS integration (docs/nms.md): the MIB as data for the generator and
## the tests (contrib/nms), the files it makes and the hand-written ones
EXTRA_DIST += contrib/nms/mibjson.py
EXTRA_DIST += contrib/snmptt/snmptt.conf.mailhealth \
	contrib/snmptt/snmptrapd-snmptt.conf
EXTRA_DIST += contrib/nagios/mailhealth.cfg contrib/icinga2/mailhealth.conf
EXTRA_DIST += contrib/nms/gen-nms.py contrib/zabbix/mailhealth_template.yaml \
	contrib/prometheus/generator.yml tests/interop/zabbix.sh \
	tests/interop/zabbix-check.py
EXTRA_DIST += contrib/prometheus/snmp.yml contrib/prometheus/mailhealth-rules.yml \
	contrib/prometheus/prometheus.yml.example
