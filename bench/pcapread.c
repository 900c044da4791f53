/* trawl-pcapread: reads a capture file through libpcap (trawl_pcap_next) and
 * does nothing else, the floor under `trawl scan` of the same file for
 * bench/pcap.sh. Prints "PACKETS BYTES CPU_SECONDS WALL_SECONDS". */
#include <stdio.h>
#include <time.h>

#include "trawl_capture.h"

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: trawl-pcapread FILE.pcap\n", stderr);
        return 2;
    }
    struct trawl_error err = {0};
    struct trawl_pcap *pc;
    double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
    if (trawl_pcap_open(argv[1], 0, &pc, &err)) {
        fprintf(stderr, "trawl-pcapread: %s: %s\n", err.where, err.msg);
        return 2;
    }
    struct trawl_pkt pkt;
    unsigned long long n = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = trawl_pcap_next(pc, &pkt, &err)) == 1) {
        n++;
        bytes += pkt.caplen;
        sum += pkt.data[pkt.caplen - 1]; /* touch the frame, as a decoder would */
    }
    trawl_pcap_close(pc);
    if (rc < 0) {
        fprintf(stderr, "trawl-pcapread: %s: %s\n", err.where, err.msg);
        return 2;
    }
    printf("%llu %llu %.4f %.4f\n", n, bytes, clk(CLOCK_PROCESS_CPUTIME_ID) - c0,
           clk(CLOCK_MONOTONIC) - w0);
    volatile unsigned long long keep = sum; /* the loads stay */
    (void)keep;
    return 0;
}
