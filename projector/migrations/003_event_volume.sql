-- Rows and bytes the audit log takes per day and event family (projector/families.py), kept by the
-- projector with each batch: the operator's growth report costs one small table, not a scan of `events`.
CREATE TABLE event_volume (
    day        date   NOT NULL,  -- UTC day of the stream entry's id
    family     text   NOT NULL,
    rows       bigint NOT NULL,
    raw_bytes  bigint NOT NULL,  -- the stored envelopes' text (the jsonb copy and indexes come on top)
    PRIMARY KEY (day, family)
);
