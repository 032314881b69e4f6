-- 003_evaluator.sql - what the evaluator concludes: the current status of every subject and the
-- log of every change, which the alerter follows.
--
-- A subject is a target judged for an org unit and period (key "T|<target>|<org>|<period>") or a
-- unit's reporting duty for one series and period (key "R|<unit>|<org>|<indicator>|<period>").
-- status_change ids commit in increasing order (writers take pg_advisory_xact_lock(4300003)),
-- so the alerter's watermark never skips a change.

CREATE TABLE status (
    key           text PRIMARY KEY,
    target        text,                      -- NULL for reporting duties
    org           text NOT NULL,
    period        text NOT NULL DEFAULT '',
    indicator     text,                      -- reporting duties: the series due
    unit          text,                      -- reporting duties: the unit expected to report
    status        text NOT NULL CHECK (status IN ('ACHIEVED', 'ON_TRACK', 'AT_RISK', 'OFF_TRACK',
                                                  'OVERDUE', 'NO_DATA', 'REPORT_OVERDUE',
                                                  'REPORTED')),
    progress      double precision,          -- P, when computed
    due_soon_days integer NOT NULL DEFAULT 0, -- due-soon lead time crossed (90, 30, 7) or 0
    awaiting      boolean NOT NULL DEFAULT false, -- deadline passed, its period's figure not yet due
    deadline      date,
    as_of         date NOT NULL,
    evidence      jsonb NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    change_id     bigint NOT NULL            -- status_change row that set this
);
CREATE INDEX status_target ON status (target);

CREATE TABLE status_change (
    id            bigserial PRIMARY KEY,
    key           text NOT NULL,
    target        text,
    org           text NOT NULL,
    period        text NOT NULL DEFAULT '',
    indicator     text,
    unit          text,
    old_status    text,                      -- NULL when first judged
    new_status    text NOT NULL,
    progress      double precision,
    due_soon_days integer NOT NULL DEFAULT 0,
    awaiting      boolean NOT NULL DEFAULT false,
    deadline      date,
    as_of         date NOT NULL,
    evidence      jsonb NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_change_key ON status_change (key, id);

-- Small named values a service keeps between runs (the evaluator's change watermark ...).
CREATE TABLE service_state (
    service    text NOT NULL,
    name       text NOT NULL,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, name)
);
