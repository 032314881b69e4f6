-- 007_catalog_units.sql - what the catalog adds to 001: how each series is projected, and
-- responsible units per target.
--
-- indicator.projection: how the evaluator projects the series to a deadline ('compound' at the
-- observed compound annual growth rate, 'linear' at the observed average change: counts that
-- can start at 0). See services/evaluatord/README.md.
-- target_unit: the units responsible for one target when they differ from its task's
-- (deploy/plan/target_units.csv); a target without rows takes all of its task's units.

ALTER TABLE indicator
    ADD COLUMN projection text NOT NULL DEFAULT 'compound'
        CHECK (projection IN ('compound', 'linear'));

CREATE TABLE target_unit (
    target   text NOT NULL REFERENCES target DEFERRABLE INITIALLY DEFERRED,
    unit     text NOT NULL REFERENCES resp_unit DEFERRABLE INITIALLY DEFERRED,
    role     text NOT NULL CHECK (role IN ('lead', 'co')),
    inferred boolean NOT NULL DEFAULT false, -- the seed does not name it for this target
    ord      integer NOT NULL,
    PRIMARY KEY (target, unit)
);
