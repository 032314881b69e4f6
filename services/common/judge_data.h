/*  judge_data.h - private to the judge: how judge_data.c holds the figures, which judge.c reads.

    Not for other modules: they use the functions of judge.h.
*/
#ifndef PW_JUDGE_DATA_H
#define PW_JUDGE_DATA_H

#include "judge.h"

#include <czmq.h>

//  The latest version of each period of one (org, indicator): a dense array over ordinals.
typedef struct {
    int t0;        //  ordinal of slot 0
    int n;         //  slots in use
    int cap;       //  slots allocated
    double *value; //  figure of each slot
    int64_t *cid;  //  change id of the version held, 0 for no figure
} series_t;

//  One milestone report.
typedef struct {
    bool done;         //  state "done" (else "started")
    day_t reached_on;  //  the date the state was reached
    int64_t change_id; //  its change id
} report_t;

typedef struct {
    report_t *items; //  reports of one milestone target
    size_t count;    //  entries in items
    size_t cap;      //  slots allocated
} reports_t;

//  One code in the lookup table the COPY reader uses (open addressing, no copies of the text).
typedef struct {
    const char *code; //  borrowed from the catalog, NULL for an empty slot
    uint32_t len;     //  strlen(code)
    uint16_t kind;    //  0 org unit, 1 indicator
    uint32_t index;   //  catalog index + 1
} code_slot_t;

struct judge_data_t {
    const catalog_t *cat; //  the plan (borrowed)
    size_t n_orgs;        //  org units of the catalog
    size_t n_inds;        //  indicators of the catalog
    size_t n_targets;     //  targets of the catalog
    zhashx_t *org_index;  //  org code -> index + 1
    zhashx_t *ind_index;  //  indicator code -> index + 1
    zhashx_t *tgt_index;  //  target code -> index + 1
    series_t *grid;       //  n_orgs x n_inds series
    reports_t *reports;   //  per target: its milestone reports
    int **children;       //  per org: indexes of its cities (level city, parent = org)
    int *child_count;     //  per org: entries in children
    int nation;           //  index of 100000, -1 when absent
    code_slot_t *codes;   //  org and indicator codes by (kind, text)
    size_t code_mask;     //  slots in codes - 1 (a power of two)
    int64_t change_id;    //  highest change id applied
    size_t figures;       //  slots holding a figure
};

struct judge_touch_t {
    zhashx_t *keys; //  "S|org|indicator" and "M|target" (no items)
};

//  The series of (org, indicator) by catalog index.
series_t *judge_data_series(const judge_data_t *self, size_t org, size_t ind);

//  The figure of period t of a series, or NULL.
static inline const double *
judge_series_at(const series_t *s, int t)
{
    if (t < s->t0 || t >= s->t0 + s->n || s->cid[t - s->t0] == 0)
        return NULL;
    return &s->value[t - s->t0];
}

//  Index + 1 of a code in one of the data's indexes, 0 when absent.
size_t judge_data_index(zhashx_t *index, const char *code);

//  True when the touched set holds the milestone target.
bool judge_touch_has_milestone(const judge_touch_t *self, const char *target);

#endif
