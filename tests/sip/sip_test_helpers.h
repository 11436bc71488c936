/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers the SIP test files share: corpus access and reading back what the UA sent. */
#ifndef DPV_TESTS_SIP_TEST_HELPERS_H
#define DPV_TESTS_SIP_TEST_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <ftw.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sip.h"

/* The corpora directory (DPV_CORPORA, set by meson); fails the test when it is missing. */
static inline const char *
corpora(void)
{
	const char *d = getenv("DPV_CORPORA");
	struct stat st;

	cr_assert(d && *d,
	          "DPV_CORPORA is not set: point it at the corpora directory (../shared/corpora)");
	cr_assert(stat(d, &st) == 0 && S_ISDIR(st.st_mode),
	          "DPV_CORPORA=%s does not exist or is not a directory", d);
	return d;
}

/* The whole file at @a path, malloc'd (one spare byte), its length in @a len. */
static inline char *
slurp(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (uint32_t)n;
	return b;
}

/* A PROTOS case's "<len> <template>" at @a p (before @a e): the template, its length in @a tl. */
static inline const char *
protos_template(const char *p, const char *e, uint32_t *tl)
{
	char *end;
	unsigned long v = strtoul(p, &end, 10);

	cr_assert(end < e && *end == ' ' && v <= (unsigned long)(e - end - 1), "bad case framing");
	*tl = (uint32_t)v;
	return end + 1;
}

/* @a fn on every message file of the corpora's @a sub directory (not its README.md,
 * SHA256SUMS or dot files); fails the test when there is none. */
static inline unsigned
corpus_dir_each(const char *sub, void (*fn)(const char *path, void *arg), void *arg)
{
	char dir[4096], path[4600];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", corpora(), sub);
	d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README.md") == 0 ||
		    strncmp(de->d_name, "SHA256SUMS", 10) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fn(path, arg);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0, "%s: no messages", sub);
	return n;
}

/* @a fn on both templates of every PROTOS c07-sip case (unpacked into a temporary directory
 * that is removed afterwards); returns the number of cases. */
static inline unsigned
protos_each(void (*fn)(const char *t, uint32_t tl, unsigned i, int part, void *arg), void *arg)
{
	char tmp[] = "/tmp/dpv-protos-XXXXXX", cmd[8192], path[4200];
	unsigned cases = 0;

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "tar -xzf '%s/protos/c07-sip-r2-testcases.tar.gz' -C '%s'",
	         corpora(), tmp);
	cr_assert_eq(system(cmd), 0, "extracting PROTOS failed: %s", cmd);
	for (unsigned i = 0;; i++) {
		uint32_t len, tl;

		snprintf(path, sizeof(path), "%s/testcases/%07u", tmp, i);
		if (access(path, R_OK) != 0)
			break;
		char *b = slurp(path, &len);
		const char *p = b;
		for (int part = 0; part < 2; part++) {
			const char *t = protos_template(p, b + len, &tl);
			fn(t, tl, i, part, arg);
			p = t + tl;
		}
		free(b);
		cases++;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	return cases;
}

/* What pjproject_sip_seeds_each() hands each file to (nftw's callback takes no argument). */
static void (*seeds_fn)(const char *path, void *arg) __attribute__((unused));
static void *seeds_arg __attribute__((unused));
static unsigned seeds_n __attribute__((unused));

static inline int
seeds_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_F) {
		seeds_fn(path, seeds_arg);
		seeds_n++;
	}
	return 0;
}

/* @a fn on every file of the pjproject SIP and SIP-dialog seed corpora (unpacked into a
 * temporary directory that is removed afterwards); fails the test when there is none. */
static inline unsigned
pjproject_sip_seeds_each(void (*fn)(const char *path, void *arg), void *arg)
{
	char tmp[] = "/tmp/dpv-seeds-XXXXXX", cmd[8192];

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -m zipfile -e '%s/fuzz/pjproject-seed/fuzz-sip_seed_corpus.zip' '%s/a' && "
	    "python3 -m zipfile -e '%s/fuzz/pjproject-seed/fuzz-sip-dialog_seed_corpus.zip' "
	    "'%s/b'",
	    corpora(), tmp, corpora(), tmp);
	cr_assert_eq(system(cmd), 0, "unpacking the seeds failed: %s", cmd);
	seeds_fn = fn;
	seeds_arg = arg;
	seeds_n = 0;
	cr_assert_eq(nftw(tmp, seeds_visit, 16, FTW_PHYS), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	cr_assert_gt(seeds_n, 0);
	return seeds_n;
}

/*
 * A datagram the UA sent parses back, except the answer to a request that failed to parse:
 * it copies the request's Via/From/To/Call-ID/CSeq lines as received (RFC 4475 3.1.2), so
 * it may lack one or carry it malformed; its status line and Warning are still ours.
 */
static inline bool
sent_parses(const char *data, uint32_t len, struct sip_msg *m, int *rc)
{
	*rc = sip_parse(data, len, m);
	if (*rc == 0)
		return true;
	switch (*rc) {
	case SIP_PERR_NO_FROM:
	case SIP_PERR_NO_TO:
	case SIP_PERR_NO_CALL_ID:
	case SIP_PERR_NO_CSEQ:
	case SIP_PERR_VIA:
	case SIP_PERR_FROM:
	case SIP_PERR_TO:
	case SIP_PERR_CALL_ID:
	case SIP_PERR_CSEQ:
		return !m->is_request && (m->status == 400 || m->status == 505) &&
		       memmem(data, len, "\r\nWarning: 399 dpvoip \"", 23) != NULL;
	default:
		return false;
	}
}

#endif /* DPV_TESTS_SIP_TEST_HELPERS_H */
