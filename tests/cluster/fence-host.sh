#!/bin/bash
# vmguard fence-host, called exactly as OpenNebula's ft/host_error.rb calls
# its fencing script: through a "fence_host.sh" link with no arguments and
# the host's XML, strict base64, on stdin.  Exit 0 only once Pacemaker's
# fencer has fenced the host and its history confirms it; non-zero, with
# nothing fenced, for bad input or a host that cannot be fenced.
#
# The fence devices are tests/lib/fence_vgrecord (records, powers nothing
# off) for hosts that are not this node: the fencer fences any target a
# device claims, members or not.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/cluster.sh"

vg_ns_install
CL_STONITH=true cl_start || tap_bail "the cluster did not start"
LOG=$VG_TMP/fence.log
: >"$LOG"
chmod 666 "$LOG"

device() {	# id hostlist [extra nvpairs]
	cat <<-XML
	<primitive id="$1" class="stonith" type="fence_vgrecord">
	  <instance_attributes id="$1-ia">
	    <nvpair id="$1-log" name="logfile" value="$LOG"/>
	    <nvpair id="$1-hl" name="pcmk_host_list" value="$2"/>
	    $3
	  </instance_attributes>
	</primitive>
	XML
}
cibadmin -C -o resources -X "$(device rec-hv2 hv2)" &&
cibadmin -C -o resources -X "$(device rec-hv3 hv3 '<nvpair id="rec-hv3-r" name="result" value="fail"/>')" &&
cibadmin -C -o resources -X "$(device rec-hv4 hv4 '<nvpair id="rec-hv4-d" name="pcmk_delay_base" value="60s"/>')" ||
	tap_bail "cannot configure the fence devices"
tap_ok "the fencer registered the devices" vg_wait 60 \
	sh -c 'n=$(stonith_admin --list-registered 2>/dev/null | grep -c "rec-hv"); [ "$n" -eq 3 ]'

# The hook's view: OpenNebula's ft/ directory with vmguard linked in.
mkdir -p "$VG_TMP/ft"
ln -s /usr/sbin/vmguard "$VG_TMP/ft/fence_host.sh"
host64() { printf '<HOST><ID>%s</ID><NAME>%s</NAME><STATE>3</STATE><IM_MAD>kvm</IM_MAD></HOST>' "$1" "$2" | base64 -w0; }
hook() {	# stdin text, [args]: RC, OUT, MS
	local in=$1 t0
	shift
	t0=$(vg_ms)
	OUT=$(printf '%s' "$in" | "$VG_TMP/ft/fence_host.sh" "$@" 2>&1)
	RC=$?
	MS=$(( $(vg_ms) - t0 ))
}
fences() { grep -c " off $1\$" "$LOG"; }

# --- bad input: nothing fenced ----------------------------------------------
hook "this is not base64 !!"
tap_is "$RC" 2 "garbage on stdin: exit 2"
tap_like "$OUT" "not base64.*nothing was fenced" "  says so"
hook "$(printf 'not xml at all' | base64 -w0)"
tap_is "$RC" 2 "base64 of something that is not XML: exit 2"
hook "$(printf '<VM><NAME>hv2</NAME></VM>' | base64 -w0)"
tap_is "$RC" 2 "an XML document that is not a HOST: exit 2"
tap_like "$OUT" "no /HOST/NAME" "  says what is missing"
hook "$(host64 7 'hv2;reboot')"
tap_is "$RC" 2 "a host name that is not a node name: exit 2"
hook "" 
tap_is "$RC" 2 "empty stdin: exit 2"
tap_is "$(wc -l <"$LOG")" 0 "after all the bad input, nothing was fenced"

# --- a host no device can fence ------------------------------------------------
hook "$(host64 5 hv5)" --timeout 20
tap_is "$RC" 1 "host without a fence device: exit 1"
tap_like "$OUT" "NOT fenced.*must not recover" "  and OpenNebula is told not to recover"

# --- a device that fails ---------------------------------------------------------
hook "$(host64 3 hv3)" --timeout 20
tap_is "$RC" 1 "fence device fails: exit 1"
tap_like "$(stonith_admin --history hv3 --verbose 2>&1)" "turning off of hv3 failed" "  the fencer's history records the failure"

# --- a fence slower than the hook's timeout ----------------------------------------
hook "$(host64 4 hv4)" --timeout 3
tap_is "$RC" 1 "fence slower than --timeout: exit 1"
tap_cmp "$MS" -lt 15000 "  answered within the timeout and its margin ($MS ms)"
tap_is "$(fences hv4)" 0 "  and the slow device has not fenced yet"

# --- the real thing -------------------------------------------------------------------
hook "$(host64 2 hv2)" --timeout 60
tap_is "$RC" 0 "host with a working device: exit 0"
tap_like "$OUT" "fenced hv2 \(OpenNebula host hv2\)" "  prints what it fenced"
tap_is "$(fences hv2)" 1 "  the device powered hv2 off exactly once"
tap_like "$(stonith_admin --history hv2 2>&1)" "turning off of hv2 successful" \
	"  the fencer's history records a successful off"
tap_diag "fence-host took $MS ms"

# --map: OpenNebula's host name differs from the node name
hook "$(host64 9 hv2.cloud.example)" --timeout 60 --map hv2.cloud.example=hv2
tap_is "$RC" 0 "--map ONE_NAME=NODE fences the mapped node"
tap_is "$(fences hv2)" 2 "  hv2 fenced a second time"

# vmguard fence-host, the command form
RC=$(host64 2 hv2 | /usr/sbin/vmguard fence-host --timeout 60 >/dev/null 2>&1; echo $?)
tap_is "$RC" 0 "'vmguard fence-host' works the same"
RC=$(host64 2 hv2 | /usr/sbin/vmguard fence-host --timeout=0 >/dev/null 2>&1; echo $?)
tap_is "$RC" 2 "--timeout 0 is refused"
tap_is "$(fences hv2)" 3 "  and fenced nothing"
tap_done
