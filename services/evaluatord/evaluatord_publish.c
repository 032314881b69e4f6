/*  evaluatord_publish.c - StatusChange and Heartbeat on the evaluator's PUB socket */
#include "evaluatord.h"

#include "bus.h"
#include "log.h"

int
evaluatord_publish_change(zsock_t *pub, const evaluatord_change_t *c)
{
    Planwatch__V1__StatusChange msg = PLANWATCH__V1__STATUS_CHANGE__INIT;
    msg.id = (uint64_t)c->id;
    msg.key = c->key;
    msg.target = c->target;
    msg.org = c->org;
    msg.period = c->period;
    msg.indicator = c->indicator;
    msg.unit = c->unit;
    msg.old_status = c->old_status;
    msg.new_status = c->new_status;
    msg.as_of = (char *)c->as_of;
    msg.progress = c->progress;
    msg.has_progress = c->has_progress;
    msg.evidence_json = c->evidence;
    msg.deadline = (char *)c->deadline;
    msg.due_soon_days = c->due_soon_days;
    msg.awaiting = c->awaiting;
    //  A PUB never blocks: a subscriber too slow to keep up loses prompts, never data (the
    //  alerter reads status_change by id).
    if (bus_send_nowait(pub, &msg.base) != 0) {
        log_warnx("eval.publish_dropped", "id=%lld key=%s", (long long)c->id, c->key);
        return -1;
    }
    log_info("eval.status_change", "id=%lld key=%s old=%s new=%s due_soon=%d awaiting=%d",
             (long long)c->id, c->key, *c->old_status ? c->old_status : "-", c->new_status,
             c->due_soon_days, c->awaiting);
    return 0;
}

int
evaluatord_publish_heartbeat(zsock_t *pub, uint64_t seq, day_t as_of, int64_t change_id)
{
    char day[DAY_TEXT_SIZE];
    Planwatch__V1__Heartbeat msg = PLANWATCH__V1__HEARTBEAT__INIT;
    msg.service = "evaluatord";
    msg.seq = seq;
    msg.as_of = as_of ? day_format(as_of, day) : "";
    msg.sent_at_ms = zclock_time();
    msg.last_change_id = (uint64_t)change_id;
    return bus_send_nowait(pub, &msg.base);
}
