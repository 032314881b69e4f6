-- 002_ingest.sql - what reporting units send: feeds with their receipts, every version of every
-- figure, milestone reports.
--
-- change_id is one sequence for observations and milestone reports. Writers take
-- pg_advisory_xact_lock(4300002) before drawing ids, so ids commit in increasing order and a
-- reader that remembers the highest id it has seen (the evaluator's watermark) never skips a row
-- that commits late.

CREATE SEQUENCE change_id_seq;

CREATE TABLE feed (
    unit        text NOT NULL REFERENCES resp_unit DEFERRABLE INITIALLY DEFERRED, -- from the handshake
    feed_id     text NOT NULL,               -- chosen by the sender; unique per unit
    received_at timestamptz NOT NULL DEFAULT now(),
    accepted    integer NOT NULL,
    rejected    integer NOT NULL,
    receipt     bytea NOT NULL,              -- packed planwatch.v1.Receipt, replayed verbatim
    change_id   bigint NOT NULL DEFAULT 0,   -- highest change id the feed wrote
    PRIMARY KEY (unit, feed_id)
);

-- Every version of every figure; the latest change_id of an (org, indicator, period) is current.
CREATE TABLE observation (
    change_id   bigint PRIMARY KEY,
    org         text NOT NULL REFERENCES org_unit DEFERRABLE INITIALLY DEFERRED,
    indicator   text NOT NULL REFERENCES indicator DEFERRABLE INITIALLY DEFERRED,
    period      text NOT NULL,               -- 2023, 2023Q4, 2023-06
    value       double precision NOT NULL,
    note        text NOT NULL DEFAULT '',
    unit        text NOT NULL,               -- reporting unit, from the handshake
    feed_id     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (unit, feed_id) REFERENCES feed DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX observation_series ON observation (org, indicator, period, change_id DESC);

CREATE TABLE milestone_report (
    change_id   bigint PRIMARY KEY,
    target      text NOT NULL REFERENCES target DEFERRABLE INITIALLY DEFERRED,
    state       text NOT NULL CHECK (state IN ('started', 'done')),
    reached_on  date NOT NULL,
    evidence    text NOT NULL DEFAULT '',
    unit        text NOT NULL,
    feed_id     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (unit, feed_id) REFERENCES feed DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX milestone_report_target ON milestone_report (target, change_id DESC);
