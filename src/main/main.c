/* hyperbytedb [-c FILE] [serve] | version | --help */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/inspect.h"
#include "base/log.h"
#include "main/bootstrap.h"

extern char **environ;

static void usage(FILE *f)
{
    fprintf(f,
            "HyperbyteDB %s: a time-series database speaking the InfluxDB 1.x API\n"
            "\n"
            "usage: hyperbytedb [-c FILE] [serve]   start the server (default command)\n"
            "       hyperbytedb inspect FILE.parquet\n"
            "                                       schema, row groups, encodings, statistics\n"
            "       hyperbytedb version             print the version\n"
            "       hyperbytedb --help              this text\n"
            "\n"
            "Configuration: built-in defaults, then the TOML file given with -c\n"
            "(see hyperbytedb.example.toml), then environment variables\n"
            "HYPERBYTEDB__SECTION__KEY, e.g. HYPERBYTEDB__SERVER__PORT=8087.\n",
            HB_VERSION);
}

/* Request buffers (a 10,000-line body inflates to ~1.5 MB) are larger than
 * glibc's default mmap threshold, so each request would map fresh pages and
 * fault them in (a quarter of the ingest CPU time). Keeping them on the heap
 * and not trimming it lets requests reuse warm memory. */
static void tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

static int serve(const char *config_path)
{
    hb_config cfg;
    hb_err err;
    if (hb_config_load(&cfg, config_path, environ, &err)) {
        fprintf(stderr, "hyperbytedb: configuration: %s\n", err.msg);
        return 2;
    }
    hb_log_configure(cfg.logging.level, cfg.logging.format);
    tune_malloc();

    /* Signals are taken synchronously by this thread only: block them before
     * any other thread starts so every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    hb_server srv;
    if (hb_server_start(&srv, &cfg, &err)) {
        hb_log_error("start-up failed: %s", err.msg);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    hb_log_info("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    hb_server_stop(&srv);
    hb_log_info("HyperbyteDB shut down cleanly");
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    const char *cmd = "serve";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
            if (++i >= argc) {
                fprintf(stderr, "hyperbytedb: %s needs a file name\n", a);
                return 2;
            }
            config_path = argv[i];
        } else if (!strcmp(a, "version") || !strcmp(a, "--version") || !strcmp(a, "-v")) {
            cmd = "version";
        } else if (!strcmp(a, "inspect")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hyperbytedb: inspect needs a Parquet file\n");
                return 2;
            }
            hb_err err;
            if (hb_inspect_parquet(argv[i + 1], stdout, &err)) {
                fprintf(stderr, "hyperbytedb: inspect: %s\n", err.msg);
                return 1;
            }
            return 0;
        } else if (!strcmp(a, "serve") || !strcmp(a, "run")) {
            cmd = "serve";
        } else {
            fprintf(stderr, "hyperbytedb: unknown argument \"%s\"\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!strcmp(cmd, "version")) {
        printf("HyperbyteDB %s (InfluxDB %s API)\n", HB_VERSION, HB_INFLUX_VERSION);
        return 0;
    }
    return serve(config_path);
}
