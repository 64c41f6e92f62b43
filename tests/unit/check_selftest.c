/* vmguard selftest without a cluster: the CIB parser (common/cib.c), host
 * lists and topology matching, and fence/selftest.c's own logic -- #!
 * parsing, the parse check against real interpreters, verdicts, node
 * coverage, the output formats, and the deadline that cuts a hung worker.
 *
 * fence/selftest.c is included so its static functions can be tested; its
 * agent directory points at a scratch directory the tests fill. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* One directory per process: a mutation run and the suite may run this
 * binary at the same time. */
static char agent_dir[64];
#define VG_FENCE_AGENT_DIR agent_dir
#include "../../fence/selftest.c"

static const char cib_xml[] =
	"<cib><configuration>"
	"<crm_config><cluster_property_set id='o'>"
	"  <nvpair id='o1' name='stonith-timeout' value='90s'/>"
	"  <nvpair id='o2' name='stonith-enabled' value='true'/>"
	"</cluster_property_set></crm_config>"
	"<nodes>"
	"  <node id='1' uname='n1'/><node id='2' uname='n2' type='member'/>"
	"  <node id='3' uname='n3'/><node id='r1' uname='rem1' type='remote'/>"
	"</nodes>"
	"<resources>"
	"  <primitive id='f1' class='stonith' type='fence_vmguard'>"
	"    <instance_attributes id='f1-ia'>"
	"      <nvpair id='a' name='ip' value='10.0.0.1'/>"
	"      <nvpair id='b' name='password' value='Secret-99'/>"
	"      <nvpair id='c' name='pcmk_host_list' value='n1'/>"
	"    </instance_attributes>"
	"    <operations><op id='m' name='monitor' interval='60s' timeout='25s'/></operations>"
	"  </primitive>"
	"  <group id='g'><primitive id='f2' class='stonith' type='fence_ipmilan'>"
	"    <instance_attributes id='f2-ia'>"
	"      <nvpair id='d' name='pcmk_host_map' value='n2:plug2;n3=plug3'/>"
	"      <nvpair id='e' name='pcmk_monitor_timeout' value='7s'/>"
	"    </instance_attributes>"
	"    <meta_attributes id='f2-meta'><nvpair id='f' name='target-role' value='Stopped'/>"
	"    </meta_attributes>"
	"  </primitive></group>"
	"  <primitive id='vm' class='ocf' provider='vmguard' type='libvirtd'/>"
	"</resources>"
	"<fencing-topology>"
	"  <fencing-level id='l1' target='n1' index='1' devices='f1'/>"
	"  <fencing-level id='l2' target-pattern='^n[23]$' index='1' devices='f1,f2'/>"
	"  <fencing-level id='l3' target-attribute='rack' target-value='a' index='2' devices='f2'/>"
	"</fencing-topology>"
	"</configuration>"
	"<status>"
	"  <node_state id='1' uname='n1' in_ccm='true' crmd='online'/>"
	"  <node_state id='2' uname='n2' in_ccm='false' crmd='offline'/>"
	"</status></cib>";

START_TEST(cib_parse_devices_nodes_topology)
{
	struct vg_cib c;
	char err[256];

	ck_assert_int_eq(vg_cib_parse(cib_xml, &c, err, sizeof(err)), 0);
	ck_assert(c.stonith_enabled);
	ck_assert_int_eq(c.stonith_timeout_ms, 90000);
	ck_assert_uint_eq(c.ndevices, 2);	/* the ocf primitive is no device */
	ck_assert_str_eq(c.devices[0].id, "f1");
	ck_assert_str_eq(c.devices[0].agent, "fence_vmguard");
	ck_assert_str_eq(vg_cib_param(&c.devices[0], "ip"), "10.0.0.1");
	ck_assert_ptr_null(vg_cib_param(&c.devices[0], "nosuch"));
	ck_assert_int_eq(c.devices[0].monitor_timeout_ms, 25000);
	ck_assert(!c.devices[0].disabled);
	ck_assert_str_eq(c.devices[1].id, "f2");	/* found inside the group */
	ck_assert_int_eq(c.devices[1].monitor_timeout_ms, 7000);	/* pcmk_ wins */
	ck_assert(c.devices[1].disabled);
	ck_assert_uint_eq(c.nnodes, 4);
	ck_assert(vg_cib_node_find(&c, "n1")->online);
	ck_assert(!vg_cib_node_find(&c, "n2")->online);
	ck_assert(!vg_cib_node_find(&c, "n3")->online);	/* no node_state */
	ck_assert(vg_cib_node_find(&c, "rem1")->remote);
	ck_assert_ptr_null(vg_cib_node_find(&c, "n9"));
	ck_assert_uint_eq(c.nlevels, 3);
	ck_assert_int_eq(c.levels[1].kind, VG_CIB_LEVEL_PATTERN);
	ck_assert_str_eq(c.levels[1].devices, "f1,f2");
	ck_assert_int_eq(c.levels[2].kind, VG_CIB_LEVEL_ATTRIBUTE);
	vg_cib_free(&c);
}
END_TEST

START_TEST(cib_parse_defaults_and_garbage)
{
	struct vg_cib c = { .ndevices = 77 };
	char err[256] = "";

	ck_assert_int_eq(vg_cib_parse("<not-a-cib/>", &c, err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(c.ndevices, 77);	/* untouched on failure */
	ck_assert_str_ne(err, "");
	ck_assert_int_eq(vg_cib_parse("<<<", &c, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(vg_cib_parse("<cib><configuration/></cib>", &c, err, sizeof(err)), 0);
	ck_assert(c.stonith_enabled);
	ck_assert_int_eq(c.stonith_timeout_ms, 60000);
	ck_assert_uint_eq(c.ndevices, 0);
	vg_cib_free(&c);
}
END_TEST

static char got[1024];

static void collect(void *arg, const char *name)
{
	(void)arg;
	strncat(got, name, sizeof(got) - strlen(got) - 2);
	strcat(got, "|");
}

static void collect_map(void *arg, const char *node, const char *plug)
{
	(void)arg;
	strncat(got, node, 100);
	strcat(got, "=");
	strncat(got, plug, 100);
	strcat(got, "|");
}

START_TEST(host_lists)
{
	got[0] = '\0';
	ck_assert_uint_eq(vg_cib_host_list_each(" n1,n2;n3  n4\t", collect, NULL), 4);
	ck_assert_str_eq(got, "n1|n2|n3|n4|");
	got[0] = '\0';
	ck_assert_uint_eq(vg_cib_host_list_each(NULL, collect, NULL), 0);
	ck_assert_uint_eq(vg_cib_host_map_each("n1:1;n2=2,3 n3:x;:orphan", collect_map, NULL), 3);
	ck_assert_str_eq(got, "n1=1|n2=2,3|n3=x|");
	got[0] = '\0';
	ck_assert_uint_eq(vg_cib_list_output_each("127.0.0.1,\nn2 alias\n# c\n\n  n3,x,on\n",
						  collect, NULL), 3);
	ck_assert_str_eq(got, "127.0.0.1|n2|n3|");
}
END_TEST

START_TEST(levels)
{
	struct vg_cib_level node = { VG_CIB_LEVEL_NODE, (char *)"N1", (char *)"", 1, (char *)"" };
	struct vg_cib_level pat = { VG_CIB_LEVEL_PATTERN, (char *)"^n[23]$", (char *)"", 1, (char *)"" };
	struct vg_cib_level bad = { VG_CIB_LEVEL_PATTERN, (char *)"([", (char *)"", 1, (char *)"" };
	struct vg_cib_level attr = { VG_CIB_LEVEL_ATTRIBUTE, (char *)"rack", (char *)"a", 1, (char *)"" };
	bool und;

	ck_assert(vg_cib_level_matches(&node, "n1", &und) && !und);
	ck_assert(!vg_cib_level_matches(&node, "n2", &und) && !und);
	ck_assert(vg_cib_level_matches(&pat, "n3", &und));
	ck_assert(!vg_cib_level_matches(&pat, "n4", &und));
	ck_assert(!vg_cib_level_matches(&bad, "n1", &und) && und);
	ck_assert(!vg_cib_level_matches(&attr, "n1", &und) && und);
}
END_TEST

START_TEST(shebang)
{
	char p[64], a[32];

	ck_assert_int_eq(shebang_parse("#!/bin/bash\nx", p, sizeof(p), a, sizeof(a)), 0);
	ck_assert_str_eq(p, "/bin/bash");
	ck_assert_str_eq(a, "");
	ck_assert_int_eq(shebang_parse("#! /usr/bin/python3 -tt\n", p, sizeof(p), a, sizeof(a)), 0);
	ck_assert_str_eq(p, "/usr/bin/python3");
	ck_assert_str_eq(a, "-tt");
	ck_assert_int_eq(shebang_parse("#!/usr/bin/env python3", p, sizeof(p), a, sizeof(a)), 0);
	ck_assert_str_eq(a, "python3");
	ck_assert_int_eq(shebang_parse("echo hi", p, sizeof(p), a, sizeof(a)), -EINVAL);
	ck_assert_int_eq(shebang_parse("#!\n", p, sizeof(p), a, sizeof(a)), -EINVAL);
}
END_TEST

START_TEST(verdict_order)
{
	ck_assert_int_eq(worst(V_OK, V_SKIPPED), V_OK);
	ck_assert_int_eq(worst(V_SKIPPED, V_WARNING), V_WARNING);
	ck_assert_int_eq(worst(V_WARNING, V_UNKNOWN), V_UNKNOWN);
	ck_assert_int_eq(worst(V_CRITICAL, V_UNKNOWN), V_CRITICAL);
	ck_assert_int_eq(worst(V_UNKNOWN, V_CRITICAL), V_CRITICAL);
	ck_assert_str_eq(verdict_name(V_CRITICAL), "CRITICAL");
}
END_TEST

/* ---- the parse check against real interpreters ------------------------------ */

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", VG_FENCE_AGENT_DIR, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Run ck_agent + ck_parse in a pipe-backed "worker" and return the parse
 * result. */
static struct result parse_of(const char *agent, long long timeout_ms)
{
	struct vg_cib_device cd = { .id = (char *)"dev", .agent = (char *)agent };
	struct device dev = { .cib = &cd };
	struct run r = { .o = { .check_timeout_ms = timeout_ms } };
	struct result m, last = { .check = -1 };
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	r.out_fd = pfd[1];
	ck_agent(&r, &dev);
	ck_parse(&r, &dev);
	close(pfd[1]);
	while (read(pfd[0], &m, sizeof(m)) == (ssize_t)sizeof(m))
		if (m.kind == MSG_RESULT)
			last = m;
	close(pfd[0]);
	return last;
}

static void agent_dir_setup(void)
{
	char p[128], hang[160];

	snprintf(agent_dir, sizeof(agent_dir), "/tmp/vg-check-selftest.%d", (int)getpid());
	mkdir(VG_FENCE_AGENT_DIR, 0755);
	write_file("fence_goodsh", "#!/bin/sh\ncase $1 in\n a) echo a ;;\nesac\n", 0755);
	write_file("fence_badsh", "#!/bin/sh\ncase $1 in\n a) echo a ;;\nfi\n", 0755);
	write_file("fence_badbash", "#!/bin/bash\nif true; then\n  echo x\n", 0755);
	write_file("fence_goodpy", "#!/usr/bin/python3 -tt\nimport sys\nprint(sys.argv)\n", 0755);
	write_file("fence_badpy", "#!/usr/bin/env python3\ndef f(:\n    pass\n", 0755);
	write_file("fence_nointerp", "#!/nonexistent/ksh\nexit 0\n", 0755);
	write_file("fence_noexec", "#!/bin/sh\nexit 0\n", 0644);
	snprintf(p, sizeof(p), "%s/bin", agent_dir);
	mkdir(p, 0755);
	/* an interpreter that hangs, named like a shell so it is run with -n */
	write_file("bin/sh", "#!/bin/sh\nexec sleep 30\n", 0755);
	snprintf(hang, sizeof(hang), "#!%s/bin/sh\nexit 0\n", agent_dir);
	write_file("fence_hangparse", hang, 0755);
}

static void agent_dir_teardown(void)
{
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf %s", agent_dir);
	rc = system(cmd);	/* best effort; a leftover directory fails nothing */
	(void)rc;
}

START_TEST(parse_check)
{
	struct result m;
	long long t0;

	m = parse_of("fence_goodsh", 5000);
	ck_assert_int_eq(m.verdict, V_OK);
	ck_assert_msg(strstr(m.text, "sh -n") != NULL, "%s", m.text);
	m = parse_of("fence_badsh", 5000);
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "syntax error") != NULL && strstr(m.text, "fence_badsh"), "%s",
		      m.text);
	ck_assert_msg(strstr(m.fix, "reinstall or fix") != NULL, "%s", m.fix);
	m = parse_of("fence_badbash", 5000);
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "bash -n") && strstr(m.text, "unexpected end of file"), "%s",
		      m.text);
	m = parse_of("fence_goodpy", 5000);
	ck_assert_msg(m.verdict == V_OK, "%s", m.text);
	m = parse_of("fence_badpy", 5000);
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "env python3 compile()") && strstr(m.text, "SyntaxError"),
		      "%s", m.text);
	m = parse_of("fence_nointerp", 5000);
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "/nonexistent/ksh") != NULL, "%s", m.text);
	m = parse_of("fence_noexec", 5000);	/* agent check fails; parse still named */
	ck_assert_int_ne(m.verdict, V_OK);
	t0 = vg_now_ms();
	m = parse_of("fence_hangparse", 1000);
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "did not finish within 1000 ms") != NULL, "%s", m.text);
	ck_assert_int_lt(vg_now_ms() - t0, 5000);
}
END_TEST

START_TEST(agent_check)
{
	struct vg_cib_device cd = { .id = (char *)"dev", .agent = (char *)"fence_nosuch" };
	struct device dev = { .cib = &cd };
	struct run r = { .o = { .check_timeout_ms = 1000 } };
	struct result m;
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	r.out_fd = pfd[1];
	ck_agent(&r, &dev);
	cd.agent = (char *)"../etc/passwd";
	ck_agent(&r, &dev);
	cd.agent = (char *)"fence_noexec";
	ck_agent(&r, &dev);
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &m, sizeof(m)), (ssize_t)sizeof(m));
	ck_assert_int_eq(m.verdict, V_CRITICAL);
	ck_assert_msg(strstr(m.text, "No such file") && strstr(m.fix, "fence_nosuch"), "%s", m.text);
	ck_assert_int_eq(read(pfd[0], &m, sizeof(m)), (ssize_t)sizeof(m));
	ck_assert_msg(m.verdict == V_CRITICAL && strstr(m.text, "not a file name"), "%s", m.text);
	ck_assert_int_eq(read(pfd[0], &m, sizeof(m)), (ssize_t)sizeof(m));
	ck_assert_msg(m.verdict == V_CRITICAL && strstr(m.text, "not an executable"), "%s", m.text);
	close(pfd[0]);
}
END_TEST

/* ---- workers, deadlines and coverage ----------------------------------------- */

static void send_result(struct run *r, int check, const char *target, int verdict)
{
	struct result m = { .kind = MSG_RESULT, .check = check, .verdict = verdict, .power = 1 };

	snprintf(m.target, sizeof(m.target), "%s", target ? target : "");
	snprintf(m.text, sizeof(m.text), "%s", "fake");
	w_send(r, &m);
}

/* A worker whose monitor hangs past its announced deadline. */
static void hanging_worker(struct run *r, struct device *dev)
{
	struct result m = { .kind = MSG_START, .check = CK_MONITOR };

	if (strcmp(dev->cib->id, "hang") != 0) {
		for (int c = 0; c < CK_N; c++)
			if (c != CK_STATUS)
				send_result(r, c, NULL, V_OK);
		m.kind = MSG_TARGET;
		snprintf(m.target, sizeof(m.target), "n1");
		w_send(r, &m);
		send_result(r, CK_STATUS, "n1", V_OK);
		return;
	}
	send_result(r, CK_AGENT, NULL, V_OK);
	m.deadline_ms = vg_now_ms() + 300;
	w_send(r, &m);
	sleep(30);
}

START_TEST(hung_worker_is_cut_at_its_deadline)
{
	struct vg_cib_device cd[3] = {
		{ .id = (char *)"hang", .agent = (char *)"fence_x" },
		{ .id = (char *)"good", .agent = (char *)"fence_y" },
		{ .id = (char *)"off", .agent = (char *)"fence_z", .disabled = true },
	};
	struct device devs[3] = { { .cib = &cd[0] }, { .cib = &cd[1] }, { .cib = &cd[2] } };
	struct run r = { .o = { .check_timeout_ms = 20000, .jobs = 8 }, .devs = devs, .ndevs = 3,
			 .worker = hanging_worker };
	long long t0 = vg_now_ms(), ms;
	bool hung = false, not_run = false;

	run_workers(&r);
	ms = vg_now_ms() - t0;
	ck_assert_msg(ms < 3000, "took %lld ms", ms);
	ck_assert(devs[0].done && !devs[0].running);
	for (size_t i = 0; i < devs[0].nres; i++) {
		if (devs[0].res[i].check == CK_MONITOR && devs[0].res[i].verdict == V_CRITICAL)
			hung = strstr(devs[0].res[i].text, "did not answer by its deadline") != NULL;
		if (devs[0].res[i].check == CK_TARGETS && devs[0].res[i].verdict == V_SKIPPED)
			not_run = strstr(devs[0].res[i].text, "not run") != NULL;
	}
	ck_assert(hung);
	ck_assert(not_run);
	ck_assert_int_eq(device_verdict(&devs[0]), V_CRITICAL);
	ck_assert_int_eq(device_verdict(&devs[1]), V_OK);
	ck_assert_int_eq(device_verdict(&devs[2]), V_SKIPPED);
	ck_assert_int_eq(device_works_for(&devs[1], "n1"), 1);
	ck_assert_int_eq(device_works_for(&devs[1], "n2"), 0);
	ck_assert_int_eq(device_works_for(&devs[0], "n1"), 0);
	for (int i = 0; i < 3; i++)
		free(devs[i].res);
}
END_TEST

static void add(struct device *dev, int kind, int check, const char *target, int verdict)
{
	struct result m = { .kind = kind, .check = check, .verdict = verdict };

	snprintf(m.target, sizeof(m.target), "%s", target ? target : "");
	dev_add(dev, &m);
}

START_TEST(coverage_and_topology)
{
	struct vg_cib_device cd[2] = { { .id = (char *)"f1" }, { .id = (char *)"f2" } };
	struct device devs[2] = { { .cib = &cd[0] }, { .cib = &cd[1] } };
	struct vg_cib_node nodes[3] = {
		{ .uname = (char *)"n1", .online = true }, { .uname = (char *)"n2" },
		{ .uname = (char *)"n3" },
	};
	struct vg_cib_level lv = { VG_CIB_LEVEL_NODE, (char *)"n2", (char *)"", 1, (char *)"f1,f2" };
	struct run r = { .devs = devs, .ndevs = 2 };
	int v[3] = { -1, -1, -1 };

	r.cib.nodes = nodes;
	r.cib.nnodes = 3;
	r.cib.levels = &lv;
	r.cib.nlevels = 1;
	/* f1 works for n1 and n2; f2 fails its monitor */
	add(&devs[0], MSG_TARGET, CK_TARGETS, "n1", 0);
	add(&devs[0], MSG_TARGET, CK_TARGETS, "n2", 0);
	add(&devs[0], MSG_RESULT, CK_MONITOR, NULL, V_OK);
	add(&devs[0], MSG_RESULT, CK_STATUS, "n1", V_OK);
	add(&devs[0], MSG_RESULT, CK_STATUS, "n2", V_OK);
	add(&devs[1], MSG_TARGET, CK_TARGETS, "n2", 0);
	add(&devs[1], MSG_RESULT, CK_MONITOR, NULL, V_CRITICAL);
	coverage(&r);
	ck_assert_uint_eq(r.nlocal, 3);
	for (size_t i = 0; i < r.nlocal; i++) {
		ck_assert_int_eq(r.local[i].check, CK_COVERAGE);
		v[r.local[i].target[1] - '1'] = r.local[i].verdict;
	}
	ck_assert_int_eq(v[0], V_OK);		/* n1: f1 */
	ck_assert_int_eq(v[1], V_CRITICAL);	/* n2: its only level needs f2 too */
	ck_assert_int_eq(v[2], V_CRITICAL);	/* n3: nothing names it */
	ck_assert_msg(strstr(r.local[1].text, "level 1: f2 fails") != NULL, "%s", r.local[1].text);
	ck_assert_msg(strstr(r.local[2].text, "no fence device names it") != NULL, "%s",
		      r.local[2].text);
	for (int i = 0; i < 2; i++)
		free(devs[i].res);
	free(r.local);
}
END_TEST

/* ---- output formats -------------------------------------------------------- */

static char *render(void (*fn)(const struct run *, int, FILE *), const struct run *r, int v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(r, v, f);
	fclose(f);
	return buf;
}

START_TEST(formats)
{
	struct vg_cib_device cd = { .id = (char *)"f\"1", .agent = (char *)"fence_a b" };
	struct device dev = { .cib = &cd, .ms = 1234 };
	struct run r = { .devs = &dev, .ndevs = 1, .cib_ok = true, .t0 = vg_now_ms() };
	char *out, line[2048];

	snprintf(r.node, sizeof(r.node), "n1");
	r.cib.stonith_enabled = true;
	add(&dev, MSG_RESULT, CK_MONITOR, NULL, V_CRITICAL);
	snprintf(dev.res[0].text, sizeof(dev.res[0].text), "tab\there \"q\" back\\slash");
	snprintf(dev.res[0].fix, sizeof(dev.res[0].fix), "do this");
	dev.res[0].ms = 250;
	dev.verdict = device_verdict(&dev);
	local_add(&r, CK_COVERAGE, "n1", V_CRITICAL, "fix", "node n1 cannot be fenced");

	failure_line(line, sizeof(line), &dev, &dev.res[0]);
	ck_assert_str_eq(line, "CRITICAL device f\"1 (fence_a b) monitor: tab\there \"q\" "
			 "back\\slash -> do this");
	failure_line(line, sizeof(line), NULL, &r.local[0]);
	ck_assert_str_eq(line, "CRITICAL node n1 coverage: node n1 cannot be fenced -> fix");

	out = render(out_nagios, &r, V_CRITICAL);
	ck_assert_msg(strncmp(out, "VMGUARD_SELFTEST CRITICAL: 1 of 1 fence devices failing, "
			      "1 of 1 nodes cannot be fenced | devices=1;;;0 failing=1;;1;0", 83) == 0,
		      "%s", out);
	ck_assert_msg(strstr(out, " f\"1=1.234s;;;0 f\"1_monitor=0.250s;;;0\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\nCRITICAL device f\"1") != NULL, "%s", out);
	free(out);

	out = render(out_json, &r, V_CRITICAL);
	ck_assert_msg(strstr(out, "\"id\": \"f\\\"1\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"message\": \"tab\\u0009here \\\"q\\\" back\\\\slash\"") != NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, "\"exit_code\": 2") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"failures\": [\n    \"CRITICAL device") != NULL, "%s", out);
	free(out);

	r.o.quiet = true;
	out = render(out_human, &r, V_OK);
	ck_assert_str_eq(out, "");	/* cron: silence when all is well */
	free(out);
	r.o.quiet = false;
	out = render(out_human, &r, V_CRITICAL);
	ck_assert_msg(strstr(out, "What would fail, and what to do:\nCRITICAL device") != NULL,
		      "%s", out);
	free(out);
	free(dev.res);
	free(r.local);
}
END_TEST

START_TEST(secrets_masked_in_results)
{
	struct run r;
	struct result m;
	int pfd[2];

	vg_log_add_secret("Secret-99");
	ck_assert_int_eq(pipe(pfd), 0);
	r.out_fd = pfd[1];
	w_result(&r, CK_VALIDATE, NULL, V_CRITICAL, -1, 0, "use Secret-99 again",
		 "agent said: bad password Secret-99");
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &m, sizeof(m)), (ssize_t)sizeof(m));
	close(pfd[0]);
	ck_assert_str_eq(m.text, "agent said: bad password ****");
	ck_assert_str_eq(m.fix, "use **** again");
	vg_log_clear_secrets();
}
END_TEST

START_TEST(options)
{
	struct opts o;
	char *a1[] = { (char *)"selftest", (char *)"--json", (char *)"-t", (char *)"2.5",
		       (char *)"--no-attribute", (char *)"-j", (char *)"4", NULL };
	char *a2[] = { (char *)"selftest", (char *)"--timeout", (char *)"0", NULL };
	char *a3[] = { (char *)"selftest", (char *)"extra", NULL };

	ck_assert_int_eq(parse_opts(7, a1, &o), 0);
	ck_assert_int_eq(o.format, OUT_JSON);
	ck_assert_int_eq(o.check_timeout_ms, 2500);
	ck_assert(!o.attribute);
	ck_assert_int_eq(o.jobs, 4);
	ck_assert_int_eq(parse_opts(3, a2, &o), -EINVAL);
	ck_assert_int_eq(parse_opts(2, a3, &o), -EINVAL);
}
END_TEST

/* A vmguardd that stopped refreshing its status file may be hung in the
 * middle of guarding nothing: CRITICAL, whatever state it last wrote.  A
 * fresh status in a healthy state is OK.  The "vmguardd" is a child named
 * so with prctl, because selftest checks the status file's PID is one. */
struct local_case {
	long long age_ms;		/* of the status file */
	const char *watchdog;		/* its watchdog= value */
	long long stonith_timeout_ms;	/* the CIB's; 0: no CIB */
};

/* The worst verdict local_checks gives `check` for a vmguardd (PID pid)
 * whose status file and cluster are as c says. */
static int local_verdict(pid_t pid, const struct local_case *c, int check)
{
	char conf[128], status[128];
	struct run r = { 0 };
	int v = -1;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/vmguardd.conf", agent_dir);
	snprintf(status, sizeof(status), "%s/vmguardd.status", agent_dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "status_file = %s\nwatchdog = %s\n", status,
		strcmp(c->watchdog, "disabled") == 0 ? "no" : "yes");
	ck_assert_int_eq(fclose(f), 0);
	f = fopen(status, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "pid=%d\nstate=up\nwatchdog=%s\nupdated_ms=%lld\n", (int)pid, c->watchdog,
		vg_now_ms() - c->age_ms);
	ck_assert_int_eq(fclose(f), 0);
	r.o.config = conf;
	if (c->stonith_timeout_ms > 0) {
		r.cib_ok = true;
		r.cib.stonith_timeout_ms = c->stonith_timeout_ms;
	}
	local_checks(&r);
	for (size_t i = 0; i < r.nlocal; i++)
		if (r.local[i].check == check)
			v = v < 0 ? r.local[i].verdict : worst(v, r.local[i].verdict);
	free(r.local);
	unlink(conf);
	unlink(status);
	return v;
}

static int vmguardd_verdict(pid_t pid, long long age_ms)
{
	struct local_case c = { .age_ms = age_ms, .watchdog = "disabled" };

	return local_verdict(pid, &c, CK_VMGUARDD);
}

/* A child named vmguardd (selftest checks the status file's PID is one). */
static pid_t fake_vmguardd(void)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "vmguardd");
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* Only an armed watchdog is OK; a status that says anything else (not fed,
 * unknown) is CRITICAL, a disabled one a warning. */
START_TEST(watchdog_ok_only_when_armed)
{
	pid_t pid = fake_vmguardd();
	struct local_case c = { .watchdog = "armed" };

	ck_assert_int_eq(local_verdict(pid, &c, CK_WATCHDOG), V_OK);
	c.watchdog = "not-fed";
	ck_assert_int_eq(local_verdict(pid, &c, CK_WATCHDOG), V_CRITICAL);
	c.watchdog = "garbage";
	ck_assert_int_eq(local_verdict(pid, &c, CK_WATCHDOG), V_CRITICAL);
	c.watchdog = "disabled";
	ck_assert_int_eq(local_verdict(pid, &c, CK_WATCHDOG), V_WARNING);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

/* The cluster may still be carrying out a fence of this host until its
 * stonith-timeout: the timing rule must be judged with the longer of it
 * and vmguardd's fence_timeout (30 s by default; the frontend recovers
 * after 540 s). */
START_TEST(timing_rule_uses_the_clusters_stonith_timeout)
{
	pid_t pid = fake_vmguardd();
	struct local_case c = { .watchdog = "armed", .stonith_timeout_ms = 20000 };

	ck_assert_int_eq(local_verdict(pid, &c, CK_TIMING), V_OK);
	c.stonith_timeout_ms = 600000;
	ck_assert_int_eq(local_verdict(pid, &c, CK_TIMING), V_CRITICAL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(stale_vmguardd_status_is_critical)
{
	pid_t pid = fake_vmguardd();
	ck_assert_int_eq(vmguardd_verdict(pid, 0), V_OK);
	ck_assert_int_eq(vmguardd_verdict(pid, 14000), V_OK);
	ck_assert_int_eq(vmguardd_verdict(pid, 16000), V_CRITICAL);
	ck_assert_int_eq(vmguardd_verdict(pid, 3600000), V_CRITICAL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The PID is gone now: not running is CRITICAL too (configured). */
	ck_assert_int_eq(vmguardd_verdict(pid, 0), V_CRITICAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selftest");
	TCase *tc = tcase_create("selftest");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, agent_dir_setup, agent_dir_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, cib_parse_devices_nodes_topology);
	tcase_add_test(tc, cib_parse_defaults_and_garbage);
	tcase_add_test(tc, host_lists);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, shebang);
	tcase_add_test(tc, verdict_order);
	tcase_add_test(tc, parse_check);
	tcase_add_test(tc, agent_check);
	tcase_add_test(tc, hung_worker_is_cut_at_its_deadline);
	tcase_add_test(tc, coverage_and_topology);
	tcase_add_test(tc, formats);
	tcase_add_test(tc, secrets_masked_in_results);
	tcase_add_test(tc, options);
	tcase_add_test(tc, stale_vmguardd_status_is_critical);
	tcase_add_test(tc, watchdog_ok_only_when_armed);
	tcase_add_test(tc, timing_rule_uses_the_clusters_stonith_timeout);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
