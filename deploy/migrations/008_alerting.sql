-- 008_alerting.sql - what the alerter adds to 006: OVERDUE titles without a frozen day count, and
-- who put a dead-lettered notification back in the queue.
--
-- alert.title of an OVERDUE alert no longer ends in "，已逾期N天": N grows with every reminder, so
-- each notification (office stream, webhook, e-mail, planctl alerts tail/list) adds the count as of
-- its own day. Titles written before this migration lose the count they froze at the raise.
-- alert_outbox.requeued_by / requeued_at: `planctl alerts requeue ID --by NAME` put a 'dead' row
-- back to 'pending' (its attempts and last error are kept; unbatched, it goes in the next message
-- of its receiver, with any other pending rows of its group).

UPDATE alert SET title = regexp_replace(title, '，已逾期[0-9]+天$', '') WHERE kind = 'OVERDUE';

ALTER TABLE alert_outbox
    ADD COLUMN requeued_by text,         -- who requeued it last (planctl alerts requeue --by)
    ADD COLUMN requeued_at timestamptz;  -- when
