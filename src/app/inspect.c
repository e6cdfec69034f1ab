/* `hyperbytedb inspect FILE.parquet`: schema, row groups, column statistics,
 * encodings and sizes of a Parquet file, for operators and for debugging. */
#include "app/inspect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/storage_local.h"
#include "base/fmt.h"
#include "format/parquet_meta.h"
#include "format/parquet_reader.h"

static const char *type_name(int32_t t)
{
    static const char *const names[] = { "BOOLEAN", "INT32", "INT64", "INT96",
                                         "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY" };
    return t >= 0 && t < 8 ? names[t] : "?";
}

static const char *encoding_name(int32_t e)
{
    switch (e) {
    case HB_PQ_ENC_PLAIN: return "PLAIN";
    case HB_PQ_ENC_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case HB_PQ_ENC_RLE: return "RLE";
    case HB_PQ_ENC_BIT_PACKED: return "BIT_PACKED";
    case HB_PQ_ENC_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case HB_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case HB_PQ_ENC_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case HB_PQ_ENC_RLE_DICTIONARY: return "RLE_DICTIONARY";
    case HB_PQ_ENC_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
    default: return "?";
    }
}

static const char *codec_name(int32_t c)
{
    static const char *const names[] = { "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW" };
    return c >= 0 && c < 8 ? names[c] : "?";
}

static const char *role_name(hb_pq_role r)
{
    return r == HB_PQ_TIME ? "time" : r == HB_PQ_TAG ? "tag" : "field";
}

static void logical(FILE *out, const hb_pq_schema_element *se)
{
    const hb_pq_logical_type *lt = &se->logical_type;
    switch (lt->kind) {
    case HB_PQ_LT_NONE: break;
    case HB_PQ_LT_STRING: fputs(" STRING", out); break;
    case HB_PQ_LT_TIMESTAMP: {
        const char *u = lt->unit == HB_PQ_NANOS ? "NANOS" : lt->unit == HB_PQ_MICROS ? "MICROS" : "MILLIS";
        fprintf(out, " TIMESTAMP(%s,%s)", u, lt->is_adjusted_to_utc ? "UTC" : "local");
        break;
    }
    case HB_PQ_LT_INTEGER: fprintf(out, " INTEGER(%d,%s)", lt->bit_width, lt->is_signed ? "signed" : "unsigned"); break;
    default: fprintf(out, " logical#%d", lt->kind); break;
    }
}

static void print_value(FILE *out, const hb_pq_coldef *cd, const hb_pq_colstats *st, int max)
{
    char num[32];
    switch (cd->type) {
    case HB_FT_FLOAT:
        hb_fmt_float_json(max ? st->max.d : st->min.d, num);
        fputs(num, out);
        break;
    case HB_FT_UNSIGNED: fprintf(out, "%" PRIu64, max ? st->max.u : st->min.u); break;
    case HB_FT_BOOLEAN: fputs((max ? st->max.b : st->min.b) ? "true" : "false", out); break;
    case HB_FT_STRING: {
        hb_slice s = max ? st->smax : st->smin;
        fprintf(out, "\"%.*s\"", (int)(s.n > 40 ? 40 : s.n), s.p);
        if (s.n > 40)
            fputs("...", out);
        break;
    }
    default:
        if (cd->role == HB_PQ_TIME) {
            char t[40];
            hb_fmt_rfc3339nano(max ? st->max.i : st->min.i, t);
            fputs(t, out);
        } else {
            fprintf(out, "%" PRId64, max ? st->max.i : st->min.i);
        }
    }
}

int hb_inspect_parquet(const char *path, FILE *out, hb_err *err)
{
    /* open the file's directory as a local store and the file as its key */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *key = path;
    if (slash) {
        key = path + (slash - dir) + 1;
        *slash = '\0';
        if (!dir[0])
            strcpy(dir, "/");
    } else {
        strcpy(dir, ".");
    }
    hb_storage_port st;
    int rc = hb_storage_local_open(dir, &st, err);
    if (rc)
        return rc;
    hb_pq_reader *r = NULL;
    if ((rc = hb_pq_reader_open(&st, key, &r, err)))
        goto out;
    const hb_pq_file_meta *m = hb_pq_reader_meta(r);
    fprintf(out, "file:        %s\n", path);
    fprintf(out, "size:        %" PRIu64 " bytes\n", hb_pq_reader_file_size(r));
    fprintf(out, "created by:  %s\n", m->created_by ? m->created_by : "(not recorded)");
    fprintf(out, "rows:        %" PRIu64 "\n", hb_pq_reader_rows(r));
    fprintf(out, "row groups:  %zu\n", hb_pq_reader_row_groups(r));
    for (size_t i = 0; i < m->n_key_value_metadata; i++)
        fprintf(out, "metadata:    %s = %s\n", m->key_value_metadata[i].key,
                m->key_value_metadata[i].value ? m->key_value_metadata[i].value : "(null)");
    fputs("\nschema:\n", out);
    for (size_t i = 1; i < m->n_schema; i++) {
        const hb_pq_schema_element *se = &m->schema[i];
        fprintf(out, "  %-24s %s%s", se->name, se->has_type ? type_name(se->type) : "(group)",
                se->has_repetition_type && se->repetition_type == HB_PQ_REQUIRED ? " REQUIRED" : " OPTIONAL");
        logical(out, se);
        if (i - 1 < hb_pq_reader_ncols(r))
            fprintf(out, "  [%s]", role_name(hb_pq_reader_col(r, i - 1)->role));
        fputc('\n', out);
    }
    for (size_t g = 0; g < m->n_row_groups; g++) {
        const hb_pq_row_group *rg = &m->row_groups[g];
        fprintf(out, "\nrow group %zu: %" PRId64 " rows, %" PRId64 " bytes uncompressed", g, rg->num_rows,
                rg->total_byte_size);
        if (rg->has_total_compressed_size)
            fprintf(out, ", %" PRId64 " compressed", rg->total_compressed_size);
        fputc('\n', out);
        for (size_t c = 0; c < rg->n_columns; c++) {
            const hb_pq_column_meta *cm = rg->columns[c].meta_data;
            if (!cm)
                continue;
            fprintf(out, "  %-24s %-12s %10" PRId64 " -> %10" PRId64 " bytes ",
                    cm->n_path ? cm->path_in_schema[cm->n_path - 1] : "?", codec_name(cm->codec),
                    cm->total_uncompressed_size, cm->total_compressed_size);
            for (size_t e = 0; e < cm->n_encodings; e++)
                fprintf(out, "%s%s", e ? "," : "", encoding_name(cm->encodings[e]));
            hb_pq_colstats s;
            if (c < hb_pq_reader_ncols(r) && hb_pq_reader_stats(r, g, c, &s) == HB_OK) {
                const hb_pq_coldef *cd = hb_pq_reader_col(r, c);
                if (s.has_minmax) {
                    fputs("  min=", out);
                    print_value(out, cd, &s, 0);
                    fputs(" max=", out);
                    print_value(out, cd, &s, 1);
                }
                if (s.has_null_count)
                    fprintf(out, " nulls=%" PRIu64, s.null_count);
            }
            fputc('\n', out);
        }
    }
out:
    hb_pq_reader_close(r);
    st.close(st.self);
    return rc;
}
