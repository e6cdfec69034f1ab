/* Interop fixtures: writes Parquet files with HyperbyteDB's writer into a
 * directory (local StoragePort), each with the rows it holds as JSON beside
 * it (NAME.parquet + NAME.json, the value encoding of duckdb_dump.mjs), so
 * tests/interop/test_duckdb.py can check DuckDB reads every value back.
 * Covers all five field types, nulls, escaped and unicode names and values,
 * special floats, extreme integers, several row groups, dictionary fallback,
 * ZSTD and uncompressed pages.  usage: write_fixtures DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "adapters/storage_local.h"
#include "format/parquet_writer.h"

static void jstr(FILE *f, const char *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}
static void jdbl(FILE *f, double d)
{
    if (isnan(d)) fputs("\"NaN\"", f);
    else if (isinf(d)) fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
    else if (d == 0 && signbit(d)) fputs("\"-0\"", f);
    else fprintf(f, "%.17g", d);
}

#define NC 10
static const hb_pq_coldef COLS[NC] = {
    { "time", HB_PQ_TIME, HB_FT_INTEGER },
    { "a,b", HB_PQ_TAG, HB_FT_STRING },
    { "c\\d", HB_PQ_TAG, HB_FT_STRING },
    { "h\xc3\xb6st \xe2\x9c\x93", HB_PQ_TAG, HB_FT_STRING },
    { "usage", HB_PQ_FIELD, HB_FT_FLOAT },
    { "count", HB_PQ_FIELD, HB_FT_INTEGER },
    { "big", HB_PQ_FIELD, HB_FT_UNSIGNED },
    { "msg \"q\"", HB_PQ_FIELD, HB_FT_STRING },
    { "ok", HB_PQ_FIELD, HB_FT_BOOLEAN },
    { "id", HB_PQ_FIELD, HB_FT_STRING },
};

static int write_file(hb_storage_port *st, const char *dir, const char *name, size_t n, hb_pq_codec codec,
                      size_t rg, size_t dict_max, size_t page_bytes)
{
    hb_err err;
    int64_t *t = malloc(n * 8), *iv = malloc(n * 8);
    uint64_t *uv = malloc(n * 8);
    double *fv = malloc(n * 8);
    uint8_t *bv = malloc(n);
    hb_slice *s1 = malloc(n * sizeof *s1), *s2 = malloc(n * sizeof *s2), *s3 = malloc(n * sizeof *s3),
             *sm = malloc(n * sizeof *sm), *sid = malloc(n * sizeof *sid);
    char (*idb)[40] = malloc(n * 40), (*mb)[40] = malloc(n * 40);
    uint8_t *valid[NC];
    for (int c = 0; c < NC; c++) valid[c] = calloc(n / 8 + 1, 1);
    static const char *hosts[] = { "host_0", "h\xc3\xa9llo", "", "\xe6\x97\xa5\xe6\x9c\xac", "x,y=z \\" };
    static const double specials[] = { NAN, INFINITY, -INFINITY, -0.0, 0.0, 1e308, -1e-308, 4.9e-324, 0.1 };
    static const int64_t ispec[] = { INT64_MIN, INT64_MAX, 0, -1, 1 };
    static const uint64_t uspec[] = { UINT64_MAX, 0, (uint64_t)INT64_MAX + 1, 1, UINT64_MAX - 1 };
    for (size_t r = 0; r < n; r++) {
        size_t series = r * 5 / n;
        t[r] = 1700000000123456789LL + (int64_t)(r - series * (n / 5)) * 10000000007LL;
        s1[r] = hb_slice_c(hosts[series]);
        s2[r] = hb_slice_c(series % 2 ? "eu-west" : "us");
        s3[r] = hb_slice_c(hosts[(series + 1) % 5]);
        fv[r] = r % 50 < 9 ? specials[r % 50] : (double)r * 1.1 - 77.25;
        iv[r] = r % 40 < 5 ? ispec[r % 40] : (int64_t)r * 12345 - 99999;
        uv[r] = r % 30 < 5 ? uspec[r % 30] : (uint64_t)r * 0x9E3779B97F4A7C15ull;
        bv[r] = (uint8_t)(r % 3 == 1);
        snprintf(mb[r], 40, r % 7 ? "m\xc3\xbc %zu \"x\"" : "", r % 13);
        sm[r] = hb_slice_c(mb[r]);
        snprintf(idb[r], 40, "id-%030zu", r * 7919);
        sid[r] = hb_slice_c(idb[r]);
        for (int c = 1; c < NC; c++) {
            int null = (r + (size_t)c) % (c + 3) == 0;
            if (c == 1) null = 0;
            if (!null) valid[c][r / 8] |= (uint8_t)(1u << (r % 8));
        }
    }
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.codec = codec;
    o.row_group_rows = rg;
    if (dict_max) o.dict_max_bytes = dict_max;
    if (page_bytes) o.page_bytes = page_bytes;
    o.measurement = "cpu \xe2\x9c\x93";
    o.created_by = "hyperbytedb 0.1.0";
    char key[256], expfile[4096];
    snprintf(key, sizeof key, "%s.parquet", name);
    snprintf(expfile, sizeof expfile, "%s/%s.json", dir, name);
    hb_pq_writer *w;
    if (hb_pq_writer_open(st, key, COLS, NC, &o, &w, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
    for (size_t off = 0; off < n; off += 1000) {
        size_t k = n - off < 1000 ? n - off : 1000;
        hb_pq_colvec v[NC] = {
            { NULL, t + off }, { valid[1] + off / 8, s1 + off }, { valid[2] + off / 8, s2 + off },
            { valid[3] + off / 8, s3 + off }, { valid[4] + off / 8, fv + off }, { valid[5] + off / 8, iv + off },
            { valid[6] + off / 8, uv + off }, { valid[7] + off / 8, sm + off }, { valid[8] + off / 8, bv + off },
            { valid[9] + off / 8, sid + off },
        };
        if (hb_pq_writer_append(w, v, k, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
    }
    hb_pq_file_info info;
    if (hb_pq_writer_finish(w, &info, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
    fprintf(stderr, "%s: %" PRIu64 " rows, %" PRIu64 " bytes, %u row groups\n", key, info.rows, info.bytes, info.row_groups);
    FILE *f = fopen(expfile, "w");
    if (!f) { perror(expfile); return 1; }
    fputs("{\"columns\":[", f);
    for (int c = 0; c < NC; c++) { if (c) fputc(',', f); jstr(f, COLS[c].name, strlen(COLS[c].name)); }
    fputs("],\"rows\":[", f);
    for (size_t r = 0; r < n; r++) {
        fprintf(f, "%s[{\"ns\":\"%" PRId64 "\"}", r ? ",\n" : "", t[r]);
        for (int c = 1; c < NC; c++) {
            fputc(',', f);
            if (!((valid[c][r / 8] >> (r % 8)) & 1)) { fputs("null", f); continue; }
            switch (c) {
            case 1: jstr(f, s1[r].p, s1[r].n); break;
            case 2: jstr(f, s2[r].p, s2[r].n); break;
            case 3: jstr(f, s3[r].p, s3[r].n); break;
            case 4: jdbl(f, fv[r]); break;
            case 5: fprintf(f, "\"%" PRId64 "\"", iv[r]); break;
            case 6: fprintf(f, "\"%" PRIu64 "\"", uv[r]); break;
            case 7: jstr(f, sm[r].p, sm[r].n); break;
            case 8: fputs(bv[r] ? "true" : "false", f); break;
            case 9: jstr(f, sid[r].p, sid[r].n); break;
            }
        }
        fputc(']', f);
    }
    fprintf(f, "],\"row_groups\":%u}\n", info.row_groups);
    fclose(f);
    free(t); free(iv); free(uv); free(fv); free(bv); free(s1); free(s2); free(s3); free(sm); free(sid);
    free(idb); free(mb);
    for (int c = 0; c < NC; c++) free(valid[c]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: write_fixtures DIR\n");
        return 2;
    }
    hb_err err;
    hb_storage_port st;
    if (hb_storage_local_open(argv[1], &st, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
    int rc = 0;
    rc |= write_file(&st, argv[1], "zstd", 2500, HB_PQ_CODEC_ZSTD, 1000, 0, 0);
    rc |= write_file(&st, argv[1], "plain", 2500, HB_PQ_CODEC_UNCOMPRESSED, 1000, 0, 0);
    rc |= write_file(&st, argv[1], "fallback", 10000, HB_PQ_CODEC_ZSTD, 4000, 8192, 2048);
    rc |= write_file(&st, argv[1], "one", 7, HB_PQ_CODEC_ZSTD, 65536, 0, 0);
    rc |= write_file(&st, argv[1], "default", 70000, HB_PQ_CODEC_ZSTD, 65536, 0, 0);
    st.close(st.self);
    return rc;
}
