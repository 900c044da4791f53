/* trawl bench: the built-in benign corpus (tools/bench_corpus.c). Text logs
 * of the kinds trawl scans in practice, full of the common infrastructure
 * that careless indicator sets catch by mistake. */
#ifndef TRAWL_BENCH_CORPUS_H
#define TRAWL_BENCH_CORPUS_H

#include <stdint.h>
#include <stdio.h>

/* Writes about `bytes` bytes (whole lines, at least `bytes`) of generated
 * benign logs to f: squid proxy, BIND and dnsmasq DNS, Apache access, syslog
 * (sshd, systemd-resolved, kernel firewall), firewall flows and EDR-style
 * JSON events. The output depends only on bytes and seed. Returns 0, or -1
 * when writing failed (errno set). *lines gets the number of lines. */
int bench_corpus_write(FILE *f, uint64_t bytes, uint64_t seed, uint64_t *lines);

/* Writes a deterministic benign capture of `packets` Ethernet/IPv4 frames:
 * DNS queries to public resolvers and single-segment HTTP requests, for the
 * same popular and random hosts as the logs. Returns 0 or -1 (errno). */
int bench_corpus_write_pcap(FILE *f, uint64_t packets, uint64_t seed);

#endif
