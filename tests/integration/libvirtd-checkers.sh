#!/bin/bash
# ocf:vmguard:libvirtd through the field's own checkers: xmllint against
# resource-agents' ra-api-1.dtd, ocf-tester (a full start/monitor/stop cycle
# against a real libvirtd), crm_resource --validate and --show-metadata, and
# its generated man page.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"

lv_setup
vg_ns_install
A=/usr/lib/ocf/resource.d/vmguard/libvirtd

tap_ok "installed at $A, mode 755" test "$(stat -c %a "$A")" = 755
tap_ok "meta-data is valid against ra-api-1.dtd" \
	sh -c "cd /usr/share/resource-agents && '$A' meta-data | xmllint --noout --valid -"

out=$(ocf-tester -n vg-libvirtd "$A" 2>&1)
rc=$?
tap_is "$rc" 0 "ocf-tester passes (start, monitor, probe, stop, validate-all)"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | tail -20
tap_like "$out" "$A passed all tests" "  and says so"
tap_fail "ocf-tester left no libvirtd running" test -e /run/libvirtd.pid

out=$(crm_resource --validate --class ocf --provider vmguard --agent libvirtd 2>&1)
tap_is "$?" 0 "crm_resource --validate accepts the defaults"
out=$(crm_resource --validate --class ocf --provider vmguard --agent libvirtd \
	--option monitor_timeout=3000 --option slow_threshold=1000 2>&1)
tap_is "$?" 0 "crm_resource --validate accepts explicit timeouts"
out=$(crm_resource --validate --class ocf --provider vmguard --agent libvirtd \
	--option monitor_timeout=abc 2>&1)
tap_cmp "$?" -ne 0 "crm_resource --validate rejects monitor_timeout=abc"
tap_like "$out" "monitor_timeout.*must be an integer" "  with the agent's reason"
out=$(crm_resource --validate --class ocf --provider vmguard --agent libvirtd \
	--option config=/nonexistent 2>&1)
tap_cmp "$?" -ne 0 "crm_resource --validate rejects a missing config file"

tap_is "$(crm_resource --show-metadata ocf:vmguard:libvirtd 2>/dev/null | md5sum)" \
	"$("$A" meta-data | md5sum)" "crm_resource --show-metadata shows the agent's meta-data"

page=$(MANWIDTH=200 man -l "$VG_BUILD/doc/ocf_vmguard_libvirtd.7" 2>/dev/null)
tap_like "$page" "ocf_vmguard_libvirtd - libvirtd, watched through the libvirt API" "man page: NAME"
# The parameters, read from the meta-data as XML, must be the agent's own
# table (agents/libvirtd.c, one row per parameter) -- never an empty list
# that makes "every parameter is documented" true of nothing.
md_params=$("$A" meta-data | python3 -c '
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.stdin).getroot().iter("parameter"):
    print(p.get("name"))' | sort)
src_params=$(sed -n 's/^[[:space:]]*\[P_[A-Z0-9_]*\] = { "\([a-z0-9_]*\)".*/\1/p' \
	"$VG_TOP/agents/libvirtd.c" | sort)
tap_ok "meta-data names parameters ($(echo $md_params | wc -w) parsed)" test -n "$md_params"
tap_is "$(echo $md_params)" "$(echo $src_params)" \
	"meta-data's parameters are exactly the agent's table (agents/libvirtd.c)"
missing=
for p in $md_params; do
	printf '%s' "$page" | grep -q "^ *$p\b" || missing+=" $p"
done
tap_is "$missing" "" "man page documents every parameter of the meta-data"
tap_like "$page" "MONITOR DEPTH" "man page explains the monitor depths"
tap_done
