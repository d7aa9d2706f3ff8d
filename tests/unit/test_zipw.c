/* test_zipw.c -- the streaming ZIP writer: archives are checked by
 * third-party readers (`python3 -m zipfile -t`, a python3 zipfile
 * extraction compared byte for byte with what was written, and `unzip -t`
 * when installed), plain and ZIP64 (the overflow threshold lowered so the
 * ZIP64 records appear in small archives); CRC-32 check values; errors
 * (an entry passing 4 GiB without ZIP64, a reader that goes away, bad
 * names); file-name sanitising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/zipw.h"

static char tmpdir[256];

struct mem {
    unsigned char *buf;
    size_t len, cap;
    size_t fail_after; /* abort once this many bytes are written (0: never) */
};

static int mem_write(void *ctx, const void *data, size_t len)
{
    struct mem *m = ctx;

    if (m->fail_after && m->len + len > m->fail_after)
        return -1;
    if (m->len + len > m->cap) {
        m->cap = (m->len + len) * 2;
        m->buf = realloc(m->buf, m->cap);
        assert_non_null(m->buf);
    }
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    return 0;
}

static int setup_all(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mx-zipw-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_all(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int have(const char *tool)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static void save(const char *path, const struct mem *m)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(m->buf, 1, m->len, f), m->len);
    assert_int_equal(fclose(f), 0);
}

static unsigned char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

struct ent {
    const char *name;
    unsigned char *data;
    size_t len;
};

static unsigned char *pattern(size_t len, uint32_t seed)
{
    unsigned char *b = malloc(len ? len : 1);

    assert_non_null(b);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = (unsigned char)(seed >> 24);
    }
    return b;
}

/* Writes the entries (data in uneven pieces) with the given limit and
 * max_size; returns the archive. */
static struct mem build(const struct ent *e, int n, uint64_t limit,
                        uint64_t max_size)
{
    struct mem m = {0};
    eng_zipw *z = eng_zipw_new(mem_write, &m);

    assert_non_null(z);
    if (limit)
        eng_zipw_set_limit(z, limit);
    for (int i = 0; i < n; i++) {
        assert_int_equal(eng_zipw_begin(z, e[i].name, 1700000000, max_size), 0);
        size_t off = 0, piece = 1;
        while (off < e[i].len) {
            size_t k = e[i].len - off < piece ? e[i].len - off : piece;
            assert_int_equal(eng_zipw_write(z, e[i].data + off, k), 0);
            off += k;
            piece = piece * 3 + 7;
        }
        if (i % 2) /* the odd ones are ended by the next begin/finish */
            assert_int_equal(eng_zipw_end(z), 0);
    }
    assert_int_equal(eng_zipw_finish(z), 0);
    assert_string_equal(eng_zipw_error(z), "");
    assert_int_equal(eng_zipw_bytes(z), m.len);
    eng_zipw_free(z);
    return m;
}

/* Checks the archive with python3's zipfile (test, names in order, every
 * entry's bytes) and with unzip -t. */
static void verify(const char *tag, const struct mem *m, const struct ent *e,
                   int n)
{
    char zip[512], out[512], cmd[2048], path[1024], names[8192];
    size_t used = 0;

    snprintf(zip, sizeof zip, "%s/%s.zip", tmpdir, tag);
    snprintf(out, sizeof out, "%s/%s.d", tmpdir, tag);
    save(zip, m);
    snprintf(cmd, sizeof cmd, "python3 -m zipfile -t '%s' >/dev/null", zip);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import os, sys, zipfile\n"
             "z = zipfile.ZipFile(sys.argv[1])\n"
             "assert z.testzip() is None\n"
             "for i in z.infolist(): assert i.compress_type == 0 and i.flag_bits & 0x808 == 0x808, i\n"
             "os.makedirs(sys.argv[2], exist_ok=True)\n"
             "z.extractall(sys.argv[2])\n"
             "open(sys.argv[3], \"w\", encoding=\"utf-8\").write(\"\\n\".join(z.namelist()))' "
             "'%s' '%s' '%s/names'",
             zip, out, out);
    assert_int_equal(system(cmd), 0);
    names[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                 i ? "\n" : "", e[i].name);
    snprintf(path, sizeof path, "%s/names", out);
    size_t nl;
    unsigned char *got = load(path, &nl);
    got[nl] = '\0';
    assert_string_equal((char *)got, names);
    free(got);
    for (int i = 0; i < n; i++) {
        size_t len;
        snprintf(path, sizeof path, "%s/%s", out, e[i].name);
        unsigned char *b = load(path, &len);
        assert_int_equal(len, e[i].len);
        assert_memory_equal(b, e[i].data, len ? len : 0);
        free(b);
    }
    if (n > 0 && have("unzip")) { /* unzip calls an empty archive an error */
        snprintf(cmd, sizeof cmd, "unzip -tqq '%s'", zip);
        assert_int_equal(system(cmd), 0);
    }
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(eng_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(eng_crc32(0, "", 0), 0);
    unsigned char *b = pattern(100003, 5);
    uint32_t whole = eng_crc32(0, b, 100003), part = 0;
    for (size_t off = 0, k = 1; off < 100003; off += k, k = k * 2 + 1)
        part = eng_crc32(part, b + off, off + k > 100003 ? 100003 - off : k);
    assert_int_equal(whole, part);
    free(b);
}

static void test_plain(void **state)
{
    (void)state;
    struct ent e[] = {
        {"01 Drums.wav", pattern(1 << 20, 1), 1 << 20},
        {"02 Bässe ♪.wav", pattern(12345, 2), 12345},
        {"03 empty.wav", pattern(0, 3), 0},
        {"dir/04 nested.txt", (unsigned char *)strdup("hello\n"), 6},
    };
    struct mem m = build(e, 4, 0, 1 << 21);
    /* no ZIP64 record: the end record sits right after the directory */
    assert_int_equal(rd32(m.buf + m.len - 22), 0x06054b50u);
    assert_int_not_equal(rd32(m.buf + m.len - 42), 0x07064b50u);
    assert_int_equal(m.buf[6] | m.buf[7] << 8, 0x0808); /* flags */
    verify("plain", &m, e, 4);
    for (int i = 0; i < 4; i++)
        free(e[i].data);
    free(m.buf);
}

static void test_empty_archive(void **state)
{
    (void)state;
    struct mem m = build(NULL, 0, 0, 0);
    assert_int_equal(m.len, 22);
    verify("empty", &m, NULL, 0);
    free(m.buf);
}

/* The limit lowered to 1000 bytes: entries begun as ZIP64 (local extra
 * field, 8-byte descriptor sizes), offsets and the directory past the
 * limit (ZIP64 end record and locator). */
static void test_zip64(void **state)
{
    (void)state;
    struct ent e[] = {
        {"a.bin", pattern(3000, 11), 3000},
        {"b.bin", pattern(10, 12), 10},
        {"c.bin", pattern(5000, 13), 5000},
    };
    struct mem m = build(e, 3, 1000, ENG_ZIPW_SIZE_UNKNOWN);
    assert_int_equal(rd32(m.buf + m.len - 22), 0x06054b50u);
    assert_int_equal(rd32(m.buf + m.len - 42), 0x07064b50u);
    assert_int_equal(m.buf[4], 45); /* version needed: 4.5 */
    verify("zip64", &m, e, 3);
    free(m.buf);
    /* entries below the limit that are not ZIP64 themselves, at offsets
     * past it */
    m = build(e + 1, 1, 1000, 100);
    verify("zip64-small", &m, e + 1, 1);
    free(m.buf);
    struct ent many[12];
    char names[12][16];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "n%02d", i);
        many[i] = (struct ent){names[i], pattern(50, (uint32_t)i), 50};
    }
    m = build(many, 12, 10, 60); /* 12 entries >= the count limit 10 */
    assert_int_equal(rd32(m.buf + m.len - 42), 0x07064b50u);
    verify("zip64-count", &m, many, 12);
    free(m.buf);
    for (int i = 0; i < 12; i++)
        free(many[i].data);
    for (int i = 0; i < 3; i++)
        free(e[i].data);
}

static void test_errors(void **state)
{
    (void)state;
    struct mem m = {0};
    eng_zipw *z = eng_zipw_new(mem_write, &m);
    unsigned char buf[600] = {0};

    /* an entry passing the limit that was not begun as ZIP64 */
    eng_zipw_set_limit(z, 1000);
    assert_int_equal(eng_zipw_begin(z, "x", 0, 999), 0);
    assert_int_equal(eng_zipw_write(z, buf, 600), 0);
    assert_int_equal(eng_zipw_write(z, buf, 600), -1);
    assert_non_null(strstr(eng_zipw_error(z), "4 GiB"));
    assert_int_equal(eng_zipw_finish(z), -1); /* failed for good */
    eng_zipw_free(z);
    free(m.buf);

    /* bad names; writing outside an entry */
    memset(&m, 0, sizeof m);
    z = eng_zipw_new(mem_write, &m);
    assert_int_equal(eng_zipw_begin(z, "", 0, 0), -1);
    eng_zipw_free(z);
    z = eng_zipw_new(mem_write, &m);
    assert_int_equal(eng_zipw_begin(z, "/abs", 0, 0), -1);
    eng_zipw_free(z);
    z = eng_zipw_new(mem_write, &m);
    assert_int_equal(eng_zipw_write(z, buf, 1), -1);
    eng_zipw_free(z);
    free(m.buf);

    /* the reader goes away: -2, and it stays failed */
    memset(&m, 0, sizeof m);
    m.fail_after = 100;
    z = eng_zipw_new(mem_write, &m);
    assert_int_equal(eng_zipw_begin(z, "x", 0, 0), 0);
    assert_int_equal(eng_zipw_write(z, buf, 200), -2);
    assert_int_equal(eng_zipw_end(z), -2);
    assert_int_equal(eng_zipw_finish(z), -2);
    eng_zipw_free(z);
    free(m.buf);

    /* nothing after finish */
    memset(&m, 0, sizeof m);
    z = eng_zipw_new(mem_write, &m);
    assert_int_equal(eng_zipw_finish(z), 0);
    assert_int_equal(eng_zipw_begin(z, "late", 0, 0), -1);
    eng_zipw_free(z);
    free(m.buf);
    eng_zipw_free(NULL);
}

static void test_safe_name(void **state)
{
    char out[64];

    (void)state;
    eng_zipw_safe_name(out, sizeof out, "Drums");
    assert_string_equal(out, "Drums");
    eng_zipw_safe_name(out, sizeof out, "a/b\\c:d*e?f\"g<h>i|j\tk");
    assert_string_equal(out, "a_b_c_d_e_f_g_h_i_j_k");
    eng_zipw_safe_name(out, sizeof out, " ..hidden. ");
    assert_string_equal(out, "hidden");
    eng_zipw_safe_name(out, sizeof out, "../..");
    assert_string_equal(out, "_");
    eng_zipw_safe_name(out, sizeof out, "");
    assert_string_equal(out, "_");
    eng_zipw_safe_name(out, sizeof out, "Bässe ♪");
    assert_string_equal(out, "Bässe ♪");
    /* truncation never splits a UTF-8 character ("ä" is 2 bytes) */
    eng_zipw_safe_name(out, 3, "aäb");
    assert_string_equal(out, "a");
    eng_zipw_safe_name(out, 4, "aäb");
    assert_string_equal(out, "aä");
    eng_zipw_safe_name(out, 5, "a♪b"); /* "♪" is 3 bytes */
    assert_string_equal(out, "a♪");
    eng_zipw_safe_name(out, 4, "a♪b");
    assert_string_equal(out, "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_empty_archive),
        cmocka_unit_test(test_zip64),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_safe_name),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
