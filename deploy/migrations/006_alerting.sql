-- 006_alerting.sql - what the alerter raises and delivers: alerts (one row per episode occurrence),
-- the office stream (Clone pattern sequence), the outbox (one row per notification and receiver),
-- receiver delivery state, acknowledgements and silences.
--
-- Every transaction that creates alerts, stream entries or outbox rows first takes
-- pg_advisory_xact_lock(4300006): alerts are raised once even with two alertd on one store, and
-- stream seqs commit in increasing order, so a reader that remembers the last seq never skips one.
-- alertd's watermark over status_change is service_state ('alertd', 'watermark'), advanced in the
-- same transaction that writes the alerts the changes raise.

CREATE TABLE alert (
    id             bigserial PRIMARY KEY,
    episode        text NOT NULL,              -- stable key: KIND|target or task|org|deadline or period
    occurrence     integer NOT NULL DEFAULT 1, -- 2, 3 ... when the condition returns after RESOLVED
    kind           text NOT NULL CHECK (kind IN ('OVERDUE', 'DUE_SOON', 'OFF_TRACK',
                                                 'REPORT_OVERDUE', 'RESOLVED', 'PIPELINE_DOWN',
                                                 'DEAD_LETTER')),
    state          text NOT NULL CHECK (state IN ('open', 'resolved', 'closed')),
    subject        text,                       -- status key "T|..." / "R|...", NULL for meta-alerts
    change_id      bigint,                     -- status_change row that raised it
    task           text,
    task_number    text NOT NULL DEFAULT '',
    task_title     text NOT NULL DEFAULT '',
    target         text,
    target_text    text NOT NULL DEFAULT '',
    indicator      text,
    indicator_name text NOT NULL DEFAULT '',
    unit           text,                       -- REPORT_OVERDUE: the unit that has not reported
    unit_name      text NOT NULL DEFAULT '',
    org            text,
    org_name       text NOT NULL DEFAULT '',
    period         text NOT NULL DEFAULT '',
    deadline       date,
    status         text NOT NULL DEFAULT '',   -- the evaluator's new status
    value_text     text NOT NULL DEFAULT '',   -- the value against the target, in words
    progress       double precision,
    due_soon_days  integer NOT NULL DEFAULT 0,
    lead_units     jsonb NOT NULL DEFAULT '[]', -- [{"code", "name", "inferred"}]
    co_units       jsonb NOT NULL DEFAULT '[]',
    addressees     text[] NOT NULL DEFAULT '{}', -- unit codes it is addressed to (routing)
    evidence       jsonb NOT NULL DEFAULT '{}',
    as_of          date,                       -- the evaluator's date
    resolves       bigint REFERENCES alert,    -- RESOLVED: the alert it clears
    resolved_by    bigint REFERENCES alert,    -- the RESOLVED alert that cleared this one
    resolved_on    date,
    title          text NOT NULL,              -- one line in Chinese
    raised_on      date NOT NULL,              -- alertd's today when raised
    raised_at      timestamptz NOT NULL DEFAULT now(),
    level          integer NOT NULL DEFAULT 0, -- 0 office, 1 escalated to the leading group's office
    escalated_on   date,
    last_notified_on date NOT NULL,            -- raise, last reminder or escalation (alertd's today)
    reminders      integer NOT NULL DEFAULT 0,
    UNIQUE (episode, occurrence)
);
CREATE INDEX alert_subject_open ON alert (subject) WHERE state = 'open';
CREATE INDEX alert_open ON alert (kind) WHERE state = 'open';

-- The office stream (ZeroMQ PUB + snapshot): one entry per notification that the zmq receiver takes.
CREATE TABLE alert_stream (
    seq        bigint PRIMARY KEY,             -- dense, assigned under the raise lock
    alert_id   bigint NOT NULL REFERENCES alert,
    reminder   boolean NOT NULL DEFAULT false,
    level      integer NOT NULL DEFAULT 0,
    as_of_day  date NOT NULL,                  -- alertd's today at the notification
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per notification and webhook/email receiver, committed with the alert it carries.
CREATE TABLE alert_outbox (
    id         bigserial PRIMARY KEY,
    alert_id   bigint NOT NULL REFERENCES alert,
    receiver   text NOT NULL,
    reminder   boolean NOT NULL DEFAULT false,
    level      integer NOT NULL DEFAULT 0,
    as_of_day  date NOT NULL,
    group_key  text NOT NULL DEFAULT '',       -- storm grouping: the alert's first lead unit
    state      text NOT NULL CHECK (state IN ('pending', 'sent', 'dead', 'silenced')),
    not_before timestamptz NOT NULL,           -- created_at + group wait
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    batch      bigint,                         -- first outbox id of the message it went out in
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX alert_outbox_pending ON alert_outbox (receiver, id) WHERE state = 'pending';
CREATE INDEX alert_outbox_alert ON alert_outbox (alert_id);

-- Per receiver: the delivery lock (claimed FOR UPDATE SKIP LOCKED) and the retry backoff.
CREATE TABLE alert_receiver (
    name            text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    last_ok_at      timestamptz
);

CREATE TABLE alert_ack (
    alert_id bigint PRIMARY KEY REFERENCES alert,
    acked_by text NOT NULL,
    note     text NOT NULL DEFAULT '',
    acked_at timestamptz NOT NULL DEFAULT now()
);

-- Notifications of matching alerts are suppressed (recorded as 'silenced') while today <= until.
CREATE TABLE alert_silence (
    id         bigserial PRIMARY KEY,
    task       text,
    target     text,
    org        text,
    kind       text,
    until      date NOT NULL,
    reason     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expired_at timestamptz,                    -- ended early by `planctl alerts silence --expire`
    CHECK (task IS NOT NULL OR target IS NOT NULL OR org IS NOT NULL OR kind IS NOT NULL)
);
