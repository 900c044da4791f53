/* The indicator set, database and matcher that the engine unit tests build
 * per test (setup: an empty set; teardown: all three freed), shared by
 * test_match.c and test_hits.c. */
#ifndef TRAWL_TEST_ENGINE_FIXTURE_H
#define TRAWL_TEST_ENGINE_FIXTURE_H

#include <criterion/criterion.h>

#include "trawl_engine.h"

static struct trawl_iocset *g_set;
static struct trawl_db *g_db;
static struct trawl_matcher *g_m;

static void setup(void)
{
    cr_assert_eq(trawl_iocset_new(&g_set), 0);
}

static void teardown(void)
{
    trawl_matcher_free(g_m);
    trawl_db_close(g_db);
    trawl_iocset_free(g_set);
    g_m = NULL;
    g_db = NULL;
    g_set = NULL;
}

#endif
